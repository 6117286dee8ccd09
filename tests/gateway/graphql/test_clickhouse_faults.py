"""Faults of ClickHouse as the analytics engine give the codes a client can act on: an
unreachable server DATABASE_UNAVAILABLE (HTTP 503 for CSV and /healthz), a statement past the
request's deadline or the statement timeout TIMEOUT; never a 500."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator

import pytest

from gateway.errors import ClientError, ErrorCode
from gateway.serving.config import ServingSettings
from gateway.storage.clickhouse.analytics import Analytics
from semantic.model import SemanticModel
from tests.gateway.graphql.clickhouse_gateway import (
    ClickHouseWorld,
    clickhouse_settings,
    clickhouse_world,
    gateway_client,
)
from tests.gateway.graphql.conftest import TODAY
from tests.ports import free_port
from tests.semantic import world

QUERY = '{ game(id: "g1") { userBehavior { activeUsers { value series { value } } } } }'
# a statement of about 1.5 s on the embedded engine: 15 rows, 0.1 s each, a block per row
SLOW = "SELECT sleepEachRow(0.1) AS slept FROM numbers(15) SETTINGS max_block_size = 1"


@pytest.fixture(scope="module")
async def ch_world(server_url: str, template_name: str) -> AsyncIterator[ClickHouseWorld]:
    async with clickhouse_world(server_url, template_name, world.build) as built:
        yield built


async def test_an_unreachable_clickhouse_answers_database_unavailable(
    ch_world: ClickHouseWorld, semantic_model: SemanticModel
) -> None:
    nowhere = f"clickhouse://default:secret@127.0.0.1:{free_port()}/default"
    settings = clickhouse_settings(
        control_url=ch_world.control_url, today=TODAY, analytics_url=nowhere
    )
    async with gateway_client(
        settings=settings, control_url=ch_world.control_url, model=semantic_model
    ) as (_, client):
        body = await client(QUERY)
        csv = await client.http.get("/csv/game/g1/userBehavior/activeUsers")
        health = await client.http.get("/healthz")
    assert body["errors"][0]["extensions"] == {"code": "DATABASE_UNAVAILABLE"}
    assert body["data"] == {"game": {"userBehavior": None}}
    assert csv.status_code == 503
    assert csv.json()["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    assert health.status_code == 503
    found = health.json()
    assert (found["engine"], found["database"], found["control_database"]) == (
        "clickhouse",
        "unreachable",
        "reachable",
    )
    assert "secret" not in health.text


async def test_a_statement_past_the_requests_deadline_answers_timeout(
    ch_world: ClickHouseWorld, semantic_model: SemanticModel
) -> None:
    settings = clickhouse_settings(control_url=ch_world.control_url, today=TODAY)
    settings = dataclasses.replace(
        settings, serving=ServingSettings(request_timeout_ms=400, queue_timeout_ms=400)
    )
    async with gateway_client(
        settings=settings, control_url=ch_world.control_url, model=semantic_model
    ) as (app, client):
        assert "errors" not in await client(QUERY)  # the world answers in time
        # the embedded engine runs one statement at a time: one of 1.5 s holds the answer
        # back past its deadline
        engine = await app.state.analytics.client()
        busy = asyncio.create_task(engine.query(SLOW))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        body = await client(QUERY.replace("activeUsers", "newUsers"))
        elapsed = time.monotonic() - started
        await busy
    assert body["errors"][0]["extensions"] == {"code": "TIMEOUT"}
    assert "shorter range" in body["errors"][0]["message"]
    assert elapsed < 1.2  # at the deadline, not once the engine is free


async def test_clickhouse_stops_a_statement_past_the_statement_timeout() -> None:
    analytics = Analytics("chdb://", statement_timeout_ms=300)
    try:
        started = time.monotonic()
        with pytest.raises(ClientError) as raised:
            await analytics.query(SLOW)
        assert raised.value.code is ErrorCode.TIMEOUT
        assert time.monotonic() - started < 1.2  # stopped by ClickHouse, not run out
        # and a deadline earlier than the statement timeout stops it sooner
        loop = asyncio.get_running_loop()
        with pytest.raises(ClientError) as raised:
            await analytics.query(SLOW, deadline=loop.time() + 0.2)
        assert raised.value.code is ErrorCode.TIMEOUT
        assert (await analytics.query("SELECT 1 AS one")) == [{"one": 1}]
    finally:
        with contextlib.suppress(Exception):
            await analytics.close()
