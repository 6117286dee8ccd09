"""The /graphql endpoint: GraphiQL in a browser, POST for clients, a Context per request."""

from __future__ import annotations

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from gateway.apps import Caller
from gateway.context import Context
from gateway.execution import Runner
from gateway.graphql_http import GraphQLHTTP

NOBODY = Caller()


class GatewayGraphQL(GraphQLHTTP):
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
