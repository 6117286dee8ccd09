"""A small world of every event table, built by hand: its rows as PostgreSQL takes them,
and how many there are (counted by hand)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

UTC = dt.UTC


def at(day: int, hour: int = 12, month: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 30, 15, 250000, tzinfo=UTC)


# A small world: per table, its columns and its rows. Apps g1 and d1 and an unreleased g0.
# fmt: off
DATA: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
    "apps": (
        "app_id, kind, name, status, launched_on, owner_id",
        [
            ("g1", "game", "Game One", "launched", dt.date(2026, 1, 1), "o1"),
            ("d1", "drama", "Drama One", "launched", dt.date(2026, 2, 1), "o1"),
            ("g0", "game", "Game Zero", "unreleased", None, "o2"),
        ],
    ),
    "launches": (
        "launch_id, app_id, user_id, started_at, success, launch_ms, duration_ms, os, region,"
        " gender, age_band, device_brand, device_model, tiktok_version, entry_source",
        [
            ("l1", "g1", "u1", at(12), True, 1200, 300_000, "ios", "US", "male", "18-24",
             "Apple", "iPhone 15", "37.4.0", "search"),
            ("l2", "g1", "u2", at(12, 23), False, None, 0, "android", "GB", "female", "55+",
             "Samsung", "Galaxy S23", "37.5.0", "for_you_feed"),
            ("l3", "g1", "u1", at(1, 0, month=11), True, 0, 10, "ios", "US", "male", "18-24",
             "Apple", "iPhone 15", "37.4.0", "share_link"),  # another month: another partition
            ("l4", "d1", "v1", at(13), True, 800, 9_000_000_000, "ios", "BR", "unknown",
             "unknown", "Apple", "iPhone 14", "37.4.0", "other"),
        ],
    ),
    "orders": (
        "order_id, app_id, user_id, created_at, os, region, order_type, product_id,"
        " product_name, beans",
        [
            ("o1", "g1", "u1", at(12), "ios", "US", "purchase", "p1", "Gems 'x100'", 100),
            ("o2", "d1", "v1", at(13), "ios", "BR", "recharge", "b50", "50 Beans", 50),
        ],
    ),
    "ad_events": (
        "event_id, app_id, user_id, occurred_at, os, region, placement_id, placement_type,"
        " event, revenue_usd, error_code",
        [
            ("a1", "g1", "u1", at(12), "ios", "US", "pl1", "banner", "request", Decimal("0"),
             None),
            ("a2", "g1", "u1", at(12), "ios", "US", "pl1", "banner", "impression",
             Decimal("0.012345"), None),
            ("a3", "g1", "u2", at(14), "android", "GB", "pl2", "rewarded_video", "load_failure",
             Decimal("0"), "NO_FILL"),
        ],
    ),
    "runtime_reports": (
        "report_id, app_id, user_id, launch_id, reported_at, os, region, fps, sampled_ms,"
        " stutter_ms",
        [("r1", "g1", "u1", "l1", at(12), "ios", "US", 59.9, 1000, 16)],
    ),
    "network_calls": (
        "call_id, app_id, user_id, occurred_at, os, region, api, domain, latency_ms, ok,"
        " error_code",
        [
            ("n1", "g1", "u1", at(12), "ios", "US", "request", "api.example.com", 80, True, None),
            ("n2", "g1", "u2", at(12), "android", "GB", "download_file", "cdn.example.com", 3000,
             False, "timeout"),
            ("n3", "d1", "v1", at(13), "ios", "BR", "request", "api.example.com", 5, True, None),
        ],
    ),
    "feed_ad_spend": (
        "app_id, day, campaign_id, region, spend_usd, impressions",
        [
            ("g1", dt.date(2026, 10, 12), "c1", "US", Decimal("12.34"), 1000),
            ("g1", dt.date(2026, 10, 12), "c1", "GB", Decimal("0.00"), 0),
            ("d1", dt.date(2026, 10, 13), "c2", "US", Decimal("9999999999.99"), 2**40),
        ],
    ),
    "feed_ad_clicks": (
        "click_id, app_id, user_id, clicked_at, campaign_id, os, region",
        [("k1", "d1", "v1", at(13), "c2", "ios", "US")],
    ),
    "feed_card_events": (
        "event_id, app_id, user_id, occurred_at, os, region, event",
        [
            ("e1", "d1", "v1", at(13), "ios", "US", "impression"),
            ("e2", "d1", "v1", at(13, 13), "ios", "US", "click"),
        ],
    ),
    "funnel_events": (
        "event_id, app_id, user_id, occurred_at, os, region, step, order_type",
        [
            ("f1", "d1", "v1", at(13), "ios", "US", "minis_visit", None),
            ("f2", "d1", "v1", at(13, 14), "ios", "US", "order", "topup"),
        ],
    ),
}
# fmt: on

# counted by hand from DATA above
EXPECTED = {
    "apps": 3,
    "launches": 4,
    "orders": 2,
    "ad_events": 3,
    "runtime_reports": 1,
    "network_calls": 3,
    "feed_ad_spend": 3,
    "feed_ad_clicks": 1,
    "feed_card_events": 2,
    "funnel_events": 2,
}
EXPECTED_G1 = {
    "apps": 1,
    "launches": 3,
    "orders": 1,
    "ad_events": 3,
    "runtime_reports": 1,
    "network_calls": 2,
    "feed_ad_spend": 2,
    "feed_ad_clicks": 0,
    "feed_card_events": 0,
    "funnel_events": 0,
}


def row(table: str, key: str, **changes: Any) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """(the columns, the values) of the row of `table` whose first value is `key`, with
    `changes`."""
    names, rows = DATA[table]
    columns = tuple(name.strip() for name in names.split(","))
    found = next(values for values in rows if values[0] == key)
    values = dict(zip(columns, found, strict=True)) | changes
    return columns, tuple(values[column] for column in columns)
