"""/healthz's questions to ClickHouse when it is the analytics engine: the latest day with
data, and how far the apps' privacy decisions are stored (there are no derived tables)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

from gateway.storage.clickhouse.analytics import Analytics
from gateway.storage.clickhouse.privacy import STATE_TABLE

# the latest launch of a known app, as a UTC day (sessions run in UTC); re-sent copies of a
# row change no maximum, so it reads without FINAL
LATEST_DAY_SQL = (
    "SELECT toDate(maxOrNull(started_at)) AS day FROM launches WHERE app_id IN {apps:Array(String)}"
)


async def analytics_health(
    analytics: Analytics, *, app_ids: Sequence[str], timeout: float
) -> tuple[dt.date | None, dict[str, object]]:
    """The latest day with a launch of one of `app_ids`, and the `privacy` part of the
    answer: the days the apps' decisions are stored through and the apps with none. Raises
    ClientError (unreachable, TIMEOUT), TimeoutError, or ClickHouseError (not migrated)."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with asyncio.timeout_at(deadline):  # opening the client counts too
        latest = await analytics.query(LATEST_DAY_SQL, {"apps": list(app_ids)}, deadline=deadline)
        states = await analytics.query(
            f"SELECT app_id, decided_through FROM {STATE_TABLE} FINAL", deadline=deadline
        )
    decided = {row["app_id"]: row["decided_through"] for row in states}
    days = [decided[app] for app in app_ids if app in decided]
    return latest[0]["day"] if latest else None, {
        "decided_through": max(days).isoformat() if days else None,
        "oldest_decided_through": min(days).isoformat() if days else None,
        "undecided_apps": [app for app in app_ids if app not in decided],
    }
