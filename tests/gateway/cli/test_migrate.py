from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
from click.testing import CliRunner

from gateway.cli import main
from gateway.migrations import discover

# The CLI reads these; a test says what they are, whatever the shell running the suite has.
UNSET: dict[str, str | None] = {
    name: None
    for name in ("MINIS_DATABASE_URL", "MINIS_DATA_DIR", "MINIS_TODAY", "MINIS_HOST", "MINIS_PORT")
}

LATEST = f"{discover()[-1].version}_{discover()[-1].name}"


def test_migrate_on_the_embedded_server_is_idempotent(embedded_data_dir: Path) -> None:
    runner = CliRunner()
    args = ["--data-dir", str(embedded_data_dir), "migrate"]

    first = runner.invoke(main, args, env=UNSET)
    assert first.exit_code == 0, first.output
    assert f"applied {LATEST}" in first.output
    assert f"database is at migration {LATEST} ({len(discover())} applied)" in first.output

    second = runner.invoke(main, args, env=UNSET)
    assert second.exit_code == 0, second.output
    assert second.output.splitlines() == [
        "nothing to apply",
        f"database is at migration {LATEST} ({len(discover())} applied)",
    ]


# The CLI runs its own event loop, so these tests are not coroutines.


def test_migrate_a_database_named_by_url(empty_database_url: str, tmp_path: Path) -> None:
    data_dir = tmp_path / "unused"
    args = ["--database-url", empty_database_url, "--data-dir", str(data_dir), "migrate"]
    result = CliRunner().invoke(main, args, env=UNSET)
    assert result.exit_code == 0, result.output
    assert f"applied {LATEST}" in result.output
    assert not data_dir.exists()  # no embedded server

    async def recorded() -> int:
        conn = await asyncpg.connect(empty_database_url)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM minis_migrations"))
        finally:
            await conn.close()

    assert asyncio.run(recorded()) == len(discover())
    again = CliRunner().invoke(main, args, env=UNSET)
    assert again.exit_code == 0, again.output
    assert "nothing to apply" in again.output


def test_the_url_can_come_from_the_environment(empty_database_url: str) -> None:
    env = {**UNSET, "MINIS_DATABASE_URL": empty_database_url, "MINIS_DATA_DIR": "/nonexistent"}
    result = CliRunner().invoke(main, ["migrate"], env=env)
    assert result.exit_code == 0, result.output
    assert f"database is at migration {LATEST}" in result.output
