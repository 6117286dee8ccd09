"""A bounded in-process cache of statement results.

An entry is keyed by the statement's SQL, its bind parameters and the data version it was
read at; a load or refresh raises the version, so older entries are never read again (they
age out, least recently used first). It holds at most `max_entries` results and `max_rows`
rows in all; a result larger than a quarter of `max_rows` is not kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

Key = tuple[str, tuple[Hashable, ...], int]


@dataclass(kw_only=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    bypassed: int = 0  # lookups while the data version was unknown
    evictions: int = 0
    entries: int = 0
    rows: int = 0


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
