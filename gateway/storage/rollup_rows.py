"""The rows the refresh stores from one rollup's build statement (semantic/rollup_build.py):
its cells, and its bitmaps of users (or, for a cell of few users, their sorted ordinals)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg

from gateway.storage.bitmaps import bitmap
from semantic.rollups import ALL, BITMAPS_TABLE, CELLS_TABLE, UNPROTECTED, Rollup

SPARSE_BITS = 256  # fewer users than the bitmap length / this: stored as an ordinal array
CELL_COLUMNS = ["app_id", "source", "gset", "day", "dims", "sums"]
BITMAP_COLUMNS = ["app_id", "source", "key", "twice", "gset", "day", "dims", "bits", "ords"]


@dataclass(frozen=True, kw_only=True)
class Stored:
    cells: int
    bitmaps: int


async def store_rollup_rows(
    conn: asyncpg.Connection,
    *,
    app_id: str,
    rollup: Rollup,
    rows: list[asyncpg.Record],
    length: int,
    firsts: list[list[Decimal]] | None,
) -> Stored:
    """Store the cells and bitmaps of the build statement's `rows` (bitmaps of `length`
    bits); `firsts`: each row's counts of users first seen in its cell, when the rollup has
    firsts (gateway/storage/frontier.py)."""
    cells, bitmaps = _records(app_id, rollup, rows, length, firsts)
    if cells:
        await conn.copy_records_to_table(CELLS_TABLE, records=cells, columns=CELL_COLUMNS)
    if bitmaps:
        await conn.copy_records_to_table(BITMAPS_TABLE, records=bitmaps, columns=BITMAP_COLUMNS)
    return Stored(cells=len(cells), bitmaps=len(bitmaps))


def _records(
    app_id: str,
    rollup: Rollup,
    rows: list[asyncpg.Record],
    length: int,
    firsts: list[list[Decimal]] | None,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows to store: cells of the partials' grouping sets (their sums followed by each
    row's `firsts` counts, when the rollup has firsts), and bitmaps (or ordinal arrays, for
    few users) of the bitmaps' grouping sets."""
    cells: list[tuple[Any, ...]] = []
    bitmaps: list[tuple[Any, ...]] = []
    cell_sets, bitmap_sets = set(rollup.cell_sets), set(rollup.bitmap_sets)
    has_sums = bool(rollup.partials or rollup.firsts)
    for index, row in enumerate(rows):
        dims = row["dims"]
        grouped = tuple(d for d, v in zip(rollup.dimensions, dims, strict=True) if v != ALL)
        day = row["day"]
        unprotected = rollup.region is not None and (
            dims[rollup.position(rollup.region) - 1] == UNPROTECTED
        )
        gset = rollup.gset(grouped, unprotected=unprotected)
        if has_sums and grouped in cell_sets:
            sums = row["sums"] if firsts is None else [*row["sums"], *firsts[index]]
            cells.append((app_id, rollup.source, gset, day, dims, sums))
        if grouped not in bitmap_sets:
            continue
        for spec in rollup.bitmaps:
            for twice, prefix in ((False, "b"), (True, "t")):
                ordinals = row[f"{prefix}_{spec.key}"]
                if not ordinals:
                    continue
                # the whole day's users, of every region and of the unprotected ones, stay a
                # bitmap: retention ANDs cohorts with them
                whole_day = not grouped or (grouped == (rollup.region,) and unprotected)
                if not whole_day and len(ordinals) * SPARSE_BITS < length:
                    bits, ords = None, sorted(ordinals)
                else:
                    bits, ords = bitmap(ordinals, length), None
                bitmaps.append(
                    (app_id, rollup.source, spec.key, twice, gset, day, dims, bits, ords)
                )
    return cells, bitmaps
