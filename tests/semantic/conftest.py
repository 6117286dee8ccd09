from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import asyncpg
import pytest

from gateway.storage.clickhouse.client import connect
from gateway.storage.clickhouse.copy import copy_events
from gateway.storage.clickhouse.migrate import migrate as migrate_clickhouse
from semantic.engines import Engine
from semantic.loader import load_model
from semantic.model import AppKind, SemanticModel
from semantic.query import DateRange, FilterValue, Scope
from tests.conftest import fresh_database
from tests.semantic import world
from tests.semantic.engines import World

REPORTING_DAY = dt.date(2026, 10, 20)
R = DateRange(start=dt.date(2026, 10, 11), end=dt.date(2026, 10, 14))


@pytest.fixture(scope="session")
def model() -> SemanticModel:
    return load_model()


@pytest.fixture(scope="module", params=[Engine.POSTGRES, Engine.CLICKHOUSE], ids=str)
async def engine_world(
    request: pytest.FixtureRequest, world_db: asyncpg.Connection
) -> AsyncIterator[World]:
    """The hand-built world on each engine in turn: PostgreSQL, then a copy in ClickHouse
    (in-process chdb, one per test module: chdb's in-memory engine is one per process, and
    other modules' tests expect it empty)."""
    if request.param is Engine.POSTGRES:
        yield World(engine=Engine.POSTGRES, pg=world_db)
        return
    client = await connect("chdb://")
    try:
        await migrate_clickhouse(client)
        await copy_events(world_db, client)
        yield World(engine=Engine.CLICKHOUSE, pg=world_db, clickhouse=client)
    finally:
        await client.close()


@pytest.fixture(scope="session")
async def world_db(server_url: str, template_name: str) -> AsyncIterator[asyncpg.Connection]:
    """The hand-built world, built once; tests only read it."""
    async with fresh_database(server_url, template_name) as url:
        conn = await asyncpg.connect(url)
        try:
            await world.build(conn)
            yield conn
        finally:
            await conn.close()


def scope(
    module: str,
    *,
    kind: AppKind = AppKind.GAME,
    filters: dict[str, FilterValue] | None = None,
    range_: DateRange = R,
    reporting_day: dt.date = REPORTING_DAY,
    privacy: bool = False,
) -> Scope:
    return Scope(
        app_id=world.APP if kind is AppKind.GAME else world.DRAMA,
        kind=kind,
        module=module,
        range=range_,
        reporting_day=reporting_day,
        filters=filters or {},
        privacy=privacy,
    )


def with_privacy(
    model: SemanticModel, *, threshold: int, regions: tuple[str, ...]
) -> SemanticModel:
    privacy = dataclasses.replace(
        model.config.privacy, threshold=threshold, protected_regions=regions
    )
    return dataclasses.replace(model, config=dataclasses.replace(model.config, privacy=privacy))
