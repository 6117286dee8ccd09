"""/healthz: is the database reachable, what is the latest day with data, and which version
of the semantic model is served."""

from __future__ import annotations

import datetime as dt
import logging

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway.database import UNREACHABLE_ERRORS
from gateway.errors import ClientError
from gateway.storage.clickhouse.analytics import Analytics
from gateway.storage.clickhouse.base import ClickHouseError
from gateway.storage.clickhouse.health import analytics_health
from gateway.storage.state import derived_summary
from semantic.engines import Engine
from semantic.rollups import plan_for

log = logging.getLogger(__name__)

# Each step of the probe (getting a connection, running the query, returning the connection)
# gives up after this many seconds, so the answer comes fast even from a server that hangs.
PROBE_TIMEOUT = 2.0

# One index probe per app (launches_app_time_idx), so the check stays cheap on a large world.
# Days are UTC days whatever the session's time zone.
LATEST_DAY_SQL = """
SELECT (max(latest) AT TIME ZONE 'UTC')::date
FROM apps
CROSS JOIN LATERAL (
    SELECT max(started_at) AS latest FROM launches WHERE launches.app_id = apps.app_id
) AS per_app
"""


async def latest_day(
    conn: asyncpg.Connection | PoolConnectionProxy, *, timeout: float | None = None
) -> dt.date | None:
    """The last UTC day with a launch of a known app, or None when there is none."""
    day: dt.date | None = await conn.fetchval(LATEST_DAY_SQL, timeout=timeout)
    return day


def _unavailable(
    body: dict[str, object], *, which: str, state: str, error: str | None = None
) -> JSONResponse:
    found = {**body, "status": "unavailable", which: state}
    found.update({"error": error} if error else {})
    return JSONResponse(found, status_code=503)


async def healthz(request: Request) -> JSONResponse:
    """200 with the latest day of data when the database answers; 503 when it does not.
    With ClickHouse as the analytics engine (`app.state.analytics`), `database` is
    ClickHouse's state and `control_database` that of the control plane's PostgreSQL."""
    state = request.app.state
    reporting_day = state.settings.reporting_day().isoformat()
    served = getattr(state, "served", None)
    model = {"model": served.health()} if served is not None else {}
    analytics: Analytics | None = getattr(state, "analytics", None)
    engine = Engine.POSTGRES if analytics is None else Engine.CLICKHOUSE
    body: dict[str, object] = {"engine": engine.value, "reporting_day": reporting_day, **model}
    postgres = "database" if analytics is None else "control_database"
    pool: asyncpg.Pool = state.pool
    try:
        async with pool.acquire(timeout=PROBE_TIMEOUT) as conn:
            if analytics is None:
                day = await latest_day(conn, timeout=PROBE_TIMEOUT)
                facts = {"derived": await derived_summary(conn, plan=plan_for(state.model))}
            else:
                rows = await conn.fetch(
                    "SELECT app_id FROM apps ORDER BY app_id", timeout=PROBE_TIMEOUT
                )
                app_ids = [row["app_id"] for row in rows]
    except asyncpg.UndefinedTableError:
        log.warning("health check: the database has no event tables; run `minis migrate`")
        return _unavailable(body, which=postgres, state="not migrated")
    except UNREACHABLE_ERRORS as exc:
        log.warning("health check: database unreachable: %s: %s", type(exc).__name__, exc)
        return _unavailable(body, which=postgres, state="unreachable", error=type(exc).__name__)
    if analytics is not None:
        body[postgres] = "reachable"
        try:
            day, privacy = await analytics_health(analytics, app_ids=app_ids, timeout=PROBE_TIMEOUT)
        except (ClientError, TimeoutError) as exc:
            log.warning("health check: ClickHouse unreachable: %s", exc)
            return _unavailable(body, which="database", state="unreachable", error="ClickHouse")
        except ClickHouseError as exc:
            log.warning("health check: ClickHouse refused it (run `minis migrate`): %s", exc)
            return _unavailable(body, which="database", state="not migrated")
        facts = {"privacy": privacy}
    return JSONResponse(
        {
            "status": "ok",
            **body,
            "database": "reachable",
            "latest_day": day.isoformat() if day else None,
            **facts,
        }
    )
