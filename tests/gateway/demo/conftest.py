from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import pytest

from gateway.demo import DemoSummary
from tests.conftest import DEMO_TODAY, DemoWorld, fresh_database

TODAY = dt.date(2026, 11, 22)
REPORTING_DAY = TODAY - dt.timedelta(days=1)
SMALL = 0.05  # a world small enough to build in a second or two, for tests of the build itself


@dataclass(frozen=True, kw_only=True)
class World:
    conn: asyncpg.Connection
    summary: DemoSummary

    def biggest(self, kind: str) -> str:
        """The launched app of `kind` with the most users."""
        return max(
            (app for app in self.summary.apps if app.kind == kind), key=lambda app: app.users
        ).app_id


@pytest.fixture(scope="session")
async def world(demo_world: DemoWorld) -> AsyncIterator[World]:
    """The full-size demo world (scale 1, the run's `demo_world`, with its derived tables);
    tests only read it."""
    assert TODAY == DEMO_TODAY
    conn = await asyncpg.connect(demo_world.url)
    try:
        yield World(conn=conn, summary=demo_world.summary)
    finally:
        await conn.close()


@pytest.fixture
async def other_db(server_url: str, template_name: str) -> AsyncIterator[asyncpg.Connection]:
    """A second fresh, migrated database, next to `db`."""
    async with fresh_database(server_url, template_name) as url:
        conn = await asyncpg.connect(url)
        try:
            yield conn
        finally:
            await conn.close()
