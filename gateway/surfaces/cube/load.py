"""`GET` and `POST /cubejs-api/v1/load`: Cube queries answered in Cube's envelope.

A request carries one query or a list of them (`query`, as JSON in GET's query string);
with `queryType=multi` the answer is `{"queryType", "results": [...]}`, one result per
query and per range of a `compareDateRange`; without it, a single regular query's result.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway.errors import ErrorCode
from gateway.graphql import GatewayGraphQL
from gateway.surfaces.cube.dates import cube_range, cube_time
from gateway.surfaces.cube.errors import CubeError, cube_error_response
from gateway.surfaces.cube.execute import Answer, answer, series_granularities
from gateway.surfaces.cube.members import cubes_for
from gateway.surfaces.cube.meta import dimension_meta, measure_meta
from gateway.surfaces.cube.query import Plan, plan_query
from gateway.surfaces.metrics.facts import facts_of

log = logging.getLogger(__name__)

COMPARE = "compareDateRange"


def _cube_value(value: Any) -> Any:
    """Cube writes every value as a string (numbers too), null as null."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return cube_time(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return str(value)


def _sort_key(value: Any) -> tuple[Any, ...]:
    return (1,) if value is None else (0, value)


def _ordered(plan: Plan, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Ordered like PostgreSQL: nulls last ascending, first descending."""
    for member, descending in reversed(plan.order):
        rows.sort(key=_by(member), reverse=descending)
    return rows


def _by(member: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    return lambda row: _sort_key(row.get(member))


def _annotation(plan: Plan) -> dict[str, Any]:
    cube = plan.cube
    measures = {}
    for name in plan.measures:
        described = measure_meta(cube, cube.measures[name])
        measures[described.pop("name")] = described
    dimensions = {}
    for name in plan.dimensions:
        described = dimension_meta(cube, cube.dimensions[name])
        dimensions[described.pop("name")] = described
    times: dict[str, Any] = {}
    if plan.granularity:
        described = dimension_meta(cube, cube.dimensions["date"])
        described.pop("name")
        times[f"{plan.time_member}.{plan.granularity}"] = {
            **described,
            "title": f"{described['title']} ({plan.granularity})",
            "granularity": {
                "name": plan.granularity,
                "title": plan.granularity.capitalize(),
                "interval": f"1 {plan.granularity}",
            },
        }
        times[plan.time_member] = described
    return {"measures": measures, "dimensions": dimensions, "segments": {}, "timeDimensions": times}


def _result(plan: Plan, index: int, found: Answer) -> dict[str, Any]:
    date_range = plan.ranges[index]
    kept = _ordered(plan, [row for row in found.rows if plan.filters.keep(row)])
    page = kept[plan.offset : plan.offset + plan.limit]
    data = [{k: _cube_value(v) for k, v in row.items()} for row in page]
    if plan.compare:
        label = " - ".join(cube_range(*date_range))
        for row in data:
            row[COMPARE] = label
    result: dict[str, Any] = {
        "query": plan.echo(date_range),
        "data": data,
        "lastRefreshTime": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "annotation": _annotation(plan),
        "dataSource": "default",
        "dbType": "postgres",
        "external": False,
        "slowQuery": False,
    }
    if plan.total:
        result["total"] = len(kept)
    if found.suppressed:
        result["suppressed"] = found.suppressed  # measures left null, and why
    return result


def _request_body(raw: Mapping[str, Any]) -> tuple[list[Any], bool, bool]:
    """The queries, whether the client asked for several, and whether it accepts multi."""
    query = raw.get("query")
    if isinstance(query, str):
        try:
            query = json.loads(query)
        except ValueError:
            raise CubeError("query is not valid JSON") from None
    if query is None:
        raise CubeError('give a query: {"query": {"measures": [...], ...}}')
    multi = raw.get("queryType") == "multi"
    return (query if isinstance(query, list) else [query]), isinstance(query, list), multi


async def _body(request: Request) -> Mapping[str, Any]:
    if request.method == "GET":
        return dict(request.query_params)
    try:
        body = await request.json()
    except ValueError:
        raise CubeError("the body is not valid JSON") from None
    if not isinstance(body, Mapping):
        raise CubeError("the body is a JSON object with a query")
    return body


async def load(request: Request) -> JSONResponse:
    facts = facts_of(request.state)
    try:
        return await _load(request)
    except CubeError as error:
        if facts is not None:
            facts.failed(error.code.value)
        return cube_error_response(error.message, code=error.code, status=error.status)
    except Exception:  # masked like GraphQL's internal errors, logged in full
        log.exception("Cube load failed")
        if facts is not None:
            facts.failed(ErrorCode.INTERNAL_SERVER_ERROR.value)
        return cube_error_response("internal error", code=ErrorCode.INTERNAL_SERVER_ERROR)


async def _load(request: Request) -> JSONResponse:
    graphql: GatewayGraphQL = request.app.state.graphql
    queries, several, multi = _request_body(await _body(request))
    if not queries:
        raise CubeError("give at least one query")
    cubes = cubes_for(request.app.state.model)
    granularities = series_granularities(graphql.schema)
    reporting_day = request.app.state.settings.reporting_day()
    plans = [
        plan_query(q, cubes=cubes, reporting_day=reporting_day, granularities=granularities)
        for q in queries
    ]
    facts = facts_of(request.state)
    if facts is not None:  # a label from the model's names: the cube, or several
        names = {p.cube.name for p in plans}
        facts.named(f"cube.load.{names.pop()}" if len(names) == 1 else "cube.load.several")
    compare = any(p.compare for p in plans)
    query_type = "blendingQuery" if several else COMPARE + "Query" if compare else "regularQuery"
    if not multi and query_type != "regularQuery":
        raise CubeError(
            f"'{query_type}' query type is not supported by the client. Please update the "
            "client (send queryType=multi)."
        )
    results = []
    for plan in plans:
        answers = await answer(plan, request, graphql)
        results += [_result(plan, i, found) for i, found in enumerate(answers)]
    if not multi:
        return JSONResponse(results[0])
    pivot = dict(plans[0].echo(plans[0].ranges[0]))
    pivot["queryType"] = query_type
    return JSONResponse(
        {"queryType": query_type, "results": results, "pivotQuery": pivot, "slowQuery": False}
    )
