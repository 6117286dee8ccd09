from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg
import pytest

from gateway.database import create_pool
from gateway.settings import Settings
from semantic.loader import load_model
from semantic.model import SemanticModel
from tests.conftest import DEMO_TODAY
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
