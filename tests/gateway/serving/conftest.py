"""A gateway served by uvicorn on loopback over a database of its own holding the hand-built
world, with a token; and a look at what PostgreSQL is running."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.serving.config import ServingSettings
from gateway.settings import Settings
from gateway.tokens import create_token
from semantic.loader import load_model
from tests.conftest import fresh_database
from tests.ports import free_port
from tests.semantic import world
from tests.semantic.conftest import with_privacy

TODAY = world.dt.date(2026, 10, 21)
MODULE = (
    '{ game(id: "g1") { userBehavior(filter: {range: {start: "2026-10-11", end: "2026-10-14"}})'
    " { activeUsers { value previous series { value } } } } }"
)


@pytest.fixture
async def world_db(server_url: str, template_name: str) -> AsyncIterator[str]:
    async with fresh_database(server_url, template_name) as url:
        conn = await asyncpg.connect(url)
        try:
            await world.build(conn)
        finally:
            await conn.close()
        yield url


@dataclass(kw_only=True)
class Served:
    app: Starlette
    http: httpx.AsyncClient
    token: str
    url: str  # the database's

    async def post(self, query: str, *, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return await self.http.post("/graphql", json={"query": query}, headers=headers)

    async def data(self, query: str) -> tuple[dict[str, Any], dict[str, Any]]:
        response = await self.post(query)
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"], body.get("extensions", {})


@contextlib.asynccontextmanager
async def served(
    url: str, *, statement_timeout_ms: int = 60_000, **serving: int
) -> AsyncIterator[Served]:
    """The gateway of `url`, with ServingSettings changed by `serving`, on a loopback port.

    Statements time out after a minute, so that a statement cancelled sooner was cancelled
    by the gateway."""
    conn = await asyncpg.connect(url)
    try:
        token = (await create_token(conn, owner_id="o")).token
    finally:
        await conn.close()
    settings = Settings(
        today=TODAY,
        statement_timeout_ms=statement_timeout_ms,
        serving=dataclasses.replace(ServingSettings(), **serving),
    )
    model = with_privacy(load_model(), threshold=1, regions=())
    app = create_app(settings=settings, database_url=url, model=model)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    serving_task = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.05)
        assert server.started
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            yield Served(app=app, http=http, token=token, url=url)
    finally:
        server.should_exit = True
        await serving_task


async def running(url: str, needle: str) -> int:
    """Statements of the gateway (application minis) now running that contain `needle`."""
    conn = await asyncpg.connect(url)
    try:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = 'minis' AND state = 'active' AND pid <> pg_backend_pid()"
            " AND position($1 in query) > 0",
            needle,
        )
        return count
    finally:
        await conn.close()


async def eventually(check: Any, *, tries: int = 400) -> None:
    """Wait (bounded, 20 s at most) until `await check()` is true."""
    for _ in range(tries):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{check.__name__} never became true")
