"""The data version: one number that every load, demo build and refresh raises.

Writers call `bump_data_version(conn)` inside the transaction that changes the data. It raises
`minis_data_version.version` and sends `NOTIFY minis_data_version`; PostgreSQL delivers the
notification only when that transaction commits, and never when it rolls back, so a killed
load announces nothing.

A gateway learns of a change through `DataVersionWatcher`: one connection of its own (outside
the pool) that LISTENs, so a change reaches every gateway process within a round trip of the
commit, without a query per request. Polling every N ms would cost a statement per period
and serve stale answers for up to N ms; LISTEN costs nothing while nothing changes. The
watcher also re-reads the version every `check_seconds` (which doubles as a liveness check of
its connection) and whenever it reconnects, so a notification missed while it was away changes
nothing. While it has no connection the version is unknown (`None`), and the cache is not used.

It reads, with the version, how many apps of each kind there are: admission by cost needs
that to price a module asked under `games` or `dramas`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import asyncpg

from gateway.database import UNREACHABLE_ERRORS

log = logging.getLogger(__name__)

CHANNEL = "minis_data_version"

_BUMP = """
INSERT INTO minis_data_version AS v (id, version, changed_at) VALUES (1, 1, now())
ON CONFLICT (id) DO UPDATE SET version = v.version + 1, changed_at = now()
RETURNING version
"""

_READ = """
SELECT (SELECT version FROM minis_data_version WHERE id = 1) AS version,
       (SELECT coalesce(jsonb_object_agg(kind, n), '{}'::jsonb)::text
          FROM (SELECT kind, count(*) AS n FROM apps GROUP BY kind) AS k) AS apps
"""


async def bump_data_version(conn: asyncpg.Connection | Any) -> int:
    """Raise the data version and announce it; call it inside the transaction that changes
    the data (it is then undone with it). Returns the new version."""
    version: int = await conn.fetchval(_BUMP)
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(version))
    return version


async def read_data_version(conn: asyncpg.Connection | Any) -> int:
    """The current data version (0 before anything raised it)."""
    value = await conn.fetchval("SELECT version FROM minis_data_version WHERE id = 1")
    return int(value or 0)


class DataVersionWatcher:
    """Keeps `version` (None while unknown) and `apps` (count per kind) up to date."""

    def __init__(
        self,
        url: str,
        *,
        check_seconds: float = 5.0,
        connect_timeout: float = 2.0,
        retry_seconds: float = 0.5,
    ) -> None:
        self.url = url
        self.check_seconds = check_seconds
        self.connect_timeout = connect_timeout
        self.retry_seconds = retry_seconds
        self.version: int | None = None
        self.apps: Mapping[str, int] = MappingProxyType({})
        self.changes = 0  # versions seen change while running
        self._seen: int | None = None  # the last version read
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._wake = asyncio.Event()
        self._lost = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="data-version-watcher")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            self._stopping = True
            # cancel until it has ended: before Python 3.12, `asyncio.wait_for` can swallow a
            # cancellation that arrives just as what it waits for is done, and the watcher
            # would go on (an app's shutdown then waited for it forever)
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=0.5)
            if not task.cancelled() and task.exception() is not None:
                log.warning("data version watcher ended with %r", task.exception())
        self.version = None

    async def _run(self) -> None:
        backoff = self.retry_seconds
        while not self._stopping:
            try:
                await self._watch()
            except asyncio.CancelledError:
                raise
            except (asyncpg.PostgresError, *UNREACHABLE_ERRORS) as exc:  # type: ignore[misc]
                log.info("data version unknown (%s: %s); retrying", type(exc).__name__, exc)
            except Exception:
                log.exception("data version watcher failed; retrying")
            self.version = None
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)

    async def _watch(self) -> None:
        conn = await asyncpg.connect(
            self.url, timeout=self.connect_timeout, server_settings={"application_name": "minis"}
        )
        self._lost.clear()
        try:
            conn.add_termination_listener(lambda _conn: self._on_lost())
            await conn.add_listener(CHANNEL, self._on_notify)
            while not self._lost.is_set() and not self._stopping:
                await self._read(conn)
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self.check_seconds)
        finally:
            self.version = None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=1.0)
        if self._stopping:
            return
        raise ConnectionResetError("the data version connection was lost")

    async def _read(self, conn: asyncpg.Connection) -> None:
        row = await asyncio.wait_for(conn.fetchrow(_READ), timeout=self.connect_timeout)
        assert row is not None
        version = int(row["version"] or 0)
        if self._seen is not None and version != self._seen:
            self.changes += 1
        self._seen = version
        self.apps = MappingProxyType({str(k): int(v) for k, v in json.loads(row["apps"]).items()})
        self.version = version

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, _payload: object) -> None:
        # forget the version at once (a request now must not read the old entries), then
        # read the new one with the app counts
        self.version = None
        self._wake.set()

    def _on_lost(self) -> None:
        self.version = None
        self._lost.set()
        self._wake.set()
