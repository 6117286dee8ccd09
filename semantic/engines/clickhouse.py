"""ClickHouse: the PostgreSQL-shaped statement tree rewritten in ClickHouse's terms.

The compilers build their statements as PostgreSQL means them; this module rewrites the few
constructs whose ClickHouse form differs (or that sqlglot would pass through unchanged into
SQL ClickHouse rejects or answers differently) and renders the result with sqlglot's ClickHouse
dialect. Each rewrite is one small function in a dispatch table keyed by node type, applied
bottom up, so a rewrite sees its children already rewritten.

The statements expect the session settings of `SETTINGS`: outer joins give NULL (not a type's
default) for a missing side, and aggregates over no rows give NULL as in PostgreSQL.
Bind parameters become ClickHouse query parameters `{pN:Type}`, sent beside the text.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

DIALECT = "clickhouse"

# settings every statement of the compilers is written for
SETTINGS: dict[str, int] = {
    "join_use_nulls": 1,
    "aggregate_functions_null_for_empty": 1,
    "allow_experimental_correlated_subqueries": 1,
    "enable_materialized_cte": 1,
    # a name in a select is its table's column, as in SQL, even where the select gives the
    # same name to another expression (ClickHouse would otherwise read the alias)
    "prefer_column_name_to_alias": 1,
    # the privacy decisions are one statement of many CTEs; planning it takes more steps
    "query_plan_max_optimizations_to_apply": 1_000_000,
}

Rewrite = Callable[[exp.Expr], exp.Expr]


def parameter_name(index: int) -> str:
    """The query parameter bound to PostgreSQL's `$index`."""
    return f"p{index}"


def render(query: exp.Expr, *, pretty: bool = False) -> str:
    tree = _convert(query.copy())
    _read_final(tree)
    return tree.sql(dialect=DIALECT, pretty=pretty)


def _read_final(tree: exp.Expr) -> None:
    """Every stored table is read `FINAL`: its rows as they are once re-sent rows are merged
    (the tables are ReplacingMergeTree, which merges them in the background)."""
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    for table in list(tree.find_all(exp.Table)):
        parent = table.parent
        if (
            table.name in ctes
            or not isinstance(table.this, exp.Identifier)
            or isinstance(parent, (exp.Final, exp.Insert, exp.Schema))
        ):
            continue
        table.replace(exp.Final(this=table.copy()))


def _convert(node: exp.Expr) -> exp.Expr:
    for key, value in list(node.args.items()):
        if isinstance(value, exp.Expr):
            node.set(key, _convert(value))
        elif isinstance(value, list):
            node.set(key, [_convert(v) if isinstance(v, exp.Expr) else v for v in value])
    rewrite = REWRITES.get(type(node))
    return rewrite(node) if rewrite is not None else node


def _type(cast: exp.Cast) -> exp.DataType:
    to = cast.args["to"]
    assert isinstance(to, exp.DataType)
    return to


def _is_type(node: exp.Expr, *types: exp.DType) -> bool:
    return isinstance(node, exp.Cast) and _type(node).this in types


def _int64(value: exp.Expr) -> exp.Expr:
    return exp.func("toInt64", value)


# -- expressions -------------------------------------------------------------------------


def _cast(node: exp.Expr) -> exp.Expr:
    """`CAST($n AS type)` becomes the query parameter `{pn:type}`."""
    assert isinstance(node, exp.Cast)
    inner = node.this
    if isinstance(inner, exp.Parameter):
        kind = _type(node).copy()
        return exp.Placeholder(this=exp.var(parameter_name(int(inner.name))), kind=kind)
    return node


def _at_time_zone(node: exp.Expr) -> exp.Expr:
    """`CAST(day AS timestamp) AT TIME ZONE z`: the instant the day starts in z;
    `instant AT TIME ZONE z`: the instant in z's clock (its date is z's day)."""
    assert isinstance(node, exp.AtTimeZone)
    zone = node.args["zone"]
    if _is_type(node.this, exp.DType.TIMESTAMP):
        return exp.func("toDateTime64", node.this.this, exp.Literal.number(6), zone)
    return exp.func("toTimeZone", node.this, zone)


def _within_group(node: exp.Expr) -> exp.Expr:
    """`percentile_cont(p) WITHIN GROUP (ORDER BY x)`: the exact, interpolated quantile."""
    assert isinstance(node, exp.WithinGroup)
    function = node.this
    order = node.expression
    if not isinstance(function, exp.PercentileCont) or not isinstance(order, exp.Order):
        raise NotImplementedError(f"ClickHouse: {node.sql(dialect='postgres')}")
    value = order.expressions[0].this
    return exp.ParameterizedAgg(
        this="quantileExactInclusive", expressions=[function.this], params=[value]
    )


def _logical_or(node: exp.Expr) -> exp.Expr:
    """`bool_or(x)`: whether any row's x is true (NULL over no rows, as `max` then gives)."""
    return exp.Max(this=node.this)


def _series_values(series: exp.Expr) -> exp.Expr:
    """The array of the values `generate_series(a, b[, 1 day])` gives."""
    lo, hi = series.args["start"], series.args["end"]
    if _is_type(lo, exp.DType.TIMESTAMP) and _is_type(hi, exp.DType.TIMESTAMP):
        # days from lo to hi: lo + 0, lo + 1, ...
        first, last = lo.this, hi.this
        offsets = exp.func(
            "range",
            _int64(
                exp.Add(
                    this=exp.Sub(this=last, expression=first.copy()),
                    expression=exp.Literal.number(1),
                )
            ),
        )
        return exp.func(
            "arrayMap",
            exp.Lambda(
                this=exp.Add(this=first.copy(), expression=exp.column("minis_k")),
                expressions=[exp.to_identifier("minis_k")],
            ),
            offsets,
        )
    return exp.func("range", _int64(lo), exp.Add(this=_int64(hi), expression=exp.Literal.number(1)))


def _is_series(node: exp.Expr | None) -> bool:
    return isinstance(node, exp.GenerateSeries) or (
        isinstance(node, exp.Anonymous) and node.name.lower() == "generate_series"
    )


def _series_args(node: exp.Expr) -> exp.Expr:
    """An `exp.GenerateSeries` of the same bounds, whichever form sqlglot gave."""
    if isinstance(node, exp.GenerateSeries):
        return node
    args = node.expressions
    step = args[2] if len(args) > 2 else None
    return exp.GenerateSeries(start=args[0], end=args[1], step=step)


def _table(node: exp.Expr) -> exp.Expr:
    """`FROM generate_series(a, b) AS s(i)`: a subquery of one row per value."""
    assert isinstance(node, exp.Table)
    if not _is_series(node.this):
        return node
    alias = node.args["alias"]
    column = alias.columns[0].name
    values = _series_values(_series_args(node.this))
    rows = exp.select(exp.alias_(exp.func("arrayJoin", values), column))
    return rows.subquery(alias.name)


def _select(node: exp.Expr) -> exp.Expr:
    assert isinstance(node, exp.Select)
    _distinct_on(node)
    _array_joins(node)
    _subqueries_out_of_joins(node)
    _name_columns(node)
    _expose_correlated(node)
    return _scalar_correlated(node)


def _scalar_correlated(select: exp.Select) -> exp.Expr:
    """A scalar subquery whose one value is a correlated subquery over the scalar's own
    table: ClickHouse drops that table's columns before it runs the inner one unless they are
    projected, and a scalar has one column; so the columns go in a derived table beneath."""
    context = select.parent
    if (
        not isinstance(context, exp.Subquery)
        or isinstance(context.parent, (exp.From, exp.Join))
        or select.args.get("joins")
        or len(select.expressions) != 1
    ):
        return select
    outer = _correlated_columns(select)
    if not outer:
        return select
    value = select.expressions[0]
    name = "minis_value"
    select.set(
        "expressions",
        [
            exp.alias_(value.unalias(), name),
            *[exp.alias_(c.copy(), f"minis_outer_{i}") for i, c in enumerate(outer)],
        ],
    )
    return exp.select(exp.column(name)).from_(select.subquery("minis_scalar"))


def _subqueries_out_of_joins(select: exp.Select) -> None:
    """The conditions of an inner join that hold a subquery move to the WHERE clause (the
    same rows: an inner join keeps the pairs its whole condition holds for, wherever it is
    written); ClickHouse runs no correlated subquery inside a join's condition."""
    moved: list[exp.Expr] = []
    for join in select.args.get("joins") or []:
        on = join.args.get("on")
        if on is None or join.side or join.kind not in ("", "INNER", None):
            continue
        conditions = list(on.flatten()) if isinstance(on, exp.And) else [on]
        kept = [c for c in conditions if not c.find(exp.Subquery, exp.Exists)]
        if len(kept) == len(conditions) or not kept:
            continue
        moved += [c for c in conditions if c.find(exp.Subquery, exp.Exists)]
        join.set("on", exp.and_(*kept))
    if moved:
        where = select.args.get("where")
        conditions = [where.this, *moved] if where is not None else moved
        select.set("where", exp.Where(this=exp.and_(*conditions)))


def _expose_correlated(select: exp.Select) -> None:
    """Project every column of the select's own tables that a subquery among its projections
    reads: ClickHouse drops the columns a select does not project before it runs such
    correlated subqueries past a join. The extra columns come last, named `minis_outer_n`."""
    if not select.args.get("joins"):
        return
    outer = _correlated_columns(select)
    extra = [exp.alias_(c.copy(), f"minis_outer_{i}") for i, c in enumerate(outer)]
    select.set("expressions", [*select.expressions, *extra])


def _correlated_columns(select: exp.Select) -> list[exp.Column]:
    """The columns of the select's own tables read by subqueries among its projections."""
    from_ = select.args.get("from_")
    if from_ is None:
        return []
    sources = {from_.this.alias_or_name}
    sources |= {join.this.alias_or_name for join in select.args.get("joins") or []}
    outer: list[exp.Column] = []
    for projection in select.expressions:
        for subquery in projection.find_all(exp.Subquery):
            inner = {t.alias_or_name for t in subquery.find_all(exp.Table, exp.Subquery)}
            inner.discard(subquery.alias_or_name)
            for column in subquery.find_all(exp.Column):
                if column.table in sources - inner and column not in outer:
                    outer.append(column)
    return outer


def _name_columns(select: exp.Select) -> None:
    """`SELECT g.x` names its column `x` in PostgreSQL and `g.x` in ClickHouse: say `AS x`."""
    select.set(
        "expressions",
        [
            exp.alias_(e, e.name) if isinstance(e, exp.Column) and e.table else e
            for e in select.expressions
        ],
    )


def _array_joins(select: exp.Select) -> None:
    """`FROM a CROSS JOIN LATERAL generate_series(...) AS g(d)` becomes
    `FROM (SELECT *, [...] AS g__d FROM a ARRAY JOIN ...) AS a`, and each `g.d` the bare `g__d`
    (a derived table rather than an ARRAY JOIN beside the select's own columns, since a
    correlated subquery of the select cannot see columns past an ARRAY JOIN)."""
    renamed: dict[tuple[str, str], str] = {}
    arrays: list[exp.Expr] = []
    kept: list[exp.Expr] = []
    for join in select.args.get("joins") or []:
        found = _lateral_series(join.this)
        if found is None:
            kept.append(join)
            continue
        alias, column, values = found
        name = f"{alias}__{column}"
        renamed[(alias, column)] = name
        arrays.append(exp.Join(this=exp.alias_(values, name), kind="ARRAY"))
    if not renamed:
        return
    source = select.args["from_"].this
    inner = exp.select(exp.Star(), *[exp.column(n) for n in renamed.values()]).from_(source.copy())
    inner.set("joins", arrays)
    select.set("from_", exp.From(this=inner.subquery(source.alias_or_name)))
    select.set("joins", kept or None)

    def rename(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and (node.table, node.name) in renamed:
            return exp.column(renamed[(node.table, node.name)])
        return node

    for key in ("expressions", "where", "group", "having", "order", "limit", "joins"):
        value = select.args.get(key)
        if isinstance(value, list):
            select.set(key, [v.transform(rename) for v in value])
        elif isinstance(value, exp.Expr):
            select.set(key, value.transform(rename))


def _lateral_series(node: exp.Expr) -> tuple[str, str, exp.Expr] | None:
    """(alias, column, array of values) of `LATERAL generate_series(...) AS alias(column)`."""
    if not isinstance(node, exp.Lateral):
        return None
    table = node.this
    if isinstance(table, exp.Subquery):  # a FROM-series, already rewritten by `_table`
        projection = table.this.expressions[0]
        return table.alias, projection.alias, projection.this.expressions[0]
    if isinstance(table, exp.Table) and _is_series(table.this):
        column = table.args["alias"].columns[0].name
        return table.alias, column, _series_values(_series_args(table.this))
    alias = node.args.get("alias")
    if _is_series(table) and alias is not None and alias.columns:  # as parsed from text
        return alias.name, alias.columns[0].name, _series_values(_series_args(table))
    return None


def _distinct_on(select: exp.Select) -> None:
    """`SELECT DISTINCT ON (keys) ... ORDER BY keys, ...`: the first row of each key in that
    order, which ClickHouse says as `ORDER BY ... LIMIT 1 BY keys`."""
    distinct = select.args.get("distinct")
    if not isinstance(distinct, exp.Distinct) or distinct.args.get("on") is None:
        return
    on = distinct.args["on"]
    keys = on.expressions if isinstance(on, exp.Tuple) else [on]
    select.set("distinct", None)
    select.set("limit", exp.Limit(expression=exp.Literal.number(1), expressions=keys))


def _array(node: exp.Expr) -> exp.Expr:
    """`ARRAY(SELECT x FROM ...)`: the values of a subquery as an array."""
    assert isinstance(node, exp.Array)
    if len(node.expressions) == 1 and isinstance(node.expressions[0], exp.Select):
        query = node.expressions[0]
        value = query.expressions[0].unalias()
        values = exp.func("groupArray", value)
        order = query.args.get("order")
        if order is not None:  # the array in that order: the values sorted, ascending
            keys = [
                k if isinstance(k, exp.Ordered) else exp.Ordered(this=k) for k in order.expressions
            ]
            if len(keys) != 1 or keys[0].this != value or keys[0].args.get("desc"):
                raise NotImplementedError(f"ClickHouse: {node.sql(dialect='postgres')}")
            values = exp.func("arraySort", values)
            query.set("order", None)
        query.set("expressions", [values])
        return query.subquery()
    return node


def _count(node: exp.Expr) -> exp.Expr:
    """`count(...)` is a bigint, as in PostgreSQL (ClickHouse's is unsigned, and a union of
    a count with a signed column would have no common type)."""
    if isinstance(node.parent, (exp.Filter, exp.Window)):
        return node
    return exp.func("toInt64", node)


def _filter(node: exp.Expr) -> exp.Expr:
    assert isinstance(node, exp.Filter)
    if isinstance(node.parent, exp.Window):
        return node
    return exp.func("toInt64", node) if isinstance(node.this, exp.Count) else node


def _window(node: exp.Expr) -> exp.Expr:
    assert isinstance(node, exp.Window)
    if isinstance(node.this, exp.Lag):
        _lag(node)
    counted = node.this.this if isinstance(node.this, exp.Filter) else node.this
    return exp.func("toInt64", node) if isinstance(counted, exp.Count) else node


def _lag(window: exp.Window) -> None:
    """`lag(x) OVER (ORDER BY ...)`: NULL on the first row, as in PostgreSQL (ClickHouse's
    `lag` gives the type's default there): `lagInFrame` of a Nullable x over the rows so far."""
    lag = window.this
    offset = lag.args.get("offset") or exp.Literal.number(1)
    window.set("this", exp.func("lagInFrame", exp.func("toNullable", lag.this), offset))
    window.set(
        "spec",
        exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW"),
    )


def _cte(node: exp.Expr) -> exp.Expr:
    """Every CTE computed once: ClickHouse otherwise inlines a CTE at each reference, and the
    privacy decisions read each level's CTE from several later ones."""
    query = node.this
    correlated = isinstance(query, exp.Select) and any(
        p.find(exp.Subquery) for p in query.expressions
    )
    if not correlated:  # ClickHouse cannot decorrelate a subquery over a materialized CTE
        node.set("materialized", True)
    return node


REWRITES: dict[type[exp.Expr], Rewrite] = {
    exp.CTE: _cte,
    exp.Count: _count,
    exp.Filter: _filter,
    exp.Window: _window,
    exp.Cast: _cast,
    exp.AtTimeZone: _at_time_zone,
    exp.WithinGroup: _within_group,
    exp.LogicalOr: _logical_or,
    exp.Table: _table,
    exp.Select: _select,
    exp.Array: _array,
}
