from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.apps import ADMIN, Caller
from gateway.database import create_pool
from gateway.graphql import GatewayGraphQL
from gateway.routing import routes
from gateway.schema.build import schema_for
from gateway.settings import Settings
from gateway.storage.refresh import refresh
from semantic.loader import load_model
from semantic.model import SemanticModel
from tests.conftest import fresh_database
from tests.semantic import world
from tests.semantic.conftest import with_privacy

TODAY = dt.date(2026, 10, 21)  # reporting day 2026-10-20, as in the hand-built world


class AsCaller:
    """Stands in for BearerAuth: every request comes from `caller`."""

    def __init__(self, app: ASGIApp, *, caller: Caller) -> None:
        self.app = app
        self.caller = caller

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})["caller"] = self.caller
        await self.app(scope, receive, send)


def gateway_app(
    *,
    pool: asyncpg.Pool,
    model: SemanticModel,
    settings: Settings | None = None,
    caller: Caller = ADMIN,
    today: dt.date = TODAY,
) -> Starlette:
    settings = dataclasses.replace(settings or Settings(), today=today)
    graphql = GatewayGraphQL(schema_for(model, settings.limits))
    app = Starlette(routes=routes(graphql), middleware=[Middleware(AsCaller, caller=caller)])
    app.state.graphql = graphql
    app.state.pool = pool
    app.state.model = model
    app.state.settings = settings
    app.state.limits = settings.limits
    return app


@pytest.fixture(scope="session")
def semantic_model() -> SemanticModel:
    """The packaged model with no protected region, so that the tiny world shows all (the
    privacy rule has tests of its own: test_privacy.py)."""
    return with_privacy(load_model(), threshold=1, regions=())


@pytest.fixture(scope="session")
async def world_url(
    server_url: str, template_name: str, semantic_model: SemanticModel
) -> AsyncIterator[str]:
    """A database holding the hand-built world of tests/semantic/world.py and its derived
    tables, current; tests only read it."""
    async with fresh_database(server_url, template_name) as url:
        conn = await asyncpg.connect(url)
        try:
            await world.build(conn)
            await refresh(conn, model=semantic_model, reporting_day=TODAY - dt.timedelta(days=1))
        finally:
            await conn.close()
        yield url


@pytest.fixture(scope="session")
async def world_pool(world_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(world_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


class GraphQLClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    async def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        body = await self(query, **variables)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


@contextlib.asynccontextmanager
async def client_of(app: Starlette) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client talking to `app` in process."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield GraphQLClient(client)


@pytest.fixture(scope="session", params=["derived", "raw"])
def world_app(
    request: pytest.FixtureRequest, world_pool: asyncpg.Pool, semantic_model: SemanticModel
) -> Starlette:
    """The gateway over the hand-built world, answering from the derived tables where they
    answer exactly, and (the second time) from the raw rows only: every test runs on both."""
    settings = Settings(derived=request.param == "derived")
    return gateway_app(pool=world_pool, model=semantic_model, settings=settings)


@pytest.fixture
async def gql(world_app: Starlette) -> AsyncIterator[GraphQLClient]:
    async with client_of(world_app) as client:
        yield client
