"""The privacy rule on ClickHouse, on the hand-built privacy world (privacy_world.py,
threshold 3 US users): before `minis refresh` has stored any decision on ClickHouse, every
protected (US) row is withheld; once it has, answers include the shown cells exactly as the
PostgreSQL gateway's do (whose own decisions live in PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from starlette.applications import Starlette

from gateway.database import create_pool
from gateway.serving.data_version import bump_data_version
from gateway.settings import Settings
from gateway.storage.clickhouse.refresh import PRIVACY_TABLES, refresh_cells
from gateway.storage.refresh import refresh
from semantic.model import SemanticModel
from tests.gateway.graphql import privacy_world as world
from tests.gateway.graphql.clickhouse_gateway import (
    ClickHouseWorld,
    clickhouse_settings,
    clickhouse_world,
    gateway_client,
)
from tests.gateway.graphql.conftest import GraphQLClient, client_of, gateway_app
from tests.gateway.graphql.test_clickhouse_answers import assert_same
from tests.gateway.graphql.test_privacy_cells import PROTECTED, WEEK_A, WEEK_B, model

REPORTING_DAY = world.TODAY - dt.timedelta(days=1)


async def build(conn: asyncpg.Connection) -> None:
    """The world, with PostgreSQL's own derived tables and decisions (for its gateway)."""
    await world.build(conn)
    await refresh(conn, model=model(), reporting_day=REPORTING_DAY)


@pytest.fixture(scope="module")
def privacy_model() -> SemanticModel:
    return model()


@pytest.fixture(scope="module")
async def ch_world(server_url: str, template_name: str) -> AsyncIterator[ClickHouseWorld]:
    async with clickhouse_world(server_url, template_name, build) as built:
        yield built


@pytest.fixture(scope="module")
async def ch_gateway(
    ch_world: ClickHouseWorld, privacy_model: SemanticModel
) -> AsyncIterator[tuple[Starlette, GraphQLClient]]:
    settings = clickhouse_settings(control_url=ch_world.control_url, today=world.TODAY)
    async with gateway_client(
        settings=settings, control_url=ch_world.control_url, model=privacy_model
    ) as started:
        yield started


@pytest.fixture(scope="module")
async def pg(ch_world: ClickHouseWorld, privacy_model: SemanticModel) -> AsyncIterator[Any]:
    """The PostgreSQL gateway over the same world, from its derived tables and decisions."""
    pool = await create_pool(ch_world.control_url, min_size=1, max_size=2)
    try:
        app = gateway_app(pool=pool, model=privacy_model, settings=Settings(), today=world.TODAY)
        async with client_of(app) as client:
            yield client
    finally:
        await pool.close()


async def answers_anew(app: Starlette, change: Any) -> None:
    """Run `change` (which raises the data version) and wait until the gateway has seen the
    new version, so that no answer cached before it is served after."""
    serving = app.state.serving
    for _ in range(100):  # the watcher reads the version once connected
        if serving.version() is not None:
            break
        await asyncio.sleep(0.05)
    before = serving.version()
    await change()
    for _ in range(200):
        if serving.version() not in (None, before):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the gateway did not see the new data version")


async def decide_on_clickhouse(ch_world: ClickHouseWorld, privacy_model: SemanticModel) -> Any:
    return await refresh_cells(
        ch_world.control,
        ch_world.clickhouse,
        model=privacy_model,
        reporting_day=REPORTING_DAY,
        late_days=3,
    )


async def forget_decisions(ch_world: ClickHouseWorld) -> None:
    for table in PRIVACY_TABLES:
        await ch_world.clickhouse.command(f"TRUNCATE TABLE {table}")
    await bump_data_version(ch_world.control)


@pytest.fixture
async def decided(
    ch_gateway: tuple[Starlette, GraphQLClient],
    ch_world: ClickHouseWorld,
    privacy_model: SemanticModel,
) -> GraphQLClient:
    """The ClickHouse gateway once the refresh has stored the decisions on ClickHouse."""
    app, client = ch_gateway
    states = await ch_world.clickhouse.query("SELECT count() AS n FROM minis_privacy_state")
    if not states[0]["n"]:
        await answers_anew(app, lambda: decide_on_clickhouse(ch_world, privacy_model))
    return client


def behavior(filter_: str, fields: str) -> str:
    return f'{{ game(id: "{world.APP}") {{ userBehavior(filter: {{{filter_}}}) {{ {fields} }} }} }}'


US_WEEK_A = behavior(
    f'range: {WEEK_A}, regions: ["US"]', f"activeUsers {{ value suppressed {PROTECTED} }}"
)
ALL_WEEK_A = behavior(
    f"range: {WEEK_A}", "activeUsers { value breakdown(by: REGION) { key value } }"
)
CELLS = (
    f'{{ game(id: "{world.APP}") {{ privacy(start: "2026-07-01", end: "2026-10-20") {{'
    " decidedThrough stored cells { level start end os shown } } } }"
)


async def test_us_rows_are_withheld_until_the_refresh_decides_them_on_clickhouse(
    ch_gateway: tuple[Starlette, GraphQLClient],
    ch_world: ClickHouseWorld,
    privacy_model: SemanticModel,
    pg: GraphQLClient,
) -> None:
    app, ch = ch_gateway
    await answers_anew(app, lambda: forget_decisions(ch_world))
    # nothing stored on ClickHouse (PostgreSQL's own decisions are not read there)
    us = (await ch.data(US_WEEK_A))["game"]["userBehavior"]["activeUsers"]
    assert (us["value"], us["suppressed"]) == (None, "PRIVACY_THRESHOLD")
    assert us["protected"]["included"] == []
    everyone = (await ch.data(ALL_WEEK_A))["game"]["userBehavior"]["activeUsers"]
    assert everyone["value"] == 2  # g1 g2 only: a1..a6 are left out
    assert [row["key"] for row in everyone["breakdown"]] == ["GB"]
    cells = (await ch.data(CELLS))["game"]["privacy"]
    assert (cells["stored"], cells["cells"]) == (False, [])

    decided = await decide_on_clickhouse(ch_world, privacy_model)
    assert {c.app_id: c.decided_through for c in decided.cells} == {
        world.APP: dt.date(2026, 10, 17)
    }
    await answers_anew(app, lambda: bump_data_version(ch_world.control))

    us = (await ch.data(US_WEEK_A))["game"]["userBehavior"]["activeUsers"]
    assert us["value"] == 6  # a1..a6: the whole week is a shown cell
    assert us["protected"]["included"] == [{"start": "2026-09-28", "end": "2026-10-04"}]
    assert_same(await ch.data(US_WEEK_A), await pg.data(US_WEEK_A))
    everyone = (await ch.data(ALL_WEEK_A))["game"]["userBehavior"]["activeUsers"]
    assert everyone["value"] == 8
    assert_same(await ch.data(ALL_WEEK_A), await pg.data(ALL_WEEK_A))
    # a second refresh decides nothing new
    again = await decide_on_clickhouse(ch_world, privacy_model)
    assert [c.new_cells for c in again.cells] == [0]


QUERIES = {
    "part_of_a_week": behavior(
        'range: {start: "2026-09-28", end: "2026-09-30"}, regions: ["US"]',
        f"activeUsers {{ value suppressed {PROTECTED} series {{ date value }} }}",
    ),
    "three_weeks": behavior(
        'range: {start: "2026-09-21", end: "2026-10-11"}, regions: ["US"]',
        f"activeUsers {{ value {PROTECTED} }}",
    ),
    "series_points": behavior(
        f"range: {WEEK_A}",
        "launchedSessions { value series { date value } } activeUsers { series { date value } }",
    ),
    "region_breakdown": behavior(
        'range: {start: "2026-09-28", end: "2026-09-30"}',
        "activeUsers { value breakdown(by: REGION) { key value series { date value }"
        " protected { included { start end } } } }",
    ),
    "os_slices": behavior(
        f'range: {WEEK_B}, regions: ["US"]',
        f"activeUsers {{ value {PROTECTED} breakdown(by: OS) {{ key value }} }}",
    ),
    "presets": behavior(
        "range: {preset: LAST_WEEK}",
        f"activeUsers {{ value previous {PROTECTED} }} launchedSessions {{ value }}",
    ),
    "till_date": behavior(
        'range: {start: "2026-09-21", end: "2026-10-11"}, regions: ["US"]',
        "totalUsers { value series { date value } }",
    ),
    "orders_and_tables": (
        f'{{ game(id: "{world.APP}") {{ iapOrders(filter: {{range: {WEEK_A}}}) {{'
        " gmv { value series { date value } } topProducts { rows { productId orders beans } } }"
        f" userRetention(filter: {{range: {WEEK_A}}}) {{"
        " cohorts(period: DAY_7) { date cohortSize retained rate } } } }"
    ),
    "cells": CELLS,
}


@pytest.mark.parametrize("name", sorted(QUERIES))
async def test_decided_answers_equal_postgresqls(
    decided: GraphQLClient, pg: GraphQLClient, name: str
) -> None:
    assert_same(await decided.data(QUERIES[name]), await pg.data(QUERIES[name]), name)


async def test_the_stored_cells_are_the_hand_decided_ones(decided: GraphQLClient) -> None:
    privacy = (await decided.data(CELLS))["game"]["privacy"]
    assert (privacy["decidedThrough"], privacy["stored"]) == ("2026-10-17", True)
    shown = {(c["level"], c["start"], c["os"]) for c in privacy["cells"] if c["shown"]}
    assert shown == {
        (0, "2026-09-28", None),
        (0, "2026-10-05", None),
        (0, "2026-10-05", "ios"),
        (0, "2026-10-05", "android"),
        (0, "2026-10-13", None),
        (1, "2026-09-28", None),
        (1, "2026-10-05", None),
    }
