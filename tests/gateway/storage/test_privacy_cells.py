"""`minis refresh` decides the privacy cells of complete blocks once, stores them, and keeps
them: on the privacy world (tests/gateway/graphql/privacy_world.py, threshold 3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg

from gateway.database import create_pool
from gateway.settings import Settings
from gateway.storage.refresh import refresh
from semantic.loader import load_model
from semantic.model import SemanticModel
from tests.acceptance.privacy_reference import decide
from tests.gateway.graphql import privacy_world as world
from tests.gateway.graphql.conftest import client_of, gateway_app
from tests.semantic.conftest import with_privacy

REPORTING_DAY = world.TODAY - dt.timedelta(days=1)  # 2026-10-20: decided through 10-17


def model(threshold: int = world.THRESHOLD) -> SemanticModel:
    return with_privacy(load_model(), threshold=threshold, regions=("US",))


async def stored(conn: asyncpg.Connection) -> dict[tuple[int, dt.date, str], tuple[Any, ...]]:
    rows = await conn.fetch(
        "SELECT level, lo, hi, os, users, remainder, shown FROM minis_privacy_cells"
        " WHERE app_id = $1",
        world.APP,
    )
    return {
        (r["level"], r["lo"], r["os"]): (r["hi"], r["users"], r["remainder"], r["shown"])
        for r in rows
    }


async def protected_rows(conn: asyncpg.Connection) -> list[tuple[str, dt.date, str]]:
    rows = await conn.fetch(
        "SELECT DISTINCT user_id, (started_at AT TIME ZONE 'UTC')::date AS d, os FROM launches"
        " WHERE app_id = $1 AND region = 'US' AND success",
        world.APP,
    )
    return [(r["user_id"], r["d"], r["os"]) for r in rows]


async def us_sessions(url: str, day: str, *, derived: bool) -> Any:
    pool = await create_pool(url, min_size=1, max_size=1)
    try:
        app = gateway_app(
            pool=pool, model=model(), settings=Settings(derived=derived), today=world.TODAY
        )
        async with client_of(app) as gql:
            data = await gql.data(
                f'{{ game(id: "{world.APP}") {{ userBehavior(filter: {{range:'
                f' {{start: "{day}", end: "{day}"}}, regions: ["US"]}}) {{'
                " launchedSessions { value } } } }"
            )
        return data["game"]["userBehavior"]["launchedSessions"]["value"]
    finally:
        await pool.close()


async def test_refresh_stores_the_rule_s_decisions_and_a_second_changes_nothing(
    db: asyncpg.Connection,
) -> None:
    await world.build(db)
    summary = await refresh(db, model=model(), reporting_day=REPORTING_DAY)
    (cells,) = summary.cells
    assert (cells.decided_through, cells.shown) == (dt.date(2026, 10, 17), 7)
    expected = {
        (c.level, c.lo, c.os): (c.hi, c.users, c.remainder, c.shown)
        for c in decide(await protected_rows(db), threshold=3, through=cells.decided_through)
    }
    first = await stored(db)
    assert first == expected
    # per day and os key, the smallest shown cell holding the day
    days = {
        (r["os"], r["day"]): (r["clo"], r["chi"])
        for r in await db.fetch("SELECT * FROM minis_privacy_days WHERE app_id = $1", world.APP)
    }
    week_a = (dt.date(2026, 9, 28), dt.date(2026, 10, 4))
    assert days[("*", dt.date(2026, 9, 28))] == (week_a[0], week_a[0])
    assert days[("*", dt.date(2026, 9, 29))] == week_a
    assert days[("ios", dt.date(2026, 10, 5))] == (dt.date(2026, 10, 5),) * 2
    assert ("ios", dt.date(2026, 9, 28)) not in days
    again = await refresh(db, model=model(), reporting_day=REPORTING_DAY)
    assert again.cells[0].new_cells == 0 and await stored(db) == first


async def test_a_decision_is_final_and_later_blocks_are_decided_as_they_complete(
    db: asyncpg.Connection, database_url: str
) -> None:
    await world.build(db)
    await refresh(db, model=model(), reporting_day=REPORTING_DAY)
    before = await stored(db)
    # late rows: three more US users on 09-29, a decided hidden day (it would pass now)
    await db.executemany(
        "INSERT INTO launches VALUES ($1, $2, $3, $4, true, 1000, 1000, 'ios', 'US', 'male',"
        " '18-24', 'Apple', 'iPhone 15', '37.4.0', 'search')",
        [(f"late-{u}", world.APP, u, world.noon("2026-09-29")) for u in ("x1", "x2", "x3")],
    )
    later = REPORTING_DAY + dt.timedelta(days=1)  # 10-21: the week 10-12..18 completes
    summary = await refresh(db, model=model(), reporting_day=later)
    after = await stored(db)
    assert after[(0, dt.date(2026, 9, 29), "*")] == before[(0, dt.date(2026, 9, 29), "*")]
    assert after[(0, dt.date(2026, 9, 29), "*")][3] is False  # still hidden: decided once
    assert {k: v for k, v in after.items() if k in before} == before
    # the week 10-12..18 is complete now: d1 d2 d3 (its day 10-13 shown: remainder 0); its
    # ios cell passes too, but android has no cell: not a complete set
    week = (dt.date(2026, 10, 18), 3, 0)
    assert {k: v for k, v in after.items() if k not in before} == {
        (1, dt.date(2026, 10, 12), "*"): (*week, True),
        (1, dt.date(2026, 10, 12), "ios"): (*week, False),
    }
    assert summary.cells[0].decided_through == dt.date(2026, 10, 18)
    # answers read the stored decisions: 09-29 stays out; decided in the statement from the
    # rows as they are now, it would be shown
    assert await us_sessions(database_url, "2026-09-29", derived=True) is None
    assert await us_sessions(database_url, "2026-09-29", derived=False) == 5


async def test_a_changed_rule_decides_everything_again(db: asyncpg.Connection) -> None:
    await world.build(db)
    await refresh(db, model=model(), reporting_day=REPORTING_DAY)
    await refresh(db, model=model(threshold=2), reporting_day=REPORTING_DAY)
    cells = await stored(db)
    assert cells[(0, dt.date(2026, 9, 29), "*")][3] is True  # a1 a4: 2 users pass now
    expected = {
        (c.level, c.lo, c.os): (c.hi, c.users, c.remainder, c.shown)
        for c in decide(await protected_rows(db), threshold=2, through=dt.date(2026, 10, 17))
    }
    assert cells == expected


async def test_a_new_block_is_judged_against_the_stored_decisions_of_its_parts(
    db: asyncpg.Connection,
) -> None:
    await world.build(db)
    insert = (
        "INSERT INTO launches VALUES ($1, $2, $3, $4, true, 1000, 1000, 'ios', 'US', 'male',"
        " '18-24', 'Apple', 'iPhone 15', '37.4.0', 'search')"
    )
    at = world.noon("2026-10-14")
    await db.execute(insert, "e1-1014", world.APP, "e1", at)
    await refresh(db, model=model(), reporting_day=REPORTING_DAY)  # decides 10-14: e1 alone
    assert (await stored(db))[(0, dt.date(2026, 10, 14), "*")][3] is False
    # late rows make 10-14 pass (e1 e2 e3); it stays hidden. The week 10-12..18 completes:
    # its remainder is what the stored decisions leave uncovered, 10-14's e1 e2 e3 (3), not
    # the nothing that 10-14 decided anew would leave
    await db.executemany(insert, [(f"{u}-1014", world.APP, u, at) for u in ("e2", "e3")])
    await refresh(db, model=model(), reporting_day=REPORTING_DAY + dt.timedelta(days=1))
    cells = await stored(db)
    assert cells[(0, dt.date(2026, 10, 14), "*")][3] is False
    assert cells[(1, dt.date(2026, 10, 12), "*")] == (dt.date(2026, 10, 18), 6, 3, True)


async def test_deciding_step_by_step_decides_as_deciding_at_once(db: asyncpg.Connection) -> None:
    await world.build(db)
    first = dt.date(2026, 9, 20)
    for day in range(0, (REPORTING_DAY - first).days + 1, 3):  # a refresh every third day
        await refresh(db, model=model(), reporting_day=first + dt.timedelta(days=day))
    await refresh(db, model=model(), reporting_day=REPORTING_DAY)
    stepwise = await stored(db)
    await db.execute("DELETE FROM minis_privacy_cells")
    await db.execute("DELETE FROM minis_privacy_state")
    await refresh(db, model=model(), reporting_day=REPORTING_DAY)
    assert await stored(db) == stepwise
    assert sum(1 for v in stepwise.values() if v[3]) == 7
