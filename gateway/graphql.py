"""The /graphql endpoint: GraphiQL in a browser, POST for clients, a Context per request."""

from __future__ import annotations

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.http import GraphQLHTTPResponse

from gateway.apps import Caller
from gateway.context import Context
from gateway.execution import Runner
from gateway.graphql_http import GraphQLHTTP
from gateway.serving.http import busy_status
from gateway.storage.clickhouse.runner import ClickHouseRunner

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
        serving = getattr(state, "serving", None)
        ticket = getattr(request.state, "ticket", None)
        # ClickHouse as the analytics engine (app.state.analytics): compiled statements there
        analytics = getattr(state, "analytics", None)
        runner = (
            Runner(state.pool, serving=serving, ticket=ticket)
            if analytics is None
            else ClickHouseRunner(state.pool, analytics=analytics, serving=serving, ticket=ticket)
        )
        return Context(
            request=request if isinstance(request, Request) else None,
            settings=state.settings,
            model=self.model if self.model is not None else state.model,
            runner=runner,
            caller=caller,
            limits=state.limits,
        )

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        # a request the busy gateway refused answers 429 with Retry-After
        busy = busy_status(response_data)
        if busy is not None:
            sub_response.status_code, retry_after = busy
            sub_response.headers["Retry-After"] = str(retry_after)
        return super().create_response(response_data, sub_response)
