"""The ASGI application: routes, and the connection pool opened for its lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg
from starlette.applications import Starlette
from starlette.middleware import Middleware

from gateway.auth import BearerAuth
from gateway.database import UNREACHABLE_ERRORS, create_pool, redacted
from gateway.graphql import GatewayGraphQL
from gateway.health import PROBE_TIMEOUT
from gateway.routing import routes
from gateway.schema.build import schema_for
from gateway.serving.middleware import ServingMiddleware
from gateway.serving.service import Serving
from gateway.settings import Settings
from gateway.surfaces.metrics.middleware import RequestMetrics
from semantic.loader import load_model
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
    *, settings: Settings, database_url: str, model: SemanticModel | None = None
) -> Starlette:
    """The gateway. It starts whether or not the database is up, and uses it once it is.

    The GraphQL schema is generated from `model` (default: the packaged semantic model,
    or the one in MINIS_MODELS_DIR), which must be valid.
    """
    if model is None:
        model = load_model(settings.models_dir) if settings.models_dir else load_model()
    graphql = GatewayGraphQL(schema_for(model, settings.limits))

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
        Middleware(RequestMetrics),
        Middleware(ServingMiddleware),
        Middleware(BearerAuth),
    ]
    app = Starlette(routes=routes(graphql), middleware=middleware, lifespan=lifespan)
    app.state.settings = settings
    app.state.model = model
    app.state.graphql = graphql
    app.state.limits = settings.limits
    return app
