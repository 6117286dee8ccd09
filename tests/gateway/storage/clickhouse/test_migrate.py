"""The ClickHouse migrations: statements split safely, applied once, and the tables they
make: PostgreSQL's event tables and privacy tables, column for column, ordered and
deduplicated as sql/clickhouse/0001_event_tables.sql says."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import asyncpg
import pytest

from gateway.migrations import MigrationError
from gateway.storage.clickhouse.client import (
    ClickHouseClient,
    ClickHouseError,
    EmbeddedClient,
    connect,
)
from gateway.storage.clickhouse.copy import EVENT_TABLES
from gateway.storage.clickhouse.migrate import CLICKHOUSE_SQL_DIR, migrate, split_statements
from tests.gateway.storage.clickhouse.events import row

PRIVACY_TABLES = ("minis_privacy_cells", "minis_privacy_days", "minis_privacy_state")


def test_split_statements() -> None:
    text = """
    -- a comment; with a semicolon
    CREATE TABLE a (x String DEFAULT 'a;b') ENGINE = Memory;
    /* a block; comment */ SELECT 'it''s; here', "quo;ted", `back;tick`, 'esc\\';aped';
    ;  -- nothing between these semicolons
    SELECT 1 -- no semicolon after the last
    -- only a comment here
    """
    assert split_statements(text) == [
        "-- a comment; with a semicolon\n"
        "    CREATE TABLE a (x String DEFAULT 'a;b') ENGINE = Memory",
        "/* a block; comment */ SELECT 'it''s; here', \"quo;ted\", `back;tick`, 'esc\\';aped'",
        # a comment after a semicolon opens the next statement's text
        "-- nothing between these semicolons\n    SELECT 1 -- no semicolon after the last\n"
        "    -- only a comment here",
    ]
    assert split_statements("") == []
    assert split_statements("-- nothing\n/* at all */ ;\n") == []
    with pytest.raises(MigrationError):
        split_statements("SELECT 'open")
    with pytest.raises(MigrationError):
        split_statements("SELECT 1 /* open")


def test_the_files_split_into_their_tables() -> None:
    counts = {
        path.name: len(split_statements(path.read_text(encoding="utf-8")))
        for path in sorted(CLICKHOUSE_SQL_DIR.glob("*.sql"))
    }
    assert counts == {"0001_event_tables.sql": 10, "0002_privacy_cells.sql": 3}


async def test_migrate_is_idempotent(client: ClickHouseClient) -> None:
    assert await migrate(client) == ["0001", "0002"]
    assert await migrate(client) == []
    rows = await client.query("SELECT version, name FROM minis_migrations FINAL ORDER BY version")
    assert rows == [
        {"version": "0001", "name": "event_tables"},
        {"version": "0002", "name": "privacy_cells"},
    ]
    tables = {row["name"] for row in await client.query("SHOW TABLES")}
    assert tables == {*EVENT_TABLES, *PRIVACY_TABLES, "minis_migrations"}


async def test_migrate_on_disk_applies_nothing_the_second_time(tmp_path: Path) -> None:
    url = f"chdb://{tmp_path / 'clickhouse'}"
    async with await connect(url) as first:
        assert await migrate(first) == ["0001", "0002"]
    async with await connect(url) as second:
        assert await migrate(second) == []


async def test_a_changed_migration_is_refused(embedded: EmbeddedClient, tmp_path: Path) -> None:
    directory = tmp_path / "sql"
    directory.mkdir()
    shutil.copy(CLICKHOUSE_SQL_DIR / "0002_privacy_cells.sql", directory)
    assert await migrate(embedded, directory=directory) == ["0002"]
    path = directory / "0002_privacy_cells.sql"
    path.write_text(path.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        await migrate(embedded, directory=directory)


async def test_a_file_that_failed_part_way_is_applied_again(
    embedded: EmbeddedClient, tmp_path: Path
) -> None:
    directory = tmp_path / "sql"
    directory.mkdir()
    path = directory / "0001_two.sql"
    path.write_text(
        "CREATE TABLE IF NOT EXISTS one (x Int32) ENGINE = MergeTree ORDER BY x;\nSELEC 1;\n",
        encoding="utf-8",
    )
    with pytest.raises(ClickHouseError):
        await migrate(embedded, directory=directory)
    assert await embedded.query("SELECT count() AS n FROM minis_migrations") == [{"n": 0}]
    path.write_text(path.read_text(encoding="utf-8").replace("SELEC 1", "SELECT 1"))
    assert await migrate(embedded, directory=directory) == ["0001"]


# PostgreSQL's type of a column -> the ClickHouse type it becomes (LowCardinality aside)
TYPES = {
    "text": "String",
    "timestamp with time zone": "DateTime64(6, 'UTC')",
    "boolean": "Bool",
    "smallint": "Int16",
    "integer": "Int32",
    "bigint": "Int64",
    "real": "Float32",
    "date": "Date",
}


def _expected_type(data_type: str, precision: int | None, scale: int | None) -> str:
    if data_type == "numeric":
        return f"Decimal({precision}, {scale})"
    return TYPES[data_type]


def _bare(type_name: str) -> tuple[str, bool]:
    """(the type without LowCardinality and Nullable, whether it is Nullable)."""
    nullable = False
    for wrapper in ("LowCardinality(", "Nullable("):
        if type_name.startswith(wrapper):
            nullable = nullable or wrapper == "Nullable("
            type_name = type_name[len(wrapper) : -1]
    return type_name, nullable


async def test_the_tables_are_postgresqls(migrated: EmbeddedClient, db: asyncpg.Connection) -> None:
    """Every column of PostgreSQL's event and privacy tables, in its order, with its type
    and Nullable exactly where PostgreSQL's is nullable."""
    for table in (*EVENT_TABLES, *PRIVACY_TABLES):
        pg = await db.fetch(
            "SELECT column_name, data_type, numeric_precision, numeric_scale, is_nullable"
            " FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
            table,
        )
        ch = await migrated.query(
            "SELECT name, type FROM system.columns WHERE database = currentDatabase()"
            " AND table = {t:String} ORDER BY position",
            {"t": table},
        )
        assert [row["name"] for row in ch] == [row["column_name"] for row in pg], table
        for pg_column, ch_column in zip(pg, ch, strict=True):
            expected = _expected_type(
                pg_column["data_type"], pg_column["numeric_precision"], pg_column["numeric_scale"]
            )
            assert _bare(ch_column["type"]) == (expected, pg_column["is_nullable"] == "YES"), (
                table,
                ch_column,
            )


async def test_the_event_tables_are_ordered_by_app_and_day(migrated: EmbeddedClient) -> None:
    rows = await migrated.query(
        "SELECT name, engine, sorting_key, partition_key FROM system.tables"
        " WHERE database = currentDatabase() AND name IN {names:Array(String)}",
        {"names": list(EVENT_TABLES)},
    )
    layout = {row["name"]: (row["sorting_key"], row["partition_key"]) for row in rows}
    assert {row["engine"] for row in rows} == {"ReplacingMergeTree"}
    assert layout["apps"] == ("app_id", "")
    assert layout["launches"] == (
        "app_id, toDate(started_at), launch_id",
        "toYYYYMM(toDate(started_at))",
    )
    assert layout["feed_ad_spend"] == ("app_id, day, campaign_id, region", "toYYYYMM(day)")
    for table, (key, partition) in layout.items():
        if table not in ("apps", "feed_ad_spend"):
            assert key.startswith("app_id, toDate(") and partition.startswith("toYYYYMM(toDate(")


@pytest.mark.parametrize(
    "changes",
    [
        {"region": "usa"},
        {"os": "web"},
        {"success": True, "launch_ms": None},  # a session has its launch time
        {"success": False, "launch_ms": None, "duration_ms": 5},  # a failure lasts nothing
        {"launch_ms": -1},
        {"age_band": "60+"},
    ],
)
async def test_the_checks_refuse_what_cannot_happen(
    migrated: EmbeddedClient, changes: dict[str, object]
) -> None:
    columns, launch = row("launches", "l1", **changes)
    with pytest.raises(ClickHouseError) as refused:
        await migrated.insert("launches", [launch], columns=columns)
    assert refused.value.code == 469


async def test_re_sent_rows_are_one_row_under_final(migrated: EmbeddedClient) -> None:
    columns, session = row("launches", "l1")
    _, failure = row("launches", "l2")  # a failure: launch_ms NULL passes its check
    for _ in range(2):
        await migrated.insert("launches", [session, failure], columns=columns)
    assert await migrated.query("SELECT count() AS n FROM launches") == [{"n": 4}]
    assert await migrated.query("SELECT count() AS n FROM launches FINAL") == [{"n": 2}]
    await migrated.command("OPTIMIZE TABLE launches FINAL")
    assert await migrated.query("SELECT count() AS n FROM launches") == [{"n": 2}]


async def test_the_privacy_tables_keep_one_row_per_key(migrated: EmbeddedClient) -> None:
    """An app's state is its latest decision; its cells are deleted and decided again when
    its rule changes."""
    state = ["app_id", "signature", "decided_through", "decided_at"]
    await migrated.insert(
        "minis_privacy_state",
        [
            ("g1", "new", dt.date(2026, 10, 17), dt.datetime(2026, 10, 21, tzinfo=dt.UTC)),
            ("g1", "old", dt.date(2026, 10, 10), dt.datetime(2026, 10, 14, tzinfo=dt.UTC)),
        ],
        columns=state,
    )
    rows = await migrated.query("SELECT signature FROM minis_privacy_state FINAL")
    assert rows == [{"signature": "new"}]
    cells = ["app_id", "level", "lo", "hi", "os", "users", "remainder", "only_os", "shown"]
    cell = ("g1", 0, dt.date(2026, 10, 12), dt.date(2026, 10, 12), "*", 3, None, "ios", False)
    await migrated.insert("minis_privacy_cells", [cell, cell], columns=cells)
    assert await migrated.query("SELECT count() AS n FROM minis_privacy_cells FINAL") == [{"n": 1}]
    await migrated.command(
        "DELETE FROM minis_privacy_cells WHERE app_id = {app:String}", {"app": "g1"}
    )
    assert await migrated.query("SELECT count() AS n FROM minis_privacy_cells FINAL") == [{"n": 0}]
