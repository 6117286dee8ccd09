"""The commands with ClickHouse (chdb on disk) as the analytics engine and a PostgreSQL test
database as the control plane: migrate applies both, copy-events sends the event tables,
refresh decides every app's privacy cells on ClickHouse, and load says where its rows went.

The CLI runs its own event loop, so these tests are not coroutines. Each command opens the
engine's data path and closes it at its end (chdb serves one path per process at a time)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from click.testing import CliRunner

from gateway.cli import main
from gateway.storage.clickhouse.client import EmbeddedClient
from tests.gateway.loading.conftest import launch, write_csv
from tests.semantic import world

UNSET: dict[str, str | None] = {
    name: None
    for name in (
        "MINIS_DATABASE_URL",
        "MINIS_CONTROL_DATABASE_URL",
        "MINIS_DATA_DIR",
        "MINIS_TODAY",
        "MINIS_MODELS_DIR",
    )
}


@pytest.fixture
def environment(database_url: str, tmp_path: Path) -> dict[str, str | None]:
    """The hand-built world in the control plane's PostgreSQL; ClickHouse empty, on disk."""

    async def build() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await world.build(conn)
        finally:
            await conn.close()

    asyncio.run(build())
    return {
        **UNSET,
        "MINIS_DATABASE_URL": f"chdb://{tmp_path / 'clickhouse'}",
        "MINIS_CONTROL_DATABASE_URL": database_url,
        "MINIS_DATA_DIR": str(tmp_path / "unused"),
        "MINIS_TODAY": "2026-10-21",
    }


def minis(environment: dict[str, str | None], *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env=environment)
    assert result.exit_code == 0, result.output
    return result.output


def on_clickhouse(environment: dict[str, str | None], sql: str) -> list[dict[str, Any]]:
    url = environment["MINIS_DATABASE_URL"]
    assert url is not None

    async def run() -> list[dict[str, Any]]:
        client = await EmbeddedClient.open(url.removeprefix("chdb://"))
        try:
            return await client.query(sql)
        finally:
            await client.close()

    return asyncio.run(run())


def test_migrate_copy_and_refresh_on_clickhouse(
    environment: dict[str, str | None], tmp_path: Path
) -> None:
    first = minis(environment, "migrate")
    assert "applied clickhouse/0001" in first and "applied clickhouse/0002" in first
    assert "2 applied now, 2 in all" in first
    assert "0 applied now, 2 in all" in minis(environment, "migrate")

    copied = minis(environment, "copy-events")
    assert "copied" in copied and "launches" in copied
    counts = on_clickhouse(
        environment,
        "SELECT (SELECT count() FROM launches FINAL) AS launches,"
        " (SELECT count() FROM apps FINAL) AS apps",
    )
    assert counts == [{"launches": 18, "apps": 3}]  # world.py: 12 game and 6 drama launches
    minis(environment, "copy-events", "--app", "g1")  # again: re-sent rows count once
    assert on_clickhouse(environment, "SELECT count() AS n FROM launches FINAL") == [{"n": 18}]

    refreshed = minis(environment, "refresh")
    assert "ClickHouse: privacy cells of 3 apps decided" in refreshed
    states = on_clickhouse(
        environment,
        "SELECT app_id, decided_through FROM minis_privacy_state FINAL ORDER BY app_id",
    )
    assert [(s["app_id"], s["decided_through"].isoformat()) for s in states] == [
        ("d1", "2026-10-17"),
        ("g0", "2026-10-17"),
        ("g1", "2026-10-17"),
    ]
    again = minis(environment, "refresh", "--app", "g1")
    assert "0 new cells" in again
    assert not (tmp_path / "unused").exists()  # the control plane is the URL's PostgreSQL


def test_refresh_of_an_unknown_app_and_copy_events_without_clickhouse(
    environment: dict[str, str | None], database_url: str
) -> None:
    unknown = CliRunner().invoke(main, ["refresh", "--app", "nope"], env=environment)
    assert unknown.exit_code == 2 and "no such app: nope" in unknown.output
    postgres = {**UNSET, "MINIS_DATABASE_URL": database_url}
    refused = CliRunner().invoke(main, ["copy-events"], env=postgres)
    assert refused.exit_code == 2 and "copy-events copies to ClickHouse" in refused.output


def test_load_writes_event_rows_to_clickhouse_and_apps_to_both(
    environment: dict[str, str | None], tmp_path: Path, database_url: str
) -> None:
    apps = tmp_path / "apps.csv"
    apps.write_text(
        "app_id,kind,name,status,launched_on,owner_id\nn1,game,New One,launched,2026-10-01,o\n"
    )
    loaded = minis(environment, "load", str(apps), "--table", "apps")
    assert "1 inserted" in loaded and "stored in ClickHouse" in loaded
    assert {"app_id": "n1"} in on_clickhouse(environment, "SELECT app_id FROM apps FINAL")
    launches = write_csv(
        tmp_path / "launches.csv",
        [launch("x1", app_id="n1"), launch("x2", app_id="n1"), launch("x1", app_id="n1")],
    )
    loaded = minis(environment, "load", str(launches), "--table", "launches")
    assert "3 rows read, 2 inserted, 1 skipped as duplicates" in loaded
    assert on_clickhouse(environment, "SELECT launch_id FROM launches FINAL ORDER BY 1") == [
        {"launch_id": "x1"},
        {"launch_id": "x2"},
    ]
    again = minis(environment, "load", str(launches), "--table", "launches")
    assert "0 inserted, 3 skipped as duplicates" in again

    async def control_plane() -> tuple[int, int]:
        conn = await asyncpg.connect(database_url)
        try:
            n1 = await conn.fetchval("SELECT count(*) FROM apps WHERE app_id = 'n1'")
            rows = await conn.fetchval("SELECT count(*) FROM launches WHERE app_id = 'n1'")
            return n1, rows
        finally:
            await conn.close()

    # the catalogue is the control plane's; the events are ClickHouse's alone
    assert asyncio.run(control_plane()) == (1, 0)
