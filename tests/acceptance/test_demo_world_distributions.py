"""On the demo world, profile and device distributions equal the independent computation of
tests/acceptance/reference.py for every user type with os and region filters (NEW users are
judged by their first session ever, on its own os and region: the first-session rule)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from tests.acceptance.conftest import MODEL, demo_gateway
from tests.acceptance.reference import distribution
from tests.conftest import DEMO_TODAY
from tests.gateway.graphql.conftest import GraphQLClient

REPORTING_DAY = DEMO_TODAY - dt.timedelta(days=1)
START = REPORTING_DAY - dt.timedelta(days=6)
FILTERS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "all": ("", (None, None)),
    "ios": (", os: IOS", ("ios", None)),
    "ios+US,GB": (', os: IOS, regions: ["US", "GB"]', ("ios", ["US", "GB"])),
    "BR": (', regions: ["BR"]', (None, ["BR"])),
}
VIEWS = {
    "profile": ("userProfile", "GENDER", "gender"),
    "device": ("userDevice", "DEVICE_BRAND", "device_brand"),
}


@pytest.fixture(scope="module")
async def demo(demo_world_url: str) -> AsyncIterator[tuple[asyncpg.Pool, GraphQLClient]]:
    async with demo_gateway(demo_world_url, MODEL) as served:
        yield served


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("user_type", ["ALL", "NEW", "RETURNING"])
@pytest.mark.parametrize("filter_name", sorted(FILTERS))
async def test_distribution_equals_independent_sql(
    demo: tuple[asyncpg.Pool, GraphQLClient], view: str, user_type: str, filter_name: str
) -> None:
    pool, gql = demo
    module, by, column = VIEWS[view]
    text, (os, regions) = FILTERS[filter_name]
    data = await gql.data(
        f'{{ game(id: "tile_kingdom") {{ {module}(filter: {{range: {{start: "{START}", '
        f'end: "{REPORTING_DAY}"}}, userType: {user_type}{text}}}) {{ '
        f"distribution(by: {by}) {{ key users }} }} }} }}"
    )
    got = {row["key"]: row["users"] for row in data["game"][module]["distribution"]}
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            distribution(column), "tile_kingdom", START, REPORTING_DAY, REPORTING_DAY, os,
            regions, user_type,
        )
    assert got == {row["v"]: row["users"] for row in rows}
    assert got  # every combination has users in the demo world
