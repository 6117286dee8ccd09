"""Aggregating CTEs that read the derived tables, in the shape `MeasureCompiler` gives:
one row per grain (and breakdown key) with a column `m_<measure>` per measure.

Cells are matched by their `dims` array: a constrained dimension by its filter values (or any
value, for a breakdown), a dimension of the stored grouping set that the answer does not
constrain by any value (its cells add up), and every other dimension by `*`. Distinct users
are the bitmaps OR-ed (`bit_or`) plus the ordinals of sparse cells that no bitmap holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from sqlglot import exp

from semantic.model import Agg, MeasureRef
from semantic.privacy import answer_key, applies, shown_in
from semantic.privacy_cells import protected_array
from semantic.relations import Statement
from semantic.rollup_till import till_cells
from semantic.rollups import (
    ALL,
    BITMAPS_TABLE,
    CELLS_TABLE,
    UNPROTECTED,
    PartialAgg,
    Rollup,
)
from semantic.routing import RegionMode, Route, Shape, constrained_dimensions
from semantic.sqlparts import col, element, nullif_zero

Match = Callable[[exp.Expr], exp.Expr]  # a condition on a cell's value of a dimension

_COMBINE = {
    PartialAgg.COUNT: exp.Sum,
    PartialAgg.SUM: exp.Sum,
    PartialAgg.MIN: exp.Min,
    PartialAgg.MAX: exp.Max,
}


def _column(ref: MeasureRef) -> str:
    return "m_" + ref.name.replace(".", "_")


def _text(value: str) -> exp.Expr:
    return exp.Literal.string(value)


def _not(value: exp.Expr, text: str) -> exp.Expr:
    return exp.NullSafeNEQ(this=value, expression=_text(text))


def cell_conditions(
    rollup: Rollup,
    grouped: tuple[str, ...],
    alias: str,
    *,
    matches: dict[str, Match],
    breakdown: str | None,
    region: RegionMode,
    covered: exp.Expr | None,
    protected: exp.Expr | None = None,
) -> list[exp.Expr]:
    """Conditions on `alias.dims` selecting the cells of grouping set `grouped` that answer.
    `covered`: whether the cell's day keeps protected rows (None: privacy does not apply);
    `protected`: the protected regions (a text[]), for cells constrained by region."""
    sets = [rollup.gset(grouped)]
    if region is RegionMode.SWITCH and rollup.region is not None:
        sets.append(rollup.gset((*grouped, rollup.region), unprotected=True))
    elif region is RegionMode.VALUES:
        sets.append(rollup.gset(grouped, unprotected=True))
    numbers = [exp.Literal.number(n) for n in sets]
    conditions: list[exp.Expr] = [
        exp.EQ(this=col("gset", alias), expression=numbers[0])
        if len(numbers) == 1
        else exp.In(this=col("gset", alias), expressions=numbers)
    ]
    for name in rollup.dimensions:
        value = element(col("dims", alias), rollup.position(name))
        is_region = name == rollup.region
        if is_region and region is RegionMode.SWITCH:
            choice: exp.Expr = _text(ALL)
            if covered is not None:
                choice = exp.Case().when(covered.copy(), _text(ALL)).else_(_text(UNPROTECTED))
            conditions.append(exp.EQ(this=value, expression=choice))
            continue
        if name not in grouped:
            conditions.append(exp.EQ(this=value, expression=_text(ALL)))
            continue
        if name in matches:
            conditions.append(matches[name](value.copy()))
        elif name == breakdown or not is_region or region is not RegionMode.VALUES:
            conditions.append(_not(value.copy(), ALL))
        if is_region and region is RegionMode.VALUES:
            real = _not(value.copy(), UNPROTECTED)
            if covered is None:
                conditions.append(real)
                continue
            unprotected = exp.EQ(this=value.copy(), expression=_text(UNPROTECTED))
            conditions.append(
                exp.Paren(
                    this=exp.or_(
                        exp.and_(covered.copy(), real),
                        exp.and_(exp.not_(covered.copy()), unprotected),
                    )
                )
            )
        elif is_region:
            conditions.append(_not(value.copy(), UNPROTECTED))
            if region is RegionMode.CONSTRAINED and covered is not None:
                assert protected is not None
                shielded = exp.EQ(
                    this=value.copy(), expression=exp.Any(this=exp.Paren(this=protected.copy()))
                )
                conditions.append(exp.Paren(this=exp.or_(exp.not_(shielded), covered.copy())))
    return conditions


def filter_matches(statement: Statement, rollup: Rollup, breakdown: str | None) -> dict[str, Match]:
    """How the answer's filter values select cells, bound as the raw path binds them."""
    _, values = constrained_dimensions(statement.model, statement.scope, rollup, breakdown)
    matches: dict[str, Match] = {}
    for dimension, value in values.items():
        if isinstance(value, tuple):
            array = statement.params.named(f"filter:{dimension}", list(value), "text[]")
            matches[dimension] = _any_of(array)
        else:
            single = statement.params.named(f"filter:{dimension}", str(value), "text")
            matches[dimension] = _equal_to(single)
    return matches


def _any_of(array: exp.Expr) -> Match:
    return lambda v: exp.EQ(this=v, expression=exp.Any(this=exp.Paren(this=array.copy())))


def _equal_to(value: exp.Expr) -> Match:
    return lambda v: exp.EQ(this=v, expression=value.copy())


def _source_is(alias: str, statement: Statement, rollup: Rollup) -> list[exp.Expr]:
    return [
        exp.EQ(this=col("app_id", alias), expression=statement.app()),
        exp.EQ(this=col("source", alias), expression=_text(rollup.source)),
    ]


def distinct_count(ones: exp.Expr, sparse_ord: exp.Expr) -> tuple[exp.Expr, exp.Expr]:
    """(users of the OR-ed bitmaps, condition that a sparse ordinal is not among them)."""
    counted = exp.Coalesce(
        this=exp.func("bit_count", ones.copy()), expressions=[exp.Literal.number(0)]
    )
    unseen = exp.or_(
        exp.Is(this=ones.copy(), expression=exp.Null()),
        exp.EQ(this=exp.func("get_bit", ones.copy(), sparse_ord), expression=exp.Literal.number(0)),
    )
    return counted, unseen


class RollupMeasures:
    """CTEs for the measures routed to derived tables (see `semantic.routing`)."""

    def __init__(
        self,
        *,
        statement: Statement,
        grains: str,
        grain_days: Callable[[], str],
        breakdown: str | None,
    ) -> None:
        self.statement = statement
        self.grains = grains
        self.grain_days = grain_days
        self.breakdown = breakdown
        self._where: dict[str, str] = {}
        self._ctes: list[str] = []

    def compile(self, routes: list[Route]) -> None:
        groups: dict[tuple[object, ...], list[Route]] = {}
        for r in routes:
            assert r.rollup is not None and r.shape is not None
            key: tuple[object, ...] = (r.shape, r.rollup.source, r.grouped, r.region)
            if r.shape is not Shape.PARTIALS:
                key += (r.ref.name,)
            groups.setdefault(key, []).append(r)
        for members in groups.values():
            cte = self._BUILDERS[members[0].shape](self, members)  # type: ignore[index]
            self._ctes.append(cte)
            for r in members:
                self._where[r.ref.name] = cte

    def location(self, ref: MeasureRef) -> tuple[str, str]:
        return self._where[ref.name], _column(ref)

    def ctes(self) -> list[str]:
        return list(self._ctes)

    def name(self, prefix: str) -> str:
        return f"{prefix}_{len(self.statement.ctes)}"

    def key(self, route: Route, alias: str) -> list[exp.Expr]:
        if self.breakdown is None:
            return []
        assert route.rollup is not None
        return [element(col("dims", alias), route.rollup.position(self.breakdown))]

    def _conditions(self, route: Route, alias: str, *, by_day: bool = True) -> list[exp.Expr]:
        assert route.rollup is not None
        covered: exp.Expr | None = None
        if applies(self.statement) and route.rollup.region is not None:
            if by_day:
                os = self.statement.model.config.privacy.os_dimension.name
                os_row = (
                    element(col("dims", alias), route.rollup.position(os))
                    if self.breakdown == os
                    else None
                )
                key = answer_key(self.statement, os_row=os_row)
                covered = shown_in(key, col("shown", "gd"))
            else:  # routed here only when no cell of the app is shown
                covered = exp.false()
        return self.cells_of(route, alias, covered=covered)

    def cells_of(self, route: Route, alias: str, *, covered: exp.Expr | None) -> list[exp.Expr]:
        """The conditions selecting the cells `alias` that answer `route`, the protected
        rows of a day kept where `covered` holds."""
        assert route.rollup is not None
        return cell_conditions(
            route.rollup,
            route.grouped,
            alias,
            matches=filter_matches(self.statement, route.rollup, self.breakdown),
            breakdown=self.breakdown,
            region=route.region,
            covered=covered,
            protected=protected_array(self.statement)
            if covered is not None and route.region is RegionMode.CONSTRAINED
            else None,
        )

    def _by_day(self, table: str, route: Route, alias: str, extra: list[exp.Expr]) -> exp.Select:
        """FROM grains g JOIN its days gd JOIN the cells `alias` of each day."""
        assert route.rollup is not None
        span = exp.Between(
            this=col("day", alias),
            low=self.statement.bound("span_lo"),
            high=self.statement.bound("span_hi"),
        )
        on = [
            *_source_is(alias, self.statement, route.rollup),
            span,  # the span's days, so that the index reads only them
            exp.EQ(this=col("day", alias), expression=col("day", "gd")),
            *extra,
            *self._conditions(route, alias),
        ]
        return (
            exp.select()
            .from_(exp.alias_(exp.to_table(self.grains), "g", table=True))
            .join(
                exp.alias_(exp.to_table(self.grain_days()), "gd", table=True),
                on=exp.EQ(this=col("grain_id", "gd"), expression=col("grain_id", "g")),
            )
            .join(exp.alias_(exp.to_table(table), alias, table=True), on=exp.and_(*on))
        )

    def _grouped(self, query: exp.Select, keys: list[exp.Expr]) -> exp.Select:
        selects: list[exp.Expr] = [col("grain_id", "g")]
        groups: list[exp.Expr] = [col("grain_id", "g")]
        if keys:
            selects.append(exp.alias_(keys[0], "bkey"))
            groups.append(keys[0].copy())
        return query.select(*selects, append=False).group_by(*groups)

    # -- builders ---------------------------------------------------------------------
    def _partials(self, routes: list[Route]) -> str:
        first = routes[0]
        assert first.rollup is not None
        rollup = first.rollup
        query = self._grouped(self._by_day(CELLS_TABLE, first, "c", []), self.key(first, "c"))
        for r in routes:
            measure = self.statement.model.measure(r.ref)
            parts = [
                _COMBINE[p.agg](this=element(col("sums", "c"), rollup.partial_index(p)))
                for p in r.partials
            ]
            value: exp.Expr
            if measure.agg is Agg.AVG:
                value = exp.Div(this=parts[0], expression=nullif_zero(parts[1]))
            elif measure.agg is Agg.WEIGHTED_AVG:
                value = exp.Div(
                    this=exp.cast(parts[0], "double precision"), expression=nullif_zero(parts[1])
                )
            else:
                value = parts[0]
            query = query.select(exp.alias_(value, _column(r.ref)))
        return self.statement.add_cte(self.name("rollup"), query)

    def _firsts(self, routes: list[Route]) -> str:
        (route,) = routes
        assert route.rollup is not None
        rollup = route.rollup
        on = [
            *_source_is("c", self.statement, rollup),
            exp.LTE(this=col("day", "c"), expression=self.statement.bound("span_hi")),
            exp.LTE(this=col("day", "c"), expression=col("hi", "g")),
            *self._conditions(route, "c", by_day=False),
        ]
        query = (
            exp.select()
            .from_(exp.alias_(exp.to_table(self.grains), "g", table=True))
            .join(exp.alias_(exp.to_table(CELLS_TABLE), "c", table=True), on=exp.and_(*on))
        )
        query = self._grouped(query, self.key(route, "c"))
        total = exp.Sum(this=element(col("sums", "c"), rollup.first_index(route.key)))
        query = query.select(exp.alias_(total, _column(route.ref)))
        return self.statement.add_cte(self.name("rollup"), query)

    def _users(self, routes: list[Route]) -> str:
        """Users of the cells per grain: the bitmaps folded into `ones` (and `twos`, users in
        two of them), plus the sparse cells' ordinals they do not already count."""
        (route,) = routes
        twice = route.shape is Shape.TWICE
        key_is = exp.EQ(this=col("key", "c"), expression=_text(route.key))
        extra: list[exp.Expr] = [key_is] if twice else [key_is, exp.not_(col("twice", "c"))]
        if route.shape is Shape.TILL:
            cells_cte = till_cells(self, route, extra)
        else:
            cells = self._by_day(BITMAPS_TABLE, route, "c", extra).select(
                exp.alias_(col("grain_id", "g"), "grain_id"),
                *[exp.alias_(k, "bkey") for k in self.key(route, "c")],
                col("bits", "c"),
                col("ords", "c"),
            )
            cells_cte = self.statement.add_cte(self.name("cells"), cells)
        keys = ["grain_id", *(["bkey"] if self.breakdown else [])]
        has_bits = exp.not_(exp.Is(this=col("bits"), expression=exp.Null()))
        if twice:
            folded = exp.func("minis_ones_twos", col("bits"))
            parts = [element(col("s", "f"), 1), element(col("s", "f"), 2)]
            inner = (
                exp.select(*[col(k) for k in keys], exp.alias_(folded, "s"))
                .from_(cells_cte)
                .where(has_bits)
                .group_by(*[col(k) for k in keys])
            )
            dense = exp.select(
                *[col(k, "f") for k in keys],
                exp.alias_(parts[0], "ones"),
                exp.alias_(parts[1], "twos"),
            ).from_(inner.subquery("f"))
        else:
            dense = (
                exp.select(
                    *[col(k) for k in keys], exp.alias_(exp.func("bit_or", col("bits")), "ones")
                )
                .from_(cells_cte)
                .where(has_bits)
                .group_by(*[col(k) for k in keys])
            )
        dense_cte = self.statement.add_cte(self.name("dense"), dense)
        sparse = (
            exp.select(
                *[col(k, "x") for k in keys],
                col("o", "u"),
                exp.alias_(exp.Count(this=exp.Star()), "n"),
            )
            .from_(exp.alias_(exp.to_table(cells_cte), "x", table=True))
            .join(
                exp.alias_(exp.Unnest(expressions=[col("ords", "x")]), "u", table=["o"]),
                join_type="cross",
            )
            .group_by(*[col(k, "x") for k in keys], col("o", "u"))
        )
        sparse_cte = self.statement.add_cte(self.name("sparse"), sparse)

        def same(a: str, b: str) -> exp.Expr:
            on: list[exp.Expr] = [exp.EQ(this=col("grain_id", a), expression=col("grain_id", b))]
            if self.breakdown:
                on.append(exp.NullSafeEQ(this=col("bkey", a), expression=col("bkey", b)))
            return exp.and_(*on)

        zero = exp.Literal.number(0)
        absent = exp.Is(this=col("ones", "d"), expression=exp.Null())
        in_ones = exp.func("get_bit", col("ones", "d"), col("o", "p"))
        if twice:
            counted_dense = exp.func("bit_count", col("twos", "d"))
            in_twos = exp.func("get_bit", col("twos", "d"), col("o", "p"))
            unseen = exp.or_(
                exp.and_(absent, exp.GTE(this=col("n", "p"), expression=exp.Literal.number(2))),
                exp.and_(
                    exp.not_(absent.copy()),
                    exp.EQ(this=in_twos, expression=zero.copy()),
                    exp.GTE(
                        this=exp.Add(this=in_ones, expression=col("n", "p")),
                        expression=exp.Literal.number(2),
                    ),
                ),
            )
        else:
            counted_dense = exp.func("bit_count", col("ones", "d"))
            unseen = exp.or_(absent, exp.EQ(this=in_ones, expression=zero.copy()))
        sparse_counts = (
            exp.select(
                *[col(k, "p") for k in keys],
                exp.alias_(
                    exp.Filter(this=exp.Count(this=exp.Star()), expression=exp.Where(this=unseen)),
                    "n",
                ),
            )
            .from_(exp.alias_(exp.to_table(sparse_cte), "p", table=True))
            .join(
                exp.alias_(exp.to_table(dense_cte), "d", table=True),
                on=same("d", "p"),
                join_type="left",
            )
            .group_by(*[col(k, "p") for k in keys])
        )
        counts_cte = self.statement.add_cte(self.name("sparse_counts"), sparse_counts)
        present = exp.select(*[col(k) for k in keys]).distinct().from_(cells_cte)
        total = exp.Add(
            this=exp.Coalesce(this=counted_dense, expressions=[zero.copy()]),
            expression=exp.Coalesce(this=col("n", "s"), expressions=[zero.copy()]),
        )
        query = (
            exp.select(*[col(k, "k") for k in keys], exp.alias_(total, _column(route.ref)))
            .from_(present.subquery("k"))
            .join(
                exp.alias_(exp.to_table(dense_cte), "d", table=True),
                on=same("d", "k"),
                join_type="left",
            )
            .join(
                exp.alias_(exp.to_table(counts_cte), "s", table=True),
                on=same("s", "k"),
                join_type="left",
            )
        )
        return self.statement.add_cte(self.name("rollup"), query)

    _BUILDERS: ClassVar[dict[Shape, Callable[[RollupMeasures, list[Route]], str]]] = {
        Shape.PARTIALS: _partials,
        Shape.FIRSTS: _firsts,
        Shape.DISTINCT: _users,
        Shape.TWICE: _users,
        Shape.TILL: _users,
    }
