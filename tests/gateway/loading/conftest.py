"""Files to load, written small and by hand, and a database with two apps in it."""

from __future__ import annotations

import csv
import gzip
import json
from collections.abc import AsyncIterator, Iterable, Mapping
from pathlib import Path

import asyncpg
import pytest

from gateway.loading.catalog import Table, read_table

LAUNCH_COLUMNS = (
    "launch_id",
    "app_id",
    "user_id",
    "started_at",
    "success",
    "launch_ms",
    "duration_ms",
    "os",
    "region",
    "gender",
    "age_band",
    "device_brand",
    "device_model",
    "tiktok_version",
    "entry_source",
)


def launch(launch_id: str = "l1", **changes: str) -> dict[str, str]:
    """A good launch as CSV fields, with `changes`."""
    row = {
        "launch_id": launch_id,
        "app_id": "game1",
        "user_id": "u1",
        "started_at": "2026-10-01T12:00:00Z",
        "success": "true",
        "launch_ms": "850",
        "duration_ms": "60000",
        "os": "ios",
        "region": "US",
        "gender": "female",
        "age_band": "18-24",
        "device_brand": "Apple",
        "device_model": "iPhone 15 Pro Max",
        "tiktok_version": "37.4.0",
        "entry_source": "for_you_feed",
    }
    row.update(changes)
    return row


def write_csv(
    path: Path, rows: Iterable[Mapping[str, str]], columns: Iterable[str] = LAUNCH_COLUMNS
) -> Path:
    header = list(columns)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(name, "") for name in header])
    return path


def write_lines(path: Path, objects: Iterable[object | str]) -> Path:
    """JSON Lines: each object dumped on a line of its own; strings are written as they are."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as file:
        for item in objects:
            file.write((item if isinstance(item, str) else json.dumps(item)) + "\n")
    return path


async def add_apps(db: asyncpg.Connection) -> asyncpg.Connection:
    """`db` with a game (game1) and a drama (drama1)."""
    await db.execute(
        "INSERT INTO apps (app_id, kind, name, status, launched_on, owner_id) VALUES "
        "('game1', 'game', 'Game One', 'launched', '2026-01-01', 'o1'), "
        "('drama1', 'drama', 'Drama One', 'launched', '2026-01-01', 'o1')"
    )
    return db


@pytest.fixture
async def apps_db(db: asyncpg.Connection) -> AsyncIterator[asyncpg.Connection]:
    """The test's database with a game (game1) and a drama (drama1)."""
    yield await add_apps(db)


@pytest.fixture
async def launches_table(db: asyncpg.Connection) -> Table:
    return await read_table(db, "launches")
