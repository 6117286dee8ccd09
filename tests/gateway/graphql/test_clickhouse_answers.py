"""The gateway with ClickHouse (chdb) as its analytics engine and PostgreSQL as its control
plane answers the hand-built world (tests/semantic/world.py) exactly as the PostgreSQL
gateway does: every metric of every module against the hand-computed figures of
test_every_metric.py (its own checks, sent to ClickHouse) and against PostgreSQL's answer,
and series, breakdowns, views, tables and CSV lines compared whole."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from starlette.applications import Starlette

from gateway.schema.naming import camel
from gateway.settings import Settings
from semantic.model import SemanticModel
from tests.gateway.graphql import test_every_metric
from tests.gateway.graphql.clickhouse_gateway import (
    ClickHouseWorld,
    clickhouse_settings,
    clickhouse_world,
    gateway_client,
)
from tests.gateway.graphql.conftest import TODAY, GraphQLClient, client_of, gateway_app
from tests.semantic import world

R = '{start: "2026-10-11", end: "2026-10-14"}'


@pytest.fixture(scope="module")
async def ch_world(server_url: str, template_name: str) -> AsyncIterator[ClickHouseWorld]:
    async with clickhouse_world(server_url, template_name, world.build) as built:
        yield built


@pytest.fixture(scope="module")
async def ch_gateway(
    ch_world: ClickHouseWorld, semantic_model: SemanticModel
) -> AsyncIterator[tuple[Starlette, GraphQLClient]]:
    settings = clickhouse_settings(control_url=ch_world.control_url, today=TODAY)
    async with gateway_client(
        settings=settings, control_url=ch_world.control_url, model=semantic_model
    ) as started:
        yield started


@pytest.fixture(scope="module")
def ch(ch_gateway: tuple[Starlette, GraphQLClient]) -> GraphQLClient:
    return ch_gateway[1]


@pytest.fixture(scope="module", params=["derived", "raw"])
async def pg(
    request: pytest.FixtureRequest, world_pool: asyncpg.Pool, semantic_model: SemanticModel
) -> AsyncIterator[GraphQLClient]:
    """The PostgreSQL gateway over the same world: from its derived tables, then raw rows."""
    settings = Settings(derived=request.param == "derived")
    async with client_of(
        gateway_app(pool=world_pool, model=semantic_model, settings=settings)
    ) as c:
        yield c


def assert_same(got: Any, expected: Any, where: str = "") -> None:
    """Equal answers: the same shape and values, numbers within 1e-9 of each other."""
    if isinstance(expected, dict):
        assert isinstance(got, dict) and got.keys() == expected.keys(), where
        for key in expected:
            assert_same(got[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), where
        for i, (a, b) in enumerate(zip(got, expected, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(expected, float) and not isinstance(expected, bool):
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), where
    else:
        assert got == expected, where


async def both(ch: GraphQLClient, pg: GraphQLClient, query: str) -> dict[str, Any]:
    """ClickHouse's answer to `query`, once it is PostgreSQL's."""
    found = await ch.data(query)
    assert_same(found, await pg.data(query))
    return found


@pytest.fixture(scope="module")
def gql(ch: GraphQLClient) -> GraphQLClient:
    """The client test_every_metric.py's checks send their queries with: ClickHouse's."""
    return ch


# every metric of every module against its hand-computed figures, on ClickHouse
test_every_metric_is_the_hand_computed_one = test_every_metric.test_metric


async def test_every_metric_equals_postgresqls(ch: GraphQLClient, pg: GraphQLClient) -> None:
    for kind, module, metric, extra, *_ in test_every_metric.EXPECTED:
        filter_ = f"range: {R}" + (f", {extra}" if extra else "")
        app = "g1" if kind == test_every_metric.G else "d1"
        await both(
            ch,
            pg,
            f'{{ app: {kind}(id: "{app}") {{ m: {camel(module)}(filter: {{{filter_}}}) {{'
            f" x: {camel(metric)} {{ value previous change direction }} }} }} }}",
        )


async def test_series_and_breakdowns(ch: GraphQLClient, pg: GraphQLClient) -> None:
    data = await both(
        ch,
        pg,
        f"""{{ game(id: "g1") {{ userBehavior(filter: {{range: {R}}}) {{
            activeUsers {{ value previous change series {{ date value }}
                          weekly: series(granularity: WEEK) {{ date value }}
                          breakdown(by: REGION) {{ key value share series {{ date value }} }}
                          byOs: breakdown(by: OS) {{ key value share }} }}
            launchedSessions {{ value series {{ date value }} }} }}
          launch(filter: {{range: {R}, os: IOS}}) {{
            avgLaunchMs {{ value series {{ date value }} }} }}
        }} }}""",
    )
    active = data["game"]["userBehavior"]["activeUsers"]
    # by hand (world.py): u1 (l03 l04), u2 (l05 l06), u3 (l08) in 10-11..14; u1 u4 before
    assert (active["value"], active["previous"]) == (3, 2)
    assert {row["key"]: row["value"] for row in active["breakdown"]} == {"GB": 2, "US": 1, "BR": 1}
    assert [p["value"] for p in data["game"]["userBehavior"]["launchedSessions"]["series"]] == [
        2,
        3,
        0,
        0,
    ]


async def test_retention_views_and_tables(ch: GraphQLClient, pg: GraphQLClient) -> None:
    await both(
        ch,
        pg,
        f"""{{ game(id: "g1") {{
            userRetention(filter: {{range: {R}, cohort: ACTIVE}}) {{
                rate(period: DAY_7) {{ value series {{ date value }} }}
                cohorts(period: DAY_7) {{ date cohortSize retained rate }} }}
            userProfile(filter: {{range: {R}, userType: NEW}}) {{
                distribution(by: GENDER) {{ key users share }} }}
            iapOrders(filter: {{range: {R}}}) {{
                topProducts {{ totalCount rows {{ productId productName orders beans }} }} }}
            network(filter: {{range: {R}}}) {{
                errors(limit: 5) {{ totalCount rows {{ api domain errorCode count }} }} }}
        }}
        drama(id: "d1") {{
            conversionFunnel(filter: {{range: {R}, orderType: TOPUP}}) {{
                steps {{ step label pv conversionFromPrevious conversionFromFirst }} }}
            dashboard(filter: {{range: {R}}}) {{ medianDurationPerUser {{ value previous }} }}
        }} }}""",
    )


async def test_csv_lines_and_the_unreleased_app(ch: GraphQLClient, pg: GraphQLClient) -> None:
    path = "/csv/game/g1/userBehavior/activeUsers?start=2026-10-11&end=2026-10-14&by=REGION"
    ch_csv, pg_csv = await ch.http.get(path), await pg.http.get(path)
    assert ch_csv.status_code == pg_csv.status_code == 200
    assert ch_csv.text == pg_csv.text
    unreleased = '{ game(id: "g0") { status userBehavior { activeUsers { value suppressed } } } }'
    data = await both(ch, pg, unreleased)
    assert data["game"]["userBehavior"]["activeUsers"]["suppressed"] == "APP_NOT_LAUNCHED"


async def test_answers_say_they_scan_the_event_tables(ch: GraphQLClient) -> None:
    body = await ch(
        f'{{ game(id: "g1") {{ overview(filter: {{range: {R}}}) {{ activeUsers {{ value }} }} }} }}'
    )
    assert body["extensions"]["derived"]["measures"]["derived"] == 0
    assert body["extensions"]["derived"]["apps"] == {"g1": {"builtThrough": None, "current": False}}


async def test_healthz_names_the_engine(ch_gateway: tuple[Starlette, GraphQLClient]) -> None:
    response = await ch_gateway[1].http.get("/healthz")
    health = response.json()
    assert response.status_code == 200, health
    assert (health["engine"], health["database"], health["control_database"]) == (
        "clickhouse",
        "reachable",
        "reachable",
    )
    assert health["latest_day"] == "2026-10-20"  # l10, u3's session of 10-20
    assert health["privacy"]["undecided_apps"] == ["d1", "g0", "g1"]


async def test_the_rows_read_are_clickhouses(
    ch: GraphQLClient, pg: GraphQLClient, ch_world: ClickHouseWorld
) -> None:
    """A session only ClickHouse holds counts on ClickHouse, not on PostgreSQL."""
    query = (
        '{ game(id: "g1") { overview(filter: {range: {start: "2026-10-01", end: "2026-10-03"}})'
        " { activeUsers { value } } } }"
    )
    await ch_world.clickhouse.command(
        "INSERT INTO launches SELECT * REPLACE ('only_ch' AS launch_id, 'u9' AS user_id,"
        " toDateTime64('2026-10-02 12:00:00', 6, 'UTC') AS started_at)"
        " FROM (SELECT * FROM launches FINAL WHERE launch_id = 'l03')"
    )
    try:
        found = await ch.data(query)
        assert found["game"]["overview"]["activeUsers"]["value"] == 1
        assert (await pg.data(query))["game"]["overview"]["activeUsers"]["value"] == 0
    finally:
        await ch_world.clickhouse.command("DELETE FROM launches WHERE launch_id = 'only_ch'")


async def test_cube_api_answers_equal_postgresqls(ch: GraphQLClient, pg: GraphQLClient) -> None:
    query = {
        "measures": ["game_user_behavior.active_users", "game_user_behavior.launched_sessions"],
        "dimensions": ["game_user_behavior.region"],
        "timeDimensions": [
            {
                "dimension": "game_user_behavior.date",
                "granularity": "day",
                "dateRange": ["2026-10-11", "2026-10-14"],
            }
        ],
        "filters": [
            {"member": "game_user_behavior.app_id", "operator": "equals", "values": ["g1"]}
        ],
    }
    found = await ch.http.post("/cubejs-api/v1/load", json={"query": query})
    expected = await pg.http.post("/cubejs-api/v1/load", json={"query": query})
    assert found.status_code == expected.status_code == 200, found.text
    assert found.json()["data"] == expected.json()["data"]
    gb = [r for r in found.json()["data"] if r["game_user_behavior.region"] == "GB"]
    assert sum(int(r["game_user_behavior.launched_sessions"]) for r in gb) == 3  # l04 l05 l06
