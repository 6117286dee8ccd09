"""The privacy rule of GraphQL holds in the Cube API: with the real threshold, the few US users
of the hand-built world are left out of totals and breakdowns, and a US-only filter gives
nulls that the result says are suppressed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from semantic.loader import load_model
from tests.gateway.graphql.conftest import client_of, gateway_app
from tests.semantic.conftest import with_privacy

CUBE = "game_user_behavior"
R = ["2026-10-11", "2026-10-14"]
APP = {"member": f"{CUBE}.app_id", "operator": "equals", "values": ["g1"]}
TIME = {"dimension": f"{CUBE}.date", "dateRange": R}
FILTER = f'range: {{start: "{R[0]}", end: "{R[1]}"}}'


@pytest.fixture
async def strict(world_pool: asyncpg.Pool) -> AsyncIterator[Any]:
    app = gateway_app(
        pool=world_pool, model=with_privacy(load_model(), threshold=1000, regions=("US",))
    )
    async with client_of(app) as gql:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test/cubejs-api") as h:
            yield gql, h


async def post(http: httpx.AsyncClient, query: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/v1/load", json={"query": query})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_us_left_out_of_totals_and_breakdowns(strict: Any) -> None:
    gql, http = strict
    data = await gql.data(
        f'{{ game(id: "g1") {{ userBehavior(filter: {{{FILTER}}}) {{ activeUsers {{ value '
        "breakdown(by: REGION, limit: 100) { key value } } } } }"
    )
    metric = data["game"]["userBehavior"]["activeUsers"]
    total = await post(
        http, {"measures": [f"{CUBE}.active_users"], "timeDimensions": [TIME], "filters": [APP]}
    )
    assert float(total["data"][0][f"{CUBE}.active_users"]) == metric["value"] == 3
    by_region = await post(
        http,
        {
            "measures": [f"{CUBE}.active_users"],
            "dimensions": [f"{CUBE}.region"],
            "timeDimensions": [TIME],
            "filters": [APP],
        },
    )
    keys = {r[f"{CUBE}.region"]: float(r[f"{CUBE}.active_users"]) for r in by_region["data"]}
    assert keys == {b["key"]: b["value"] for b in metric["breakdown"]} == {"GB": 2, "BR": 1}


async def test_a_us_only_filter_is_suppressed(strict: Any) -> None:
    _, http = strict
    body = await post(
        http,
        {
            "measures": [f"{CUBE}.active_users"],
            "timeDimensions": [TIME],
            "filters": [APP, {"member": f"{CUBE}.region", "operator": "equals", "values": ["US"]}],
        },
    )
    assert body["data"] == [{f"{CUBE}.active_users": None}]
    assert body["suppressed"] == {f"{CUBE}.active_users": "PRIVACY_THRESHOLD"}
