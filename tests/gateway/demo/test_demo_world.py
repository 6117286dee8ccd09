"""The demo world of events.md, checked requirement by requirement in SQL on the full-size
build: the cast, the span, the US privacy threshold, duplicates, skew and retention."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.gateway.demo.conftest import REPORTING_DAY, World
from tests.gateway.demo.queries import (
    DRAMA_ONLY,
    GAME_ONLY,
    TIMES,
    apps_of,
    counts_by_app,
    day_of,
    one,
    pairs,
)


async def test_data_spans_120_days_and_ends_on_the_reporting_day(world: World) -> None:
    first = await world.conn.fetchval(f"SELECT min({day_of('started_at')}) FROM launches")
    assert (REPORTING_DAY - first).days + 1 >= 120
    for table, column in TIMES.items():
        last = await world.conn.fetchval(f"SELECT max({day_of(column)}) FROM {table}")
        assert last == REPORTING_DAY, table
    assert await world.conn.fetchval("SELECT max(day) FROM feed_ad_spend") == REPORTING_DAY


async def test_no_app_has_events_before_its_launch_day(world: World) -> None:
    for table, column in TIMES.items():
        early = await world.conn.fetchval(
            f"SELECT count(*) FROM {table} t JOIN apps a USING (app_id) "
            f"WHERE a.launched_on IS NULL OR {day_of('t.' + column)} < a.launched_on"
        )
        assert early == 0, table
    assert (
        await world.conn.fetchval(
            "SELECT count(*) FROM feed_ad_spend s JOIN apps a USING (app_id) "
            "WHERE a.launched_on IS NULL OR s.day < a.launched_on"
        )
        == 0
    )


async def test_an_unreleased_app_has_no_events(world: World) -> None:
    unreleased = [
        r["app_id"]
        for r in await world.conn.fetch(
            "SELECT app_id FROM apps WHERE status = 'unreleased' AND launched_on IS NULL"
        )
    ]
    assert unreleased
    for table in (*TIMES, "feed_ad_spend"):
        assert (
            await world.conn.fetchval(
                f"SELECT count(*) FROM {table} WHERE app_id = ANY($1::text[])", unreleased
            )
            == 0
        )


async def test_owners_have_launched_games_and_dramas_launched_on_different_days(
    world: World,
) -> None:
    owners = await world.conn.fetch(
        "SELECT owner_id, array_agg(DISTINCT kind ORDER BY kind) AS kinds FROM apps "
        "WHERE status = 'launched' GROUP BY owner_id"
    )
    assert len(owners) >= 2
    assert all(r["kinds"] == ["drama", "game"] for r in owners)
    kinds = await pairs(
        world, "SELECT kind, count(*) FROM apps WHERE status = 'launched' GROUP BY kind"
    )
    assert kinds["game"] >= 2 and kinds["drama"] >= 2
    assert await world.conn.fetchval(
        "SELECT count(DISTINCT launched_on) = count(*) FROM apps WHERE status = 'launched'"
    )


@pytest.fixture(scope="module")
async def us_windows(world: World) -> dict[str, dict[str, Any]]:
    """Per launched app, distinct US users with a session in each 30-day window ending on a day
    of its data: the most, the fewest over whole windows, the fewest over the last 90 days."""
    rows = await world.conn.fetch(
        f"""
        WITH us_days AS (
            SELECT DISTINCT app_id, user_id, {day_of("started_at")} AS day
            FROM launches WHERE success AND region = 'US'
        ), ends AS (
            SELECT a.app_id, a.launched_on, e::date AS day
            FROM apps a, generate_series(a.launched_on, $1::date, interval '1 day') AS e
            WHERE a.status = 'launched'
        ), windows AS (
            SELECT e.app_id, e.launched_on, e.day, count(DISTINCT u.user_id) AS users
            FROM ends e
            LEFT JOIN us_days u ON u.app_id = e.app_id AND u.day BETWEEN e.day - 29 AND e.day
            GROUP BY e.app_id, e.launched_on, e.day
        )
        SELECT app_id, max(users) AS most,
               min(users) FILTER (WHERE day >= launched_on + 29) AS fewest_whole,
               min(users) FILTER (WHERE day > $1::date - 90) AS fewest_recent
        FROM windows GROUP BY app_id
        """,
        REPORTING_DAY,
    )
    return {r["app_id"]: dict(r) for r in rows}


async def test_an_app_stays_below_1000_us_users_in_every_30_day_window(
    us_windows: dict[str, dict[str, Any]],
) -> None:
    below = [app for app, w in us_windows.items() if w["most"] < 1000]
    assert below, us_windows


async def test_an_app_stays_well_above_1000_us_users_in_every_30_day_window(
    us_windows: dict[str, dict[str, Any]],
) -> None:
    above = [
        app
        for app, w in us_windows.items()
        if w["fewest_whole"] >= 1000 and w["fewest_recent"] >= 2500
    ]
    assert above, us_windows


async def test_resent_duplicates_were_skipped(world: World) -> None:
    summary = world.summary
    resent = [load.table for load in summary.tables if load.skipped > 0]
    assert len(resent) >= 5, summary.tables
    for load in summary.tables:
        assert load.generated == load.inserted + load.skipped
        stored = await world.conn.fetchval(f"SELECT count(*) FROM {load.table}")
        assert stored == load.inserted, load.table
    assert summary.duplicates_skipped == sum(load.skipped for load in summary.tables) > 0


async def test_every_table_is_filled_for_the_apps_that_have_it(world: World) -> None:
    games, dramas = apps_of(world, "game"), apps_of(world, "drama")
    for table in ("launches", "orders", *GAME_ONLY, *DRAMA_ONLY):
        counts = await counts_by_app(world, table)
        if table not in DRAMA_ONLY:
            assert all(counts.get(app, 0) > 0 for app in games), (table, counts)
        if table not in GAME_ONLY:
            assert all(counts.get(app, 0) > 0 for app in dramas), (table, counts)
        if table in GAME_ONLY:
            assert not set(counts) & set(dramas), table
        if table in DRAMA_ONLY:
            assert not set(counts) & set(games), table
    types = {
        (r["kind"], r["order_type"])
        for r in await world.conn.fetch(
            "SELECT DISTINCT a.kind, o.order_type FROM orders o JOIN apps a USING (app_id)"
        )
    }
    assert types == {("game", "purchase"), ("drama", "recharge"), ("drama", "redeem")}


async def test_users_are_skewed_seasonal_and_spread_over_regions_and_phones(
    world: World,
) -> None:
    conn, app = world.conn, world.biggest("game")
    one_day, heavy_share = await one(
        world,
        f"""
        WITH per_user AS (
            SELECT user_id, count(*) AS sessions,
                   count(DISTINCT {day_of("started_at")}) AS days
            FROM launches WHERE app_id = $1 AND success GROUP BY user_id
        ), ranked AS (
            SELECT sessions, days, ntile(20) OVER (ORDER BY sessions DESC) AS twentieth
            FROM per_user
        )
        SELECT avg((days = 1)::int)::float,
               sum(sessions) FILTER (WHERE twentieth = 1)::float / sum(sessions)
        FROM ranked
        """,
        app,
    )
    assert one_day > 0.4  # many one-day users
    assert heavy_share > 0.25  # the top 5% of users have a quarter of the sessions
    weekend, midweek = await one(
        world,
        f"""
        WITH daily AS (
            SELECT {day_of("started_at")} AS day, count(*) AS sessions
            FROM launches WHERE app_id = $1 AND success AND started_at >= $2::date - 56
            GROUP BY 1
        )
        SELECT avg(sessions) FILTER (WHERE extract(isodow FROM day) IN (6, 7))::float,
               avg(sessions) FILTER (WHERE extract(isodow FROM day) IN (1, 2, 3))::float
        FROM daily
        """,
        app,
        REPORTING_DAY,
    )
    assert weekend > 1.1 * midweek
    regions = await pairs(
        world,
        "SELECT region, count(*)::float / sum(count(*)) OVER () FROM launches GROUP BY region",
    )
    assert {"US", "GB", "BR", "ID", "DE", "JP", "MX"} <= set(regions)
    assert all(share > 0.01 for share in regions.values())
    per_app = await conn.fetch(
        "SELECT app_id, count(DISTINCT os) AS oses, count(DISTINCT region) AS regions "
        "FROM launches GROUP BY app_id"
    )
    assert all(r["oses"] == 2 and r["regions"] >= 8 for r in per_app)
    travellers, two_phones = await one(
        world,
        """
        WITH per_user AS (
            SELECT count(DISTINCT region) AS regions, count(DISTINCT os) AS oses
            FROM launches GROUP BY app_id, user_id
        )
        SELECT count(*) FILTER (WHERE regions > 1), count(*) FILTER (WHERE oses > 1)
        FROM per_user
        """,
    )
    assert travellers > 0 and two_phones > 0
    spread = await one(
        world,
        "SELECT count(DISTINCT gender) AS genders, count(DISTINCT age_band) AS ages, "
        "count(DISTINCT entry_source) AS sources, count(DISTINCT device_brand) AS brands, "
        "count(DISTINCT device_model) AS models, count(DISTINCT tiktok_version) AS versions "
        "FROM launches",
    )
    assert (spread["genders"], spread["ages"], spread["sources"]) == (3, 7, 8)
    assert spread["brands"] >= 5 and spread["models"] >= 10 and spread["versions"] >= 5


async def test_many_new_users_come_back_after_1_7_14_and_30_days(world: World) -> None:
    for app in (world.biggest("game"), world.biggest("drama")):
        rates = await world.conn.fetch(
            f"""
            WITH days AS (
                SELECT DISTINCT user_id, {day_of("started_at")} AS day
                FROM launches WHERE app_id = $1 AND success
            ), cohort AS (
                SELECT user_id, min(day) AS first FROM days GROUP BY user_id
            )
            SELECT n, avg((d.user_id IS NOT NULL)::int)::float AS rate
            FROM unnest(ARRAY[1, 7, 14, 30]) AS n
            CROSS JOIN cohort c
            LEFT JOIN days d ON d.user_id = c.user_id AND d.day = c.first + n
            WHERE c.first BETWEEN $2::date - 90 AND $2::date - 31
            GROUP BY n ORDER BY n
            """,
            app,
            REPORTING_DAY,
        )
        assert [r["n"] for r in rates] == [1, 7, 14, 30]
        assert all(r["rate"] > 0.03 for r in rates), (app, [dict(r) for r in rates])


async def test_the_summary_describes_the_build(world: World) -> None:
    text = world.summary.describe()
    print(f"\n{text}")
    for app in world.summary.apps:
        assert app.app_id in text
    for load in world.summary.tables:
        assert load.table in text
    assert "owner_alpha" in text and "duplicates skipped" in text
    assert world.summary.reporting_day == REPORTING_DAY
    assert world.summary.first_day <= REPORTING_DAY - dt.timedelta(days=119)
