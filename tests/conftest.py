"""Database fixtures: every test gets a database of its own.

The server is the one named by MINIS_TEST_DATABASE_URL, or else an embedded PostgreSQL
(pgserver) started for this run. Migrations are applied once into a template database;
each test's database is a copy of it (or an empty database, for tests of migrations).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from gateway.database import embedded_server
from gateway.demo import DemoSummary
from gateway.migrations import migrate


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _embedded_data_root() -> tempfile.TemporaryDirectory[str]:
    # Not under pytest's temporary root: each pytest session that starts removes other users'
    # access to that root, and as root pgserver runs PostgreSQL as a user of its own.
    return tempfile.TemporaryDirectory(prefix="minis-test-pg-", ignore_cleanup_errors=True)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    configured = os.environ.get("MINIS_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    with _embedded_data_root() as root, embedded_server(Path(root) / "data") as url:
        yield url


@pytest.fixture
def embedded_data_dir() -> Iterator[Path]:
    """A data directory (not yet created) for an embedded PostgreSQL of the test's own."""
    with _embedded_data_root() as root:
        yield Path(root) / "pgdata"


async def _admin(server_url: str) -> asyncpg.Connection:
    return await asyncpg.connect(with_database(server_url, "postgres"))


async def _drop(admin: asyncpg.Connection, name: str) -> None:
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def template_name(server_url: str) -> AsyncIterator[str]:
    name = f"minis_tpl_{uuid.uuid4().hex[:12]}"
    admin = await _admin(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        conn = await asyncpg.connect(with_database(server_url, name))
        try:
            await migrate(conn)
        finally:
            await conn.close()
        yield name
        await _drop(admin, name)
    finally:
        await admin.close()


async def _fresh_database(server_url: str, template: str | None) -> tuple[str, str]:
    name = f"minis_t_{uuid.uuid4().hex[:12]}"
    admin = await _admin(server_url)
    try:
        # FILE_COPY is much faster than the default WAL_LOG for a small template
        strategy = " STRATEGY FILE_COPY" if admin.get_server_version().major >= 15 else ""
        clause = f' TEMPLATE "{template}"{strategy}' if template else ""
        await admin.execute(f'CREATE DATABASE "{name}"{clause}')
    finally:
        await admin.close()
    return name, with_database(server_url, name)


@contextlib.asynccontextmanager
async def fresh_database(server_url: str, template: str | None) -> AsyncIterator[str]:
    """A new database (a copy of `template`, or empty), dropped on exit; yields its URL."""
    name, url = await _fresh_database(server_url, template)
    try:
        yield url
    finally:
        admin = await _admin(server_url)
        try:
            await _drop(admin, name)
        finally:
            await admin.close()


@pytest.fixture
async def database_url(server_url: str, template_name: str) -> AsyncIterator[str]:
    """A fresh, migrated database of this test's own."""
    async with fresh_database(server_url, template_name) as url:
        yield url


@pytest.fixture
async def empty_database_url(server_url: str) -> AsyncIterator[str]:
    """A fresh database with no tables at all."""
    async with fresh_database(server_url, None) as url:
        yield url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


DEMO_TODAY = dt.date(2026, 11, 22)


@dataclasses.dataclass(frozen=True)
class DemoWorld:
    url: str
    summary: DemoSummary  # what the build printed


@pytest.fixture(scope="session")
async def demo_world(server_url: str, template_name: str) -> AsyncIterator[DemoWorld]:
    """The full-size demo world (seed 7, today 2026-11-22) with its derived tables, built once
    per test run in a database of its own; tests only read it."""
    from gateway.demo import build_demo
    from gateway.storage.refresh import refresh
    from semantic.loader import load_model

    async with fresh_database(server_url, template_name) as url:
        conn = await asyncpg.connect(url)
        try:
            summary = await build_demo(conn, today=DEMO_TODAY)
            await refresh(conn, model=load_model(), reporting_day=DEMO_TODAY - dt.timedelta(days=1))
        finally:
            await conn.close()
        yield DemoWorld(url=url, summary=summary)


@pytest.fixture(scope="session")
def demo_world_url(demo_world: DemoWorld) -> str:
    """The demo world's database (see `demo_world`)."""
    return demo_world.url
