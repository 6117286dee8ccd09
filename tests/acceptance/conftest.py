from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import pytest

from gateway.database import create_pool
from gateway.settings import Settings
from gateway.storage.clickhouse.client import EmbeddedClient
from gateway.storage.clickhouse.copy import copy_events, pull_events
from gateway.storage.clickhouse.migrate import migrate as migrate_clickhouse
from semantic.loader import load_model
from semantic.model import SemanticModel
from tests.conftest import DEMO_TODAY
from tests.gateway.graphql.clickhouse_gateway import clickhouse_settings, gateway_client
from tests.gateway.graphql.conftest import GraphQLClient, client_of, gateway_app
from tests.semantic.conftest import with_privacy


@contextlib.asynccontextmanager
async def demo_gateway(
    url: str, model: SemanticModel, *, derived: bool = True
) -> AsyncIterator[tuple[asyncpg.Pool, GraphQLClient]]:
    """The gateway serving `model` over the demo world, and its pool; with `derived`, from
    the derived tables where they answer exactly, else from the raw rows only."""
    pool = await create_pool(url, min_size=1, max_size=4)
    try:
        settings = Settings(derived=derived)
        app = gateway_app(pool=pool, model=model, settings=settings, today=DEMO_TODAY)
        async with client_of(app) as client:
            yield pool, client
    finally:
        await pool.close()


# The packaged model, with every region shown: the reference computations know no privacy.
MODEL = with_privacy(load_model(), threshold=1, regions=())


@pytest.fixture(scope="module", params=["derived", "raw"])
async def both_paths(
    request: pytest.FixtureRequest, demo_world_url: str
) -> AsyncIterator[tuple[asyncpg.Pool, GraphQLClient, str]]:
    """The gateway over the demo world, from its derived tables, then from raw rows only;
    and which of the two."""
    async with demo_gateway(demo_world_url, MODEL, derived=request.param == "derived") as (
        pool,
        client,
    ):
        yield pool, client, request.param


@pytest.fixture(scope="module")
async def clickhouse_gateway(
    demo_world_url: str,
) -> AsyncIterator[tuple[asyncpg.Pool, GraphQLClient]]:
    """The gateway with ClickHouse (in-process chdb) as its analytics engine, the demo
    world's PostgreSQL as its control plane, and the demo world's event tables copied to
    ClickHouse; and a pool on the demo world (for the reference computations)."""
    clickhouse = await EmbeddedClient.open()  # holds the in-memory engine while it is used
    pool = await create_pool(demo_world_url, min_size=1, max_size=4)
    try:
        await migrate_clickhouse(clickhouse)
        if urlsplit(demo_world_url).hostname:  # ClickHouse reads PostgreSQL itself
            await pull_events(clickhouse, postgres_url=demo_world_url)
        else:  # a PostgreSQL on a socket: the rows go through minis in batches
            async with pool.acquire() as conn:
                await copy_events(conn, clickhouse)
        settings = clickhouse_settings(control_url=demo_world_url, today=DEMO_TODAY)
        async with gateway_client(settings=settings, control_url=demo_world_url, model=MODEL) as (
            _,
            client,
        ):
            yield pool, client
    finally:
        await pool.close()
        await clickhouse.close()
