"""Running compiled statements: one pool, a timeout on every statement, errors a client
can act on, and a count of statements per request."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from gateway.database import UNREACHABLE_ERRORS
from gateway.errors import database_unavailable, timed_out
from semantic.query import CompiledQuery

log = logging.getLogger(__name__)

Row = asyncpg.Record

# A pooled connection that the server dropped (restart, failover): worth one more try.
BROKEN_CONNECTION: tuple[type[BaseException], ...] = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.AdminShutdownError,
    asyncpg.InternalClientError,
    ConnectionResetError,
)


class Runner:
    """Runs statements for one request and counts them."""

    def __init__(self, pool: asyncpg.Pool, *, acquire_timeout: float = 30.0) -> None:
        # waiting for a free connection is the queue of a busy gateway; a stopped database
        # fails at once when a connection is opened, not here
        self.pool = pool
        self.acquire_timeout = acquire_timeout
        self.statements = 0

    async def fetch(self, compiled: CompiledQuery) -> list[Row]:
        return await self.fetch_sql(compiled.sql, *compiled.params)

    async def fetch_sql(self, sql: str, *params: Any) -> list[Row]:
        """Rows of one read-only statement. A connection that broke (the server restarted)
        is replaced once; a server that stays unreachable fails fast."""
        self.statements += 1
        for attempt in (1, 2):
            try:
                async with self.pool.acquire(timeout=self.acquire_timeout) as conn:
                    rows: list[Row] = await conn.fetch(sql, *params)
                    return rows
            except asyncpg.QueryCanceledError:
                raise timed_out() from None
            except BROKEN_CONNECTION as exc:
                if attempt == 2:
                    log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
                    raise database_unavailable() from None
            except UNREACHABLE_ERRORS as exc:
                log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
                raise database_unavailable() from None
        raise AssertionError("unreachable")
