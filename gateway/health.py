"""/healthz: is the database reachable, and what is the latest day with data."""

from __future__ import annotations

import datetime as dt

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse

# One index probe per app (launches_app_time_idx), so the check stays cheap on a large world.
LATEST_DAY_SQL = """
SELECT (max(latest) AT TIME ZONE 'UTC')::date
FROM apps
CROSS JOIN LATERAL (
    SELECT max(started_at) AS latest FROM launches WHERE launches.app_id = apps.app_id
) AS per_app
"""


async def latest_day(conn: asyncpg.Connection) -> dt.date | None:
    day: dt.date | None = await conn.fetchval(LATEST_DAY_SQL)
    return day


async def healthz(request: Request) -> JSONResponse:
    state = request.app.state
    try:
        async with state.pool.acquire(timeout=2) as conn:
            day = await latest_day(conn)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable", "error": type(exc).__name__},
            status_code=503,
        )
    return JSONResponse(
        {
            "status": "ok",
            "database": "reachable",
            "latest_day": day.isoformat() if day else None,
            "reporting_day": state.settings.reporting_day().isoformat(),
        }
    )
