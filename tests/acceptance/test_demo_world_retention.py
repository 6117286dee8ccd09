"""On the demo world, the retention rate and its `previous` equal the independent computation
of tests/acceptance/reference.py, for both cohort types, periods shorter than the range (where
`previous` used to miss the return days before the range) and filters, from the derived tables
and from the raw rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import pytest

from tests.acceptance.reference import RETENTION
from tests.conftest import DEMO_TODAY
from tests.gateway.graphql.conftest import GraphQLClient

REPORTING_DAY = DEMO_TODAY - dt.timedelta(days=1)
APPS = {"game": "bubble_pop_saga", "drama": "ceo_secret_twin"}
# (days, how many days before the reporting day the range ends)
RANGES = {"30 days": (30, 0), "14 days earlier": (14, 20)}
FILTERS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "all": ("", (None, None)),
    "ios+US,GB": (', os: IOS, regions: ["US", "GB"]', ("ios", ["US", "GB"])),
    "BR": (', regions: ["BR"]', (None, ["BR"])),
}


@pytest.mark.parametrize("kind", sorted(APPS))
@pytest.mark.parametrize("cohort", ["NEW", "ACTIVE"])
@pytest.mark.parametrize("period", [1, 7])
@pytest.mark.parametrize("range_name", sorted(RANGES))
@pytest.mark.parametrize("filter_name", sorted(FILTERS))
async def test_retention_equals_independent_sql(
    both_paths: tuple[asyncpg.Pool, GraphQLClient, str],
    kind: str,
    cohort: str,
    period: int,
    range_name: str,
    filter_name: str,
) -> None:
    pool, gql, path = both_paths
    days, before = RANGES[range_name]
    end = REPORTING_DAY - dt.timedelta(days=before)
    start = end - dt.timedelta(days=days - 1)
    previous_end = start - dt.timedelta(days=1)
    previous_start = previous_end - dt.timedelta(days=days - 1)
    text, (os, regions) = FILTERS[filter_name]
    body = await gql(
        f'{{ app: {kind}(id: "{APPS[kind]}") {{ userRetention(filter: {{range: '
        f'{{start: "{start}", end: "{end}"}}, cohort: {cohort}{text}}}) {{ '
        f"rate(period: DAY_{period}) {{ value previous }} }} }} }}"
    )
    assert "errors" not in body, body["errors"]
    rate = body["data"]["app"]["userRetention"]["rate"]
    measures = body["extensions"]["derived"]["measures"]
    assert measures["derived" if path == "derived" else "raw"] == 1
    async with pool.acquire() as conn:
        for got, (lo, hi) in (
            (rate["value"], (start, end)),
            (rate["previous"], (previous_start, previous_end)),
        ):
            expected = await conn.fetchval(
                RETENTION, APPS[kind], lo, hi, REPORTING_DAY, os, regions, cohort, period
            )
            assert got == pytest.approx(expected, rel=1e-12) if expected is not None else (
                got is None
            ), (lo, hi)
