"""The ClickHouse database a gateway answers from: one client for the process, opened on
first use (so the gateway starts while ClickHouse is down) and again after it could not be,
and ClickHouse's errors turned into the ones a client can act on.

Every statement runs with the compilers' settings and `max_execution_time`: the statement
timeout, or less when the request's deadline comes first. ClickHouse stops the statement
itself then (a cancelled asyncio task does not stop a statement a thread has sent); a
statement stopped so, or cancelled, answers TIMEOUT. A server that cannot be reached (no
ClickHouse error code: the transport failed), refuses the login, has no such database or
is too busy answers DATABASE_UNAVAILABLE.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from gateway.database import redacted
from gateway.errors import ClientError, ErrorCode, database_unavailable, timed_out
from gateway.storage.clickhouse.base import ClickHouseClient, ClickHouseError
from gateway.storage.clickhouse.client import connect
from gateway.storage.clickhouse.statements import named
from semantic.engines.clickhouse import SETTINGS

log = logging.getLogger(__name__)

TIMED_OUT = frozenset({159, 394})  # TIMEOUT_EXCEEDED, QUERY_WAS_CANCELLED
# SOCKET_TIMEOUT, NETWORK_ERROR, UNKNOWN_DATABASE, TOO_MANY_SIMULTANEOUS_QUERIES,
# AUTHENTICATION_FAILED, and a server shutting down (ABORTED)
UNAVAILABLE = frozenset({209, 210, 81, 202, 516, 236})

Connect = Callable[[str], Awaitable[ClickHouseClient]]


def client_error(error: ClickHouseError) -> ClientError | None:
    """The error a client gets for `error`, or None when it is no fault of the engine's
    availability (a statement ClickHouse refused: an internal error)."""
    if error.code in TIMED_OUT:
        return timed_out()
    if error.code is None or error.code in UNAVAILABLE:
        return database_unavailable()
    return None


class Analytics:
    """The gateway's ClickHouse database (`url`), shared by every request."""

    def __init__(
        self, url: str, *, statement_timeout_ms: int = 10_000, opener: Connect = connect
    ) -> None:
        self.url = url
        self.description = redacted(url)
        self.statement_timeout_ms = statement_timeout_ms
        self._open = opener
        self._client: ClickHouseClient | None = None
        self._lock = asyncio.Lock()

    async def client(self) -> ClickHouseClient:
        """The open client, opening it if needed; ClickHouseError when it cannot be."""
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                self._client = await self._open(self.url)
            return self._client

    async def fetch(
        self, sql: str, params: Sequence[Any], *, deadline: float | None = None
    ) -> list[dict[str, Any]]:
        """The rows of a compiled statement (`$1, $2, ...` bound by position)."""
        return await self.query(sql, named(params), deadline=deadline)

    async def query(
        self, sql: str, params: Mapping[str, Any] | None = None, *, deadline: float | None = None
    ) -> list[dict[str, Any]]:
        """The rows of a statement with `{name:Type}` parameters, within the statement
        timeout and `deadline` (loop time); TIMEOUT or DATABASE_UNAVAILABLE as ClientError."""
        timeout = self.statement_timeout_ms / 1000
        if deadline is not None:
            timeout = min(timeout, deadline - asyncio.get_running_loop().time())
        if timeout <= 0:
            raise timed_out()
        settings: dict[str, int | str] = {**SETTINGS, "max_execution_time": f"{timeout:.3f}"}
        try:
            client = await self.client()
            return await client.query(sql, params, settings=settings)
        except ClickHouseError as error:
            found = client_error(error)
            if found is None:
                raise
            if found.code is not ErrorCode.TIMEOUT:
                log.warning("ClickHouse unavailable at %s: %s", self.description, error)
            raise found from None

    async def reachable(self) -> bool:
        """Whether a statement runs; logs why not (for the start-up check)."""
        try:
            await self.query("SELECT 1")
        except ClientError:
            return False
        return True

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()
