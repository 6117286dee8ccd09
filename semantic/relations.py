"""Row relations: each source of the model as a CTE of one app's rows, with `minis_day`.

The statement compilers ask for a source's rows between two day bounds, with or without the
answer's dimension filters; each distinct request becomes one CTE of the statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlglot import exp

from semantic.first_rows import FirstRows, read_query, stored_for
from semantic.model import FilterKind, Match, SemanticModel, Source
from semantic.query import FilterValue, QueryError, Scope
from semantic.sqlparts import (
    Params,
    bind_placeholders,
    col,
    parse,
    qualify,
    utc_day,
    utc_midnight,
)

DAY = "minis_day"  # the UTC day of a row, added to every relation
ROW = "t"


@dataclass(frozen=True)
class RowsKey:
    source: str
    lo: str | None  # name of a bound ("span_lo", ...) or None for unbounded
    hi: str | None
    filtered: bool


class Statement:
    """The CTEs and parameters of one statement being built."""

    def __init__(self, *, model: SemanticModel, scope: Scope, params: Params | None = None):
        self.model = model
        self.scope = scope
        self.params = params or Params()
        self.ctes: dict[str, exp.Expr] = {}
        self.materialized: set[str] = set()
        self._rows: dict[RowsKey, str] = {}
        self.bounds: dict[str, dt.date] = {}

    # -- parameters -------------------------------------------------------------------
    def app(self) -> exp.Expr:
        return self.params.named("app_id", self.scope.app_id, "text")

    def set_bound(self, name: str, value: dt.date) -> None:
        """Name a day; it becomes a bind parameter the first time an expression uses it."""
        self.bounds[name] = value

    def bound(self, name: str) -> exp.Expr:
        return self.params.named(name, self.bounds[name], "date")

    def parameter(self, name: str) -> exp.Expr:
        definition = self.model.filters.get(name)
        if definition is None or definition.kind is not FilterKind.PARAMETER:
            raise QueryError(f"expression reads :{name}, which is not a parameter filter")
        value = self.scope.filters.get(name, definition.default)
        sql_type = "text" if definition.values else "boolean"
        return self.params.named(f"param:{name}", value, sql_type)

    def expression(self, text: str, alias: str) -> exp.Expr:
        """A model expression over the columns of the relation `alias`."""
        return bind_placeholders(qualify(parse(text), alias), self.parameter)

    # -- CTEs -------------------------------------------------------------------------
    def add_cte(self, name: str, query: exp.Expr, *, materialized: bool = False) -> str:
        """Add a CTE; `materialized`: computed once even where PostgreSQL would inline it
        (a CTE read once, inside a subquery run per row, would be computed per row)."""
        self.ctes[name] = query
        if materialized:
            self.materialized.add(name)
        return name

    def with_ctes(self, final: exp.Select) -> exp.Select:
        """`final` with every CTE built, in order (attached as they are, without copies)."""
        if not self.ctes:
            return final
        ctes = [
            exp.CTE(
                this=query,
                alias=exp.TableAlias(this=exp.to_identifier(name)),
                materialized=True if name in self.materialized else None,
            )
            for name, query in self.ctes.items()
        ]
        final.set("with_", exp.With(expressions=ctes))
        return final

    def rows(self, source_name: str, *, lo: str | None, hi: str | None, filtered: bool) -> str:
        key = RowsKey(source_name, lo, hi, filtered)
        if key not in self._rows:
            name = f"rows_{source_name}_{len(self._rows)}"
            self._rows[key] = self.add_cte(name, self._rows_query(key))
        return self._rows[key]

    # -- building ---------------------------------------------------------------------
    def source(self, name: str) -> Source:
        return self.model.sources[name]

    def root(self, source: Source) -> Source:
        while source.first_of is not None:
            source = self.source(source.first_of.name)
        return source

    def _table_rows(self, source: Source) -> exp.Select:
        """All of the app's rows of a table source, with the day column."""
        time = col(source.time, ROW)
        day = time if source.time_is_date else utc_day(time)
        query = (
            exp.select(exp.Star(), exp.alias_(day, DAY))
            .from_(exp.alias_(exp.to_table(source.table or ""), ROW, table=True))
            .where(exp.EQ(this=col("app_id", ROW), expression=self.app()))
        )
        if source.where:
            query = query.where(self.expression(source.where, ROW))
        return query

    def _base_rows(self, source: Source) -> exp.Select:
        if source.first_of is None:
            return self._table_rows(source)
        first = self._first_rows(source.first_of.name)
        return exp.select(exp.Star()).from_(exp.alias_(exp.to_table(first), ROW, table=True))

    def _first_rows(self, parent_name: str) -> str:
        """CTE of each user's first row of `parent_name`, built once per statement however
        many relations (filtered, unfiltered, per user) read it."""
        name = f"first_rows_{parent_name}"
        if name not in self.ctes:
            parent = self.source(parent_name)
            root = self.root(parent)
            if root.user is None:
                raise QueryError(f"source {parent_name} has no users to take first rows of")
            stored = self._stored_first(parent_name)
            if stored is not None:  # kept by `minis refresh` (semantic/first_rows.py)
                first = read_query(stored, app=self.app(), alias=ROW)
            else:
                ordering = [col(root.user, ROW), col(root.time, ROW), col(root.key, ROW)]
                first = self._base_rows(parent).distinct(col(root.user, ROW)).order_by(*ordering)
            self.add_cte(name, first)
        return name

    def _stored_first(self, parent_name: str) -> FirstRows | None:
        """The stored first rows of `parent_name`, when they are current through every day
        the statement may read (else its rows are taken from the raw rows)."""
        through = self.scope.derived_through
        if through is None or through < self.scope.reporting_day:
            return None
        return stored_for(self.model, parent_name)

    def _rows_query(self, key: RowsKey) -> exp.Select:
        source = self.source(key.source)
        root = self.root(source)
        query = self._base_rows(source)
        # for a first_of source, bounds and filters apply after the first row is chosen
        time = col(root.time, ROW)
        if key.lo is not None:
            lo = self.bound(key.lo)
            query = query.where(
                exp.GTE(this=time, expression=lo if root.time_is_date else utc_midnight(lo))
            )
        if key.hi is not None:
            hi = self.bound(key.hi)
            if root.time_is_date:
                query = query.where(exp.LTE(this=time, expression=hi))
            else:
                after = exp.Add(this=hi, expression=exp.Literal.number(1))
                query = query.where(exp.LT(this=time, expression=utc_midnight(after)))
        if source.first_of is not None and self._stored_first(source.first_of.name):
            # the same bounds on the stored day, which the stored rows' index holds
            day = col(DAY, ROW)
            if key.lo is not None:
                query = query.where(exp.GTE(this=day, expression=self.bound(key.lo)))
            if key.hi is not None:
                query = query.where(exp.LTE(this=day.copy(), expression=self.bound(key.hi)))
        for match in source.requires:
            query = query.where(self._match(match, root))
        flags = [exp.alias_(self._match(match, root), flag) for flag, match in source.flags.items()]
        if flags:
            query = query.select(*flags)
        if key.filtered:
            for condition in self.filter_conditions(source, ROW):
                query = query.where(condition)
        return query

    def _match(self, match: Match, root: Source) -> exp.Expr:
        other = self.source(match.source.name)
        if other.first_of is not None or root.user is None or other.user is None:
            raise QueryError(f"source {match.source.name} cannot be matched by user")
        o_time, t_time = col(other.time, "o"), col(root.time, ROW)
        window = exp.Interval(this=exp.Literal.string(str(match.within_days)), unit=exp.var("DAY"))
        conditions: list[exp.Expr] = [
            exp.EQ(this=col("app_id", "o"), expression=self.app()),
            exp.EQ(this=col(other.user, "o"), expression=col(root.user, ROW)),
            exp.LTE(this=o_time, expression=t_time),
            exp.GTE(this=o_time.copy(), expression=exp.Sub(this=t_time.copy(), expression=window)),
        ]
        if other.where:
            conditions.append(self.expression(other.where, "o"))
        if match.same_day:
            conditions.append(
                exp.EQ(this=utc_day(o_time.copy()), expression=utc_day(t_time.copy()))
            )
        subquery = (
            exp.select(exp.Literal.number(1))
            .from_(exp.alias_(exp.to_table(other.table or ""), "o", table=True))
            .where(exp.and_(*conditions))
        )
        return exp.Exists(this=subquery)

    def dimensions_of(self, source: Source) -> set[str]:
        own = {d.name for d in source.dimensions}
        return own or (
            self.dimensions_of(self.source(source.first_of.name)) if source.first_of else set()
        )

    def dimension_expression(self, source: Source, dimension: str, alias: str) -> exp.Expr:
        if dimension not in self.dimensions_of(source):
            raise QueryError(f"source {source.name} has no dimension {dimension}")
        return self.expression(self.model.dimensions[dimension].column, alias)

    def filter_conditions(
        self, source: Source, alias: str, *, only: Collection[str] | None = None
    ) -> list[exp.Expr]:
        """The answer's dimension filters, over the rows of `source` named `alias`; with `only`,
        just the filters on those dimensions."""
        conditions = []
        for name, value in self.scope.filters.items():
            definition = self.model.filters.get(name)
            if definition is None or definition.kind is not FilterKind.DIMENSION:
                continue
            assert definition.dimension is not None
            if only is not None and definition.dimension.name not in only:
                continue
            condition = self._dimension_filter(source, definition.dimension.name, value, alias)
            if condition is not None:
                conditions.append(condition)
        return conditions

    def _dimension_filter(
        self, source: Source, dimension: str, value: FilterValue, alias: str
    ) -> exp.Expr | None:
        column = self.dimension_expression(source, dimension, alias)
        if isinstance(value, tuple):
            if not value:
                return None
            array = self.params.named(f"filter:{dimension}", list(value), "text[]")
            return exp.EQ(this=column, expression=exp.Any(this=exp.Paren(this=array)))
        single = self.params.named(f"filter:{dimension}", str(value), "text")
        return exp.EQ(this=column, expression=single)

    def user_type_filters(self) -> Mapping[str, str]:
        """user_type filters set on this answer: first-of source name -> NEW or RETURNING."""
        chosen = {}
        for name, value in self.scope.filters.items():
            definition = self.model.filters.get(name)
            if definition is None or definition.kind is not FilterKind.USER_TYPE:
                continue
            if value in ("NEW", "RETURNING"):
                assert definition.first_of is not None
                chosen[definition.first_of.name] = str(value)
        return chosen

    def user_firsts(self, source_name: str, *, filtered: bool = False) -> str:
        """CTE of each user's first day in `source_name` (unfiltered), as (user_id, first_day);
        `filtered`: only users whose first row passes the answer's filters (the first-session
        rule), with that row's privacy region as `region`."""
        name = f"firsts_{source_name}" + ("_filtered" if filtered else "")
        if name not in self.ctes:
            source = self.source(source_name)
            root = self.root(source)
            user = root.user or "user_id"
            if filtered:
                first = self._first_rows(source_name)
                selects: list[exp.Expr] = [
                    exp.alias_(col(user, "f"), "user_id"),
                    exp.alias_(col(DAY, "f"), "first_day"),
                ]
                region = self.model.config.privacy.region_dimension.name
                if region in self.dimensions_of(source):
                    selects.append(
                        exp.alias_(self.dimension_expression(source, region, "f"), "region")
                    )
                query = exp.select(*selects).from_(exp.alias_(exp.to_table(first), "f", table=True))
                for condition in self.filter_conditions(source, "f"):
                    query = query.where(condition)
            else:
                rows = self._base_rows(source).subquery("f")
                query = (
                    exp.select(
                        exp.alias_(col(user, "f"), "user_id"),
                        exp.alias_(exp.Min(this=col(DAY, "f")), "first_day"),
                    )
                    .from_(rows)
                    .group_by(col(user, "f"))
                )
            self.add_cte(name, query)
        return name
