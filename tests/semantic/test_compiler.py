"""Execution tests of compiled metric statements on the hand-built world (see world.py).

R = 10-11..10-14, previous P = 10-07..10-10, reporting day 10-20.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from semantic.compiler import compile_metrics
from semantic.model import AppKind, SemanticModel
from semantic.query import DateRange, MetricQuery, QueryError
from tests.semantic.conftest import scope, with_privacy
from tests.semantic.engines import World

GAME, DRAMA = AppKind.GAME, AppKind.DRAMA


async def run(world: World, model: SemanticModel, query: MetricQuery) -> list[dict[str, Any]]:
    return await world.rows(compile_metrics, model, query)


def by_grain(rows: list[dict[str, Any]], metric: str) -> tuple[Any, Any]:
    grains = {r["grain_id"]: r[metric] for r in rows}
    return grains[0], grains.get(1)


# (module, kind, metric, filters, value over R, value over P) -- worked out in world.py terms
CASES: list[tuple[str, AppKind, str, dict[str, Any], float | None, float | None]] = [
    # users: S(R) = l03 l04 l05 l06 l08; S(P) = l02 l11
    ("user_behavior", GAME, "active_users", {}, 3, 2),
    ("user_behavior", GAME, "launched_sessions", {}, 5, 2),
    ("user_behavior", GAME, "new_users", {}, 2, 1),  # u2, u3 | u4
    ("user_behavior", GAME, "total_users", {}, 4, 2),  # u1..u4 | u1, u4
    ("user_behavior", GAME, "repeat_users", {}, 2, 0),  # u1, u2 twice
    ("user_behavior", GAME, "avg_launched_sessions", {}, 5 / 3, 1),
    ("user_behavior", GAME, "avg_duration_per_user", {}, 1800 / 3, 900 / 2),
    ("user_behavior", GAME, "avg_duration_per_session", {}, 1800 / 5, 900 / 2),
    ("user_behavior", DRAMA, "median_duration_per_user", {}, 2500, 750),
    ("user_behavior", DRAMA, "median_duration_per_session", {}, 2000, 750),
    ("user_behavior", GAME, "active_users", {"os": "ios"}, 2, 1),  # u1 u3 | u1
    ("user_behavior", GAME, "new_users", {"os": "ios"}, 1, 0),  # u3 (u2 began on android)
    ("user_behavior", GAME, "total_users", {"os": "ios"}, 2, 1),
    ("user_behavior", GAME, "active_users", {"regions": ("GB",)}, 2, 0),  # u1 (l04), u2
    ("user_behavior", GAME, "new_users", {"regions": ("GB",)}, 1, 0),  # u2 only: u1 began in US
    ("user_behavior", GAME, "total_users", {"regions": ("GB",)}, 2, 0),
    ("user_behavior", GAME, "launched_sessions", {"regions": ("GB", "BR")}, 4, 0),
    # launch: attempts in R l03..l08 l12 = 7, successes 5
    ("launch", GAME, "launch_success_rate", {}, 5 / 7, 1),
    ("launch", GAME, "avg_launch_ms", {}, (1000 + 2000 + 1500 + 500 + 3000) / 5, 1000),
    ("launch", GAME, "avg_first_launch_ms", {}, (1500 + 3000) / 2, 1000),
    # runtime: fps weighted by sampled_ms
    ("runtime", GAME, "fps", {}, (60 * 1000 + 30 * 3000) / 4000, None),
    ("runtime", GAME, "stutter_rate", {}, 700 / 4000, None),
    ("runtime", GAME, "report_count", {}, 2, 0),
    # network
    ("network", GAME, "avg_request_latency_ms", {}, (100 + 300 + 900 + 200) / 4, None),
    ("network", GAME, "request_error_rate", {}, 3 / 4, None),
    ("network", GAME, "download_error_rate", {}, 1 / 2, None),
    ("network", GAME, "avg_download_latency_ms", {"domains": ("cdn.b.com",)}, 100, None),
    ("network", GAME, "network_failures", {"os": "android"}, 1, 0),
    # in-app purchases: O(R) = o1 o2 o3
    ("iap_orders", GAME, "gmv", {}, 180, 0),
    ("iap_orders", GAME, "total_orders", {}, 3, 0),
    ("iap_orders", GAME, "avg_gmv", {}, 60, None),
    ("iap_users", GAME, "paying_users", {}, 2, 0),
    ("iap_users", GAME, "repeat_paying_users", {}, 1, 0),
    ("iap_users", GAME, "paying_user_rate", {}, 2 / 3, 0),
    ("iap_users", GAME, "arppu", {}, 90, None),
    ("iap_users", GAME, "ltv", {}, (20 + 30 + 10) / 2, 0),  # new u2, u3; orders to 10-20
    ("iap_users", GAME, "ltv", {"os": "ios"}, 40, None),  # new u3 only: 30 + 10
    # in-app ads
    ("ad_insights", GAME, "ad_impressions", {}, 3, 0),
    ("ad_insights", GAME, "ad_revenue", {}, 0.85, 0),
    ("ad_insights", GAME, "ecpm", {}, 0.85 / 3 * 1000, None),
    ("ad_insights", GAME, "ad_click_rate", {}, 1 / 3, None),
    ("ad_insights", GAME, "ad_requests", {"placement_type": "rewarded_video"}, 1, 0),
    ("ad_insights", GAME, "ad_impressions", {"placement_ids": ("pl2",)}, 1, 0),
    ("ad_performance", GAME, "display_failure_rate", {}, 1 / 4, None),
    ("ad_performance", GAME, "load_failure_rate", {}, 1, None),
    # For You feed: paid-acquired u2 (10-11, click 6 days before) and u3 (10-12, same day)
    ("feed_ads_overview", GAME, "ad_spend", {}, 15, 4),
    ("feed_ads_overview", GAME, "activated_users", {}, 2, 0),
    ("feed_ads_overview", GAME, "paid_revenue", {}, 0.25 + 0.5 + 30 * 0.01, 0),
    ("feed_ads_overview", GAME, "activated_users", {"regions": ("BR",)}, 1, 0),
    ("feed_ads_overview", GAME, "ad_spend", {"regions": ("GB",)}, 5, 4),
    ("feed_ads_first_day", GAME, "first_day_activated_users", {}, 1, 0),
    ("feed_ads_first_day", GAME, "activation_cost", {}, 15, None),
    ("feed_ads_first_day", GAME, "first_day_paid_revenue", {}, 0.8, 0),
    ("feed_ads_first_day", GAME, "roi", {}, 0.8 / 15, 0),
    ("feed_ads_first_day", GAME, "arpu", {}, 0.8, None),
    ("feed_ads_first_day", GAME, "first_day_ltv", {}, 0.5 + 0.4, None),
    ("feed_ads_first_day", GAME, "first_day_ecpm", {}, 0.8 / 1500 * 1000, 0),
    ("feed_ads_history", GAME, "history_activated_users", {}, 1, 0),  # u3 is active on 10-20
    ("feed_ads_history", GAME, "history_activated_users", {"include_first_day": False}, 0, 0),
    ("feed_ads_history", GAME, "history_paid_revenue", {}, 0.8, 0),
    ("feed_ads_history", GAME, "history_ecpm", {}, 0.8 / 1500 * 1000, 0),
    # feed cards
    ("feed_cards", GAME, "card_impressions", {}, 3, 0),
    ("feed_cards", GAME, "card_clicks", {}, 1, 0),
    ("feed_cards", GAME, "card_ctr", {}, 1 / 2, None),
]


@pytest.mark.parametrize(
    ("module", "kind", "metric", "filters", "value", "previous"),
    CASES,
    ids=[f"{c[0]}.{c[2]}{c[3] or ''}" for c in CASES],
)
async def test_metric_value_and_previous(
    engine_world: World,
    model: SemanticModel,
    module: str,
    kind: AppKind,
    metric: str,
    filters: dict[str, Any],
    value: float | None,
    previous: float | None,
) -> None:
    query = MetricQuery(scope=scope(module, kind=kind, filters=filters), metrics=(metric,))
    current, before = by_grain(await run(engine_world, model, query), metric)
    assert current == (pytest.approx(value, rel=1e-9) if value is not None else None)
    assert before == (pytest.approx(previous, rel=1e-9) if previous is not None else None)


async def test_series_has_one_point_per_day(engine_world: World, model: SemanticModel) -> None:
    query = MetricQuery(
        scope=scope("user_behavior"), metrics=("active_users", "total_users"), series=True
    )
    rows = [r for r in await run(engine_world, model, query) if r["grain_id"] >= 2]
    assert [r["grain_day"] for r in rows] == [dt.date(2026, 10, d) for d in (11, 12, 13, 14)]
    assert [r["active_users"] for r in rows] == [1, 2, 0, 0]
    assert [r["total_users"] for r in rows] == [3, 4, 4, 4]  # u1 u4 u2, then u3


async def test_breakdown_counts_a_user_under_each_value(
    engine_world: World, model: SemanticModel
) -> None:
    query = MetricQuery(
        scope=scope("user_behavior"), metrics=("active_users", "new_users"), breakdown="region"
    )
    rows = [r for r in await run(engine_world, model, query) if r["grain_id"] == 0]
    got = {r["bkey"]: (r["active_users"], r["new_users"]) for r in rows}
    # u1 is active in US and GB; new users count under their first session's region
    assert got == {"US": (1, 0), "GB": (2, 1), "BR": (1, 1)}


async def test_entry_source_breakdown_is_multi_touch(
    engine_world: World, model: SemanticModel
) -> None:
    query = MetricQuery(
        scope=scope("user_source"),
        metrics=("new_users", "launched_sessions"),
        breakdown="entry_source",
        compare=False,
    )
    rows = await run(engine_world, model, query)
    got = {r["bkey"]: (r["new_users"], r["launched_sessions"]) for r in rows}
    assert got == {"for_you_feed": (2, 3), "search": (0, 1), "share_link": (0, 1)}


async def test_privacy_keeps_protected_rows_only_from_shown_cells_inside_each_grain(
    engine_world: World, model: SemanticModel
) -> None:
    # Threshold 2: each day has one US user, so no day is shown; the ISO week 10-05..11 has
    # u1 and u4 (its remainder, every US row, too): shown. The week 10-12..18 is not decided
    # by 10-20 (late days 3). R and its previous period P = 10-07..10 hold no shown cell.
    guarded = with_privacy(model, threshold=2, regions=("US",))
    query = MetricQuery(
        scope=scope("user_behavior", privacy=True),
        metrics=("active_users", "launched_sessions", "avg_duration_per_user"),
    )
    rows = {r["grain_id"]: r for r in await run(engine_world, guarded, query)}
    assert rows[0]["shown_days"] == [] and rows[1]["shown_days"] == []
    assert rows[0]["launched_sessions"] == 4  # l03 (US) left out
    assert rows[0]["active_users"] == 3  # u1 still counts through GB
    assert rows[0]["avg_duration_per_user"] == pytest.approx(1500 / 3)
    assert rows[1]["launched_sessions"] == 0  # l02 l11 (US) left out
    week = DateRange(start=dt.date(2026, 10, 5), end=dt.date(2026, 10, 11))
    weekly = MetricQuery(
        scope=scope("user_behavior", privacy=True, range_=week),
        metrics=("launched_sessions",),
        series=True,
    )
    rows = {r["grain_id"]: r for r in await run(engine_world, guarded, weekly)}
    assert rows[0]["shown_days"] == week.each_day()
    assert rows[0]["launched_sessions"] == 5  # l01 l02 l11 (the shown week), l05 l06
    # each day is a grain of its own: its US rows stay out (10-05 l01, 10-08 l02, 10-09 l11)
    days = {r["grain_day"]: r["launched_sessions"] for g, r in rows.items() if g >= 2}
    assert days == {d: 2 if d == dt.date(2026, 10, 11) else 0 for d in week.each_day()}


async def test_privacy_threshold_of_one_shows_each_day_with_a_us_user(
    engine_world: World, model: SemanticModel
) -> None:
    guarded = with_privacy(model, threshold=1, regions=("US",))
    query = MetricQuery(scope=scope("user_behavior", privacy=True), metrics=("launched_sessions",))
    rows = {r["grain_id"]: r for r in await run(engine_world, guarded, query)}
    assert rows[0]["shown_days"] == [dt.date(2026, 10, 12)]  # R's one day with US rows
    assert rows[0]["launched_sessions"] == 5


def test_unknown_metric_and_breakdown_are_refused(model: SemanticModel) -> None:
    with pytest.raises(QueryError, match="has no metric gmv"):
        compile_metrics(model, MetricQuery(scope=scope("user_behavior"), metrics=("gmv",)))
    with pytest.raises(QueryError, match="cannot break down by domain"):
        compile_metrics(
            model,
            MetricQuery(
                scope=scope("user_behavior"), metrics=("active_users",), breakdown="domain"
            ),
        )


def test_client_values_are_bind_parameters(model: SemanticModel) -> None:
    hostile = "US'); DROP TABLE launches; --"
    compiled = compile_metrics(
        model,
        MetricQuery(
            scope=scope("user_behavior", filters={"regions": (hostile,)}), metrics=("active_users",)
        ),
    )
    assert hostile not in compiled.sql and "DROP" not in compiled.sql
    assert [hostile] in compiled.params
