"""Database fixtures: every test gets a database of its own.

The server is the one named by MINIS_TEST_DATABASE_URL, or else an embedded PostgreSQL
(pgserver) started for this run. Migrations are applied once into a template database;
each test's database is a copy of it (or an empty database, for tests of migrations).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from gateway.database import embedded_server
from gateway.migrations import migrate


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = os.environ.get("MINIS_TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    with embedded_server(Path(tmp_path_factory.mktemp("pg")) / "data") as url:
        yield url


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
        clause = f' TEMPLATE "{template}"' if template else ""
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
