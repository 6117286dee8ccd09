from __future__ import annotations

import datetime as dt

import asyncpg

from gateway.bulk import insert_deduplicated

COLUMNS = ["event_id", "app_id", "user_id", "occurred_at", "os", "region", "event"]
AT = dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)


def card(event_id: str) -> tuple[object, ...]:
    return (event_id, "a", "u1", AT, "ios", "US", "click")


async def test_duplicates_within_and_across_batches_are_skipped(db: asyncpg.Connection) -> None:
    first = await insert_deduplicated(
        db, table="feed_card_events", columns=COLUMNS, records=[card("e1"), card("e2"), card("e1")]
    )
    assert (first.received, first.inserted, first.skipped) == (3, 2, 1)
    again = await insert_deduplicated(
        db, table="feed_card_events", columns=COLUMNS, records=[card("e2"), card("e3")]
    )
    assert (again.received, again.inserted, again.skipped) == (2, 1, 1)
    assert await db.fetchval("SELECT count(*) FROM feed_card_events") == 3
