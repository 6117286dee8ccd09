"""The ASGI application: routes, and the connection pool opened for its lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
from starlette.applications import Starlette
from starlette.middleware import Middleware

from gateway.auth import BearerAuth
from gateway.database import UNREACHABLE_ERRORS, create_pool, redacted
from gateway.health import PROBE_TIMEOUT
from gateway.links import DownloadLinks
from gateway.logs import RequestLog
from gateway.reloading import GraphQLSwitch, ServedModels
from gateway.routing import routes
from gateway.serving.middleware import ServingMiddleware
from gateway.serving.service import Serving
from gateway.settings import Settings
from gateway.storage.clickhouse.analytics import Analytics
from gateway.surfaces.metrics.middleware import RequestMetrics
from semantic.engines import Engine
from semantic.model import SemanticModel

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
            redacted(url),
            type(exc).__name__,
            exc,
        )


async def _close(pool: asyncpg.Pool) -> None:
    try:
        await asyncio.wait_for(pool.close(), timeout=POOL_CLOSE_TIMEOUT)
    except TimeoutError:
        pool.terminate()


def _analytics(settings: Settings) -> Analytics | None:
    """The ClickHouse database answers come from, when it is the analytics engine."""
    if settings.engine is not Engine.CLICKHOUSE or settings.database_url is None:
        return None
    return Analytics(settings.database_url, statement_timeout_ms=settings.statement_timeout_ms)


def create_app(
    *,
    settings: Settings,
    database_url: str,
    model: SemanticModel | None = None,
    models_dir: Path | None = None,
) -> Starlette:
    """The gateway. It starts whether or not the database is up, and uses it once it is.

    `database_url` is the PostgreSQL it keeps tokens, apps and the data version in (and,
    unless ClickHouse is the analytics engine, the events). With a ClickHouse
    `settings.database_url`, every compiled statement runs on ClickHouse (`app.state.analytics`)
    and the PostgreSQL is the control plane only.

    The GraphQL schema is generated from `model` (default: the one in `models_dir`, else
    MINIS_MODELS_DIR, else the packaged semantic model), which must be valid. With a directory
    (and no `model`, or both), `app.state.served.reload()` serves the directory's model anew.
    """
    directory = models_dir or (settings.models_dir if model is None else None)
    served = ServedModels.of(limits=settings.limits, model=model, directory=directory)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await create_pool(
            database_url,
            max_size=settings.serving.pool_size,
            statement_timeout_ms=settings.statement_timeout_ms,
        )
        app.state.pool = pool
        analytics = _analytics(settings)
        app.state.analytics = analytics
        serving = Serving(settings=settings.serving, database_url=database_url)
        app.state.serving = serving
        await _check_reachable(pool, url=database_url)
        if analytics is not None and not await analytics.reachable():
            log.warning(
                "ClickHouse at %s unreachable at start-up; serving anyway, /healthz answers "
                "503 until it returns",
                analytics.description,
            )
        await serving.start()
        try:
            yield
        finally:
            await serving.stop()
            await _close(pool)
            if analytics is not None:
                await analytics.close()

    # serving first: rate limits and cancellation on disconnect cover the token check too
    # metrics outermost: they time and count every answer, refusals included
    middleware = [
        Middleware(RequestLog),  # an id for every request, and its log line
        Middleware(RequestMetrics),
        Middleware(ServingMiddleware),
        Middleware(BearerAuth),
    ]
    app = Starlette(routes=routes(GraphQLSwitch(served)), middleware=middleware, lifespan=lifespan)
    app.state.settings = settings
    served.attach(app.state)  # app.state.served, .model and .graphql
    app.state.limits = settings.limits
    app.state.links = DownloadLinks.of(settings.download_secret)  # signed download links
    return app
