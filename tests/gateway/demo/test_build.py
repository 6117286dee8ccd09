"""The build itself, on a small world: determinism, replacement, atomicity, the raw feed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

import asyncpg
import pytest

import gateway.demo.build as build_module
import gateway.demo.sessions as sessions_module
from gateway.demo import DemoSummary, build_demo
from gateway.demo.build import TABLES, calendar_for, generate
from tests.gateway.demo.conftest import SMALL, TODAY

PRIMARY_KEYS = {
    "apps": ("app_id",),
    "launches": ("launch_id",),
    "orders": ("order_id",),
    "ad_events": ("event_id",),
    "runtime_reports": ("report_id",),
    "network_calls": ("call_id",),
    "feed_ad_spend": ("app_id", "day", "campaign_id", "region"),
    "feed_ad_clicks": ("click_id",),
    "feed_card_events": ("event_id",),
    "funnel_events": ("event_id",),
}


async def checksums(conn: asyncpg.Connection) -> dict[str, str]:
    """md5 of every table's rows as text, in primary-key order."""
    found = {}
    for table in TABLES:
        order = ", ".join(f"t.{column}" for column in PRIMARY_KEYS[table])
        found[table] = await conn.fetchval(
            f"SELECT md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {order}), '')) FROM {table} t"
        )
    return found


def same_world(one: DemoSummary, other: DemoSummary) -> bool:
    return dataclasses.replace(one, seconds=0) == dataclasses.replace(other, seconds=0)


async def test_the_same_seed_and_day_give_the_same_rows(
    db: asyncpg.Connection, other_db: asyncpg.Connection
) -> None:
    first = await build_demo(db, today=TODAY, seed=11, scale=SMALL)
    second = await build_demo(other_db, today=TODAY, seed=11, scale=SMALL)
    assert same_world(first, second)
    assert await checksums(db) == await checksums(other_db)


async def test_another_seed_gives_other_rows(
    db: asyncpg.Connection, other_db: asyncpg.Connection
) -> None:
    await build_demo(db, today=TODAY, seed=11, scale=SMALL)
    await build_demo(other_db, today=TODAY, seed=12, scale=SMALL)
    mine, theirs = await checksums(db), await checksums(other_db)
    assert mine["apps"] == theirs["apps"]
    assert all(mine[table] != theirs[table] for table in TABLES if table != "apps")


async def test_a_rebuild_replaces_the_data(db: asyncpg.Connection) -> None:
    first = await build_demo(db, today=TODAY, scale=SMALL)
    before = await checksums(db)
    second = await build_demo(db, today=TODAY, scale=SMALL)
    assert same_world(first, second)
    assert await checksums(db) == before
    for load in second.tables:
        assert await db.fetchval(f"SELECT count(*) FROM {load.table}") == load.inserted


async def test_a_failed_build_leaves_the_old_data(
    db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    await build_demo(db, today=TODAY, scale=SMALL)
    before = await checksums(db)

    def broken(*args: object, **kwargs: object) -> list[tuple[object, ...]]:
        raise RuntimeError("generator failed")

    monkeypatch.setattr(build_module, "NetworkCalls", broken)
    with pytest.raises(RuntimeError, match="generator failed"):
        await build_demo(db, today=TODAY, seed=99, scale=SMALL)
    assert await checksums(db) == before


async def test_the_world_ends_the_day_before_today(db: asyncpg.Connection) -> None:
    today = dt.date(2028, 3, 1)
    summary = await build_demo(db, today=today, scale=SMALL)
    assert summary.reporting_day == dt.date(2028, 2, 29)
    last = await db.fetchval("SELECT max((started_at AT TIME ZONE 'UTC')::date) FROM launches")
    assert last == dt.date(2028, 2, 29)


def test_the_raw_feed_resends_identical_rows() -> None:
    calendar = calendar_for(today=TODAY)
    rows_by_key: dict[str, dict[tuple[object, ...], set[tuple[object, ...]]]] = defaultdict(
        lambda: defaultdict(set)
    )
    sent: dict[str, int] = defaultdict(int)
    for batch in generate(calendar, seed=7, scale=SMALL, users={}):
        for row in batch.rows:
            key = tuple(row[batch.columns.index(column)] for column in PRIMARY_KEYS[batch.table])
            rows_by_key[batch.table][key].add(tuple(row))
        sent[batch.table] += len(batch.rows)
    resent_tables = [table for table, keys in rows_by_key.items() if sent[table] > len(keys)]
    assert len(resent_tables) >= 5
    for table, keys in rows_by_key.items():
        assert all(len(versions) == 1 for versions in keys.values()), table


def test_the_raw_feed_is_the_same_twice() -> None:
    calendar = calendar_for(today=TODAY)
    first = [(b.table, list(b.rows)) for b in generate(calendar, seed=3, scale=SMALL, users={})]
    again = [(b.table, list(b.rows)) for b in generate(calendar, seed=3, scale=SMALL, users={})]
    assert first == again


async def test_cutting_the_activity_into_parts_changes_no_row(
    db: asyncpg.Connection, other_db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    await build_demo(db, today=TODAY, seed=5, scale=SMALL)
    monkeypatch.setattr(sessions_module, "PART_LAUNCHES", 500)
    summary = await build_demo(other_db, today=TODAY, seed=5, scale=SMALL)
    assert await checksums(db) == await checksums(other_db)
    assert summary.table("launches").inserted > 10 * 500  # so many parts
    assert all(load.size > 0 for load in summary.tables)
    assert "all tables" in summary.describe()


async def test_scale_must_be_positive(db: asyncpg.Connection) -> None:
    with pytest.raises(ValueError, match="scale"):
        await build_demo(db, today=TODAY, scale=0)
