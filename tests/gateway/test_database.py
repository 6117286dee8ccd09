"""Where the database comes from. The embedded path is tested here even when the suite runs
against MINIS_TEST_DATABASE_URL, because it is what a fresh machine uses."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from gateway import database
from gateway.database import create_pool, database_url, redacted
from gateway.migrations import discover, migrate
from gateway.settings import Settings
from tests.ports import free_port as closed_port


async def test_without_a_url_an_embedded_server_is_started_and_stopped(
    embedded_data_dir: Path,
) -> None:
    data_dir = embedded_data_dir / "nested" / "pgdata"
    with database_url(Settings(database_url=None, data_dir=data_dir)) as url:
        assert (data_dir / "PG_VERSION").exists()
        conn = await asyncpg.connect(url)
        try:
            assert await migrate(conn) == [m.version for m in discover()]
            assert await migrate(conn) == []
            await conn.execute(
                "INSERT INTO apps VALUES ('g1', 'game', 'G', 'launched', '2026-01-01', 'o')"
            )
            assert await conn.fetchval("SELECT count(*) FROM apps") == 1
        finally:
            await conn.close()
    assert not (data_dir / "postmaster.pid").exists()

    # The data outlives the server: the next start finds it.
    with database_url(Settings(database_url=None, data_dir=data_dir)) as url:
        conn = await asyncpg.connect(url)
        try:
            assert await conn.fetchval("SELECT name FROM apps") == "G"
        finally:
            await conn.close()


def test_with_a_url_no_embedded_server_is_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    @contextlib.contextmanager
    def refuse(data_dir: Path) -> Iterator[str]:
        raise AssertionError("the embedded server was started")
        yield ""

    monkeypatch.setattr(database, "embedded_server", refuse)
    given = "postgresql://minis@db.example:5432/minis"
    settings = Settings(database_url=given, data_dir=tmp_path / "unused")
    with database_url(settings) as url:
        assert url == given
    assert not (tmp_path / "unused").exists()


async def test_a_pool_is_created_while_the_database_is_down() -> None:
    pool = await create_pool(f"postgresql://postgres@127.0.0.1:{closed_port()}/minis")
    try:
        with pytest.raises(OSError):
            async with pool.acquire(timeout=2):
                pass
    finally:
        await pool.close()


async def test_a_pool_reaches_a_running_database(database_url: str) -> None:
    pool = await create_pool(database_url)
    try:
        assert await pool.fetchval("SELECT count(*) FROM launches") == 0
    finally:
        await pool.close()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://minis:s3cret@db:5432/minis", "postgresql://minis:***@db:5432/minis"),
        ("postgresql://minis@db/minis", "postgresql://minis@db/minis"),
        (
            "postgresql://postgres:@/postgres?host=/tmp/x",
            "postgresql://postgres:@/postgres?host=/tmp/x",
        ),
    ],
)
def test_redacted_urls_hide_the_password(url: str, shown: str) -> None:
    assert redacted(url) == shown
