"""A small hand-built world whose every figure is worked out by hand in the tests.

Reporting day 2026-10-20. The usual range R is 2026-10-11..14, its previous period 10-07..10.

Sessions (successful launches), by user:
  u1  10-05 US ios 100ms | 10-08 US ios 200 | 10-12 10:00 US ios 300 | 10-12 11:00 GB ios 400
  u2  10-11 08:00 GB android 500 | 10-11 09:00 GB android 0      (+ a failure on 10-13)
  u3  10-12 12:00 BR ios 600 | 10-19 BR ios 50 | 10-20 BR ios 70
  u4  10-09 US android 700
  u5  only a failed launch on 10-12 (BR ios)
"""

from __future__ import annotations

import datetime as dt

import asyncpg

APP, DRAMA, UNRELEASED = "g1", "d1", "g0"
UTC = dt.UTC


def at(day: int, hour: int = 12, month: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


# (id, user, time, success, launch_ms, duration_ms, os, region, gender, entry_source)
LAUNCHES = [
    ("l01", "u1", at(5), True, 1000, 100, "ios", "US", "male", "search"),
    ("l02", "u1", at(8), True, 1000, 200, "ios", "US", "male", "search"),
    ("l03", "u1", at(12, 10), True, 1000, 300, "ios", "US", "male", "for_you_feed"),
    ("l04", "u1", at(12, 11), True, 2000, 400, "ios", "GB", "male", "share_link"),
    ("l05", "u2", at(11, 8), True, 1500, 500, "android", "GB", "female", "for_you_feed"),
    ("l06", "u2", at(11, 9), True, 500, 0, "android", "GB", "female", "search"),
    ("l07", "u2", at(13), False, None, 0, "android", "GB", "female", "search"),
    ("l08", "u3", at(12, 12), True, 3000, 600, "ios", "BR", "unknown", "for_you_feed"),
    ("l09", "u3", at(19), True, 1000, 50, "ios", "BR", "unknown", "for_you_feed"),
    ("l10", "u3", at(20), True, 1000, 70, "ios", "BR", "unknown", "for_you_feed"),
    ("l11", "u4", at(9), True, 1000, 700, "android", "US", "female", "profile"),
    ("l12", "u5", at(12), False, None, 0, "ios", "BR", "male", "other"),
]

# The drama d1: sessions of v1 10-08 US 1000ms | 10-12 US 3000 | 10-13 GB 0;
# v2 10-12 BR 2000; v3 10-09 GB 500 (and a failed launch on 10-11).
# (id, user, time, success, launch_ms, duration_ms, os, region, gender, entry_source)
DRAMA_LAUNCHES = [
    ("d01", "v1", at(8), True, 800, 1000, "ios", "US", "female", "search"),
    ("d02", "v1", at(12), True, 1200, 3000, "ios", "US", "female", "search"),
    ("d03", "v1", at(13), True, 600, 0, "ios", "GB", "female", "search"),
    ("d04", "v2", at(12), True, 900, 2000, "android", "BR", "male", "for_you_feed"),
    ("d05", "v3", at(9), True, 1000, 500, "android", "GB", "male", "profile"),
    ("d06", "v3", at(11), False, None, 0, "android", "GB", "male", "profile"),
]

# (id, user, time, os, region, order_type, product_id, product_name, beans)
DRAMA_ORDERS = [
    ("do1", "v1", at(12), "ios", "US", "recharge", "b100", "100 Beans", 100),
    ("do2", "v1", at(13), "ios", "US", "redeem", "ep5", "Episode 5", 30),
    ("do3", "v2", at(12), "android", "BR", "recharge", "b50", "50 Beans", 50),
    ("do4", "v2", at(12), "android", "BR", "redeem", "ep5", "Episode 5", 20),
    ("do5", "v2", at(14), "android", "BR", "redeem", "ep6", "Episode 6", 10),
    ("do6", "v3", at(9), "android", "GB", "recharge", "b40", "40 Beans", 40),
    ("do7", "v3", at(13), "android", "GB", "recharge", "b60", "60 Beans", 60),
]

# (id, user, time, os, region, order_type, product_id, product_name, beans)
ORDERS = [
    ("o1", "u1", at(12), "ios", "US", "purchase", "p1", "Gems", 100),
    ("o2", "u1", at(13), "ios", "US", "purchase", "p2", "Coins", 50),
    ("o3", "u3", at(12, 13), "ios", "BR", "purchase", "p1", "Gems", 30),
    ("o4", "u2", at(15), "android", "GB", "purchase", "p2", "Coins", 20),
    ("o5", "u3", at(18), "ios", "BR", "purchase", "p1", "Gems", 10),
]

# (id, user, time, os, region, placement_id, placement_type, event, revenue, error_code)
AD_EVENTS = [
    ("a1", "u3", at(13), "ios", "BR", "pl1", "rewarded_video", "impression", "0.5", None),
    ("a2", "u2", at(12), "android", "GB", "pl1", "rewarded_video", "impression", "0.25", None),
    ("a3", "u1", at(12), "ios", "US", "pl2", "banner", "impression", "0.1", None),
    ("a4", "u1", at(12), "ios", "US", "pl2", "banner", "click", "0", None),
    ("a5", "u3", at(13), "ios", "BR", "pl1", "rewarded_video", "request", "0", None),
    ("a6", "u3", at(13), "ios", "BR", "pl1", "rewarded_video", "load_failure", "0", "no_fill"),
    (
        "a7",
        "u2",
        at(12),
        "android",
        "GB",
        "pl1",
        "rewarded_video",
        "display_failure",
        "0",
        "not_ready",
    ),
]

# (id, user, time, campaign, os, region)
CLICKS = [
    ("c1", "u3", at(12, 9), "camp1", "ios", "BR"),  # same day, before the first session
    ("c2", "u2", at(5), "camp1", "android", "GB"),  # 6 days before the first session
    ("c3", "u1", at(6), "camp1", "ios", "US"),  # after u1's first session: not paid
    ("c4", "u4", at(1, month=8), "camp2", "android", "US"),  # over 30 days before
]

# (day, campaign, region, spend, impressions)
SPEND = [
    (dt.date(2026, 10, 12), "camp1", "US", "10.00", 1000),
    (dt.date(2026, 10, 13), "camp1", "GB", "5.00", 500),
    (dt.date(2026, 10, 8), "camp1", "GB", "4.00", 400),
]

# (id, user, time, os, region, api, domain, latency, ok, error_code)
NETWORK = [
    ("n1", "u1", at(12), "ios", "US", "request", "api.a.com", 100, False, "404"),
    ("n2", "u2", at(12), "android", "GB", "request", "api.a.com", 300, False, "404"),
    ("n3", "u3", at(13), "ios", "BR", "request", "api.a.com", 900, False, "timeout"),
    ("n4", "u3", at(13), "ios", "BR", "download_file", "cdn.b.com", 50, False, "503"),
    ("n5", "u3", at(14), "ios", "BR", "request", "api.a.com", 200, True, None),
    ("n6", "u1", at(14), "ios", "US", "download_file", "cdn.b.com", 150, True, None),
]

# (id, user, launch, time, os, region, fps, sampled_ms, stutter_ms)
RUNTIME = [
    ("r1", "u1", "l03", at(12), "ios", "US", 60.0, 1000, 100),
    ("r2", "u3", "l08", at(12), "ios", "BR", 30.0, 3000, 600),
]

# (id, user, time, os, region, event)
CARDS = [
    ("f1", "u1", at(12), "ios", "US", "impression"),
    ("f2", "u2", at(12), "android", "GB", "impression"),
    ("f3", "u2", at(12), "android", "GB", "impression"),
    ("f4", "u2", at(13), "android", "GB", "click"),
]

FUNNEL_STEPS = [
    ("entrance_exposure", None, 4),
    ("entrance_click", None, 2),
    ("minis_visit", None, 2),
    ("order", "consumption", 1),
    ("order", "topup", 1),
]


async def build(conn: asyncpg.Connection) -> None:
    await conn.executemany(
        "INSERT INTO apps VALUES ($1, $2, $3, 'launched', '2026-01-01', 'o')",
        [(APP, "game", "Game One"), (DRAMA, "drama", "Drama One")],
    )
    await conn.execute(
        "INSERT INTO apps VALUES ($1, 'game', 'Game Zero', 'unreleased', NULL, 'o')", UNRELEASED
    )
    await conn.executemany(
        """INSERT INTO launches VALUES ($1, 'g1', $2, $3, $4, $5, $6, $7, $8, $9, '18-24',
           'Apple', 'iPhone 15', '37.4.0', $10)""",
        LAUNCHES,
    )
    await conn.executemany(
        """INSERT INTO launches VALUES ($1, 'd1', $2, $3, $4, $5, $6, $7, $8, $9, '25-34',
           'Samsung', 'Galaxy S23', '37.5.0', $10)""",
        DRAMA_LAUNCHES,
    )
    await conn.executemany(
        "INSERT INTO orders VALUES ($1, 'g1', $2, $3, $4, $5, $6, $7, $8, $9)", ORDERS
    )
    await conn.executemany(
        "INSERT INTO orders VALUES ($1, 'd1', $2, $3, $4, $5, $6, $7, $8, $9)", DRAMA_ORDERS
    )
    await conn.executemany(
        "INSERT INTO ad_events VALUES ($1, 'g1', $2, $3, $4, $5, $6, $7, $8, $9::numeric, $10)",
        AD_EVENTS,
    )
    await conn.executemany(
        "INSERT INTO feed_ad_clicks VALUES ($1, 'g1', $2, $3, $4, $5, $6)", CLICKS
    )
    await conn.executemany(
        "INSERT INTO feed_ad_spend VALUES ('g1', $1, $2, $3, $4::numeric, $5)", SPEND
    )
    await conn.executemany(
        "INSERT INTO network_calls VALUES ($1, 'g1', $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        NETWORK,
    )
    await conn.executemany(
        "INSERT INTO runtime_reports VALUES ($1, 'g1', $2, $3, $4, $5, $6, $7, $8, $9)", RUNTIME
    )
    await conn.executemany(
        "INSERT INTO feed_card_events VALUES ($1, 'g1', $2, $3, $4, $5, $6)", CARDS
    )
    funnel = [
        (f"e_{step}_{order_type}_{i}", f"v{i}", at(12), step, order_type)
        for step, order_type, count in FUNNEL_STEPS
        for i in range(count)
    ]
    await conn.executemany(
        "INSERT INTO funnel_events VALUES ($1, 'd1', $2, $3, 'ios', 'GB', $4, $5)", funnel
    )
