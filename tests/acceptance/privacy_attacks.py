"""What the attacker tests on the demo world (test_demo_world_privacy.py) compare with.

Two things, both independent of semantic/ and gateway/:

- the true figures of the raw tables. An app's successful launches and paying orders are read
  in SQL once, into pieces keyed (UTC day, os, US or not): a bitmask of the users with a
  session, the number of sessions, of first sessions ever, and the GMV. The figure of any slice
  (a range, an os, the US rows of some days only, the other regions) is the union (distinct
  users) or the sum of its pieces, so that hundreds of answers are checked without a statement
  each;
- which days' US rows an answer may include: the independent reference of the rule
  (privacy_reference.py: `decide`, `covered_days`) over the app's protected rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tests.acceptance.privacy_reference import (
    ALL,
    Cell,
    covered_days,
    days_of,
    decide,
    privacy_config,
    protected_rows,
)
from tests.conftest import DEMO_TODAY

REPORTING_DAY = DEMO_TODAY - dt.timedelta(days=1)
LATE_DAYS = 3  # the refresh's late-data window (MINIS_LATE_DAYS' default)
THROUGH = REPORTING_DAY - dt.timedelta(days=LATE_DAYS)  # blocks ending by then are decided
PRIVACY = privacy_config()
THRESHOLD = PRIVACY.threshold
PROTECTED = list(PRIVACY.regions)
OS_VALUES = PRIVACY.os_values

Key = tuple[dt.date, str, bool]  # (UTC day, os, a protected region's row)
Piece = tuple[dt.date, str]  # the protected rows of one day and one os

SESSIONS_SQL = """
SELECT user_id, (started_at AT TIME ZONE 'UTC')::date AS d, os, region = ANY($2::text[]) AS us,
       count(*) AS n
FROM launches WHERE app_id = $1 AND success GROUP BY 1, 2, 3, 4
"""
FIRSTS_SQL = """
SELECT d, os, us, count(*) AS n FROM (
    SELECT DISTINCT ON (user_id) (started_at AT TIME ZONE 'UTC')::date AS d, os,
           region = ANY($2::text[]) AS us
    FROM launches WHERE app_id = $1 AND success ORDER BY user_id, started_at, launch_id
) f GROUP BY 1, 2, 3
"""
GMV_SQL = """
SELECT (created_at AT TIME ZONE 'UTC')::date AS d, os, region = ANY($2::text[]) AS us,
       sum(beans) AS n
FROM orders WHERE app_id = $1 AND order_type IN ('purchase', 'recharge') GROUP BY 1, 2, 3
"""
REGIONS_SQL = """
SELECT DISTINCT region FROM (
    SELECT region FROM launches WHERE app_id = $1
    UNION SELECT region FROM orders WHERE app_id = $1
) r WHERE NOT region = ANY($2::text[]) ORDER BY 1
"""

# the figures a World computes, by GraphQL metric id (visitCount counts sessions, as
# launchedSessions does: metrics.md)
USERS = "activeUsers"
SUMS = {
    "launchedSessions": "sessions",
    "visitCount": "sessions",
    "newUsers": "firsts",
    "gmv": "gmv",
}


def day_range(lo: dt.date, hi: dt.date) -> list[dt.date]:
    return days_of(lo, hi)


def shift(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


@dataclass
class World:
    """One app of the demo world: its raw figures by piece and its privacy cells (by the
    reference)."""

    app_id: str
    kind: str  # game or drama
    others: list[str]  # the regions of its rows other than the protected ones
    cells: list[Cell]
    users: dict[Key, int]  # bitmask of the users with a session
    sessions: dict[Key, int]
    firsts: dict[Key, int]  # users whose first session ever is this piece's
    gmv: dict[Key, int]

    def covered(self, lo: dt.date | None, hi: dt.date, os: str | None = None) -> set[dt.date]:
        """The days whose US rows an answer over [lo, hi] with os filter `os` may include."""
        return covered_days(self.cells, lo=lo, hi=hi, os=os or ALL)

    def keys(
        self,
        lo: dt.date | None,
        hi: dt.date,
        *,
        os: str | None,
        included: Iterable[dt.date],
        regions: str,
    ) -> list[Key]:
        """The pieces of a slice: rows of [lo, hi] (lo None: from the first day), of `os`
        (None: every os), of `regions` ('all', 'us' or 'other'), US rows of `included` days
        only."""
        days = set(included)
        first = lo or min(d for d, _, _ in self.users)
        found: list[Key] = []
        for day in day_range(first, hi):
            for o in (os,) if os else OS_VALUES:
                if regions != "us":
                    found.append((day, o, False))
                if regions != "other" and day in days:
                    found.append((day, o, True))
        return found

    def figure(
        self,
        metric: str,
        lo: dt.date | None,
        hi: dt.date,
        *,
        os: str | None = None,
        included: Iterable[dt.date] = (),
        regions: str = "all",
    ) -> int:
        """The true value of `metric` over the slice (see `keys`)."""
        keys = self.keys(lo, hi, os=os, included=included, regions=regions)
        if metric in (USERS, "totalUsers"):
            mask = 0
            for key in keys:
                mask |= self.users.get(key, 0)
            return mask.bit_count()
        table: dict[Key, int] = getattr(self, SUMS[metric])
        return sum(table.get(key, 0) for key in keys)

    def us_users(self, pieces: Iterable[Piece]) -> int:
        """Distinct protected-region users of a set of pieces."""
        mask = 0
        for day, os in pieces:
            mask |= self.users.get((day, os, True), 0)
        return mask.bit_count()


async def load_world(conn: Any, app_id: str, kind: str) -> World:
    """Read `app_id`'s rows (an asyncpg connection) and decide its cells by the reference."""
    index: dict[str, int] = {}
    users: dict[Key, int] = {}
    sessions: dict[Key, int] = {}
    for r in await conn.fetch(SESSIONS_SQL, app_id, PROTECTED):
        key = (r["d"], r["os"], r["us"])
        bit = 1 << index.setdefault(r["user_id"], len(index))
        users[key] = users.get(key, 0) | bit
        sessions[key] = sessions.get(key, 0) + r["n"]
    firsts = {
        (r["d"], r["os"], r["us"]): r["n"] for r in await conn.fetch(FIRSTS_SQL, app_id, PROTECTED)
    }
    gmv = {(r["d"], r["os"], r["us"]): r["n"] for r in await conn.fetch(GMV_SQL, app_id, PROTECTED)}
    others = [r["region"] for r in await conn.fetch(REGIONS_SQL, app_id, PROTECTED)]
    rows = await protected_rows(conn, app_id)
    cells = decide(rows, threshold=THRESHOLD, through=THROUGH, os_values=OS_VALUES)
    return World(app_id, kind, others, cells, users, sessions, firsts, gmv)


# -- answers ------------------------------------------------------------------------------


def span_days(spans: Sequence[Mapping[str, str]] | None) -> set[dt.date]:
    """The days of `protected.included` (or previousIncluded) spans."""
    found: set[dt.date] = set()
    for span in spans or ():
        found.update(
            day_range(dt.date.fromisoformat(span["start"]), dt.date.fromisoformat(span["end"]))
        )
    return found


def previous_of(lo: dt.date, hi: dt.date) -> tuple[dt.date, dt.date]:
    """The period of equal length ending the day before `lo`."""
    days = (hi - lo).days + 1
    return shift(lo, -days), shift(lo, -1)


def filter_text(
    lo: dt.date | None = None,
    hi: dt.date | None = None,
    *,
    preset: str | None = None,
    os: str | None = None,
    regions: Sequence[str] | None = None,
    extra: str = "",
) -> str:
    """A module filter: a custom range or a preset, an os, regions, and `extra` as it is."""
    parts = [f"range: {{preset: {preset}}}" if preset else f'range: {{start: "{lo}", end: "{hi}"}}']
    if os:
        parts.append(f"os: {os.upper()}")
    if regions is not None:
        parts.append("regions: [" + ", ".join(f'"{r}"' for r in regions) + "]")
    if extra:
        parts.append(extra)
    return "{" + ", ".join(parts) + "}"


PROTECTED_FIELDS = (
    "protected { included { start end } previousIncluded { start end } complete comparable }"
)


# -- the partition the answers' US contents generate ----------------------------------------


def atoms(sets: Iterable[frozenset[Piece]]) -> list[frozenset[Piece]]:
    """The atoms of the partition that `sets` generate on the pieces they hold: pieces lying
    in exactly the same sets."""
    family = [s for s in dict.fromkeys(sets) if s]
    where: dict[Piece, list[int]] = {}
    for i, members in enumerate(family):
        for piece in members:
            where.setdefault(piece, []).append(i)
    groups: dict[tuple[int, ...], set[Piece]] = {}
    for piece, indexes in where.items():
        groups.setdefault(tuple(indexes), set()).add(piece)
    return [frozenset(g) for g in groups.values()]


def pieces_of(days: Iterable[dt.date], os: str | None) -> frozenset[Piece]:
    """The protected pieces an answer of os filter `os` includes on `days`."""
    return frozenset((d, o) for d in days for o in ((os,) if os else OS_VALUES))


def in_span(vectors: list[list[int]], target: list[int]) -> bool:
    """Is `target` a linear combination (over the rationals) of `vectors`? Exact elimination
    modulo a large prime, which for 0/1 vectors of this size agrees with the rationals
    except with negligible probability."""
    prime = 2_147_483_647
    basis: list[tuple[int, list[int]]] = []  # (pivot column, row reduced on earlier pivots)

    def reduce(row: list[int]) -> list[int]:
        row = [x % prime for x in row]
        for pivot, b in basis:
            if row[pivot]:
                factor = row[pivot]
                row = [(x - factor * y) % prime for x, y in zip(row, b, strict=True)]
        return row

    for vector in vectors:
        row = reduce(vector)
        pivot = next((i for i, x in enumerate(row) if x), None)
        if pivot is None:
            continue
        inverse = pow(row[pivot], prime - 2, prime)
        row = [(x * inverse) % prime for x in row]
        # keep earlier rows reduced on the new pivot too
        basis = [
            (p, [(x - b[pivot] * y) % prime for x, y in zip(b, row, strict=True)]) for p, b in basis
        ]
        basis.append((pivot, row))
    return not any(reduce(target))
