"""A plan answered by the GraphQL schema itself: one document asks every app and date range
of the query, so the numbers, the privacy rule, the limits and the error codes are GraphQL's.
Its answer is turned into Cube rows: one per app, breakdown key and time bucket."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

import strawberry
from graphql import GraphQLEnumType
from starlette.requests import Request
from starlette.responses import Response
from strawberry.schema.base import BaseSchema

from gateway.context import Context
from gateway.errors import ErrorCode
from gateway.graphql import GatewayGraphQL
from gateway.schema.naming import pascal
from gateway.surfaces.cube.errors import CubeError
from gateway.surfaces.cube.members import APP_ID
from gateway.surfaces.cube.query import Plan
from semantic.query import Granularity

Row = dict[str, Any]


@dataclass(kw_only=True)
class Answer:
    """The rows of one date range, before they are filtered, ordered and paged."""

    rows: list[Row] = field(default_factory=list)
    suppressed: dict[str, str] = field(default_factory=dict)  # measure -> why it is null


def series_granularities(schema: BaseSchema) -> frozenset[str]:
    """The granularities a metric's series offers in this schema: day, and week and month
    once `series` takes a `granularity` argument."""
    metric = cast(strawberry.Schema, schema)._schema.get_type("Metric")
    series = (getattr(metric, "fields", None) or {}).get("series")
    argument = series.args.get("granularity") if series is not None else None
    if argument is None:
        return frozenset({"day"})
    kind = argument.type
    while hasattr(kind, "of_type"):
        kind = kind.of_type
    if not isinstance(kind, GraphQLEnumType):
        return frozenset({"day"})
    return frozenset(name.lower() for name in kind.values)


def _series(plan: Plan) -> str:
    if plan.granularity is None:
        return ""
    if plan.granularity == "day":
        return " series { date value }"
    return f" series(granularity: {plan.granularity.upper()}) {{ date value }}"


def _selection(plan: Plan, max_breakdown: int) -> str:
    series = _series(plan)
    breakdown = plan.breakdown
    fields = []
    for name in plan.measures:
        measure = plan.cube.measures[name]
        inner = f"value suppressed{series}"
        if breakdown is not None:
            inner += (
                f" breakdown(by: {breakdown.breakdown}, limit: {max_breakdown})"
                f" {{ key value{series} }}"
            )
        fields.append(f"{measure.selection} {{ {inner} }}")
    return " ".join(fields)


async def _apps(plan: Plan, graphql: GatewayGraphQL, context: Context) -> list[str]:
    wanted = plan.filters.apps
    if wanted is None:
        listed = await _execute(graphql, context, f"{{ apps: {plan.cube.root}s {{ id }} }}", {})
        wanted = {app["id"] for app in listed["apps"]}
    apps = sorted(wanted - plan.filters.excluded_apps)
    if not apps:
        raise CubeError(
            f"no {plan.cube.root} is left to answer for: filter {plan.cube.member(APP_ID)}"
            " on the ids of your apps",
            code=ErrorCode.NOT_FOUND,
        )
    if len(apps) > 1 and not plan.by_app:
        raise CubeError(
            f"the query covers {len(apps)} {plan.cube.root}s, whose metrics do not add up: filter "
            f"{plan.cube.member(APP_ID)} to one (equals) or group by it"
        )
    return apps


async def _execute(
    graphql: GatewayGraphQL, context: Context, document: str, variables: dict[str, Any]
) -> dict[str, Any]:
    result = await graphql.schema.execute(
        document, variable_values=variables, context_value=context
    )
    if result.errors:
        first = result.errors[0]
        code = (first.extensions or {}).get("code", ErrorCode.BAD_USER_INPUT.value)
        try:
            error_code = ErrorCode(code)
        except ValueError:
            error_code = ErrorCode.INTERNAL_SERVER_ERROR
        raise CubeError(first.message, code=error_code)
    assert result.data is not None
    return result.data


async def answer(plan: Plan, request: Request, graphql: GatewayGraphQL) -> list[Answer]:
    """One answer per date range of the plan."""
    context = await graphql.get_context(request, Response())
    apps = await _apps(plan, graphql, context)
    pairs = [(app, index) for index in range(len(plan.ranges)) for app in apps]
    aliases = 1 + sum(1 for m in plan.measures if ":" in plan.cube.measures[m].selection)
    most = context.limits.max_aliases
    if len(pairs) * aliases > most:
        raise CubeError(
            f"the query asks {len(apps)} apps over {len(plan.ranges)} date ranges: at most "
            f"{most // aliases} app-ranges fit in one query; split it",
            code=ErrorCode.QUERY_TOO_COMPLEX,
        )
    cap = context.limits.max_breakdown
    filter_type = f"{pascal(plan.cube.kind.value)}{pascal(plan.cube.module.id)}Filter"
    declarations: list[str] = []
    fields: list[str] = []
    variables: dict[str, Any] = {}
    selection = _selection(plan, cap)
    for i, (app, index) in enumerate(pairs):
        start, end = plan.ranges[index]
        declarations.append(f"$a{i}: ID!, $f{i}: {filter_type}")
        fields.append(
            f"q{i}: {plan.cube.root}(id: $a{i}) {{ {plan.cube.module_field}(filter: $f{i}) "
            f"{{ {selection} }} }}"
        )
        variables[f"a{i}"] = app
        variables[f"f{i}"] = {
            "range": {"start": start.isoformat(), "end": end.isoformat()},
            **{k: list(v) if isinstance(v, tuple) else v for k, v in plan.variables.items()},
        }
    document = f"query Cube({', '.join(declarations)}) {{ {' '.join(fields)} }}"
    data = await _execute(graphql, context, document, variables)
    answers = [Answer() for _ in plan.ranges]
    for i, (app, index) in enumerate(pairs):
        found = data[f"q{i}"]
        if found is None:
            raise CubeError(f"no {plan.cube.root} {app}", code=ErrorCode.NOT_FOUND)
        _rows(plan, app, found[plan.cube.module_field], answers[index], cap)
    return answers


def _rows(plan: Plan, app: str, module: dict[str, Any], into: Answer, cap: int) -> None:
    cube = plan.cube
    time = f"{plan.time_member}.{plan.granularity}" if plan.granularity else None
    bucket = Granularity(plan.granularity or Granularity.DAY)
    base: Row = {cube.member(APP_ID): app} if plan.by_app else {}
    rows: dict[tuple[Any, ...], Row] = {}

    def put(key: Any, day: str | None, measure: str, value: Any) -> None:
        row = rows.get((key, day))
        if row is None:
            row = rows[(key, day)] = dict(base)
            if plan.breakdown is not None:
                row[cube.member(plan.breakdown.name)] = key
            if time is not None and day is not None:
                # labelled as Cube labels a bucket: the week's Monday, the month's first day
                # (a GraphQL point is dated by its first day within the range)
                start = bucket.bucket_start(dt.date.fromisoformat(day))
                row[time] = row[plan.time_member] = start
        row[cube.member(measure)] = value

    for name in plan.measures:
        metric = module[cube.measures[name].key]
        if metric.get("suppressed"):
            into.suppressed.setdefault(cube.member(name), metric["suppressed"])
        if plan.breakdown is None:
            if time is None:
                put(None, None, name, metric["value"])
            for point in metric.get("series") or [] if time else []:
                put(None, point["date"], name, point["value"])
            continue
        rows_of = metric["breakdown"]
        if len(rows_of) >= cap and not _top_is_enough(plan, cap):
            raise CubeError(
                f"{cube.member(plan.breakdown.name)} has more than {cap} values here: ask for one "
                f"measure without granularity, ordered by it descending, with offset + limit at "
                f"most {cap}, or filter the query to fewer values",
                code=ErrorCode.QUERY_TOO_COMPLEX,
            )
        for entry in rows_of:
            if time is None:
                put(entry["key"], None, name, entry["value"])
            for point in entry.get("series") or [] if time else []:
                put(entry["key"], point["date"], name, point["value"])
    into.rows.extend(rows.values())


def _top_is_enough(plan: Plan, cap: int) -> bool:
    """A breakdown cut at `cap` rows (largest first) answers exactly a page of its largest."""
    only = plan.cube.member(plan.measures[0])
    return (
        len(plan.measures) == 1
        and plan.granularity is None
        and plan.order == ((only, True),)
        and not plan.filters.predicates
        and plan.offset + plan.limit <= cap
    )
