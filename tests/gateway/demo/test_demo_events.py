"""The demo world's events, checked in SQL on the full-size build: failures and error codes,
paid acquisition, the drama funnel, products, ad placements and the reporting day alone."""

from __future__ import annotations

from tests.gateway.demo.conftest import REPORTING_DAY, World
from tests.gateway.demo.queries import (
    DRAMA_ONLY,
    FIRSTS,
    PAID,
    TIMES,
    apps_of,
    day_of,
    one,
)


async def test_failures_carry_error_codes(world: World) -> None:
    conn = world.conn
    failed = await conn.fetchval(
        "SELECT count(*) FROM launches WHERE NOT success AND launch_ms IS NULL AND duration_ms = 0"
    )
    assert failed > 0
    assert await conn.fetchval("SELECT count(*) FROM launches WHERE success AND duration_ms = 0")
    for api, expected in (
        ("request", {"404", "500", "503", "timeout", "network_error", "ssl_error"}),
        ("download_file", {"404", "503", "timeout", "network_error"}),
    ):
        codes = {
            r["error_code"]
            for r in await conn.fetch(
                "SELECT DISTINCT error_code FROM network_calls WHERE api = $1 AND NOT ok", api
            )
        }
        assert expected <= codes, api
    for event in ("load_failure", "display_failure"):
        codes = await conn.fetchval(
            "SELECT count(DISTINCT error_code) FROM ad_events "
            "WHERE event = $1 AND error_code IS NOT NULL",
            event,
        )
        assert codes >= 3, event


async def test_paid_clicks_with_and_without_activation(world: World) -> None:
    row = await one(
        world,
        f"""
        WITH {FIRSTS}
        SELECT
            count(*) FILTER (WHERE f.first_at IS NULL) AS never,
            count(*) FILTER (WHERE f.first_at > c.clicked_at + interval '30 days') AS too_late,
            count(*) FILTER (WHERE f.first_at BETWEEN c.clicked_at
                                                  AND c.clicked_at + interval '30 days'
                             AND {day_of("f.first_at")} = {day_of("c.clicked_at")}) AS same_day,
            count(*) FILTER (WHERE f.first_at BETWEEN c.clicked_at
                                                  AND c.clicked_at + interval '30 days'
                             AND {day_of("f.first_at")} > {day_of("c.clicked_at")}) AS later_day,
            count(*) FILTER (WHERE f.first_at < c.clicked_at) AS already_playing
        FROM feed_ad_clicks c LEFT JOIN firsts f USING (app_id, user_id)
        """,
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
                AND l.success AND {day_of("l.started_at")} = $1)) AS active_on_reporting_day,
            count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM orders o WHERE o.app_id = p.app_id AND o.user_id = p.user_id
                AND o.order_type = 'purchase' AND o.created_at >= p.first_at)) AS paying,
            count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM ad_events a WHERE a.app_id = p.app_id AND a.user_id = p.user_id
                AND a.revenue_usd > 0 AND a.occurred_at >= p.first_at)) AS earning
        FROM paid p
        WHERE {day_of("p.first_at")} BETWEEN $1::date - 29 AND $1::date
        GROUP BY p.app_id
        """,
        REPORTING_DAY,
    )
    found = {r["app_id"]: dict(r) for r in rows}
    assert set(found) == set(apps_of(world, "game"))
    for app, counts in found.items():
        assert all(value > 0 for value in counts.values() if isinstance(value, int)), (app, counts)
    spend = await one(
        world,
        "SELECT sum(spend_usd) AS usd, sum(impressions) AS impressions FROM feed_ad_spend "
        "WHERE day BETWEEN $1::date - 29 AND $1::date",
        REPORTING_DAY,
    )
    assert spend["usd"] > 0 and spend["impressions"] > 0


async def test_runtime_reports_belong_to_sessions(world: World) -> None:
    assert (
        await world.conn.fetchval(
            "SELECT count(*) FROM runtime_reports r LEFT JOIN launches l "
            "ON l.launch_id = r.launch_id AND l.app_id = r.app_id AND l.user_id = r.user_id "
            "AND l.success WHERE l.launch_id IS NULL"
        )
        == 0
    )


async def test_the_drama_funnel_narrows_step_by_step(world: World) -> None:
    steps = (
        "entrance_exposure",
        "entrance_click",
        "minis_visit",
        "last_free_episode_watch",
        "payment_panel_3p_show",
        "payment_panel_3p_click",
        "payment_panel_tt_show",
        "payment_panel_tt_click",
        "order",
    )
    for app in apps_of(world, "drama"):
        rows = await world.conn.fetch(
            "SELECT step, order_type, count(*) AS pv FROM funnel_events WHERE app_id = $1 "
            "GROUP BY step, order_type",
            app,
        )
        pv = {(r["step"], r["order_type"]): r["pv"] for r in rows}
        assert set(pv) == {
            *((s, None) for s in steps[:-1]),
            ("order", "consumption"),
            ("order", "topup"),
        }
        volumes = [pv[s, None] for s in steps[:-1]] + [pv["order", "consumption"]]
        assert volumes == sorted(volumes, reverse=True) and len(set(volumes)) == len(volumes)


async def test_top_products_are_skewed_over_more_than_ten_products(world: World) -> None:
    for kind, order_type in (("game", "purchase"), ("drama", "redeem")):
        for app in apps_of(world, kind):
            counts = [
                r["n"]
                for r in await world.conn.fetch(
                    "SELECT product_id, count(*) AS n FROM orders WHERE app_id = $1 "
                    "AND order_type = $2 AND created_at >= $3::date - 29 "
                    "GROUP BY product_id ORDER BY n DESC",
                    app,
                    order_type,
                    REPORTING_DAY,
                )
            ]
            assert len(counts) > 10, app
            assert counts[0] >= 2 * counts[9], (app, counts)


async def test_games_have_several_placements_of_each_type(world: World) -> None:
    rows = await world.conn.fetch(
        "SELECT app_id, placement_type, count(DISTINCT placement_id) AS placements, "
        "sum(revenue_usd) AS revenue FROM ad_events GROUP BY app_id, placement_type"
    )
    assert len(rows) == 3 * len(apps_of(world, "game"))
    assert all(r["placements"] >= 2 and r["revenue"] > 0 for r in rows)


async def test_the_reporting_day_alone_has_every_kind_of_event(world: World) -> None:
    conn, game, drama = world.conn, world.biggest("game"), world.biggest("drama")
    for table, column in TIMES.items():
        app = drama if table in DRAMA_ONLY else game
        per_kind = await conn.fetch(
            f"SELECT * FROM {table} WHERE app_id = $1 AND {day_of(column)} = $2 LIMIT 1",
            app,
            REPORTING_DAY,
        )
        assert per_kind, table
    ads = {
        r["event"]
        for r in await conn.fetch(
            f"SELECT DISTINCT event FROM ad_events WHERE app_id = $1 "
            f"AND {day_of('occurred_at')} = $2",
            game,
            REPORTING_DAY,
        )
    }
    assert ads == {"request", "load_failure", "impression", "display_failure", "click"}
    steps = await conn.fetchval(
        f"SELECT count(DISTINCT (step, order_type)) FROM funnel_events WHERE app_id = $1 "
        f"AND {day_of('occurred_at')} = $2",
        drama,
        REPORTING_DAY,
    )
    assert steps == 10
    activated_today = await conn.fetchval(
        f"WITH {PAID} SELECT count(*) FROM paid WHERE app_id = $1 AND first_day "
        f"AND {day_of('first_at')} = $2",
        game,
        REPORTING_DAY,
    )
    assert activated_today > 0
