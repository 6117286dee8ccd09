"""The token comes in `Authorization` with or without `Bearer` (Cube clients send it raw);
without one, or with another owner's app, the answer is what GraphQL would say, in Cube's shape."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import cube_http
import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from gateway.tokens import create_token
from semantic.loader import load_model
from tests.conftest import fresh_database
from tests.semantic import world

BASE = "http://minis/cubejs-api"
QUERY = {
    "measures": ["game_overview.active_users"],
    "timeDimensions": [
        {"dimension": "game_overview.date", "dateRange": ["2026-10-11", "2026-10-14"]}
    ],
    "filters": [{"member": "game_overview.app_id", "operator": "equals", "values": ["g1"]}],
}


@pytest.fixture(scope="module")
async def served(
    server_url: str, template_name: str
) -> AsyncIterator[tuple[httpx.AsyncClient, str, str]]:
    async with fresh_database(server_url, template_name) as url:
        db = await asyncpg.connect(url)
        try:
            await world.build(db)
            mine = (await create_token(db, owner_id="o")).token
            theirs = (await create_token(db, owner_id="other")).token
        finally:
            await db.close()
        app = create_app(
            settings=Settings(today=dt.date(2026, 10, 21)),
            database_url=url,
            model=load_model(),
        )
        async with app.router.lifespan_context(app), contextlib.AsyncExitStack() as stack:
            transport = httpx.ASGITransport(app=app)
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url=BASE)
            )
            yield http, mine, theirs


async def test_raw_token_as_cube_clients_send_it(
    served: tuple[httpx.AsyncClient, str, str],
) -> None:
    http, mine, _ = served
    client = cube_http.AsyncClient({"url": BASE, "token": mine, "http_client": http})
    results = (await client.v1.load({"query": QUERY})).results  # type: ignore[call-overload]
    assert results[0].data[0]["game_overview.active_users"] is not None
    bearer = await http.post(
        "/v1/load", json={"query": QUERY}, headers={"Authorization": f"Bearer {mine}"}
    )
    assert bearer.status_code == 200
    assert bearer.json()["data"] == results[0].data
    http.headers.pop("Authorization", None)


async def test_no_token_is_401_in_cube_shape(served: tuple[httpx.AsyncClient, str, str]) -> None:
    http, _, _ = served
    response = await http.get("/v1/meta")
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHENTICATED" and "token" in response.json()["error"]
    bad = await http.get("/v1/meta", headers={"Authorization": "minis_nope"})
    assert bad.status_code == 401 and "unknown or revoked" in bad.json()["error"]


async def test_another_owners_app_is_as_absent(served: tuple[httpx.AsyncClient, str, str]) -> None:
    http, _, theirs = served
    response = await http.post("/v1/load", json={"query": QUERY}, headers={"Authorization": theirs})
    assert response.status_code == 400
    assert response.json() == {"error": "no game g1", "code": "NOT_FOUND"}
