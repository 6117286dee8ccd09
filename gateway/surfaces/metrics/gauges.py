"""Values read when Prometheus scrapes: the connection pool, the answer cache, and how old the
refresh's latest day is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import asyncpg
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from gateway.database import UNREACHABLE_ERRORS

REFRESH_PROBE_TIMEOUT = 2.0


def pool_waiting(pool: asyncpg.Pool) -> int:
    """Requests waiting for a connection: asyncpg keeps them as the getters of its queue."""
    getters = getattr(getattr(pool, "_queue", None), "_getters", None)
    return sum(1 for g in getters if not g.done()) if getters is not None else 0


def cache_stats(app: Any) -> Any | None:
    """The answer cache's counters (gateway/serving/cache.py), when the app has a cache."""
    serving = getattr(app.state, "serving", None)
    return getattr(getattr(serving, "cache", None), "stats", None)


async def latest_refreshed_day(pool: asyncpg.Pool) -> dt.date | None:
    """The latest day `minis refresh` has built derived tables through (over all apps), or
    None while there is no refresh state (its table not migrated, or nothing refreshed)."""
    try:
        async with pool.acquire(timeout=REFRESH_PROBE_TIMEOUT) as conn:
            table = await conn.fetchval("SELECT to_regclass('minis_rollup_state')")
            if table is None:
                return None
            day: dt.date | None = await conn.fetchval(
                "SELECT max(built_through) FROM minis_rollup_state"
            )
            return day
    except (asyncpg.PostgresError, TimeoutError, *UNREACHABLE_ERRORS):  # type: ignore[misc]
        return None


class ScrapeTime(Collector):
    """Reads the app's pool and cache at each scrape; `refreshed_age` is set by the endpoint."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.refreshed_age: int | None = None

    def collect(self) -> Iterator[Any]:
        pool = getattr(self.app.state, "pool", None)
        if pool is not None:
            size, idle = pool.get_size(), pool.get_idle_size()
            yield GaugeMetricFamily(
                "minis_pool_connections_in_use",
                "Pool connections running a statement",
                value=size - idle,
            )
            yield GaugeMetricFamily(
                "minis_pool_connections_open", "Pool connections open", value=size
            )
            yield GaugeMetricFamily(
                "minis_pool_connections_max",
                "Most connections the pool opens",
                value=pool.get_max_size(),
            )
            yield GaugeMetricFamily(
                "minis_pool_waiting",
                "Statements waiting for a free connection",
                value=pool_waiting(pool),
            )
        stats = cache_stats(self.app)
        if stats is not None:
            for name in ("hits", "misses", "bypassed", "evictions"):
                yield CounterMetricFamily(
                    f"minis_cache_{name}", f"Answer cache {name}", value=getattr(stats, name)
                )
            yield GaugeMetricFamily(
                "minis_cache_entries", "Answers held by the cache", value=stats.entries
            )
        if self.refreshed_age is not None:
            yield GaugeMetricFamily(
                "minis_refresh_latest_day_age_days",
                "Days between the reporting day and the latest day the refresh has built",
                value=self.refreshed_age,
            )
