"""A bounded in-process cache of statement results.

`once` runs a statement that several requests ask for at the same time only once, in a task
of its own: each waits for its rows (and shares its error) until its own deadline; when the
last of them stops waiting (deadline, client gone), the statement is cancelled.

An entry is keyed by the statement's SQL, its bind parameters and the data version it was
read at; a load or refresh raises the version, so older entries are never read again (they
age out, least recently used first). It holds at most `max_entries` results and `max_rows`
rows in all; a result larger than a quarter of `max_rows` is not kept.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

Key = tuple[str, tuple[Hashable, ...], int]


@dataclass(kw_only=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    bypassed: int = 0  # lookups while the data version was unknown
    evictions: int = 0
    shared: int = 0  # misses answered by the same statement run for another request
    entries: int = 0
    rows: int = 0


@dataclass(eq=False, kw_only=True)
class _Run:
    task: asyncio.Future[tuple[Any, ...]]
    waiting: int = 0


def _frozen(value: Any) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, set | frozenset):
        return frozenset(_frozen(v) for v in value)
    # type in the key too: 1 and True and 1.0 are equal but not the same parameter
    return (type(value).__name__, value)


def cache_key(sql: str, params: Sequence[Any], version: int) -> Key:
    return (sql, tuple(_frozen(p) for p in params), version)


class ResultCache:
    def __init__(self, *, max_entries: int, max_rows: int) -> None:
        self.max_entries = max_entries
        self.max_rows = max_rows
        self.stats = CacheStats()
        self._entries: OrderedDict[Key, tuple[Any, ...]] = OrderedDict()
        self._running: dict[Key, _Run] = {}

    async def once(
        self,
        key: Key,
        run: Callable[[], Awaitable[Sequence[Any]]],
        *,
        deadline: float | None = None,
    ) -> tuple[Any, ...]:
        """The rows of `key`: from a run already under way, or from `run()`, then kept.
        Raises TimeoutError at `deadline` (on the event loop's clock)."""
        running = self._running.get(key)
        if running is None or running.task.done():
            running = _Run(task=asyncio.ensure_future(self._run(key, run)))
            self._running[key] = running
        else:
            self.stats.shared += 1
        running.waiting += 1
        try:
            async with asyncio.timeout_at(deadline):
                return await asyncio.shield(running.task)
        finally:
            running.waiting -= 1
            if not running.waiting and not running.task.done():
                running.task.cancel()  # nobody waits for it any more
                if self._running.get(key) is running:
                    del self._running[key]

    async def _run(
        self, key: Key, run: Callable[[], Awaitable[Sequence[Any]]]
    ) -> tuple[Any, ...]:
        try:
            rows = tuple(await run())
        finally:
            running = self._running.get(key)
            if running is not None and running.task is asyncio.current_task():
                del self._running[key]
        self.put(key, rows)
        return rows

    def get(self, key: Key) -> tuple[Any, ...] | None:
        rows = self._entries.get(key)
        if rows is None:
            self.stats.misses += 1
            return None
        self._entries.move_to_end(key)
        self.stats.hits += 1
        return rows

    def put(self, key: Key, rows: Sequence[Any]) -> None:
        if len(rows) > self.max_rows // 4:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self.stats.rows -= len(previous)
        self._entries[key] = tuple(rows)
        self.stats.rows += len(rows)
        while len(self._entries) > self.max_entries or self.stats.rows > self.max_rows:
            _, evicted = self._entries.popitem(last=False)
            self.stats.rows -= len(evicted)
            self.stats.evictions += 1
        self.stats.entries = len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self.stats.entries = self.stats.rows = 0
