"""Running compiled statements: one pool, a timeout on every statement, errors a client
can act on, and a count of statements per request.

With `serving` and a `ticket` (gateway/serving/), a statement is first looked up in the cache
of answers, then waits for its turn in the fair queue, and runs within the request's deadline;
the ticket can cancel it, and asyncpg then cancels it in PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import asyncpg

from gateway.database import UNREACHABLE_ERRORS
from gateway.errors import database_unavailable, timed_out
from gateway.serving.cache import cache_key
from gateway.serving.errors import queue_timed_out
from gateway.serving.fairness import QueueTimeout
from gateway.serving.service import Serving
from gateway.serving.ticket import Ticket
from semantic.engines import Engine
from semantic.query import CompiledQuery

log = logging.getLogger(__name__)

Row = asyncpg.Record
# a row of a compiled statement: PostgreSQL's record, or a ClickHouse row (a dict)
AnswerRow = asyncpg.Record | Mapping[str, Any]
T = TypeVar("T")
# runs one statement with its parameters, within a deadline (loop time) when given one
Run = Callable[[str, tuple[Any, ...], float | None], Awaitable[list[T]]]

# A pooled connection that the server dropped (restart, failover): worth one more try.
BROKEN_CONNECTION: tuple[type[BaseException], ...] = (
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.AdminShutdownError,
    asyncpg.InternalClientError,
    ConnectionResetError,
)


class Runner:
    """Runs statements for one request and counts them. Compiled statements (`fetch`) run
    on the analytics engine (`engine`), hand-written SQL (`fetch_sql`) on PostgreSQL."""

    engine = Engine.POSTGRES

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        acquire_timeout: float = 30.0,
        serving: Serving | None = None,
        ticket: Ticket | None = None,
    ) -> None:
        # waiting for a free connection is the queue of a busy gateway; a stopped database
        # fails at once when a connection is opened, not here
        self.pool = pool
        self.acquire_timeout = acquire_timeout
        self.serving = serving
        self.ticket = ticket
        self.statements = 0

    async def fetch(self, compiled: CompiledQuery) -> Sequence[AnswerRow]:
        return await self.fetch_sql(compiled.sql, *compiled.params)

    async def fetch_sql(self, sql: str, *params: Any) -> list[Row]:
        """Rows of one read-only statement. A connection that broke (the server restarted)
        is replaced once; a server that stays unreachable fails fast."""
        return await self.served(sql, params, run=self._run)

    async def served(self, sql: str, params: tuple[Any, ...], *, run: Run[T]) -> list[T]:
        """The rows `run` gives for one statement, through the cache, the fair queue and the
        request's deadline (with `serving` and a `ticket`; else run at once)."""
        serving, ticket = self.serving, self.ticket
        if serving is None or ticket is None:
            return await run(sql, params, None)
        version = serving.version()
        if version is None:
            serving.cache.stats.bypassed += 1
            with ticket.statement():
                return await self._turn(sql, params, serving=serving, ticket=ticket, run=run)
        key = cache_key(sql, params, version)
        cached = serving.cache.get(key)
        if cached is not None:
            ticket.hits += 1
            return list(cached)
        ticket.misses += 1
        # the same statement asked by many requests at once runs once (a dashboard's page
        # opened by many people after a refresh), for as long as any of them waits for it
        with ticket.statement():
            try:
                rows = await serving.cache.once(
                    key,
                    lambda: self._turn(
                        sql, params, serving=serving, ticket=ticket, run=run, shared=True
                    ),
                    deadline=ticket.deadline,
                )
            except TimeoutError:  # the request's deadline passed while the statement ran
                raise timed_out() from None
        return list(rows)

    async def _turn(
        self,
        sql: str,
        params: tuple[Any, ...],
        *,
        serving: Serving,
        ticket: Ticket,
        run: Run[T],
        shared: bool = False,
    ) -> list[T]:
        """Rows of the statement, run in a turn of the fair queue; within the request's
        deadline, unless `shared` (then the cache cancels it when nobody waits any more)."""
        waits = serving.settings.queue_timeout_ms / 1000
        queue_deadline = min(ticket.deadline, asyncio.get_running_loop().time() + waits)
        try:
            async with serving.queue.turn(
                token=ticket.token, heavy=ticket.heavy, deadline=queue_deadline
            ):
                deadline = None if shared else ticket.deadline
                async with asyncio.timeout_at(deadline):
                    rows = await run(sql, params, deadline)
        except QueueTimeout as exc:
            raise queue_timed_out(waited=exc.waited, retry_after=exc.retry_after) from None
        except TimeoutError:  # the request's deadline passed while the statement ran
            raise timed_out() from None
        return rows

    async def _run(
        self, sql: str, params: tuple[Any, ...], deadline: float | None = None
    ) -> list[Row]:
        # the deadline is the caller's timeout: a cancelled statement asyncpg cancels itself
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
