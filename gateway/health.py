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
from gateway.storage.state import derived_summary
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


async def healthz(request: Request) -> JSONResponse:
    """200 with the latest day of data when the database answers; 503 when it does not."""
    state = request.app.state
    reporting_day = state.settings.reporting_day().isoformat()
    served = getattr(state, "served", None)
    model = {"model": served.health()} if served is not None else {}
    pool: asyncpg.Pool = state.pool
    try:
        async with pool.acquire(timeout=PROBE_TIMEOUT) as conn:
            day = await latest_day(conn, timeout=PROBE_TIMEOUT)
            derived = await derived_summary(conn, plan=plan_for(state.model))
    except asyncpg.UndefinedTableError:
        log.warning("health check: the database has no event tables; run `minis migrate`")
        return JSONResponse(
            {
                "status": "unavailable",
                "database": "not migrated",
                "reporting_day": reporting_day,
                **model,
            },
            status_code=503,
        )
    except UNREACHABLE_ERRORS as exc:
        log.warning("health check: database unreachable: %s: %s", type(exc).__name__, exc)
        return JSONResponse(
            {
                "status": "unavailable",
                "database": "unreachable",
                "error": type(exc).__name__,
                "reporting_day": reporting_day,
                **model,
            },
            status_code=503,
        )
    return JSONResponse(
        {
            "status": "ok",
            "database": "reachable",
            "latest_day": day.isoformat() if day else None,
            "reporting_day": reporting_day,
            "derived": derived,
            **model,
        }
    )
