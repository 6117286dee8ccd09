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
from gateway.surfaces.metrics.middleware import RequestMetrics
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


def create_app(
    *,
    settings: Settings,
    database_url: str,
    model: SemanticModel | None = None,
    models_dir: Path | None = None,
) -> Starlette:
    """The gateway. It starts whether or not the database is up, and uses it once it is.

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
        serving = Serving(settings=settings.serving, database_url=database_url)
        app.state.serving = serving
        await _check_reachable(pool, url=database_url)
        await serving.start()
        try:
            yield
        finally:
            await serving.stop()
            await _close(pool)

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
