"""The HTTP side of /graphql that strawberry leaves plain: GraphiQL from the package's own
files, the JSON error envelope for requests that are not GraphQL requests at all, and codes for
documents refused while parsing."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLSyntaxError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from gateway.context import Context
from gateway.errors import ErrorCode, error_response
from gateway.schema.extensions import too_complex_advice
from semantic.model import SemanticModel

# GraphiQL's page and the pinned files it loads (scripts/update-graphiql fetches them),
# served under GRAPHIQL_ASSETS_PATH
GRAPHIQL_ASSETS = Path(__file__).parent / "static" / "graphiql"
GRAPHIQL_ASSETS_PATH = "/graphiql"
GRAPHIQL_PAGE = GRAPHIQL_ASSETS / "index.html"

_NOT_AN_OBJECT = (
    'the body must be a JSON object such as {"query": "{ games { id } }", "variables": {}}'
)


def _http_advice(reason: str) -> str:
    """strawberry's reason for refusing a request, with what to send instead."""
    if reason == "Unable to parse request body as JSON":
        return f"the body is not JSON; {_NOT_AN_OBJECT}"
    if reason == "Batching is not enabled":
        return f"send one operation per request, not a list; {_NOT_AN_OBJECT}"
    if reason == "Unsupported content type":
        return f"send the body as application/json; {_NOT_AN_OBJECT}"
    return reason


class GraphQLHTTP(GraphQL[Context, None]):
    # the model the schema was built from, which its resolvers read (gateway/reloading.py)
    model: SemanticModel | None = None

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the package's own files (gateway/static/graphiql/), so that it works
        without internet, opening on an example query and a Headers template for the token."""
        return HTMLResponse(GRAPHIQL_PAGE.read_text(encoding="utf-8"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """As strawberry's, but a request that is not a GraphQL request at all (a body that is
        not JSON, JSON of the wrong shape) gets the JSON error envelope, not plain text."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:
            response = error_response(
                _http_advice(exc.reason), code=ErrorCode.BAD_REQUEST, status=exc.status_code
            )
        await response(scope, receive, send)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        try:
            return await super().parse_http_body(request)
        except (AttributeError, TypeError) as exc:  # JSON, but not an object
            raise HTTPException(400, _NOT_AN_OBJECT) from exc

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        # a document that does not parse, or is over the token limit, is refused while
        # parsing, before any extension could tag it; tag it here
        errors = cast(list[dict[str, Any]], response.get("errors") or [])
        for error, original in zip(errors, result.errors or (), strict=False):
            advice = too_complex_advice(str(error.get("message", "")))
            if advice is not None:
                error["message"] = advice
                error["extensions"] = {"code": ErrorCode.QUERY_TOO_COMPLEX.value}
            elif isinstance(original, GraphQLSyntaxError):
                error["extensions"] = {"code": ErrorCode.GRAPHQL_PARSE_FAILED.value}
        return response
