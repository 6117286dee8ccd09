"""The ASGI application: routes, and the connection pool opened for its lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg
from starlette.applications import Starlette
from starlette.routing import Route

from gateway.database import UNREACHABLE_ERRORS, create_pool, redacted
from gateway.health import PROBE_TIMEOUT, healthz
from gateway.settings import Settings

log = logging.getLogger(__name__)

POOL_CLOSE_TIMEOUT = 5.0


async def _check_reachable(pool: asyncpg.Pool, *, url: str) -> None:
    try:
        async with pool.acquire(timeout=PROBE_TIMEOUT):
            pass
    except UNREACHABLE_ERRORS as exc:
        log.warning(
            "database at %s unreachable at start-up (%s: %s); serving anyway, /healthz answers "
            "503 until it returns",
            redacted(url), type(exc).__name__, exc,
        )


async def _close(pool: asyncpg.Pool) -> None:
    try:
        await asyncio.wait_for(pool.close(), timeout=POOL_CLOSE_TIMEOUT)
    except TimeoutError:
        pool.terminate()


def create_app(*, settings: Settings, database_url: str) -> Starlette:
    """The gateway. It starts whether or not the database is up, and uses it once it is."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await create_pool(database_url)
        app.state.pool = pool
        await _check_reachable(pool, url=database_url)
        try:
            yield
        finally:
            await _close(pool)

    app = Starlette(routes=[Route("/healthz", healthz)], lifespan=lifespan)
    app.state.settings = settings
    return app
