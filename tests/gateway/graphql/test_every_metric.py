"""Every metric of every module over HTTP, on the hand-built world (tests/semantic/world.py).

R = 2026-10-11..14; previous period P = 10-07..10; reporting day 10-20. Each row gives the
value, the previous value and the change, worked out by hand from world.py.
"""

from __future__ import annotations

import pytest

from gateway.schema.naming import camel
from semantic.model import AppKind, SemanticModel
from tests.gateway.graphql.conftest import GraphQLClient

G, D = "game", "drama"
N = None

# (kind, module, metric, extra filter (GraphQL), value, previous, change)
EXPECTED: list[tuple[str, str, str, str, float | None, float | None, float | None]] = [
    # game overview / user behavior: S(R) = l03 l04 l05 l06 l08, S(P) = l02 l11
    (G, "overview", "total_users", "", 4, 2, 1.0),
    (G, "overview", "active_users", "", 3, 2, 0.5),
    (G, "overview", "active_users", 'regions: ["GB"]', 2, 0, N),
    (G, "overview", "new_users", "", 2, 1, 1.0),
    (G, "overview", "avg_duration_per_user", "", 600, 450, 150 / 450),
    (G, "user_behavior", "total_users", "os: IOS", 2, 1, 1.0),
    (G, "user_behavior", "new_users", "os: IOS", 1, 0, N),
    (G, "user_behavior", "active_users", "os: IOS", 2, 1, 1.0),
    (G, "user_behavior", "repeat_users", "", 2, 0, N),
    (G, "user_behavior", "launched_sessions", "", 5, 2, 1.5),
    (G, "user_behavior", "avg_launched_sessions", "", 5 / 3, 1, 2 / 3),
    (G, "user_behavior", "avg_duration_per_user", 'regions: ["BR", "GB"]', 1500 / 3, N, N),
    (G, "user_behavior", "avg_duration_per_session", "", 360, 450, -0.2),
    (G, "user_source", "new_users", "", 2, 1, 1.0),
    (G, "user_source", "launched_sessions", "os: ANDROID", 2, 1, 1.0),
    (G, "user_source", "avg_duration_per_session", "", 360, 450, -0.2),
    # launch: attempts R = l03..l08 + l12 (7, 5 successes); P = l02 l11
    (G, "launch", "launch_success_rate", "", 5 / 7, 1, -2 / 7),
    (G, "launch", "avg_launch_ms", "", 1600, 1000, 0.6),
    (G, "launch", "avg_launch_ms", "os: ANDROID", 1000, 1000, 0.0),
    (G, "launch", "avg_first_launch_ms", "", 2250, 1000, 1.25),
    # runtime: r1 (60 fps, 1000 ms, 100 stutter), r2 (30 fps, 3000 ms, 600 stutter)
    (G, "runtime", "fps", "", 37.5, N, N),
    (G, "runtime", "fps", 'regions: ["US"]', 60, N, N),
    (G, "runtime", "stutter_rate", "", 0.175, N, N),
    (G, "runtime", "report_count", "", 2, 0, N),
    # network: requests n1 n2 n3 (failed) n5; downloads n4 (failed) n6
    (G, "network", "avg_request_latency_ms", "", 375, N, N),
    (G, "network", "request_error_rate", "", 0.75, N, N),
    (G, "network", "request_error_rate", "os: IOS", 2 / 3, N, N),
    (G, "network", "avg_download_latency_ms", "", 100, N, N),
    (G, "network", "download_error_rate", "", 0.5, N, N),
    (G, "network", "network_failures", 'domains: ["api.a.com"]', 3, 0, N),
    # in-app purchases: O(R) = o1 o2 o3; new users of R u2 u3 pay 20 + 30 + 10 up to 10-20
    (G, "iap_users", "paying_users", "", 2, 0, N),
    (G, "iap_users", "paying_user_rate", "", 2 / 3, 0, N),
    (G, "iap_users", "repeat_paying_users", "", 1, 0, N),
    (G, "iap_users", "repeat_paying_user_rate", "", 1 / 3, 0, N),
    (G, "iap_users", "arppu", "", 90, N, N),
    (G, "iap_users", "ltv", "", 30, 0, N),
    (G, "iap_users", "ltv", "os: IOS", 40, N, N),
    (G, "iap_orders", "gmv", "", 180, 0, N),
    (G, "iap_orders", "gmv", 'regions: ["BR"]', 30, 0, N),
    (G, "iap_orders", "avg_gmv", "", 60, N, N),
    (G, "iap_orders", "total_orders", "", 3, 0, N),
    # in-app ads
    (G, "ad_insights", "ad_requests", "", 1, 0, N),
    (G, "ad_insights", "ad_impressions", "", 3, 0, N),
    (G, "ad_insights", "ad_impressions", "placementType: BANNER", 1, 0, N),
    (G, "ad_insights", "ad_clicks", "", 1, 0, N),
    (G, "ad_insights", "ad_click_rate", "", 1 / 3, N, N),
    (G, "ad_insights", "ecpm", "", 850 / 3, N, N),
    (G, "ad_insights", "ad_revenue", 'placementIds: ["pl1"]', 0.75, 0, N),
    (G, "ad_performance", "display_failure_rate", "", 0.25, N, N),
    (G, "ad_performance", "load_failure_rate", "", 1, N, N),
    (G, "ad_performance", "display_failures", "os: ANDROID", 1, 0, N),
    # For You feed: u2 activated 10-11 (click 10-05), u3 on 10-12 (click the same day)
    (G, "feed_ads_overview", "ad_spend", "", 15, 4, 2.75),
    (G, "feed_ads_overview", "ad_spend", 'regions: ["GB"]', 5, 4, 0.25),
    (G, "feed_ads_overview", "activated_users", "", 2, 0, N),
    (G, "feed_ads_overview", "paid_revenue", "", 1.05, 0, N),
    (G, "feed_ads_first_day", "first_day_activated_users", "", 1, 0, N),
    (G, "feed_ads_first_day", "activation_cost", "", 15, N, N),
    (G, "feed_ads_first_day", "first_day_paid_revenue", "", 0.8, 0, N),
    (G, "feed_ads_first_day", "first_day_paid_revenue", 'regions: ["GB"]', 0, 0, N),
    (G, "feed_ads_first_day", "roi", "", 0.8 / 15, 0, N),
    (G, "feed_ads_first_day", "first_day_ltv", "", 0.9, N, N),
    (G, "feed_ads_first_day", "arpu", "", 0.8, N, N),
    (G, "feed_ads_first_day", "first_day_ecpm", "", 0.8 / 1.5, 0, N),
    (G, "feed_ads_history", "history_activated_users", "", 1, 0, N),
    (G, "feed_ads_history", "history_activated_users", "includeFirstDay: false", 0, 0, N),
    (G, "feed_ads_history", "history_paid_revenue", "", 0.8, 0, N),
    (G, "feed_ads_history", "history_ecpm", "", 0.8 / 1.5, 0, N),
    # feed cards: u1 u2 u2 impressions, u2 click
    (G, "feed_cards", "card_ctr", "", 0.5, N, N),
    (G, "feed_cards", "card_impressions", "", 3, 0, N),
    (G, "feed_cards", "card_clicks", 'regions: ["US"]', 0, 0, N),
    # the drama: S(R) = d02 d03 d04, S(P) = d01 d05
    (D, "dashboard", "total_users", "", 3, 2, 0.5),
    (D, "dashboard", "active_users", "", 2, 2, 0.0),
    (D, "dashboard", "new_users", "", 1, 2, -0.5),
    (D, "dashboard", "median_duration_per_user", "", 2500, 750, 1750 / 750),
    (D, "dashboard", "median_duration_per_user", 'regions: ["US"]', 3000, 1000, 2.0),
    (D, "user_behavior", "total_users", "os: IOS", 1, 1, 0.0),
    (D, "user_behavior", "new_users", "", 1, 2, -0.5),
    (D, "user_behavior", "repeat_users", "", 1, 0, N),
    (D, "user_behavior", "visit_count", "", 3, 2, 0.5),
    (D, "user_behavior", "visit_count", "os: IOS", 2, 1, 1.0),
    (D, "user_behavior", "avg_visit_count", "", 1.5, 1, 0.5),
    (D, "user_behavior", "median_duration_per_user", "", 2500, 750, 1750 / 750),
    (D, "user_behavior", "median_duration_per_session", "", 2000, 750, 1250 / 750),
    (D, "user_behavior", "active_users", "", 2, 2, 0.0),
    (D, "user_behavior", "effectively_active_users", "", 2, 2, 0.0),
    (D, "user_behavior", "effectively_active_users", 'regions: ["GB"]', 0, 1, -1.0),
    (D, "entry_point", "active_users", "", 2, 2, 0.0),
    (D, "entry_point", "new_users", "", 1, 2, -0.5),
    (D, "entry_point", "launched_sessions", "", 3, 2, 0.5),
    (D, "entry_point", "avg_duration_per_session", "", 5000 / 3, 750, (5000 / 3 - 750) / 750),
    (D, "launch", "loading_success_rate", "", 0.75, 1, -0.25),
    (D, "launch", "avg_launch_ms", "", 900, 900, 0.0),
    (D, "launch", "avg_launch_ms", "os: IOS", 900, 800, 0.125),
    # drama purchases: recharges do1 do3 do7 in R (210 Beans), do6 in P (40)
    (D, "iap_users", "paying_users", "", 3, 1, 2.0),
    (D, "iap_users", "paying_user_rate", "", 1.5, 0.5, 2.0),
    (D, "iap_users", "repeat_paying_users", "", 0, 0, N),
    (D, "iap_users", "repeat_paying_user_rate", "", 0, 0, N),
    (D, "iap_users", "arppu", "", 70, 40, 0.75),
    (D, "iap_users", "ltv", "", 50, 100, -0.5),
    (D, "iap_orders", "gmv", "", 210, 40, 4.25),
    (D, "iap_orders", "gmv", "payerType: RETURNING", 60, 0, N),
    (D, "iap_orders", "gmv", "payerType: NEW", 150, 40, 2.75),
    (D, "iap_orders", "avg_gmv", "", 70, 40, 0.75),
    (D, "iap_orders", "recharge_orders", "", 3, 1, 2.0),
    (D, "iap_orders", "redeem_orders", "", 3, 0, N),
    (D, "iap_orders", "redeem_orders", "payerType: NEW", 3, 0, N),
]


@pytest.mark.parametrize(
    ("kind", "module", "metric", "extra", "value", "previous", "change"),
    EXPECTED,
    ids=[f"{r[0]}.{r[1]}.{r[2]}{'[' + r[3] + ']' if r[3] else ''}" for r in EXPECTED],
)
async def test_metric(
    gql: GraphQLClient,
    kind: str,
    module: str,
    metric: str,
    extra: str,
    value: float | None,
    previous: float | None,
    change: float | None,
) -> None:
    filter_ = 'range: {start: "2026-10-11", end: "2026-10-14"}' + (f", {extra}" if extra else "")
    app = "g1" if kind == G else "d1"
    data = await gql.data(
        f'{{ app: {kind}(id: "{app}") {{ m: {camel(module)}(filter: {{{filter_}}}) {{'
        f" x: {camel(metric)} {{ value previous change direction }} }} }} }}"
    )
    got = data["app"]["m"]["x"]
    for name, expected in (("value", value), ("previous", previous), ("change", change)):
        if expected is None:
            assert got[name] is None, name
        else:
            assert got[name] == pytest.approx(expected, rel=1e-9, abs=1e-12), name
    if change is None:
        assert got["direction"] is None
    else:
        assert got["direction"] == ("UP" if change > 0 else "DOWN" if change < 0 else "FLAT")


def test_every_metric_of_every_module_is_checked(semantic_model: SemanticModel) -> None:
    checked = {(kind, module, metric) for kind, module, metric, *_ in EXPECTED}
    offered = {
        (kind.value, module.id, ref.name)
        for (kind, _), module in semantic_model.modules.items()
        for ref in module.metrics
    }
    assert offered - checked == set()


def test_filters_are_exercised(semantic_model: SemanticModel) -> None:
    assert sum(1 for row in EXPECTED if row[3]) >= 25
    assert AppKind.GAME.value == G
