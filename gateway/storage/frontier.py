"""Users first seen in a cell, counted by the refresh from the days it builds.

A rollup's `firsts` count, per cell and day, the users whose first row in the cell (over all
days) is on that day: till-date counts add them up (semantic/rollup_measures.py). The build
statement lists each cell's users of each day (`b_<key>`, semantic/rollup_build.py); the
refresh walks the days in order keeping, per cell, the users seen on the days before (`Seen`,
a bitmap: bit i is user ordinal i, as in the stored bitmaps): a day's firsts are its users
not seen yet.

Rebuilding the days from `lo` needs what each cell had seen by the day before. The refresh
stores it, the *frontier*, in `minis_rollup_frontier` for one day, `frontier_through` in
`minis_rollup_state`: the day before the late-data window of the next refresh, written in
the transaction that writes everything else. A refresh that would start later starts the day
after it instead (rebuilding a day or two more); one that starts earlier (a load touched an
older day, a wider late window, the first refresh since the frontier existed) reads what the
cells had seen from the rows before `lo` (`compile_rollup_seen`): the cost the firsts had on
every refresh before, now only then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import asyncpg
from asyncpg import BitString

from semantic.model import SemanticModel
from semantic.rollup_build import compile_rollup_seen
from semantic.rollups import Rollup, RollupPlan

FRONTIER_TABLE = "minis_rollup_frontier"
FRONTIER_COLUMNS = ["app_id", "source", "key", "dims", "bits"]

Cell = tuple[str, str, tuple[str, ...]]  # (source, first's key, dims)


class Seen:
    """Per cell of the rollups' firsts, the users seen so far, as bitmaps of `length` bits;
    the frontier is taken at the end of the day `through`."""

    def __init__(self, *, length: int, through: dt.date) -> None:
        self.length = length
        self.through = through
        self.cells: dict[Cell, bytearray] = {}
        self.frontier: list[tuple[str, str, list[str], BitString]] = []

    def _cell(self, cell: Cell) -> bytearray:
        found = self.cells.get(cell)
        if found is None:
            found = self.cells[cell] = bytearray(self.length // 8)
        return found

    def add(self, cell: Cell, ordinals: Sequence[int]) -> int:
        """Add the users of the cell's next day; how many of them it had not seen."""
        if not ordinals:
            return 0
        seen = self._cell(cell)
        new = 0
        for ordinal in ordinals:
            index, mask = ordinal >> 3, 0x80 >> (ordinal & 7)
            byte = seen[index]
            if not byte & mask:
                seen[index] = byte | mask
                new += 1
        return new

    def load(self, cell: Cell, bits: BitString) -> None:
        """What the cell had seen, as stored (a bitmap no longer than `length`)."""
        stored = bits.bytes
        assert len(bits) <= self.length and len(bits) % 8 == 0, (len(bits), self.length)
        seen = self._cell(cell)
        seen[: len(stored)] = stored

    def take_frontier(self, source: str) -> None:
        """Keep what the cells of `source` have seen now, to be stored."""
        for (of, key, dims), seen in self.cells.items():
            if of == source:  # a cell is kept once it has seen a user
                bits = BitString.frombytes(bytes(seen), self.length)
                self.frontier.append((of, key, list(dims), bits))


def count_firsts(seen: Seen, rollup: Rollup, rows: Sequence[asyncpg.Record]) -> list[list[Decimal]]:
    """For each row of the rollup's build statement (in order of day), the users of each of
    its firsts not seen in the row's cell on an earlier day. Takes the rollup's frontier at
    the end of `seen.through`."""
    counts: list[list[Decimal]] = []
    taken = False
    for row in rows:
        if not taken and row["day"] > seen.through:
            seen.take_frontier(rollup.source)
            taken = True
        dims = tuple(row["dims"])
        counts.append(
            [
                Decimal(seen.add((rollup.source, first.key, dims), row[f"b_{first.key}"] or ()))
                for first in rollup.firsts
            ]
        )
    if not taken:
        seen.take_frontier(rollup.source)
    return counts


def frontier_day(*, hi: dt.date, lo: dt.date | None, late_days: int) -> dt.date:
    """The day the frontier is taken at: the day before the next refresh's late window, and
    not before the day before the first day rebuilt now (what is seen is known from there)."""
    day = hi - dt.timedelta(days=late_days)
    return day if lo is None else max(day, lo - dt.timedelta(days=1))


async def seen_before(
    conn: asyncpg.Connection,
    *,
    model: SemanticModel,
    plan: RollupPlan,
    app_id: str,
    kind: str,
    lo: dt.date | None,
    stored_through: dt.date | None,
    length: int,
    through: dt.date,
) -> Seen:
    """What each cell had seen on the days before `lo` (nothing without lo): the stored
    frontier when it is of the day before, else read from the rows before `lo`."""
    seen = Seen(length=length, through=through)
    if lo is None:
        return seen
    if stored_through == lo - dt.timedelta(days=1):
        rows = await conn.fetch(
            f"SELECT source, key, dims, bits FROM {FRONTIER_TABLE} WHERE app_id = $1", app_id
        )
        for row in rows:
            seen.load((row["source"], row["key"], tuple(row["dims"])), row["bits"])
        return seen
    for rollup in plan.rollups.values():
        if not rollup.firsts:
            continue
        compiled = compile_rollup_seen(model, rollup, app_id=app_id, kind=kind, before=lo)
        for row in await conn.fetch(compiled.sql, *compiled.params):
            dims = tuple(row["dims"])
            for first in rollup.firsts:
                ordinals = row[f"b_{first.key}"]
                if ordinals:
                    seen.add((rollup.source, first.key, dims), ordinals)
    return seen


async def store_frontier(conn: asyncpg.Connection, *, app_id: str, seen: Seen) -> None:
    """Replace the app's stored frontier with the one `seen` took."""
    await conn.execute(f"DELETE FROM {FRONTIER_TABLE} WHERE app_id = $1", app_id)
    records: list[tuple[Any, ...]] = [(app_id, *cell) for cell in seen.frontier]
    if records:
        await conn.copy_records_to_table(FRONTIER_TABLE, records=records, columns=FRONTIER_COLUMNS)
