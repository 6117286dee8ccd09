"""/metrics in Prometheus format: requests by route, operation and outcome code, latency,
statements per request, pool, cache, refresh age and privacy suppressions, with no label
carrying a token, an app id or any other value a client chose."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.app import create_app
from gateway.settings import Settings
from gateway.tokens import create_token
from semantic.loader import load_model
from tests.conftest import fresh_database
from tests.semantic import world
from tests.semantic.conftest import with_privacy

TODAY = dt.date(2026, 10, 21)
RANGE = 'range: {start: "2026-10-11", end: "2026-10-14"}'
CUBE_QUERY = {
    "measures": ["game_overview.active_users"],
    "timeDimensions": [
        {"dimension": "game_overview.date", "dateRange": ["2026-10-11", "2026-10-14"]}
    ],
    "filters": [{"member": "game_overview.app_id", "operator": "equals", "values": ["g1"]}],
}


@dataclasses.dataclass
class Served:
    http: httpx.AsyncClient
    token: str
    url: str


@pytest.fixture(scope="module")
async def served(server_url: str, template_name: str) -> AsyncIterator[Served]:
    async with fresh_database(server_url, template_name) as url:
        db = await asyncpg.connect(url)
        try:
            await world.build(db)
            token = (await create_token(db, owner_id=None, admin=True)).token
        finally:
            await db.close()
        model = with_privacy(load_model(), threshold=1000, regions=("US",))
        app = create_app(settings=Settings(today=TODAY), database_url=url, model=model)
        async with app.router.lifespan_context(app), contextlib.AsyncExitStack() as stack:
            transport = httpx.ASGITransport(app=app)
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=transport, base_url="http://minis")
            )
            yield Served(http=http, token=token, url=url)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(http: httpx.AsyncClient) -> str:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_requests_by_route_operation_and_code(served: Served) -> None:
    http, auth = served.http, {"Authorization": f"Bearer {served.token}"}
    before = await scrape(http)
    query = (
        f'{{ game(id: "g1") {{ userBehavior(filter: {{{RANGE}}}) ' + "{ activeUsers { value } } } }"
    )
    assert (await http.post("/graphql", json={"query": query}, headers=auth)).status_code == 200
    bad = query.replace("2026-10-11", "2026-01-01")
    await http.post("/graphql", json={"query": bad}, headers=auth)
    await http.post(
        "/cubejs-api/v1/load", json={"query": CUBE_QUERY}, headers={"Authorization": served.token}
    )
    await http.get("/cubejs-api/v1/meta")  # no token
    await http.get("/csv/game/g1/overview/activeUsers?preset=LAST_7_DAYS", headers=auth)
    after = await scrape(http)

    def grew(**labels: str) -> float:
        return value(after, "minis_requests_total", **labels) - value(
            before, "minis_requests_total", **labels
        )

    assert grew(route="/graphql", operation="game.userBehavior", code="OK") == 1
    assert grew(route="/graphql", operation="game.userBehavior", code="BAD_USER_INPUT") == 1
    assert grew(route="/cubejs-api/v1/load", operation="cube.load.game_overview", code="OK") == 1
    assert grew(route="/cubejs-api/v1/meta", operation="none", code="UNAUTHENTICATED") == 1
    assert (
        grew(route="/csv/{kind}/{app_id}/{module}/{item}", operation="game.overview", code="OK")
        == 1
    )
    assert (
        value(
            after,
            "minis_request_duration_seconds_count",
            route="/graphql",
            operation="game.userBehavior",
        )
        >= 2
    )
    statements = value(after, "minis_sql_statements_per_request_sum", route="/graphql")
    assert statements >= 1
    assert served.token not in after and "g1" not in after and "tile" not in after


async def test_pool_cache_and_suppressions(served: Served) -> None:
    http, auth = served.http, {"Authorization": f"Bearer {served.token}"}
    before = await scrape(http)
    query = (
        f'{{ game(id: "g1") {{ userBehavior(filter: {{{RANGE}, regions: ["US"]}}) '
        "{ activeUsers { suppressed } newUsers { suppressed } } } }"
    )
    body = (await http.post("/graphql", json={"query": query}, headers=auth)).json()
    assert body["data"]["game"]["userBehavior"]["activeUsers"]["suppressed"] == "PRIVACY_THRESHOLD"
    after = await scrape(http)
    grown = value(after, "minis_privacy_suppressions_total") - value(
        before, "minis_privacy_suppressions_total"
    )
    assert grown == 2
    assert value(after, "minis_pool_connections_open") >= 1
    assert value(after, "minis_pool_connections_max") >= 1
    assert ("minis_pool_waiting", ()) in samples(after)
    assert ("minis_cache_hits_total", ()) in samples(after)


async def test_refresh_age_once_there_is_refresh_state(served: Served) -> None:
    db = await asyncpg.connect(served.url)
    try:
        table = await db.fetchval("SELECT to_regclass('minis_rollup_state')")
        if table is not None:
            assert "minis_refresh_latest_day_age_days" not in await scrape(served.http)
            await db.execute(
                "INSERT INTO minis_rollup_state (app_id, signature, protected, built_through,"
                " bitmap_length, data_version) VALUES ('g1', 's', '{US}', '2026-10-18', 0, 0)"
            )
    finally:
        await db.close()
    text = await scrape(served.http)
    if table is None:
        assert "minis_refresh_latest_day_age_days" not in text
    else:
        assert value(text, "minis_refresh_latest_day_age_days") == 2
