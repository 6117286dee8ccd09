"""The demo world of events.md, checked requirement by requirement in SQL on the full-size
build (one build for the whole module)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.gateway.demo.conftest import REPORTING_DAY, World

# event table -> its time column
TIMES = {
    "launches": "started_at", "orders": "created_at", "ad_events": "occurred_at",
    "runtime_reports": "reported_at", "network_calls": "occurred_at",
    "feed_ad_clicks": "clicked_at", "feed_card_events": "occurred_at",
    "funnel_events": "occurred_at",
}
GAME_ONLY = ("ad_events", "runtime_reports", "network_calls", "feed_ad_spend", "feed_ad_clicks",
             "feed_card_events")
DRAMA_ONLY = ("funnel_events",)
FIRSTS = """
    firsts AS (
        SELECT app_id, user_id, min(started_at) AS first_at
        FROM launches WHERE success GROUP BY app_id, user_id
    )"""
PAID = FIRSTS + """,
    paid AS (
        SELECT f.app_id, f.user_id, f.first_at,
               bool_or((c.clicked_at AT TIME ZONE 'UTC')::date
                       = (f.first_at AT TIME ZONE 'UTC')::date) AS first_day
        FROM firsts f
        JOIN feed_ad_clicks c ON c.app_id = f.app_id AND c.user_id = f.user_id
            AND c.clicked_at <= f.first_at AND f.first_at <= c.clicked_at + interval '30 days'
        GROUP BY f.app_id, f.user_id, f.first_at
    )"""


def day_of(column: str) -> str:
    return f"({column} AT TIME ZONE 'UTC')::date"


async def counts_by_app(world: World, table: str) -> dict[str, int]:
    rows = await world.conn.fetch(f"SELECT app_id, count(*) AS n FROM {table} GROUP BY app_id")
    return {r["app_id"]: r["n"] for r in rows}


def apps_of(world: World, kind: str) -> list[str]:
    return [a.app_id for a in world.summary.apps if a.kind == kind and a.status == "launched"]


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
            f"WHERE a.launched_on IS NULL OR {day_of('t.' + column)} < a.launched_on")
        assert early == 0, table
    assert await world.conn.fetchval(
        "SELECT count(*) FROM feed_ad_spend s JOIN apps a USING (app_id) "
        "WHERE a.launched_on IS NULL OR s.day < a.launched_on") == 0


async def test_an_unreleased_app_has_no_events(world: World) -> None:
    unreleased = [r["app_id"] for r in await world.conn.fetch(
        "SELECT app_id FROM apps WHERE status = 'unreleased' AND launched_on IS NULL")]
    assert unreleased
    for table in (*TIMES, "feed_ad_spend"):
        assert await world.conn.fetchval(
            f"SELECT count(*) FROM {table} WHERE app_id = ANY($1::text[])", unreleased) == 0


async def test_owners_have_launched_games_and_dramas_launched_on_different_days(
    world: World,
) -> None:
    owners = await world.conn.fetch(
        "SELECT owner_id, array_agg(DISTINCT kind ORDER BY kind) AS kinds FROM apps "
        "WHERE status = 'launched' GROUP BY owner_id")
    assert len(owners) >= 2
    assert all(r["kinds"] == ["drama", "game"] for r in owners)
    kinds = dict(await world.conn.fetch(
        "SELECT kind, count(*) FROM apps WHERE status = 'launched' GROUP BY kind"))
    assert kinds["game"] >= 2 and kinds["drama"] >= 2
    assert await world.conn.fetchval(
        "SELECT count(DISTINCT launched_on) = count(*) FROM apps WHERE status = 'launched'")


@pytest.fixture(scope="module")
async def us_windows(world: World) -> dict[str, dict[str, Any]]:
    """Per launched app, distinct US users with a session in each 30-day window ending on a day
    of its data: the most, the fewest over whole windows, the fewest over the last 90 days."""
    rows = await world.conn.fetch(
        f"""
        WITH us_days AS (
            SELECT DISTINCT app_id, user_id, {day_of('started_at')} AS day
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
    above = [app for app, w in us_windows.items()
             if w["fewest_whole"] >= 1000 and w["fewest_recent"] >= 2500]
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


async def test_failures_carry_error_codes(world: World) -> None:
    conn = world.conn
    failed = await conn.fetchval(
        "SELECT count(*) FROM launches WHERE NOT success AND launch_ms IS NULL AND duration_ms = 0")
    assert failed > 0
    assert await conn.fetchval("SELECT count(*) FROM launches WHERE success AND duration_ms = 0")
    for api, expected in (("request", {"404", "500", "503", "timeout", "network_error",
                                       "ssl_error"}),
                          ("download_file", {"404", "503", "timeout", "network_error"})):
        codes = {r["error_code"] for r in await conn.fetch(
            "SELECT DISTINCT error_code FROM network_calls WHERE api = $1 AND NOT ok", api)}
        assert expected <= codes, api
    for event in ("load_failure", "display_failure"):
        codes = await conn.fetchval(
            "SELECT count(DISTINCT error_code) FROM ad_events "
            "WHERE event = $1 AND error_code IS NOT NULL", event)
        assert codes >= 3, event


async def test_paid_clicks_with_and_without_activation(world: World) -> None:
    row = await world.conn.fetchrow(
        f"""
        WITH {FIRSTS}
        SELECT
            count(*) FILTER (WHERE f.first_at IS NULL) AS never,
            count(*) FILTER (WHERE f.first_at > c.clicked_at + interval '30 days') AS too_late,
            count(*) FILTER (WHERE f.first_at BETWEEN c.clicked_at
                                                  AND c.clicked_at + interval '30 days'
                             AND {day_of('f.first_at')} = {day_of('c.clicked_at')}) AS same_day,
            count(*) FILTER (WHERE f.first_at BETWEEN c.clicked_at
                                                  AND c.clicked_at + interval '30 days'
                             AND {day_of('f.first_at')} > {day_of('c.clicked_at')}) AS later_day,
            count(*) FILTER (WHERE f.first_at < c.clicked_at) AS already_playing
        FROM feed_ad_clicks c LEFT JOIN firsts f USING (app_id, user_id)
        """
    )
    assert all(value > 0 for value in row.values()), dict(row)


async def test_paid_users_activated_in_the_last_30_days_play_and_pay(world: World) -> None:
    rows = await world.conn.fetch(
        f"""
        WITH {PAID}
        SELECT p.app_id,
            count(*) AS activated,
            count(*) FILTER (WHERE p.first_day) AS first_day,
            count(*) FILTER (WHERE NOT p.first_day) AS later_day,
            count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM launches l WHERE l.app_id = p.app_id AND l.user_id = p.user_id
                AND l.success AND {day_of('l.started_at')} = $1)) AS active_on_reporting_day,
            count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM orders o WHERE o.app_id = p.app_id AND o.user_id = p.user_id
                AND o.order_type = 'purchase' AND o.created_at >= p.first_at)) AS paying,
            count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM ad_events a WHERE a.app_id = p.app_id AND a.user_id = p.user_id
                AND a.revenue_usd > 0 AND a.occurred_at >= p.first_at)) AS earning
        FROM paid p
        WHERE {day_of('p.first_at')} BETWEEN $1::date - 29 AND $1::date
        GROUP BY p.app_id
        """,
        REPORTING_DAY,
    )
    found = {r["app_id"]: dict(r) for r in rows}
    assert set(found) == set(apps_of(world, "game"))
    for app, counts in found.items():
        assert all(value > 0 for value in counts.values() if isinstance(value, int)), (app, counts)
    spend = await world.conn.fetchrow(
        "SELECT sum(spend_usd) AS usd, sum(impressions) AS impressions FROM feed_ad_spend "
        "WHERE day BETWEEN $1::date - 29 AND $1::date", REPORTING_DAY)
    assert spend["usd"] > 0 and spend["impressions"] > 0


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
    types = {(r["kind"], r["order_type"]) for r in await world.conn.fetch(
        "SELECT DISTINCT a.kind, o.order_type FROM orders o JOIN apps a USING (app_id)")}
    assert types == {("game", "purchase"), ("drama", "recharge"), ("drama", "redeem")}


async def test_runtime_reports_belong_to_sessions(world: World) -> None:
    assert await world.conn.fetchval(
        "SELECT count(*) FROM runtime_reports r LEFT JOIN launches l "
        "ON l.launch_id = r.launch_id AND l.app_id = r.app_id AND l.user_id = r.user_id "
        "AND l.success WHERE l.launch_id IS NULL") == 0


async def test_users_are_skewed_seasonal_and_spread_over_regions_and_phones(
    world: World,
) -> None:
    conn, app = world.conn, world.biggest("game")
    one_day, heavy_share = await conn.fetchrow(
        f"""
        WITH per_user AS (
            SELECT user_id, count(*) AS sessions,
                   count(DISTINCT {day_of('started_at')}) AS days
            FROM launches WHERE app_id = $1 AND success GROUP BY user_id
        ), ranked AS (
            SELECT sessions, days, ntile(20) OVER (ORDER BY sessions DESC) AS twentieth
            FROM per_user
        )
        SELECT avg((days = 1)::int),
               sum(sessions) FILTER (WHERE twentieth = 1)::float / sum(sessions)
        FROM ranked
        """,
        app,
    )
    assert one_day > 0.4  # many one-day users
    assert heavy_share > 0.25  # the top 5% of users have a quarter of the sessions
    weekend, midweek = await conn.fetchrow(
        f"""
        WITH daily AS (
            SELECT {day_of('started_at')} AS day, count(*) AS sessions
            FROM launches WHERE app_id = $1 AND success AND started_at >= $2::date - 56
            GROUP BY 1
        )
        SELECT avg(sessions) FILTER (WHERE extract(isodow FROM day) IN (6, 7)),
               avg(sessions) FILTER (WHERE extract(isodow FROM day) IN (1, 2, 3))
        FROM daily
        """,
        app, REPORTING_DAY,
    )
    assert weekend > 1.1 * midweek
    regions = dict(await conn.fetch(
        "SELECT region, count(*)::float / sum(count(*)) OVER () FROM launches GROUP BY region"))
    assert {"US", "GB", "BR", "ID", "DE", "JP", "MX"} <= set(regions)
    assert all(share > 0.01 for share in regions.values())
    per_app = await conn.fetch(
        "SELECT app_id, count(DISTINCT os) AS oses, count(DISTINCT region) AS regions "
        "FROM launches GROUP BY app_id")
    assert all(r["oses"] == 2 and r["regions"] >= 8 for r in per_app)
    travellers, two_phones = await conn.fetchrow(
        """
        WITH per_user AS (
            SELECT count(DISTINCT region) AS regions, count(DISTINCT os) AS oses
            FROM launches GROUP BY app_id, user_id
        )
        SELECT count(*) FILTER (WHERE regions > 1), count(*) FILTER (WHERE oses > 1)
        FROM per_user
        """
    )
    assert travellers > 0 and two_phones > 0
    spread = await conn.fetchrow(
        "SELECT count(DISTINCT gender) AS genders, count(DISTINCT age_band) AS ages, "
        "count(DISTINCT entry_source) AS sources, count(DISTINCT device_brand) AS brands, "
        "count(DISTINCT device_model) AS models, count(DISTINCT tiktok_version) AS versions "
        "FROM launches")
    assert (spread["genders"], spread["ages"], spread["sources"]) == (3, 7, 8)
    assert spread["brands"] >= 5 and spread["models"] >= 10 and spread["versions"] >= 5


async def test_many_new_users_come_back_after_1_7_14_and_30_days(world: World) -> None:
    for app in (world.biggest("game"), world.biggest("drama")):
        rates = await world.conn.fetch(
            f"""
            WITH days AS (
                SELECT DISTINCT user_id, {day_of('started_at')} AS day
                FROM launches WHERE app_id = $1 AND success
            ), cohort AS (
                SELECT user_id, min(day) AS first FROM days GROUP BY user_id
            )
            SELECT n, avg((d.user_id IS NOT NULL)::int) AS rate
            FROM unnest(ARRAY[1, 7, 14, 30]) AS n
            CROSS JOIN cohort c
            LEFT JOIN days d ON d.user_id = c.user_id AND d.day = c.first + n
            WHERE c.first BETWEEN $2::date - 90 AND $2::date - 31
            GROUP BY n ORDER BY n
            """,
            app, REPORTING_DAY,
        )
        assert [r["n"] for r in rates] == [1, 7, 14, 30]
        assert all(r["rate"] > 0.03 for r in rates), (app, [dict(r) for r in rates])


async def test_the_drama_funnel_narrows_step_by_step(world: World) -> None:
    steps = ("entrance_exposure", "entrance_click", "minis_visit", "last_free_episode_watch",
             "payment_panel_3p_show", "payment_panel_3p_click", "payment_panel_tt_show",
             "payment_panel_tt_click", "order")
    for app in apps_of(world, "drama"):
        rows = await world.conn.fetch(
            "SELECT step, order_type, count(*) AS pv FROM funnel_events WHERE app_id = $1 "
            "GROUP BY step, order_type", app)
        pv = {(r["step"], r["order_type"]): r["pv"] for r in rows}
        assert set(pv) == {*((s, None) for s in steps[:-1]), ("order", "consumption"),
                           ("order", "topup")}
        volumes = [pv[s, None] for s in steps[:-1]] + [pv["order", "consumption"]]
        assert volumes == sorted(volumes, reverse=True) and len(set(volumes)) == len(volumes)


async def test_top_products_are_skewed_over_more_than_ten_products(world: World) -> None:
    for kind, order_type in (("game", "purchase"), ("drama", "redeem")):
        for app in apps_of(world, kind):
            counts = [r["n"] for r in await world.conn.fetch(
                "SELECT product_id, count(*) AS n FROM orders WHERE app_id = $1 "
                "AND order_type = $2 AND created_at >= $3::date - 29 "
                "GROUP BY product_id ORDER BY n DESC", app, order_type, REPORTING_DAY)]
            assert len(counts) > 10, app
            assert counts[0] >= 2 * counts[9], (app, counts)


async def test_games_have_several_placements_of_each_type(world: World) -> None:
    rows = await world.conn.fetch(
        "SELECT app_id, placement_type, count(DISTINCT placement_id) AS placements, "
        "sum(revenue_usd) AS revenue FROM ad_events GROUP BY app_id, placement_type")
    assert len(rows) == 3 * len(apps_of(world, "game"))
    assert all(r["placements"] >= 2 and r["revenue"] > 0 for r in rows)


async def test_the_reporting_day_alone_has_every_kind_of_event(world: World) -> None:
    conn, game, drama = world.conn, world.biggest("game"), world.biggest("drama")
    for table, column in TIMES.items():
        app = drama if table in DRAMA_ONLY else game
        per_kind = await conn.fetch(
            f"SELECT * FROM {table} WHERE app_id = $1 AND {day_of(column)} = $2 LIMIT 1",
            app, REPORTING_DAY)
        assert per_kind, table
    ads = {r["event"] for r in await conn.fetch(
        f"SELECT DISTINCT event FROM ad_events WHERE app_id = $1 "
        f"AND {day_of('occurred_at')} = $2", game, REPORTING_DAY)}
    assert ads == {"request", "load_failure", "impression", "display_failure", "click"}
    steps = await conn.fetchval(
        f"SELECT count(DISTINCT (step, order_type)) FROM funnel_events WHERE app_id = $1 "
        f"AND {day_of('occurred_at')} = $2", drama, REPORTING_DAY)
    assert steps == 10
    activated_today = await conn.fetchval(
        f"WITH {PAID} SELECT count(*) FROM paid WHERE app_id = $1 AND first_day "
        f"AND {day_of('first_at')} = $2", game, REPORTING_DAY)
    assert activated_today > 0


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
