"""The independent reference computation applies the privacy rule too: on the demo world with
the packaged model (threshold 1,000, US protected), each answer equals the reference SQL of
metrics.md (reference.py) run over the rows the rule keeps, where the kept US rows are those of
the days the independent rule (privacy_reference.py) covers for that answer's own range and os.

The reference's tables are shadowed, in one transaction, by temporary views that keep a US row
only when its UTC day is in `covered`; everything else is reference.py unchanged."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from gateway.schema.naming import camel
from semantic.loader import load_model
from tests.acceptance.conftest import demo_gateway
from tests.acceptance.privacy_reference import ALL, Cell, covered_days, decide, protected_rows
from tests.acceptance.reference import METRICS
from tests.conftest import DEMO_TODAY
from tests.gateway.graphql.conftest import GraphQLClient

REPORTING_DAY = DEMO_TODAY - dt.timedelta(days=1)
THROUGH = REPORTING_DAY - dt.timedelta(days=3)
APP = "tile_kingdom"
MODULES = {
    "userBehavior": ("active_users", "launched_sessions", "repeat_users", "avg_duration_per_user"),
    "iapOrders": ("gmv", "total_orders"),
}
# each shadowed table, and the time column that gives a row's day
SHADOWED = {"launches": "started_at", "orders": "created_at"}


def last_block(days: int) -> tuple[dt.date, dt.date]:
    """The last `days`-long block of the calendar (from Monday 2024-01-01) ending by THROUGH."""
    epoch = dt.date(2024, 1, 1)
    blocks = ((THROUGH - epoch).days + 1) // days
    start = epoch + dt.timedelta(days=(blocks - 1) * days)
    return start, start + dt.timedelta(days=days - 1)


def ranges() -> dict[str, tuple[dt.date, dt.date]]:
    """Ranges aligned to the calendar and not: the last decided week and 4 weeks, 30 days, and
    a 10-day range across a week's end."""
    week_end = last_block(7)[1]
    return {
        "week": last_block(7),
        "4 weeks": last_block(28),
        "30 days": (REPORTING_DAY - dt.timedelta(days=29), REPORTING_DAY),
        "10 days": (week_end - dt.timedelta(days=4), week_end + dt.timedelta(days=5)),
    }


@pytest.fixture(scope="module", params=["derived", "raw"])
async def real(
    request: pytest.FixtureRequest, demo_world_url: str
) -> AsyncIterator[tuple[asyncpg.Pool, GraphQLClient, list[Cell]]]:
    async with demo_gateway(demo_world_url, load_model(), derived=request.param == "derived") as (
        pool,
        client,
    ):
        cells = decide(await protected_rows(pool, APP), threshold=1000, through=THROUGH)
        yield pool, client, cells


async def reference(
    conn: asyncpg.Connection, metric: str, covered: set[dt.date], params: tuple[Any, ...]
) -> Any:
    """The reference's value of `metric` over the rows the rule keeps (US only on `covered`)."""
    async with conn.transaction():
        await conn.execute("CREATE TEMP TABLE covered (d date) ON COMMIT DROP")
        await conn.executemany("INSERT INTO covered VALUES ($1)", [(d,) for d in covered])
        for table, time in SHADOWED.items():
            await conn.execute(
                f"CREATE TEMP VIEW {table} AS SELECT * FROM public.{table}"
                f" WHERE region <> 'US' OR ({time} AT TIME ZONE 'UTC')::date IN"
                " (SELECT d FROM covered)"
            )
        try:
            return await conn.fetchval(METRICS[metric], *params)
        finally:
            for table in SHADOWED:
                await conn.execute(f"DROP VIEW pg_temp.{table}")


@pytest.mark.parametrize("os", [None, "ios"])
@pytest.mark.parametrize("regions", [None, ["US"]])
@pytest.mark.parametrize("range_name", list(ranges()))
async def test_answers_equal_the_reference_over_the_rows_the_rule_keeps(
    real: tuple[asyncpg.Pool, GraphQLClient, list[Cell]],
    range_name: str,
    regions: list[str] | None,
    os: str | None,
) -> None:
    pool, gql, cells = real
    start, end = ranges()[range_name]
    days = (end - start).days + 1
    previous = (start - dt.timedelta(days=days), start - dt.timedelta(days=1))
    key = os or ALL
    filters = f'range: {{start: "{start}", end: "{end}"}}'
    filters += f", os: {os.upper()}" if os else ""
    filters += ', regions: ["US"]' if regions else ""
    selection = " ".join(
        f"{module}(filter: {{{filters}}}) {{"
        + " ".join(
            f"{camel(m)} {{ value previous protected {{ included {{ start end }} }} }}"
            for m in metrics
        )
        + " }"
        for module, metrics in MODULES.items()
    )
    answer = (await gql.data(f'{{ game(id: "{APP}") {{ {selection} }} }}'))["game"]
    shown_any = False
    async with pool.acquire() as conn:
        for module, metrics in MODULES.items():
            for metric in metrics:
                got = answer[module][camel(metric)]
                for field, (lo, hi) in (("value", (start, end)), ("previous", previous)):
                    covered = covered_days(cells, lo=lo, hi=hi, os=key)
                    params = (APP, lo, hi, REPORTING_DAY, os, regions, None, None, True)
                    expected = await reference(conn, metric, covered, params)
                    if regions and not covered:
                        expected = None  # a US-only answer with no shown cell is withheld
                    if expected is None:
                        assert got[field] is None, (metric, field)
                    else:
                        assert got[field] == pytest.approx(expected, rel=1e-9), (metric, field)
                included = {
                    dt.date.fromisoformat(s["start"]) + dt.timedelta(days=i)
                    for s in got["protected"]["included"]
                    for i in range(
                        (dt.date.fromisoformat(s["end"]) - dt.date.fromisoformat(s["start"])).days
                        + 1
                    )
                }
                assert included == covered_days(cells, lo=start, hi=end, os=key), metric
                shown_any = shown_any or bool(included)
    if range_name in ("week", "4 weeks") and os is None:
        assert shown_any  # aligned ranges of the biggest game do include its US data
