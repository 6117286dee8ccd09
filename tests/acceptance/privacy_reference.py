"""The US privacy cell rule (issue 10, spec/gateway.md "US privacy threshold"), computed
independently from the rule's text alone.

This module deliberately shares nothing with semantic/ or gateway/: it reads the model's YAML
itself (plain PyYAML) and writes its own SQL, so that the gateway's stored decisions
(`minis_privacy_cells`) and the protected data its answers include can be checked against it.

The rule, as implemented here:

- A cell is (block, os slice) of one app. Blocks of level i are runs of `levels[i]` consecutive
  days counted from `epoch` (a Monday, so level 1 is the ISO week): the block of day d starts at
  epoch + floor((d - epoch) / n) * n days. Every level's length divides the next one's, so the
  blocks nest exactly. An os slice is one os value, or ALL ('*': any os).
- `users` of a cell: distinct protected-region users with a session in the block and slice.
  A cell passes when users >= threshold (a cell of 0 users never passes).
- Only blocks whose last day is <= `through` are decided; the others are hidden.
- Bottom level: a cell is shown when it passes. Higher levels: a cell is shown when it passes and
  its remainder (the block's rows of that slice on days not covered by a shown cell of a lower
  level of the same slice) has 0 users or passes.
- A shown ALL cell whose rows are all of one os value is that os's cell too: its days count as
  covered for that os's remainders as well (else that os's block minus the ALL cell would
  isolate the rest of the os's block).
- Atoms: the shown ALL cells inside a block split it into regions (each such cell less the shown
  cells inside it, and the block's own remainder); an os value's cell of the block is shown only
  when each region's rows of that os have 0 users or pass (else the os cell beside a shown ALL
  cell would isolate that cell's rows of the os: their intersection is an atom).
- Complete set: the per-os cells of a block are shown only when every os value's cell is shown by
  the rule above and the ALL cell of the block is shown too; otherwise none of them is. The ALL
  cell's decision ignores the per-os cells. This is applied level by level, before the next
  level's remainders are computed (a per-os cell it hides covers nothing).
- An answer over [lo, hi] (lo None: no start) with os key k includes the protected rows of day d
  only when d lies in a shown cell of key k lying wholly inside [lo, hi].
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ALL = "*"
EPOCH = dt.date(2024, 1, 1)  # a Monday
LEVELS = (1, 7, 28, 84)  # day, ISO week, 4 weeks, 12 weeks
OS_VALUES = ("ios", "android")
MODELS_DIR = Path(__file__).resolve().parents[2] / "semantic" / "models"

Row = tuple[str, dt.date, str]  # (user_id, UTC day, os) of a protected-region session


@dataclass(frozen=True)
class Cell:
    level: int  # index into `levels`: 0 is the bottom level (days)
    lo: dt.date  # first day of the block
    hi: dt.date  # last day of the block (inclusive)
    os: str  # an os value, or ALL
    users: int  # distinct protected users of the block and os slice
    remainder: int | None  # distinct users on days no shown lower cell covers; None at level 0
    shown: bool


def block_of(day: dt.date, length: int, epoch: dt.date = EPOCH) -> tuple[dt.date, dt.date]:
    """First and last day of the block of `length` days (counted from `epoch`) holding `day`."""
    start = epoch + dt.timedelta(days=((day - epoch).days // length) * length)
    return start, start + dt.timedelta(days=length - 1)


def days_of(lo: dt.date, hi: dt.date) -> list[dt.date]:
    return [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]


def _check_levels(levels: Sequence[int]) -> None:
    if not levels or levels[0] < 1:
        raise ValueError(f"levels must be positive day counts, not {levels!r}")
    for small, big in itertools.pairwise(levels):
        if big <= small or big % small:
            raise ValueError(f"levels must nest (each a multiple of the one below): {levels!r}")


def decide(
    rows: Iterable[Row],
    *,
    threshold: int,
    through: dt.date,
    os_values: Sequence[str] = OS_VALUES,
    epoch: dt.date = EPOCH,
    levels: Sequence[int] = LEVELS,
) -> list[Cell]:
    """Every decided cell with at least one protected row in its block and slice, bottom level
    first, then by block, then ALL before the os values in `os_values` order."""
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, not {threshold}")
    _check_levels(levels)
    if ALL in os_values or len(set(os_values)) != len(os_values):
        raise ValueError(f"os values must be distinct and not {ALL!r}: {os_values!r}")
    slices = (ALL, *os_values)

    # users of each (slice, day), decided days only
    users_on: dict[str, dict[dt.date, set[str]]] = {s: {} for s in slices}
    for user, day, os in rows:
        if os not in os_values:
            raise ValueError(f"row of os {os!r}, not one of the model's {os_values!r}")
        if day > through:
            continue  # its blocks end after `through` at every level: undecided
        for s in (ALL, os):
            users_on[s].setdefault(day, set()).add(user)

    def users_of(s: str, days: Iterable[dt.date]) -> set[str]:
        found: set[str] = set()
        for day in days:
            found |= users_on[s].get(day, set())
        return found

    def passes(n: int) -> bool:
        return n > 0 and n >= threshold

    cells: list[Cell] = []
    covered: dict[str, set[dt.date]] = {s: set() for s in slices}  # by shown lower cells
    region_of: dict[dt.date, tuple[int, dt.date]] = {}  # smallest shown ALL cell of a day
    all_days = sorted(users_on[ALL])
    for level, length in enumerate(levels):
        blocks = sorted({block_of(day, length, epoch) for day in all_days})
        newly: dict[str, set[dt.date]] = {s: set() for s in slices}
        for lo, hi in blocks:
            if hi > through:
                continue
            block = days_of(lo, hi)
            users: dict[str, int] = {}
            remainder: dict[str, int | None] = {}
            by_rule: dict[str, bool] = {}
            for s in slices:
                users[s] = len(users_of(s, block))
                if level == 0:
                    remainder[s] = None
                    by_rule[s] = passes(users[s])
                else:
                    left = len(users_of(s, (d for d in block if d not in covered[s])))
                    remainder[s] = left
                    by_rule[s] = passes(users[s]) and (left == 0 or passes(left))
                    if s != ALL:
                        # beside the shown ALL cells inside the block, an os cell isolates
                        # each of their regions' rows of that os: each must pass too
                        regions: dict[tuple[int, dt.date] | None, list[dt.date]] = {}
                        for d in block:
                            regions.setdefault(region_of.get(d), []).append(d)
                        small = any(0 < len(users_of(s, r)) < threshold for r in regions.values())
                        by_rule[s] = by_rule[s] and not small
            complete = by_rule[ALL] and all(by_rule[v] for v in os_values)
            present = [v for v in os_values if users_of(v, block)]
            for s in slices:
                shown = by_rule[s] if s == ALL else by_rule[s] and complete
                if shown:
                    newly[s].update(block)
                    if s == ALL and len(present) == 1:
                        # every row of the block is of one os: the ALL cell is that os's
                        # cell too, so it covers that os's days in larger remainders
                        newly[present[0]].update(block)
                if users[s]:
                    cells.append(Cell(level, lo, hi, s, users[s], remainder[s], shown))
        for s in slices:
            covered[s] |= newly[s]
        for cell in cells:
            if cell.level == level and cell.os == ALL and cell.shown:
                for d in days_of(cell.lo, cell.hi):
                    region_of.setdefault(d, (cell.level, cell.lo))
    return cells


def covered_days(
    cells: Iterable[Cell], *, lo: dt.date | None, hi: dt.date, os: str
) -> set[dt.date]:
    """The days whose protected rows an answer over [lo, hi] (lo None: no start, as for
    till-date totals) with os key `os` (ALL when it does not constrain os) may include: every
    day of every shown cell of that key lying wholly inside [lo, hi]. Days without rows count
    too (a shown week covers its seven days)."""
    found: set[dt.date] = set()
    for cell in cells:
        if cell.shown and cell.os == os and (lo is None or lo <= cell.lo) and cell.hi <= hi:
            found.update(days_of(cell.lo, cell.hi))
    return found


def included_rows(
    rows: Iterable[Row], cells: Iterable[Cell], *, lo: dt.date | None, hi: dt.date, os: str
) -> set[Row]:
    """The protected rows an answer over [lo, hi] with os key `os` includes."""
    days = covered_days(cells, lo=lo, hi=hi, os=os)
    return {r for r in rows if r[1] in days and (os == ALL or r[2] == os)}


def spans(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Runs of consecutive days, as (first, last): what an answer says it includes."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


# -- the model's configuration and the database's protected rows ---------------------------


@dataclass(frozen=True)
class Privacy:
    threshold: int
    regions: tuple[str, ...]
    table: str  # the privacy source's table
    time: str  # its time column
    where: str | None  # its row condition (SQL), if any
    region_column: str
    os_values: tuple[str, ...]


IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def _yaml_files(models_dir: Path) -> list[dict[str, Any]]:
    return [yaml.safe_load(p.read_text()) or {} for p in sorted(models_dir.glob("*.yml"))]


def privacy_config(models_dir: Path = MODELS_DIR) -> Privacy:
    """The model's privacy configuration, read from its YAML directly."""
    docs = _yaml_files(models_dir)
    config = next(d["config"] for d in docs if "config" in d)["privacy"]
    name = config["source"]
    source = next(d["sources"][name] for d in docs if name in (d.get("sources") or {}))
    os_dim = next(d["dimensions"]["os"] for d in docs if "os" in (d.get("dimensions") or {}))
    privacy = Privacy(
        threshold=int(config["threshold"]),
        regions=tuple(config["protected_regions"]),
        table=source["table"],
        time=source["time"],
        where=source.get("where"),
        region_column=config["region_dimension"],
        os_values=tuple(os_dim["values"]),
    )
    for ident in (privacy.table, privacy.time, privacy.region_column):
        if not IDENTIFIER.match(ident):
            raise ValueError(f"unexpected identifier in the model: {ident!r}")
    return privacy


def protected_rows_sql(privacy: Privacy) -> str:
    """(user_id, UTC day, os) of the app's ($1) sessions in the protected regions ($2)."""
    where = f" AND ({privacy.where})" if privacy.where else ""
    return (
        f"SELECT DISTINCT user_id, ({privacy.time} AT TIME ZONE 'UTC')::date AS day, os"
        f" FROM {privacy.table}"
        f" WHERE app_id = $1 AND {privacy.region_column} = ANY($2::text[]){where}"
        " ORDER BY 2, 1, 3"
    )


async def protected_rows(conn: Any, app_id: str, *, models_dir: Path = MODELS_DIR) -> list[Row]:
    """The protected-region session rows of `app_id` (an asyncpg connection or pool)."""
    privacy = privacy_config(models_dir)
    records = await conn.fetch(protected_rows_sql(privacy), app_id, list(privacy.regions))
    return [(r["user_id"], r["day"], r["os"]) for r in records]
