from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest

from gateway.loading import (
    DEFAULT_BATCH_ROWS,
    DEFAULT_MAX_ERRORS,
    LoadReport,
    UnknownTable,
    load_files,
)
from tests.gateway.loading.conftest import launch, write_csv, write_lines


async def load(
    conn: asyncpg.Connection,
    *paths: Path,
    table: str = "launches",
    max_errors: int = DEFAULT_MAX_ERRORS,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> LoadReport:
    return await load_files(
        conn, table=table, paths=list(paths), max_errors=max_errors, batch_rows=batch_rows
    )


def messages(report: LoadReport) -> list[str]:
    return [str(issue) for issue in report.issues]


async def stored(conn: asyncpg.Connection, table: str = "launches") -> int:
    return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))


async def test_a_good_file_loads_and_loading_it_again_changes_nothing(
    apps_db: asyncpg.Connection, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "launches.csv",
        [
            launch("l1"),
            launch("l2", success="false", launch_ms="", duration_ms="0"),
            launch("l1"),  # an identical repeat is a duplicate
        ],
    )
    first = await load(apps_db, path)
    assert first.loaded, messages(first)
    assert (first.rows, first.inserted, first.skipped) == (3, 2, 1)
    assert await apps_db.fetchval("SELECT user_id FROM launches WHERE launch_id = 'l1'") == "u1"

    again = await load(apps_db, path)
    assert (again.rows, again.inserted, again.skipped) == (3, 0, 3)
    assert await stored(apps_db) == 2


async def test_one_key_twice_in_a_file_with_other_values_is_an_error_naming_both_lines(
    apps_db: asyncpg.Connection, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "launches.csv",
        [launch("l1"), launch("l2"), launch("l1", user_id="resent"), launch("l2")],
    )
    report = await load(apps_db, path)
    assert not report.loaded and await stored(apps_db) == 0
    assert messages(report) == [
        f"{path}:4: column launch_id: the same key (launch_id 'l1') as line 2 of this file, "
        "with other values; a key stands for one row"
    ]


async def test_values_are_stored_as_their_types(
    apps_db: asyncpg.Connection, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "launches.csv",
        [
            launch("l1", started_at="2026-10-01T14:00:00+02:00", device_model=""),
            launch("l2", success="f", launch_ms="", duration_ms="0"),
        ],
    )
    assert (await load(apps_db, path)).loaded
    rows = {r["launch_id"]: r for r in await apps_db.fetch("SELECT * FROM launches")}
    assert rows["l1"]["started_at"] == dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
    assert rows["l1"]["success"] is True
    assert rows["l1"]["launch_ms"] == 850
    assert rows["l1"]["device_model"] == ""  # NOT NULL text: an empty field is an empty string
    assert rows["l2"]["success"] is False
    assert rows["l2"]["launch_ms"] is None  # nullable: an empty field is NULL


async def test_every_bad_row_is_reported_with_file_line_and_column(
    apps_db: asyncpg.Connection, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "launches.csv",
        [
            launch("l1"),
            launch("l2", os="windows"),
            launch("l3", app_id="nope", region="us"),
            launch("l4", started_at="2026-10-01 12:00:00"),
            launch("l5", launch_ms=""),
            launch("l6", success="false", duration_ms="90"),
            launch("l7", duration_ms="-1", gender="x"),
        ],
    )
    report = await load(apps_db, path)
    assert not report.loaded
    assert messages(report) == [
        f"{path}:3: column os: 'windows' is not one of android, ios",
        f"{path}:4: column app_id: unknown app 'nope' (not in apps)",
        f"{path}:4: column region: 'us' does not match ^[A-Z]{{2}}$",
        f"{path}:5: column started_at: '2026-10-01 12:00:00' has no UTC offset; add Z or +HH:MM",
        f"{path}:6: column launch_ms: a value is required when success is true",
        f"{path}:7: column launch_ms: must be empty when success is false, not 850",
        f"{path}:7: column duration_ms: must be 0 when success is false, not 90",
        f"{path}:8: column duration_ms: must be >= 0, not -1",
        f"{path}:8: column gender: 'x' is not one of female, male, unknown",
    ]
    assert (report.bad_rows, report.issue_count, report.rows, report.inserted) == (6, 9, 7, 0)
    assert await stored(apps_db) == 0


async def test_a_file_with_one_bad_row_loads_nothing_and_neither_do_the_others(
    apps_db: asyncpg.Connection, tmp_path: Path
) -> None:
    good = write_csv(tmp_path / "good.csv", [launch("g1"), launch("g2")])
    bad = write_csv(tmp_path / "bad.csv", [launch("b1"), launch("b2", os="windows")])
    report = await load(apps_db, good, bad, batch_rows=1)
    assert not report.loaded
    assert [(f.name, f.rows, f.bad_rows, f.inserted) for f in report.files] == [
        (str(good), 2, 0, 0),
        (str(bad), 2, 1, 0),
    ]
    assert await stored(apps_db) == 0
    assert (await load(apps_db, good)).inserted == 2


async def test_problems_beyond_the_cap_are_counted(
    apps_db: asyncpg.Connection, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "launches.csv",
        [launch(f"l{n}", os="windows") for n in range(5)] + [launch("ok")],
    )
    report = await load(apps_db, path, max_errors=2)
    assert messages(report) == [
        f"{path}:2: column os: 'windows' is not one of android, ios",
        f"{path}:3: column os: 'windows' is not one of android, ios",
    ]
    assert (report.issue_count, report.bad_rows, report.rows) == (5, 5, 6)


async def test_a_bad_header_is_reported_once(apps_db: asyncpg.Connection, tmp_path: Path) -> None:
    columns = ["lanch_id", *[c for c in launch() if c not in {"launch_id", "user_id"}]]
    rows = [{"lanch_id": "l1", **launch()}, {"lanch_id": "l2", **launch()}]
    path = write_csv(tmp_path / "launches.csv", rows, columns=columns)
    report = await load(apps_db, path)
    assert messages(report) == [
        f"{path}:1: column lanch_id: unknown column; did you mean launch_id?",
        f"{path}:1: the header lacks required columns launch_id, user_id",
    ]
    assert (report.problems, report.bad_rows) == (2, 0)


async def test_json_lines(apps_db: asyncpg.Connection, tmp_path: Path) -> None:
    good = {**launch("j1"), "success": True, "launch_ms": 850, "duration_ms": 60000}
    failed = {**good, "launch_id": "j2", "success": False, "launch_ms": None, "duration_ms": 0}
    path = write_lines(tmp_path / "launches.jsonl", [good, "", failed, "  "])
    report = await load(apps_db, path)
    assert report.loaded, messages(report)
    assert (report.rows, report.inserted) == (2, 2)
    assert await apps_db.fetchval("SELECT launch_ms FROM launches WHERE launch_id = 'j2'") is None

    bad = write_lines(
        tmp_path / "bad.jsonl",
        [
            {**good, "launch_id": "j3", "os": "windows"},
            "",
            {**good, "launch_id": "j4", "lanch_ms": 5},
            {**good, "launch_id": "j5", "duration_ms": "soon"},
            "not json",
        ],
    )
    refused = await load(apps_db, bad)
    assert messages(refused) == [
        f"{bad}:1: column os: 'windows' is not one of android, ios",
        f"{bad}:3: column lanch_ms: unknown column; did you mean launch_ms?",
        f"{bad}:4: column duration_ms: 'soon' is not an integer",
        f"{bad}:5: not valid JSON: Expecting value at character 1",
    ]
    assert refused.bad_rows == 4


async def test_columns_with_defaults_may_be_left_out(
    apps_db: asyncpg.Connection, tmp_path: Path
) -> None:
    columns = [
        "event_id",
        "app_id",
        "user_id",
        "occurred_at",
        "os",
        "region",
        "placement_id",
        "placement_type",
        "event",
        "error_code",
    ]
    base = {
        "app_id": "game1",
        "user_id": "u1",
        "occurred_at": "2026-10-01T00:00:00Z",
        "os": "android",
        "region": "BR",
        "placement_id": "p1",
        "placement_type": "banner",
    }
    path = write_csv(
        tmp_path / "ads.csv",
        [
            {**base, "event_id": "a1", "event": "request"},
            {**base, "event_id": "a2", "event": "load_failure", "error_code": "E42"},
        ],
        columns=columns,
    )
    report = await load(apps_db, path, table="ad_events")
    assert report.loaded, messages(report)
    rows = await apps_db.fetch(
        "SELECT event_id, revenue_usd, error_code FROM ad_events ORDER BY event_id"
    )
    assert [tuple(r) for r in rows] == [("a1", Decimal(0), None), ("a2", Decimal(0), "E42")]

    bad = write_csv(
        tmp_path / "bad.csv",
        [
            {**base, "event_id": "a3", "event": "click", "revenue_usd": "0.5"},
            {**base, "event_id": "a4", "event": "display_failure"},
        ],
        columns=[*columns, "revenue_usd"],
    )
    assert messages(await load(apps_db, bad, table="ad_events")) == [
        f"{bad}:2: column revenue_usd: must be 0 when event is 'click', not 0.5",
        f"{bad}:3: column error_code: a value is required when event is 'display_failure'",
    ]


async def test_a_composite_key_is_deduplicated(apps_db: asyncpg.Connection, tmp_path: Path) -> None:
    columns = ["app_id", "day", "campaign_id", "region", "spend_usd", "impressions"]
    row = {
        "app_id": "game1",
        "day": "2026-10-01",
        "campaign_id": "c1",
        "region": "US",
        "spend_usd": "12.50",
        "impressions": "1000",
    }
    path = write_csv(tmp_path / "spend.csv", [row, {**row, "region": "GB"}, row], columns=columns)
    first = await load(apps_db, path, table="feed_ad_spend")
    assert (first.inserted, first.skipped) == (2, 1)
    again = await load(apps_db, path, path, table="feed_ad_spend")
    assert (again.rows, again.inserted, again.skipped) == (6, 0, 6)
    bad = write_csv(tmp_path / "bad.csv", [{**row, "spend_usd": "1.234"}], columns=columns)
    assert messages(await load(apps_db, bad, table="feed_ad_spend")) == [
        f"{bad}:2: column spend_usd: 1.234 has more than 2 decimal places"
    ]


async def test_duplicates_across_batches_and_files_are_skipped(
    apps_db: asyncpg.Connection, tmp_path: Path
) -> None:
    one = write_csv(tmp_path / "one.csv", [launch(f"l{n}") for n in range(5)] + [launch("l0")])
    two = write_lines(
        tmp_path / "two.jsonl.gz",
        [
            {**launch("l4"), "success": True, "launch_ms": 1, "duration_ms": 2},
            {**launch("l9"), "success": True, "launch_ms": 1, "duration_ms": 2},
        ],
    )
    report = await load(apps_db, one, two, batch_rows=2)
    assert [(f.rows, f.inserted, f.skipped) for f in report.files] == [(6, 5, 1), (2, 1, 1)]
    assert await stored(apps_db) == 6


async def test_a_load_the_database_refuses_leaves_the_table_as_it_was(
    apps_db: asyncpg.Connection, tmp_path: Path
) -> None:
    assert (await load(apps_db, write_csv(tmp_path / "old.csv", [launch("old")]))).loaded
    # a rule the loader cannot read, so that only the database enforces it
    await apps_db.execute(
        "ALTER TABLE launches ADD CONSTRAINT short_model CHECK (length(device_model) < 20)"
    )
    path = write_csv(
        tmp_path / "new.csv",
        [
            launch("n1", device_model="S23"),
            launch("n2", device_model="S23"),
            launch("n3", device_model="S23"),
            launch("n4", device_model="Galaxy S23 Ultra 512GB"),
            launch("n5", device_model="S23"),
        ],
    )
    report = await load(apps_db, path, batch_rows=2)  # n1 and n2 are written, then refused
    assert not report.loaded
    [issue] = report.issues
    assert (issue.file, issue.line, issue.column) == (str(path), 5, None)
    assert issue.message.startswith(
        'the database refused the rows: new row for relation "launches" violates check '
        'constraint "short_model" (Failing row contains (n4, game1, '
    )
    assert [r[0] for r in await apps_db.fetch("SELECT launch_id FROM launches")] == ["old"]


async def test_files_that_cannot_be_read(apps_db: asyncpg.Connection, tmp_path: Path) -> None:
    text = tmp_path / "launches.txt"
    text.write_text("launch_id\n")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        ",".join(launch()).encode()
        + b"\n"
        + ",".join(launch().values()).encode()
        + b"\n"
        + ",".join(launch("l\xe9").values()).encode("latin-1")
        + b"\n"
    )
    report = await load(apps_db, text, latin)
    assert messages(report) == [
        f"{text}: cannot tell the format from the name; name files .csv, .jsonl or .ndjson, "
        "optionally followed by .gz",
        f"{latin}:3: not valid UTF-8 text",
    ]
    assert await stored(apps_db) == 0


async def test_only_event_tables_can_be_loaded(db: asyncpg.Connection, tmp_path: Path) -> None:
    with pytest.raises(UnknownTable, match="did you mean 'orders'"):
        await load(db, write_csv(tmp_path / "x.csv", []), table="order")


async def test_apps_load_without_an_app_check(db: asyncpg.Connection, tmp_path: Path) -> None:
    columns = ["app_id", "kind", "name", "status", "launched_on", "owner_id"]
    path = write_csv(
        tmp_path / "apps.csv",
        [
            {
                "app_id": "g9",
                "kind": "game",
                "name": "G",
                "status": "launched",
                "launched_on": "2026-01-02",
                "owner_id": "o1",
            },
            {
                "app_id": "d9",
                "kind": "drama",
                "name": "D",
                "status": "unreleased",
                "owner_id": "o1",
            },
            {"app_id": "x9", "kind": "drama", "name": "", "status": "launched", "owner_id": "o1"},
        ],
        columns=columns,
    )
    assert messages(await load(db, path, table="apps")) == [
        f"{path}:4: column name: must not be empty",
        f"{path}:4: column launched_on: a value is required when status is 'launched'",
    ]
