"""CSV downloads: every chart a UI can draw, over plain HTTP, with the GraphQL filters.

    GET /csv/{kind}/{app_id}/{module}/{item}?start=...&end=...&os=IOS&regions=US,GB

`item` is a metric id (its daily series; `by=REGION` for its breakdown instead, with
`limit`), a table (`limit`, `offset`), `cohorts` (with `period=DAY_7`), `distribution`
(with `by=GENDER`) or a funnel. The download runs the same GraphQL query a UI would send
and writes its answer as CSV, so the numbers are the GraphQL answer's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.errors import ErrorCode, error_response
from gateway.graphql import GatewayGraphQL
from gateway.schema.naming import camel, pascal
from gateway.serving.errors import RETRY_AFTER
from semantic.model import AppKind, FilterKind, Module, SemanticModel

RANGE_PARAMS = ("preset", "start", "end")
VIEW_PARAMS = ("by", "limit", "offset", "period")


@dataclass(frozen=True, kw_only=True)
class Download:
    selection: str  # the module's selection set
    arguments: dict[str, Any]  # variables besides the filter
    declarations: str  # variable declarations besides the filter
    header: Sequence[str]
    rows: Callable[[dict[str, Any]], Iterable[Sequence[Any]]]


def _filter_variables(
    model: SemanticModel, module: Module, params: dict[str, str]
) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    chosen = {k: params[k] for k in RANGE_PARAMS if params.get(k)}
    if chosen:
        variables["range"] = chosen
    for ref in module.filters:
        definition = model.filters[ref.name]
        raw = params.get(camel(definition.name))
        if raw is None:
            continue
        if definition.multiple:
            variables[camel(definition.name)] = [v for v in raw.split(",") if v]
        elif definition.kind is FilterKind.PARAMETER and not definition.values:
            variables[camel(definition.name)] = raw.lower() == "true"
        else:
            variables[camel(definition.name)] = raw
    if module.retention is not None and params.get("cohort"):
        variables["cohort"] = params["cohort"]
    return variables


def _metric_download(name: str, params: dict[str, str]) -> Download:
    field = camel(name)
    if params.get("by"):
        return Download(
            selection=f"{field} {{ breakdown(by: $by, limit: $limit) {{ key value share }} }}",
            arguments={"by": params["by"], "limit": int(params.get("limit", "10"))},
            declarations="$by: {dimension}!, $limit: Int!",
            header=("key", field, "share"),
            rows=lambda m: ((r["key"], r["value"], r["share"]) for r in m[field]["breakdown"]),
        )
    return Download(
        selection=f"{field} {{ series {{ date value }} }}",
        arguments={},
        declarations="",
        header=("date", field),
        rows=lambda m: ((p["date"], p["value"]) for p in m[field]["series"]),
    )


def _view_download(module: Module, item: str, params: dict[str, str]) -> Download | None:
    if item == "cohorts" and module.retention is not None:
        return Download(
            selection="cohorts(period: $period) { date cohortSize retained rate }",
            arguments={"period": params.get("period", "DAY_7")},
            declarations="$period: RetentionPeriod!",
            header=("date", "cohort_size", "retained", "rate"),
            rows=lambda m: (
                (c["date"], c["cohortSize"], c["retained"], c["rate"]) for c in m["cohorts"]
            ),
        )
    if item == "distribution" and module.distribution is not None:
        return Download(
            selection="distribution(by: $by) { key users share }",
            arguments={"by": params.get("by", module.distribution.dimensions[0].name.upper())},
            declarations="$by: {distribution}!",
            header=("key", "users", "share"),
            rows=lambda m: ((r["key"], r["users"], r["share"]) for r in m["distribution"]),
        )
    if module.funnel is not None and item == camel(module.funnel.name):
        field = camel(module.funnel.name)
        return Download(
            selection=f"{field} {{ step label pv conversionFromPrevious conversionFromFirst }}",
            arguments={},
            declarations="",
            header=("step", "label", "pv", "conversion_from_previous", "conversion_from_first"),
            rows=lambda m: (
                (
                    s["step"],
                    s["label"],
                    s["pv"],
                    s["conversionFromPrevious"],
                    s["conversionFromFirst"],
                )
                for s in m[field]
            ),
        )
    for table in module.tables:
        if item == camel(table.name):
            names = [d.name for d in table.group_by] + [c.name for c in table.columns]
            fields = " ".join(camel(n) for n in names)
            arguments: dict[str, Any] = {
                "limit": int(params["limit"]) if "limit" in params else table.default_limit
            }
            args, declarations = "limit: $limit", "$limit: Int"
            if table.paged:
                arguments["offset"] = int(params.get("offset", "0"))
                args, declarations = f"{args}, offset: $offset", f"{declarations}, $offset: Int!"

            def table_rows(
                answer: dict[str, Any], field: str = item, columns: list[str] = names
            ) -> Iterable[Sequence[Any]]:
                return (tuple(r[camel(n)] for n in columns) for r in answer[field]["rows"])

            return Download(
                selection=f"{item}({args}) {{ rows {{ {fields} }} }}",
                arguments=arguments,
                declarations=declarations,
                header=tuple(names),
                rows=table_rows,
            )
    return None


def _error(status: int, message: str, code: str = "BAD_USER_INPUT") -> JSONResponse:
    return error_response(message, code=ErrorCode(code), status=status)


def _refused(error: GraphQLError) -> JSONResponse:
    """The HTTP answer to the GraphQL error of a download, with the status GraphQL gives it:
    a busy gateway's QUEUE_TIMEOUT is 429 with Retry-After, as on /graphql."""
    extensions = error.extensions or {}
    known = {c.value for c in ErrorCode}
    raw = extensions.get("code")
    code = ErrorCode(raw) if raw in known else ErrorCode.BAD_USER_INPUT
    if code is ErrorCode.QUEUE_TIMEOUT:
        retry_after = str(int(extensions.get(RETRY_AFTER, 1)))
        return error_response(
            error.message, code=code, status=429, headers={"Retry-After": retry_after}
        )
    status = {
        ErrorCode.DATABASE_UNAVAILABLE: 503,
        ErrorCode.TIMEOUT: 503,
        ErrorCode.INTERNAL_SERVER_ERROR: 500,
    }.get(code, 400)
    return error_response(error.message, code=code, status=status)


async def csv_download(request: Request) -> Response:
    model: SemanticModel = request.app.state.model
    graphql: GatewayGraphQL = request.app.state.graphql
    path = request.path_params
    try:
        kind = AppKind(path["kind"])
    except ValueError:
        return _error(404, "the kind is game or drama")
    module = next((m for m in model.modules_of(kind) if camel(m.id) == path["module"]), None)
    if module is None:
        return _error(404, f"{kind.value}s have no module {path['module']}")
    params = dict(request.query_params)
    item = path["item"]
    metric = next((m.name for m in module.metrics if camel(m.name) == item), None)
    try:
        download = (
            _metric_download(metric, params) if metric else _view_download(module, item, params)
        )
    except ValueError:
        return _error(400, "limit, offset and period must be whole numbers")
    if download is None:
        return _error(404, f"module {path['module']} has no metric, table or view {item}")
    prefix = pascal(kind.value) + pascal(module.id)
    declarations = download.declarations.format(
        dimension=f"{prefix}Dimension", distribution=f"{prefix}DistributionDimension"
    )
    root = "game" if kind is AppKind.GAME else "drama"
    document = (
        f"query Download($id: ID!, $filter: {prefix}Filter"
        f"{', ' + declarations if declarations else ''}) "
        f"{{ app: {root}(id: $id) {{ module: {camel(module.id)}(filter: $filter) "
        f"{{ {download.selection} }} }} }}"
    )
    variables = {
        "id": path["app_id"],
        "filter": _filter_variables(model, module, params),
        **download.arguments,
    }
    context = await graphql.get_context(request, Response())
    result = await graphql.schema.execute(
        document, variable_values=variables, context_value=context
    )
    if result.errors:
        return _refused(result.errors[0])
    assert result.data is not None
    if result.data["app"] is None:
        return _error(404, f"no {root} {path['app_id']}", code="NOT_FOUND")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(download.header)
    writer.writerows(download.rows(result.data["app"]["module"]))
    filename = f"{path['app_id']}-{module.id}-{item}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
