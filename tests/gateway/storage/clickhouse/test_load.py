"""`minis load` into ClickHouse (chdb): the loader's checks, its duplicate counts, and
nothing visible in the event table unless the whole load passed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import asyncpg
import pytest

from gateway.loading import LoadReport, load_files
from gateway.loading.catalog import read_table
from gateway.loading.rows import Batch
from gateway.loading.store import DatabaseRefused
from gateway.storage.clickhouse.base import ClickHouseError
from gateway.storage.clickhouse.client import EmbeddedClient
from gateway.storage.clickhouse.load import (
    ClickHouseWriter,
    clickhouse_writers,
    refusal,
    staging_prefix,
)
from tests.gateway.loading.conftest import add_apps, launch, write_csv


@pytest.fixture
async def apps_db(db: asyncpg.Connection) -> asyncpg.Connection:
    """The control plane: the test's PostgreSQL with a game (game1) and a drama (drama1)."""
    return await add_apps(db)


async def load(
    pg: asyncpg.Connection, ch: EmbeddedClient, *paths: Path, batch_rows: int = 50_000
) -> LoadReport:
    return await load_files(
        pg,
        table="launches",
        paths=list(paths),
        batch_rows=batch_rows,
        open_writer=clickhouse_writers(ch, "launches"),
    )


async def ids(ch: EmbeddedClient, table: str = "launches", key: str = "launch_id") -> list[str]:
    rows = await ch.query(f"SELECT {key} AS k FROM {table} FINAL ORDER BY k")
    return [row["k"] for row in rows]


async def staging_tables(ch: EmbeddedClient) -> list[str]:
    rows = await ch.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase()"
        " AND startsWith(name, {p:String})",
        {"p": staging_prefix("launches")},
    )
    return [row["name"] for row in rows]


async def test_rows_load_with_postgresqls_counts_and_a_second_load_skips_them(
    apps_db: asyncpg.Connection, migrated: EmbeddedClient, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "a.csv", [launch("l1"), launch("l2"), launch("l1")])
    second = write_csv(tmp_path / "b.csv", [launch("l2"), launch("l3", app_id="drama1")])
    report = await load(apps_db, migrated, first, second, batch_rows=2)
    assert report.loaded
    assert [(f.rows, f.inserted, f.skipped) for f in report.files] == [(3, 2, 1), (2, 1, 1)]
    assert await ids(migrated) == ["l1", "l2", "l3"]
    stored = await migrated.query(
        "SELECT app_id, started_at, success, launch_ms FROM launches FINAL WHERE launch_id = 'l3'"
    )
    assert stored == [
        {
            "app_id": "drama1",
            "started_at": dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC),
            "success": True,
            "launch_ms": 850,
        }
    ]
    again = await load(apps_db, migrated, first, second)
    assert (again.inserted, again.skipped) == (0, 5)
    assert await ids(migrated) == ["l1", "l2", "l3"]
    assert await staging_tables(migrated) == []
    # the rows are ClickHouse's alone; PostgreSQL's table stays empty
    assert await apps_db.fetchval("SELECT count(*) FROM launches") == 0


async def test_a_bad_row_anywhere_loads_nothing_and_leaves_no_staging_table(
    apps_db: asyncpg.Connection, migrated: EmbeddedClient, tmp_path: Path
) -> None:
    good = write_csv(tmp_path / "good.csv", [launch(f"g{i}") for i in range(5)])
    bad = write_csv(tmp_path / "bad.csv", [launch("b1"), launch("b2", duration_ms="-1")])
    report = await load(apps_db, migrated, good, bad, batch_rows=2)
    assert not report.loaded and report.inserted == 0
    assert [str(issue) for issue in report.issues] == [
        str(issue) for issue in report.issues if "bad.csv:3" in str(issue)
    ]
    assert report.issue_count == 1
    assert await ids(migrated) == []
    assert await staging_tables(migrated) == []


async def test_an_unknown_app_is_refused_as_on_postgresql(
    apps_db: asyncpg.Connection, migrated: EmbeddedClient, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "a.csv", [launch("l1", app_id="nope")])
    report = await load(apps_db, migrated, path)
    assert not report.loaded
    assert "nope" in str(report.issues[0])
    assert await ids(migrated) == []


async def test_a_load_that_fails_midway_leaves_the_table_as_it_was(
    apps_db: asyncpg.Connection,
    migrated: EmbeddedClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await load(apps_db, migrated, write_csv(tmp_path / "old.csv", [launch("old")]))
    writes = 0
    original = ClickHouseWriter.write

    async def failing(self: ClickHouseWriter, batch: Batch) -> int:
        nonlocal writes
        writes += 1
        if writes == 3:
            raise ClickHouseError("Code: 210. the connection went away")
        return await original(self, batch)

    monkeypatch.setattr(ClickHouseWriter, "write", failing)
    rows = [launch(f"n{i}") for i in range(6)]
    with pytest.raises(ClickHouseError):
        await load(apps_db, migrated, write_csv(tmp_path / "new.csv", rows), batch_rows=2)
    assert writes == 3
    assert await ids(migrated) == ["old"]
    assert await staging_tables(migrated) == []


async def test_a_killed_loads_staging_table_is_dropped_by_the_next_load(
    apps_db: asyncpg.Connection, migrated: EmbeddedClient, tmp_path: Path
) -> None:
    # what a process killed while reading leaves: a staging table holding rows
    left = f"{staging_prefix('launches')}deadbeef0000"
    await migrated.command(f"CREATE TABLE {left} (launch_id String) ENGINE = Memory")
    await migrated.command(f"INSERT INTO {left} (launch_id) VALUES ('ghost')")
    report = await load(apps_db, migrated, write_csv(tmp_path / "a.csv", [launch("l1")]))
    assert report.inserted == 1
    assert await ids(migrated) == ["l1"]  # not the ghost row
    assert await staging_tables(migrated) == []


async def test_a_check_clickhouse_refuses_names_the_files_line(
    apps_db: asyncpg.Connection, migrated: EmbeddedClient
) -> None:
    # a row the loader's checks would refuse, handed to the writer directly
    table = await read_table(apps_db, "launches")
    row = list(table.column_names)
    values = dict(zip(row, [None] * len(row), strict=True))
    values.update(
        launch_id="x",
        app_id="game1",
        user_id="u",
        started_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
        success=True,
        duration_ms=-5,
        os="ios",
        region="US",
        gender="male",
        age_band="18-24",
        device_brand="b",
        device_model="m",
        tiktok_version="1",
        entry_source="search",
    )
    good = dict(values, launch_id="y", duration_ms=5)
    writer = ClickHouseWriter(migrated, table)
    batch = Batch(
        file=0,
        rows=[tuple(good[c] for c in row), tuple(values[c] for c in row)],
        lines=[7, 9],
    )
    with pytest.raises(DatabaseRefused) as refused:
        await writer.write(batch)
    assert refused.value.refusal.line == 9
    assert "launches_duration_ms_check" in refused.value.refusal.message
    await writer.discard()
    assert await staging_tables(migrated) == []


def test_refusal_without_a_row_names_no_line() -> None:
    found = refusal(ClickHouseError("Code: 241. Memory limit exceeded"), [3, 4])
    assert found.line is None and "Memory limit exceeded" in found.message


def test_apps_load_into_the_control_plane() -> None:
    # the catalogue is the control plane's: no ClickHouse writer for it
    assert clickhouse_writers(object(), "apps") is None  # type: ignore[arg-type]
