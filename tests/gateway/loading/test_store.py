from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from gateway.loading.catalog import read_table
from gateway.loading.rows import Batch
from gateway.loading.store import DatabaseRefused, DedupWriter

AT = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)


def launch(launch_id: str, user_id: str = "u1") -> tuple[Any, ...]:
    return (
        launch_id,
        "game1",
        user_id,
        AT,
        True,
        850,
        60000,
        "ios",
        "US",
        "male",
        "18-24",
        "Apple",
        "iPhone",
        "37.4.0",
        "search",
    )


def batch(rows: list[tuple[Any, ...]], first_line: int = 2) -> Batch:
    return Batch(0, rows, list(range(first_line, first_line + len(rows))))


async def test_new_rows_are_stored_and_known_keys_skipped(db: asyncpg.Connection) -> None:
    writer = DedupWriter(db, await read_table(db, "launches"))
    async with db.transaction():
        assert await writer.write(batch([launch("a"), launch("b"), launch("a", "again")])) == 2
        assert await writer.write(batch([launch("b"), launch("c")])) == 1
    rows = await db.fetch("SELECT launch_id, user_id FROM launches ORDER BY launch_id")
    assert [tuple(r) for r in rows] == [("a", "u1"), ("b", "u1"), ("c", "u1")]


async def test_a_composite_key(db: asyncpg.Connection) -> None:
    writer = DedupWriter(db, await read_table(db, "feed_ad_spend"))
    day = dt.date(2026, 10, 1)
    rows = [("g", day, "c1", "US", Decimal("1.50"), 10), ("g", day, "c1", "GB", Decimal(2), 20)]
    async with db.transaction():
        assert await writer.write(batch(rows)) == 2
        assert await writer.write(batch([*rows, ("g", day, "c2", "US", Decimal(3), 30)])) == 1
    assert await db.fetchval("SELECT count(*) FROM feed_ad_spend") == 3


async def test_a_refusal_names_the_line_and_column(db: asyncpg.Connection) -> None:
    writer = DedupWriter(db, await read_table(db, "launches"))
    with pytest.raises(DatabaseRefused) as caught:
        async with db.transaction():
            await writer.write(batch([launch("a"), launch("b", "nul\x00"), launch("c")], 10))
    refusal = caught.value.refusal
    assert (refusal.line, refusal.column) == (11, "user_id")
    assert refusal.message == (
        'the database refused the rows: invalid byte sequence for encoding "UTF8": 0x00'
    )
    assert await db.fetchval("SELECT count(*) FROM launches") == 0
