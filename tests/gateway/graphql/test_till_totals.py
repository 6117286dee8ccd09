"""Till-date totals beside shown privacy cells (the derived TILL route, semantic/rollup_till.py)
against the raw rows, on the hand-built privacy world (privacy_world.py, threshold 3).

Each day's protected users count from the end of its first shown cell on, so the answers step
where cells end: ranges are chosen to start and end before, on and after the ends of shown days
and weeks (09-28, 10-04, 10-05, 10-11, 10-13), with every kind of filter and breakdown that
picks other cells (`*` or `~`, a region list with and without US, an os filter, a breakdown by
os, whose rows are judged by their own os's cells), the comparison period and day and week
series. Hand-worked values of the same route are in test_privacy_cells.py."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from gateway.database import create_pool
from gateway.settings import Settings
from gateway.storage.refresh import refresh
from tests.conftest import fresh_database
from tests.gateway.graphql import privacy_world as world
from tests.gateway.graphql.conftest import GraphQLClient, client_of, gateway_app
from tests.gateway.graphql.test_privacy_cells import model

STARTS = ("2026-09-21", "2026-09-28", "2026-09-29", "2026-10-05", "2026-10-06", "2026-10-13")
ENDS = ("2026-09-28", "2026-10-04", "2026-10-05", "2026-10-07", "2026-10-11", "2026-10-17")
FILTERS = (
    "",
    ', regions: ["US"]',
    ', regions: ["GB"]',
    ', regions: ["US", "GB"]',
    ", os: IOS",
    ', os: ANDROID, regions: ["US"]',
)
BODIES = (
    "totalUsers { value previous series { date value } breakdown(by: REGION) { key value } }",
    "totalUsers { series(granularity: WEEK) { date value } breakdown(by: OS) { key value } }",
)


@pytest.fixture(scope="module")
async def clients(server_url: str, template_name: str) -> AsyncIterator[dict[str, GraphQLClient]]:
    async with fresh_database(server_url, template_name) as url:
        conn = await asyncpg.connect(url)
        try:
            await world.build(conn)
            await refresh(conn, model=model(), reporting_day=world.TODAY - dt.timedelta(days=1))
        finally:
            await conn.close()
        pool = await create_pool(url, min_size=1, max_size=2)
        try:
            found: dict[str, GraphQLClient] = {}
            async with (
                client_of(
                    gateway_app(
                        pool=pool, model=model(), settings=Settings(derived=True), today=world.TODAY
                    )
                ) as found["derived"],
                client_of(
                    gateway_app(
                        pool=pool,
                        model=model(),
                        settings=Settings(derived=False),
                        today=world.TODAY,
                    )
                ) as found["raw"],
            ):
                yield found
        finally:
            await pool.close()


async def answer(client: GraphQLClient, filter_: str, body: str) -> tuple[Any, Any]:
    found = await client(
        f'{{ game(id: "{world.APP}") {{ userBehavior(filter: {{{filter_}}}) {{ {body} }} }} }}'
    )
    assert "errors" not in found, found["errors"]
    return found["data"], found["extensions"]["derived"]["measures"]


async def test_till_date_totals_from_the_bitmaps_equal_the_raw_rows(
    clients: dict[str, GraphQLClient],
) -> None:
    cases = 0
    stepped = set()
    for start, end, filter_, body in itertools.product(STARTS, ENDS, FILTERS, BODIES):
        if end < start:
            continue
        range_ = f'range: {{start: "{start}", end: "{end}"}}{filter_}'
        derived, measures = await answer(clients["derived"], range_, body)
        raw, _ = await answer(clients["raw"], range_, body)
        # every measure of the answer came from the rollup
        assert measures["raw"] == 0 and measures["derived"] > 0, (range_, body)
        assert derived == raw, (range_, body)
        metric = derived["game"]["userBehavior"]["totalUsers"]
        stepped.add(metric.get("value"))
        cases += 1
    pairs = sum(1 for s, e in itertools.product(STARTS, ENDS) if e >= s)
    assert cases == len(BODIES) * len(FILTERS) * pairs
    assert len(stepped) > 5  # the ranges see the totals step, not one value throughout


async def test_a_total_of_ios_rows_keeps_the_days_ios_cells_show(
    clients: dict[str, GraphQLClient],
) -> None:
    """Broken down by os, each row is judged by its own os's cells only: 10-05's per-os pair
    is shown (b1 b2 b3 ios, b4 b5 b6 android); week B's per-os cells are not, nor any per-os
    cell of week A, so 09-28's every-os cell (a1 a2 a3) counts for no os row. GB: g1 ios, g2
    android."""
    for client in clients.values():
        data, _ = await answer(
            client,
            'range: {start: "2026-10-05", end: "2026-10-07"}',
            "totalUsers { breakdown(by: OS) { key value } }",
        )
        rows = {
            r["key"]: r["value"] for r in data["game"]["userBehavior"]["totalUsers"]["breakdown"]
        }
        assert rows == {"ios": 4, "android": 4}  # g1 b1 b2 b3; g2 b4 b5 b6
