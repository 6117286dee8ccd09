"""The stored first rows of `first_of` sources (semantic/first_rows.py) on the hand-built
world: after a full refresh and after incremental ones with late rows (a user's first row
moving earlier, inside and before the late window, a new user), the table holds exactly each
user's first successful launch as the raw rows say; and statements read it only when the
app's derived data is current."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import asyncpg

from semantic.compiler import compile_metrics
from semantic.model import AppKind, SemanticModel
from semantic.query import DateRange, MetricQuery, Scope
from tests.gateway.loading.conftest import launch
from tests.gateway.storage.conftest import (
    REPORTING_DAY,
    late_launch,
    load_launches,
    rebuilt,
    refreshed,
)
from tests.semantic import world

TABLE = "minis_first_rows_launches"


async def stored(conn: asyncpg.Connection) -> list[tuple[Any, ...]]:
    rows = await conn.fetch(
        f"SELECT app_id, user_id, launch_id, minis_day FROM {TABLE}"
        " WHERE minis_source = 'sessions' ORDER BY app_id, user_id"
    )
    return [tuple(r) for r in rows]


async def from_raw_rows(conn: asyncpg.Connection) -> list[tuple[Any, ...]]:
    rows = await conn.fetch(
        "SELECT DISTINCT ON (app_id, user_id) app_id, user_id, launch_id,"
        " (started_at AT TIME ZONE 'UTC')::date AS day FROM launches WHERE success"
        " ORDER BY app_id, user_id, started_at, launch_id"
    )
    return [tuple(r) for r in rows]


async def test_a_full_refresh_stores_every_users_first_session(
    world_db: asyncpg.Connection, model: SemanticModel
) -> None:
    await refreshed(world_db, model)
    found = await stored(world_db)
    assert found and found == await from_raw_rows(world_db)
    # every column of the raw row is kept (the first-session rule reads os, region...)
    row = await world_db.fetchrow(f"SELECT * FROM {TABLE} LIMIT 1")
    launch = await world_db.fetchrow(
        "SELECT * FROM launches WHERE launch_id = $1", row["launch_id"]
    )
    expected = dict(launch)
    assert {k: row[k] for k in expected} == expected


async def test_incremental_refreshes_keep_them_exact(
    world_db: asyncpg.Connection, model: SemanticModel, tmp_path: Path
) -> None:
    await refreshed(world_db, model)
    before = await stored(world_db)
    window = REPORTING_DAY - dt.timedelta(days=1)
    await load_launches(
        world_db,
        tmp_path,
        [
            late_launch("y01", "u9", window, os="ios", region="GB"),  # a new user, in the window
            late_launch("y02", "u9", window - dt.timedelta(days=1)),  # ... whose first moves back
        ],
    )
    summary = await refreshed(world_db, model)
    assert rebuilt(summary)[world.APP] == window - dt.timedelta(days=1)
    after = await stored(world_db)
    assert after == await from_raw_rows(world_db)
    assert set(after) - set(before) == {
        (world.APP, "u9", "y02", window - dt.timedelta(days=1))
    }

    # a late row weeks before the window moves an existing user's first session back
    first_u2 = next(r for r in after if r[:2] == (world.APP, "u2"))
    early = first_u2[3] - dt.timedelta(days=2)
    await load_launches(world_db, tmp_path, [late_launch("y03", "u2", early)])
    summary = await refreshed(world_db, model)
    assert rebuilt(summary)[world.APP] == early
    again = await stored(world_db)
    assert again == await from_raw_rows(world_db)
    assert (world.APP, "u2", "y03", early) in again

    # a late row earlier on the same day as a stored first row replaces it
    at_dawn = launch(
        "y04", app_id=world.APP, user_id="u2", started_at=f"{early.isoformat()}T01:00:00Z"
    )
    await load_launches(world_db, tmp_path, [at_dawn])
    await refreshed(world_db, model)
    again = await stored(world_db)
    assert again == await from_raw_rows(world_db)
    assert (world.APP, "u2", "y04", early) in again

    # nothing new: a second refresh changes nothing
    await refreshed(world_db, model)
    assert await stored(world_db) == again


def test_statements_read_the_stored_rows_only_when_derived_data_is_current(
    model: SemanticModel,
) -> None:
    def sql(derived_through: dt.date | None) -> str:
        scope = Scope(
            app_id=world.APP,
            kind=AppKind.GAME,
            module="iap_users",
            range=DateRange(start=dt.date(2026, 10, 1), end=REPORTING_DAY),
            reporting_day=REPORTING_DAY,
            derived_through=derived_through,
        )
        metrics = [m for m in model.modules[(AppKind.GAME, "iap_users")].metrics]
        query = MetricQuery(scope=scope, metrics=tuple(m.name for m in metrics))
        return compile_metrics(model, query).sql

    assert TABLE in sql(REPORTING_DAY)
    assert TABLE not in sql(None)  # raw rows only
    assert TABLE not in sql(REPORTING_DAY - dt.timedelta(days=1))  # not current
