"""`minis load` through the command line. The CLI runs its own event loop, so these tests are
not coroutines; the database is prepared with asyncio.run."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest
from click.testing import CliRunner, Result

from gateway.cli import main
from tests.gateway.loading.conftest import launch, write_csv, write_lines

UNSET: dict[str, str | None] = {
    name: None
    for name in ("MINIS_DATABASE_URL", "MINIS_DATA_DIR", "MINIS_TODAY", "MINIS_HOST", "MINIS_PORT")
}


def run_sql(url: str, sql: str) -> object:
    async def run() -> object:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    return asyncio.run(run())


@pytest.fixture
def url(database_url: str) -> str:
    run_sql(
        database_url,
        "INSERT INTO apps VALUES ('game1', 'game', 'Game One', 'launched', '2026-01-01', 'o1')",
    )
    return database_url


def minis_load(url: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--database-url", url, "load", *args], env=UNSET)


def test_a_load_prints_what_it_did_and_nothing_else(url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "launches.csv", [launch("l1"), launch("l2"), launch("l1")])
    result = minis_load(url, "--table", "launches", str(path))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # not a terminal: no progress bar
    first, total, stale = result.stdout.splitlines()
    assert first == f"{path}: 3 rows read, 2 inserted, 1 skipped as duplicates"
    assert stale == (
        "derived tables are out of date for game1: their answers come from the raw rows "
        "(slower) until `minis refresh` runs"
    )
    assert re.fullmatch(
        r"total: 3 rows read, 2 inserted, 1 skipped as duplicates "
        r"in \d+\.\d\d s \([\d,]+ rows/s\)",
        total,
    )

    again = minis_load(url, "-t", "launches", str(path), str(path))
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[:2] == [
        f"{path}: 3 rows read, 0 inserted, 3 skipped as duplicates",
        f"{path}: 3 rows read, 0 inserted, 3 skipped as duplicates",
    ]
    assert "out of date" not in again.stdout  # nothing new: derived tables stay as they were
    assert run_sql(url, "SELECT count(*) FROM launches") == 2


def test_a_refused_load_says_why_and_fails(url: str, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", [launch("g1")])
    bad = write_lines(
        tmp_path / "bad.jsonl",
        [
            {**launch("b1"), "success": True, "launch_ms": 9, "duration_ms": 9, "os": "windows"},
            {**launch("b2"), "success": True, "launch_ms": 9, "duration_ms": 9, "app_id": "zz"},
            {**launch("b3"), "success": True, "launch_ms": 9, "duration_ms": -9},
        ],
    )
    result = minis_load(url, "--table", "launches", "--max-errors", "2", str(good), str(bad))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{bad}:1: column os: 'windows' is not one of android, ios",
        f"{bad}:2: column app_id: unknown app 'zz' (not in apps)",
        "... and 1 more problem (--max-errors 2 shows the first 2)",
        f"{bad}: 3 bad rows of 3 rows read",
        "Error: nothing was loaded into launches: 3 bad rows",
    ]
    assert run_sql(url, "SELECT count(*) FROM launches") == 0


def test_an_unknown_table_is_a_usage_error(url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "launches.csv", [launch("l1")])
    result = minis_load(url, "--table", "lauches", str(path))
    assert result.exit_code == 2
    assert "Invalid value for '--table': unknown table 'lauches'; did you mean 'launches'?" in (
        result.stderr
    )


def test_a_file_of_unknown_format_is_refused(url: str, tmp_path: Path) -> None:
    path = tmp_path / "launches.xlsx"
    path.write_text("launch_id\n")
    result = minis_load(url, "--table", "launches", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{path}: cannot tell the format from the name; name files .csv, .jsonl or .ndjson, "
        "optionally followed by .gz"
    )
    assert result.stderr.splitlines()[-1] == (
        "Error: nothing was loaded into launches: 1 other problem"
    )


def test_a_load_killed_midway_leaves_the_table_as_it_was(url: str, tmp_path: Path) -> None:
    run_sql(
        url,
        "INSERT INTO launches SELECT 'old', app_id, 'u', now(), true, 1, 1, 'ios', 'US',"
        " 'male', '55+', 'b', 'm', 'v', 'other' FROM apps",
    )
    path = write_csv(tmp_path / "launches.csv", (launch(f"l{n}") for n in range(60_000)))
    name = urlsplit(url).path.lstrip("/")
    command = [
        sys.executable,
        "-c",
        "from gateway.cli import main; main()",
        "--database-url",
        url,
        "load",
        "-t",
        "launches",
        "--batch-rows",
        "500",
        str(path),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            copying = run_sql(
                url,
                "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                f"'{name}' AND query LIKE 'COPY %'",
            )
            if copying:
                break
        assert process.poll() is None, "the load ended before it could be killed"
        process.kill()  # SIGKILL: no cleanup of any kind
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
    assert run_sql(url, "SELECT string_agg(launch_id, ',') FROM launches") == "old"
    again = minis_load(url, "--table", "launches", str(path))  # nothing is left locked
    assert again.exit_code == 0, again.output
    assert run_sql(url, "SELECT count(*) FROM launches") == 60_001
