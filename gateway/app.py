"""The ASGI application: routes, and the connection pool opened for its lifetime."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import Route

from gateway.database import create_pool
from gateway.health import healthz
from gateway.settings import Settings


def create_app(*, settings: Settings, database_url: str) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = await create_pool(database_url)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = Starlette(routes=[Route("/healthz", healthz)], lifespan=lifespan)
    app.state.settings = settings
    return app
