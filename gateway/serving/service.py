"""Everything the gateway shares between requests to serve them fairly: turns, the cache,
rate limits and the data version; and a snapshot of their counters for `/metrics`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from types import MappingProxyType
from typing import Any

from gateway.serving.cache import ResultCache
from gateway.serving.config import ServingSettings
from gateway.serving.data_version import DataVersionWatcher
from gateway.serving.fairness import FairQueue
from gateway.serving.ratelimit import RateLimiter


class Serving:
    def __init__(self, *, settings: ServingSettings, database_url: str | None = None) -> None:
        self.settings = settings
        self.queue = FairQueue(
            capacity=settings.concurrency,
            per_token=settings.token_concurrency,
            heavy_capacity=settings.heavy_concurrency,
        )
        self.cache = ResultCache(max_entries=settings.cache_entries, max_rows=settings.cache_rows)
        self.rates = RateLimiter(rate=settings.rate_limit, burst=settings.rate_burst)
        self.watcher = DataVersionWatcher(database_url) if database_url else None

    def version(self) -> int | None:
        """The data version answers are cached under; None (no caching) while unknown."""
        return self.watcher.version if self.watcher is not None else None

    def apps(self) -> Mapping[str, int]:
        """Apps of each kind, as last read with the data version."""
        return self.watcher.apps if self.watcher is not None else MappingProxyType({})

    async def start(self) -> None:
        if self.watcher is not None:
            await self.watcher.start()

    async def stop(self) -> None:
        if self.watcher is not None:
            await self.watcher.stop()

    def stats(self) -> dict[str, Any]:
        """Counters of the cache, the queue and the rate limits, as plain numbers."""
        return {
            "cache": asdict(self.cache.stats),
            "queue": asdict(self.queue.stats),
            "rate_limit": asdict(self.rates.stats),
            "data_version": self.version(),
        }
