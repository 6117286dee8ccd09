"""CSV downloads: every chart a UI can draw, over plain HTTP, with the GraphQL filters.

    GET /csv/{kind}/{app_id}/{module}/{item}?start=...&end=...&os=IOS&regions=US,GB

`item` is a metric id (its daily series, or with `granularity=WEEK|MONTH` a line per ISO
week or calendar month; `by=REGION` for its breakdown instead, with `limit`), a table
(`limit`, `offset`), `cohorts` (with `period=DAY_7`), `distribution` (with `by=GENDER`) or a
funnel. The download runs the same GraphQL query a UI would send
and writes its answer as CSV, so the numbers are the GraphQL answer's.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.errors import ErrorCode, error_response
from gateway.graphql import GatewayGraphQL
from gateway.schema.metrics import counts
from gateway.schema.naming import camel, pascal
from gateway.serving.errors import RETRY_AFTER
from semantic.model import AppKind, FilterKind, Module, SemanticModel

RANGE_PARAMS = ("preset", "start", "end")
VIEW_PARAMS = ("by", "limit", "offset", "period")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Download:
    """A chart as CSV: one line per item of the list at `field` of the module's answer, and a
    column per name of `fields` (the header says `header`, by default the same names)."""

    field: str  # the module's field of the list, as the selection names it
    selection: str  # the module's selection set
    fields: Sequence[str]  # the GraphQL fields of an item, one a column
    arguments: dict[str, Any] = dataclasses.field(default_factory=dict)  # besides the filter
    declarations: str = ""  # variable declarations besides the filter
    header: Sequence[str] = ()  # the CSV header: GraphQL's names, camelCase
    rows: Callable[[Any], Iterable[Any]] = lambda answer: answer  # the items of the list

    def lines(self, module: dict[str, Any]) -> Iterable[Sequence[Any]]:
        return (tuple(item[f] for f in self.fields) for item in self.rows(module[self.field]))


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


def _metric_download(name: str, params: dict[str, str], *, integer: bool) -> Download:
    """A metric's series (daily, or by `granularity`), or with `by` its breakdown; counts as
    whole numbers."""
    field = camel(name)
    value = "valueInt" if integer else "value"  # 338, not 338.0
    if params.get("by"):
        return Download(
            field=field,
            selection=f"{field} {{ breakdown(by: $by, limit: $limit) {{ key {value} share }} }}",
            fields=("key", value, "share"),
            header=("key", field, "share"),
            arguments={"by": params["by"], "limit": int(params.get("limit", "10"))},
            declarations="$by: {dimension}!, $limit: Int!",
            rows=lambda metric: metric["breakdown"],
        )
    granularity = params.get("granularity")  # a line per day by default, or week or month
    return Download(
        field=field,
        selection=f"{field} {{ series{'(granularity: $granularity)' if granularity else ''}"
        f" {{ date {value} }} }}",
        fields=("date", value),
        header=("date", field),
        arguments={"granularity": granularity} if granularity else {},
        declarations="$granularity: Granularity!" if granularity else "",
        rows=lambda metric: metric["series"],
    )


def _view_download(module: Module, item: str, params: dict[str, str]) -> Download | None:
    if item == "cohorts" and module.retention is not None:
        return Download(
            field="cohorts",
            selection="cohorts(period: $period) { date cohortSize retained rate }",
            fields=("date", "cohortSize", "retained", "rate"),
            arguments={"period": params.get("period", "DAY_7")},
            declarations="$period: RetentionPeriod!",
        )
    if item == "distribution" and module.distribution is not None:
        return Download(
            field="distribution",
            selection="distribution(by: $by) { key users share }",
            fields=("key", "users", "share"),
            arguments={"by": params.get("by", module.distribution.dimensions[0].name.upper())},
            declarations="$by: {distribution}!",
        )
    if module.funnel is not None and item == camel(module.funnel.name):
        fields = ("step", "label", "pv", "conversionFromPrevious", "conversionFromFirst")
        return Download(field=item, selection=f"{item} {{ {' '.join(fields)} }}", fields=fields)
    for table in module.tables:
        if item == camel(table.name):
            columns = [camel(d.name) for d in table.group_by]
            columns += [camel(c.name) for c in table.columns]
            arguments: dict[str, Any] = {
                "limit": int(params["limit"]) if "limit" in params else table.default_limit
            }
            args, declarations = "limit: $limit", "$limit: Int"
            if table.paged:
                arguments["offset"] = int(params.get("offset", "0"))
                args, declarations = f"{args}, offset: $offset", f"{declarations}, $offset: Int!"
            return Download(
                field=item,
                selection=f"{item}({args}) {{ rows {{ {' '.join(columns)} }} }}",
                fields=columns,
                arguments=arguments,
                declarations=declarations,
                rows=lambda page: page["rows"],
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
    metric = next((m for m in module.metrics if camel(m.name) == item), None)
    if metric is not None and params.get("by") and params.get("granularity"):
        return _error(400, "granularity is for a metric's series; a breakdown has a line a key")
    try:
        if metric is not None:
            integer = counts(model, model.metrics[metric.name])
            download: Download | None = _metric_download(metric.name, params, integer=integer)
        else:
            download = _view_download(module, item, params)
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
    writer.writerow(download.header or download.fields)
    writer.writerows(download.lines(result.data["app"]["module"]))
    # names as the client sees them everywhere else: camelCase, like the URL's
    filename = f"{path['app_id']}-{camel(module.id)}-{item}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
