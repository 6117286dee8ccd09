from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg

from gateway.database import create_pool
from gateway.settings import Settings
from semantic.model import SemanticModel
from tests.conftest import DEMO_TODAY
from tests.gateway.graphql.conftest import GraphQLClient, client_of, gateway_app


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
