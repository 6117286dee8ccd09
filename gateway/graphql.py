"""The /graphql endpoint: GraphiQL in a browser, POST for clients, a Context per request."""

from __future__ import annotations

from typing import Any, cast

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from gateway.apps import Caller
from gateway.context import Context
from gateway.errors import ErrorCode
from gateway.execution import Runner
from gateway.schema.extensions import too_complex_advice

NOBODY = Caller()


class GatewayGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: strawberry.Schema) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        state = request.app.state
        # set by BearerAuth; without it the caller sees nothing (fail closed)
        caller: Caller = getattr(request.state, "caller", NOBODY)
        return Context(
            request=request if isinstance(request, Request) else None,
            settings=state.settings,
            model=state.model,
            runner=Runner(state.pool),
            caller=caller,
            limits=state.limits,
        )

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        # a document over the token limit is refused while parsing, before any extension
        # could tag it; tag it here
        for error in cast(list[dict[str, Any]], response.get("errors") or []):
            advice = too_complex_advice(str(error.get("message", "")))
            if advice is not None:
                error["message"] = advice
                error["extensions"] = {"code": ErrorCode.QUERY_TOO_COMPLEX.value}
        return response
