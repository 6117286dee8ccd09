"""A hand-built world for the privacy rule, with a threshold of 3 protected (US) users.

Reporting day 2026-10-20, late-data window 3 days: blocks ending by 10-17 are decided. The
calendar counts from Monday 2024-01-01: ISO weeks C 09-21..27, A 09-28..10-04, B 10-05..11;
4-week periods 09-07..10-04 and 10-05..11-01 (open); the 12-week period 07-13..10-04.

US sessions (one each), game p1:
  C  09-22 c1 ios
  A  09-28 a1 a2 a3 ios | 09-29 a1 a4 ios | 09-30 a5 a6 android
  B  10-05 b1 b2 b3 ios, b4 b5 b6 android | 10-06 b7 ios | 10-07 b1 ios, b8 android
     10-13 d1 d2 d3 ios (a decided day in an open week)
GB sessions: g1 ios 09-28, 09-29, 10-06 | g2 android 09-30, 10-05, 10-13.

Decisions, by hand (users / remainder):
  days     09-28 3 shown; 10-05 6 shown, with its per-os pair (ios 3, android 3); 10-13 3
           shown; 09-22 1, 09-29 2, 09-30 2, 10-06 1, 10-07 2 hidden; the per-os cells of
           09-28 and 10-13 hidden (no android rows: not a complete set)
  weeks    A 6 / 4 (09-29 a1 a4, 09-30 a5 a6) shown; B 8 / 3 (b7, b1 b8) shown; C 1 hidden.
           Per-os weeks hidden: A ios 4 / 2 (09-28 is all ios, so its shown cell covers ios's
           09-28 too), A android 2; B ios 4 / 2 (b7, b1), B android 4 / 1 (b8)
  4 weeks  09-07..10-04: 7 / 1 (c1) hidden    12 weeks 07-13..10-04: 7 / 1 (c1) hidden
US orders: a4 50 beans on 09-29 (hidden day, shown week), b1 100 on 10-05 (shown day).
GB orders: g1 20 on 09-29.
"""

from __future__ import annotations

import datetime as dt

import asyncpg

APP = "p1"
TODAY = dt.date(2026, 10, 21)
THRESHOLD = 3

US_SESSIONS = {
    "2026-09-22": [("c1", "ios")],
    "2026-09-28": [("a1", "ios"), ("a2", "ios"), ("a3", "ios")],
    "2026-09-29": [("a1", "ios"), ("a4", "ios")],
    "2026-09-30": [("a5", "android"), ("a6", "android")],
    "2026-10-05": [
        *[("b1", "ios"), ("b2", "ios"), ("b3", "ios")],
        *[("b4", "android"), ("b5", "android"), ("b6", "android")],
    ],
    "2026-10-06": [("b7", "ios")],
    "2026-10-07": [("b1", "ios"), ("b8", "android")],
    "2026-10-13": [("d1", "ios"), ("d2", "ios"), ("d3", "ios")],
}
GB_SESSIONS = {
    "2026-09-28": [("g1", "ios")],
    "2026-09-29": [("g1", "ios")],
    "2026-09-30": [("g2", "android")],
    "2026-10-05": [("g2", "android")],
    "2026-10-06": [("g1", "ios")],
    "2026-10-13": [("g2", "android")],
}
# (id, user, day, os, region, beans)
ORDERS = [
    ("o1", "a4", "2026-09-29", "ios", "US", 50),
    ("o2", "b1", "2026-10-05", "ios", "US", 100),
    ("o3", "g1", "2026-09-29", "ios", "GB", 20),
]


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def noon(text: str) -> dt.datetime:
    return dt.datetime.combine(day(text), dt.time(12), dt.UTC)


async def build(conn: asyncpg.Connection) -> None:
    await conn.execute(
        "INSERT INTO apps VALUES ($1, 'game', 'Privacy Game', 'launched', '2026-01-01', 'o')",
        APP,
    )
    launches = []
    for region, sessions in (("US", US_SESSIONS), ("GB", GB_SESSIONS)):
        for text, users in sessions.items():
            for user, os in users:
                launches.append((f"{user}-{text}", user, noon(text), os, region))
    await conn.executemany(
        """INSERT INTO launches VALUES ($1, 'p1', $2, $3, true, 1000, 1000, $4, $5, 'male',
           '18-24', 'Apple', 'iPhone 15', '37.4.0', 'search')""",
        launches,
    )
    await conn.executemany(
        "INSERT INTO orders VALUES ($1, 'p1', $2, $3, $4, $5, 'purchase', 'p1', 'Gems', $6)",
        [(i, u, noon(d), os, region, beans) for i, u, d, os, region, beans in ORDERS],
    )
