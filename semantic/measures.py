"""Aggregating CTEs for measures, one row per grain (and breakdown key).

Measures are grouped by how they read rows:
- plain measures of one source share one CTE: rows in each grain's days;
- `per_user` measures aggregate per user first, then over users;
- `cumulative` distinct counts use each user's first qualifying day, compared with each
  grain's last day;
- measures with `members` read the rows of a segment's users (the segment is a CTE of its
  own, per grain), with the answer's filters applied to the segment's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from sqlglot import exp

from semantic.aggregates import aggregate
from semantic.grains import add_grain_days
from semantic.model import Agg, Measure, MeasureRef, Segment, Source, Window
from semantic.privacy import (
    add_privacy_days,
    applies,
    covered_within,
    is_protected,
    kept,
    os_key,
    shown_in,
)
from semantic.privacy_cells import protected_array
from semantic.query import QueryError
from semantic.relations import DAY, Statement
from semantic.segments import member_starts, members_measures, per_member
from semantic.sqlparts import col


@dataclass(frozen=True)
class _Group:
    shape: str  # range, per_user, cumulative, members
    source: str
    detail: str = ""  # the measure (per_user, cumulative) or segment/window (members)


def _column_name(ref: MeasureRef) -> str:
    return "m_" + ref.name.replace(".", "_")


class MeasureCompiler:
    def __init__(self, *, statement: Statement, grains: str, breakdown: str | None) -> None:
        self.statement = statement
        self.grains = grains
        self.breakdown = breakdown
        self._where: dict[str, str] = {}  # measure ref -> CTE
        self._ctes: list[str] = []

    # -- public -----------------------------------------------------------------------
    def compile(self, refs: list[MeasureRef]) -> None:
        groups: dict[_Group, list[MeasureRef]] = {}
        for ref in refs:
            groups.setdefault(self._group_of(ref), []).append(ref)
        for group, members in groups.items():
            cte = self._BUILDERS[group.shape](self, group, members)
            self._ctes.append(cte)
            for ref in members:
                self._where[ref.name] = cte

    def location(self, ref: MeasureRef) -> tuple[str, str]:
        return self._where[ref.name], _column_name(ref)

    def ctes(self) -> list[str]:
        return list(self._ctes)

    def keys_cte(self, others: Sequence[str] = ()) -> str:
        """The breakdown keys of every aggregating CTE (these, and `others`)."""
        parts = [exp.select(col("bkey")).distinct().from_(cte) for cte in [*self._ctes, *others]]
        query: exp.Query = parts[0]
        for part in parts[1:]:
            query = exp.union(query, part, distinct=True)
        return self.statement.add_cte("keys", query)

    # -- grouping ---------------------------------------------------------------------
    def _measure(self, ref: MeasureRef) -> Measure:
        return self.statement.model.measure(ref)

    def _group_of(self, ref: MeasureRef) -> _Group:
        measure = self._measure(ref)
        if measure.members is not None:
            return _Group("members", ref.source, f"{measure.members.name}:{measure.window}")
        if measure.per_user is not None:
            return _Group("per_user", ref.source, ref.measure)
        if measure.window is Window.CUMULATIVE:
            return _Group("cumulative", ref.source, ref.measure)
        return _Group("range", ref.source)

    # -- pieces -----------------------------------------------------------------------
    def _source(self, name: str) -> Source:
        return self.statement.source(name)

    def user_of(self, source: Source) -> str:
        user = self.statement.root(source).user
        if user is None:
            raise QueryError(f"source {source.name} has no users")
        return user

    def _value(self, measure: Measure, alias: str) -> exp.Expr | None:
        return self.statement.expression(measure.expr, alias) if measure.expr else None

    def condition(self, text: str | None, alias: str) -> exp.Expr | None:
        return self.statement.expression(text, alias) if text else None

    def _aggregate(self, measure: Measure, alias: str) -> exp.Expr:
        return aggregate(
            measure.agg,
            value=self._value(measure, alias),
            where=self.condition(measure.where, alias),
            weight=self.condition(measure.weight, alias),
            percentile=measure.percentile,
        )

    def key_of(self, source: Source, alias: str) -> list[exp.Expr]:
        if self.breakdown is None:
            return []
        return [self.statement.dimension_expression(source, self.breakdown, alias)]

    def _in_grain(self, alias: str, grain: str = "g") -> exp.Expr:
        return exp.Between(this=col(DAY, alias), low=col("lo", grain), high=col("hi", grain))

    def _user_type_joins(self, query: exp.Select, source: Source, alias: str) -> exp.Select:
        for first_source, kind in self.statement.user_type_filters().items():
            # NEW: the first row itself must pass the filters and the privacy rule
            new = kind == "NEW"
            firsts = self.statement.user_firsts(first_source, filtered=new)
            uf = f"uf_{first_source}"
            first_day = col("first_day", uf)
            judged: list[exp.Expr] = [
                exp.Between(this=first_day, low=col("lo", "g"), high=col("hi", "g"))
                if new
                else exp.LT(this=first_day, expression=col("lo", "g"))
            ]
            region = self.statement.model.config.privacy.region_dimension.name
            first = self._source(first_source)
            if new and applies(self.statement) and region in self.statement.dimensions_of(first):
                protected = exp.EQ(
                    this=col("region", uf),
                    expression=exp.Any(this=exp.Paren(this=protected_array(self.statement))),
                )
                covered = covered_within(
                    self.statement,
                    self.os_key_of(source, alias),
                    first_day.copy(),
                    col("lo", "g"),
                    col("hi", "g"),
                )
                judged.extend(kept(protected, covered))
            on = exp.and_(
                exp.EQ(this=col("user_id", uf), expression=col(self.user_of(source), alias)),
                *judged,
            )
            query = query.join(exp.alias_(exp.to_table(firsts), uf, table=True), on=on)
        return query

    def grain_days(self) -> str:
        return add_grain_days(self.statement, self.grains)

    # -- privacy ----------------------------------------------------------------------
    def os_key_of(self, source: Source, alias: str) -> exp.Expr:
        return os_key(self.statement, source, alias, breakdown=self.breakdown)

    def kept_by_day(self, source: Source, alias: str, days: str = "gd") -> list[exp.Expr]:
        """Rows of `alias` joined to `grain_days` as `days`: protected ones only from the
        shown cells inside their grain."""
        if not applies(self.statement):
            return []
        covered = shown_in(self.os_key_of(source, alias), col("shown", days))
        return kept(is_protected(self.statement, source, alias), covered)

    def kept_within(
        self, source: Source, alias: str, lo: exp.Expr | None, hi: exp.Expr
    ) -> list[exp.Expr]:
        """Rows of `alias`: protected ones only from shown cells inside [lo, hi]."""
        if not applies(self.statement):
            return []
        covered = covered_within(
            self.statement, self.os_key_of(source, alias), col(DAY, alias), lo, hi
        )
        return kept(is_protected(self.statement, source, alias), covered)

    def rows_by_day(self, rows: str, alias: str, on: list[exp.Expr]) -> exp.Select:
        """FROM grains g JOIN grain_days gd JOIN rows `alias` ON its day and `on`."""
        return (
            exp.select()
            .from_(exp.alias_(exp.to_table(self.grains), "g", table=True))
            .join(
                exp.alias_(exp.to_table(self.grain_days()), "gd", table=True),
                on=exp.EQ(this=col("grain_id", "gd"), expression=col("grain_id", "g")),
            )
            .join(
                exp.alias_(exp.to_table(rows), alias, table=True),
                on=exp.and_(exp.EQ(this=col(DAY, alias), expression=col("day", "gd")), *on),
            )
        )

    def _grain_rows(self, source: Source, rows: str, *, extra: list[exp.Expr]) -> exp.Select:
        """Each row of `rows` in each grain whose days hold it, as `r` beside its grain `g`."""
        query = self.rows_by_day(rows, "r", [*self.kept_by_day(source, "r"), *extra])
        return self._user_type_joins(query, source, "r")

    def finish(self, query: exp.Select, keys: list[exp.Expr], grain: str) -> exp.Select:
        groups: list[exp.Expr] = [col("grain_id", grain)]
        selects: list[exp.Expr] = [col("grain_id", grain)]
        if keys:
            selects.append(exp.alias_(keys[0], "bkey"))
            groups.append(keys[0].copy())
        return query.select(*selects, append=False).group_by(*groups)

    # -- builders ---------------------------------------------------------------------
    def _range(self, group: _Group, refs: list[MeasureRef]) -> str:
        source = self._source(group.source)
        rows = self.statement.rows(source.name, lo="span_lo", hi="span_hi", filtered=True)
        query = self._grain_rows(source, rows, extra=[])
        query = self.finish(query, self.key_of(source, "r"), "g")
        query = query.select(
            *[exp.alias_(self._aggregate(self._measure(r), "r"), _column_name(r)) for r in refs]
        )
        return self.statement.add_cte(f"agg_{len(self._ctes)}", query)

    def _per_user(self, group: _Group, refs: list[MeasureRef]) -> str:
        (ref,) = refs
        measure = self._measure(ref)
        assert measure.per_user is not None
        source = self._source(group.source)
        rows = self.statement.rows(source.name, lo="span_lo", hi="span_hi", filtered=True)
        where = self.condition(measure.where, "r")
        query = self._grain_rows(source, rows, extra=[where] if where is not None else [])
        keys = self.key_of(source, "r")
        query = self.finish(query, keys, "g")
        user = col(self.user_of(source), "r")
        inner_value = aggregate(measure.per_user, value=self._value(measure, "r"))
        query = query.select(exp.alias_(user, "uid"), exp.alias_(inner_value, "v")).group_by(
            user.copy()
        )
        inner = self.statement.add_cte(f"per_user_{len(self._ctes)}", query)
        kept = (
            exp.GTE(this=col("v"), expression=exp.Literal.number(measure.per_user_min))
            if measure.per_user_min is not None
            else None
        )
        outer = self.finish(exp.select().from_(inner), [col("bkey")] if keys else [], inner)
        outer = outer.select(
            exp.alias_(aggregate(measure.agg, value=col("v"), where=kept), _column_name(ref))
        )
        return self.statement.add_cte(f"agg_{len(self._ctes)}", outer)

    def _cumulative(self, group: _Group, refs: list[MeasureRef]) -> str:
        (ref,) = refs
        measure = self._measure(ref)
        if measure.agg is not Agg.COUNT_DISTINCT or self.statement.user_type_filters():
            raise QueryError(f"measure {ref} is cumulative; only distinct counts can be")
        source = self._source(group.source)
        rows = self.statement.rows(source.name, lo=None, hi="span_hi", filtered=True)
        value = self._value(measure, "r")
        assert value is not None
        keys = self.key_of(source, "r")
        # a user counts from the first day an answer ending then may count them
        firsts, first_day = self.counted_from(rows, source, "r")
        where = self.condition(measure.where, "r")
        if where is not None:
            firsts = firsts.where(where)
        firsts = firsts.select(
            exp.alias_(value, "uid"), exp.alias_(exp.Min(this=first_day), "first_day")
        ).group_by(value.copy())
        if keys:
            firsts = firsts.select(exp.alias_(keys[0], "bkey")).group_by(keys[0].copy())
        # users by first day, so that each grain adds up a few days rather than every user
        by_day = (
            exp.select(col("first_day"), exp.alias_(exp.Count(this=exp.Star()), "users"))
            .from_(firsts.subquery("u"))
            .where(exp.not_(exp.Is(this=col("first_day"), expression=exp.Null())))
            .group_by(col("first_day"))
        )
        if keys:
            by_day = by_day.select(col("bkey")).group_by(col("bkey"))
        firsts_cte = self.statement.add_cte(f"firsts_{len(self._ctes)}", by_day)
        counted = (
            exp.select()
            .from_(exp.alias_(exp.to_table(self.grains), "g", table=True))
            .join(
                exp.alias_(exp.to_table(firsts_cte), "f", table=True),
                on=exp.LTE(this=col("first_day", "f"), expression=col("hi", "g")),
            )
        )
        counted = self.finish(counted, [col("bkey", "f")] if keys else [], "g")
        total = exp.cast(exp.Sum(this=col("users", "f")), "bigint")
        counted = counted.select(exp.alias_(total, _column_name(ref)))
        return self.statement.add_cte(f"agg_{len(self._ctes)}", counted)

    def counted_from(self, rows: str, source: Source, alias: str) -> tuple[exp.Select, exp.Expr]:
        """FROM `rows` as `alias` (joined to what it needs), and the first day an answer ending
        then may count a row: its day for an unprotected row, the last day of the smallest
        shown cell holding a protected one (null when no shown cell holds it)."""
        query = exp.select().from_(exp.alias_(exp.to_table(rows), alias, table=True))
        protected = is_protected(self.statement, source, alias) if applies(self.statement) else None
        if protected is None:
            return query, col(DAY, alias)
        days = add_privacy_days(self.statement)
        query = query.join(
            exp.alias_(exp.to_table(days), "p", table=True),
            on=exp.and_(
                exp.EQ(this=col("day", "p"), expression=col(DAY, alias)),
                exp.EQ(this=col("os", "p"), expression=self.os_key_of(source, alias)),
            ),
            join_type="left",
        )
        return query, exp.Case().when(protected, col("chi", "p")).else_(col(DAY, alias))

    def _segment(self, segment: Segment) -> str:
        name = f"segment_{segment.name}"
        if name in self.statement.ctes:
            return name
        source = self._source(segment.source.name)
        cumulative = segment.window is Window.CUMULATIVE
        rows = self.statement.rows(
            source.name, lo=None if cumulative else "span_lo", hi="span_hi", filtered=True
        )
        on: list[exp.Expr] = []
        where = self.condition(segment.where, "s")
        if where is not None:
            on.append(where)
        user = col(self.user_of(source), "s")
        if segment.active_on_reporting_day is not None:
            on.append(self.active_on_reporting_day(segment.active_on_reporting_day.name, user))
        if cumulative:
            on.insert(0, exp.LTE(this=col(DAY, "s"), expression=col("hi", "g")))
            on.extend(self.kept_within(source, "s", None, col("hi", "g")))
            query = (
                exp.select()
                .from_(exp.alias_(exp.to_table(self.grains), "g", table=True))
                .join(exp.alias_(exp.to_table(rows), "s", table=True), on=exp.and_(*on))
            )
        else:
            query = self.rows_by_day(rows, "s", [*self.kept_by_day(source, "s"), *on])
        query = self._user_type_joins(query, source, "s")
        keys = self.key_of(source, "s")
        query = self.finish(query, keys, "g")
        grain_columns = [col(c, "g") for c in ("lo", "hi")]
        query = query.select(
            *grain_columns,
            exp.alias_(user, "uid"),
            exp.alias_(exp.Min(this=col(DAY, "s")), "member_day"),
        ).group_by(*[c.copy() for c in grain_columns], user.copy())
        return self.statement.add_cte(name, query)

    def active_on_reporting_day(self, source_name: str, user: exp.Expr) -> exp.Expr:
        source = self._source(source_name)
        rows = self.statement.rows(
            source.name, lo="reporting_day", hi="reporting_day", filtered=False
        )
        reporting_day = self.statement.bound("reporting_day")
        return exp.Exists(
            this=exp.select(exp.Literal.number(1))
            .from_(exp.alias_(exp.to_table(rows), "a", table=True))
            .where(
                exp.EQ(this=col(self.user_of(source), "a"), expression=user.copy()),
                *self.kept_within(source, "a", reporting_day, reporting_day.copy()),
            )
        )

    def _members(self, group: _Group, refs: list[MeasureRef]) -> str:
        first = self._measure(refs[0])
        assert first.members is not None
        segment = self.statement.model.segments[first.members.name]
        if per_member(self, segment):
            query = members_measures(
                self, source_name=group.source, refs=refs, members=member_starts(self, segment)
            )
            query = query.select(
                *[exp.alias_(self._aggregate(self._measure(r), "r"), _column_name(r)) for r in refs]
            )
            return self.statement.add_cte(f"agg_{len(self._ctes)}", query)
        members = self._segment(segment)
        source = self._source(group.source)
        window = first.window
        bounds: dict[Window, tuple[str | None, str]] = {
            Window.RANGE: ("span_lo", "span_hi"),
            Window.CUMULATIVE: (None, "span_hi"),
            Window.TO_REPORTING_DAY: (None, "reporting_day"),
        }
        lo, hi = bounds[window]
        rows = self.statement.rows(source.name, lo=lo, hi=hi, filtered=False)
        in_window: dict[Window, Callable[[], exp.Expr]] = {
            Window.RANGE: lambda: self._in_grain("r", "m"),
            Window.CUMULATIVE: lambda: exp.LTE(this=col(DAY, "r"), expression=col("hi", "m")),
            Window.TO_REPORTING_DAY: lambda: exp.Between(
                this=col(DAY, "r"),
                low=col("member_day", "m"),
                high=self.statement.bound("reporting_day"),
            ),
        }
        on = [
            exp.EQ(this=col(self.user_of(source), "r"), expression=col("uid", "m")),
            in_window[window](),
            *self.kept_within(source, "r", *self._member_window(window)),
        ]
        query = (
            exp.select()
            .from_(exp.alias_(exp.to_table(members), "m", table=True))
            .join(exp.alias_(exp.to_table(rows), "r", table=True), on=exp.and_(*on))
        )
        query = self.finish(query, [col("bkey", "m")] if self.breakdown else [], "m")
        query = query.select(
            *[exp.alias_(self._aggregate(self._measure(r), "r"), _column_name(r)) for r in refs]
        )
        return self.statement.add_cte(f"agg_{len(self._ctes)}", query)

    def _member_window(self, window: Window) -> tuple[exp.Expr | None, exp.Expr]:
        """The days whose shown cells a members measure may read, per segment grain `m`."""
        if window is Window.CUMULATIVE:
            return None, col("hi", "m")
        if window is Window.TO_REPORTING_DAY:
            return col("lo", "m"), self.statement.bound("reporting_day")
        return col("lo", "m"), col("hi", "m")

    _BUILDERS: ClassVar[dict[str, Callable[[MeasureCompiler, _Group, list[MeasureRef]], str]]] = {
        "range": _range,
        "per_user": _per_user,
        "cumulative": _cumulative,
        "members": _members,
    }
