from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import httpx
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.health import latest_day
from gateway.reloading import model_version
from gateway.settings import Settings
from semantic.loader import MODELS_DIR
from tests.conftest import with_database
from tests.ports import free_port as closed_port

TODAY = dt.date(2026, 10, 6)
SETTINGS = Settings(today=TODAY)

LAUNCH_SQL = """
INSERT INTO launches VALUES ($1, $2, 'u1', $3, true, 900, 1000,
    'ios', 'US', 'male', '18-24', 'Apple', 'iPhone 15', '37.4.0', 'search')
"""


@contextlib.asynccontextmanager
async def serving(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan started, and a client that talks to it over ASGI."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://minis") as client:
            yield client


def without_model(health: dict[str, object]) -> dict[str, object]:
    """The answer without its `model`, which says the packaged model is served."""
    model = health.pop("model")
    assert isinstance(model, dict) and model["version"] == model_version(MODELS_DIR)
    return health


async def add_app(conn: asyncpg.Connection, app_id: str) -> None:
    await conn.execute(
        "INSERT INTO apps VALUES ($1, 'game', $1, 'launched', '2026-01-01', 'owner')", app_id
    )


async def test_latest_day_is_the_utc_day_of_the_last_launch(
    db: asyncpg.Connection, database_url: str
) -> None:
    # Sessions of this database run in Tokyo time, where the last launch is already on 10-05.
    name = urlsplit(database_url).path.lstrip("/")
    await db.execute(f"ALTER DATABASE \"{name}\" SET timezone TO 'Asia/Tokyo'")
    await add_app(db, "a1")
    await add_app(db, "a2")
    await db.execute(LAUNCH_SQL, "l1", "a1", dt.datetime(2026, 10, 2, 12, tzinfo=dt.UTC))
    await db.execute(
        LAUNCH_SQL, "l2", "a2", dt.datetime(2026, 10, 4, 23, 59, 59, 500000, tzinfo=dt.UTC)
    )

    async with serving(create_app(settings=SETTINGS, database_url=database_url)) as client:
        response = await client.get("/healthz")

    assert response.status_code == 200
    assert without_model(response.json()) == {
        "status": "ok",
        "engine": "postgres",
        "database": "reachable",
        "latest_day": "2026-10-04",
        "reporting_day": "2026-10-05",
        # nothing refreshed yet: every app is answered from the raw rows
        "derived": {
            "built_through": None,
            "oldest_built_through": None,
            "stale_apps": ["a1", "a2"],
        },
    }


async def test_latest_day_does_not_depend_on_the_session_time_zone(
    db: asyncpg.Connection, database_url: str
) -> None:
    await add_app(db, "a1")
    await db.execute(LAUNCH_SQL, "l1", "a1", dt.datetime(2026, 10, 4, 23, 30, tzinfo=dt.UTC))
    for zone in ("Asia/Tokyo", "America/Los_Angeles", "UTC"):
        conn = await asyncpg.connect(database_url, server_settings={"timezone": zone})
        try:
            assert await latest_day(conn) == dt.date(2026, 10, 4), zone
        finally:
            await conn.close()


async def test_empty_database_has_no_latest_day(database_url: str) -> None:
    async with serving(create_app(settings=SETTINGS, database_url=database_url)) as client:
        response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["latest_day"] is None
    assert response.json()["reporting_day"] == "2026-10-05"


async def test_reporting_day_is_yesterday_utc_without_a_fixed_today(database_url: str) -> None:
    app = create_app(settings=Settings(today=None), database_url=database_url)
    async with serving(app) as client:
        response = await client.get("/healthz")

    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    assert response.json()["reporting_day"] == yesterday.isoformat()


async def test_unmigrated_database_is_unavailable(empty_database_url: str) -> None:
    app = create_app(settings=SETTINGS, database_url=empty_database_url)
    async with serving(app) as client:
        response = await client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "not migrated"


async def test_starts_and_answers_503_fast_when_nothing_listens() -> None:
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/minis"
    async with serving(create_app(settings=SETTINGS, database_url=url)) as client:
        started = time.monotonic()
        response = await client.get("/healthz")
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert without_model(response.json()) == {
        "status": "unavailable",
        "engine": "postgres",
        "database": "unreachable",
        "error": "ConnectionRefusedError",
        "reporting_day": "2026-10-05",
    }
    assert elapsed < 1.5


async def test_answers_503_within_seconds_when_the_server_never_answers() -> None:
    silent: list[asyncio.StreamWriter] = []

    async def accept_and_say_nothing(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        silent.append(writer)

    server = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"postgresql://postgres@127.0.0.1:{port}/minis"
    try:
        async with serving(create_app(settings=SETTINGS, database_url=url)) as client:
            started = time.monotonic()
            response = await client.get("/healthz")
            elapsed = time.monotonic() - started
    finally:
        for writer in silent:
            writer.close()
        server.close()
        await server.wait_closed()

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert response.json()["error"] == "TimeoutError"
    assert elapsed < 3.0


async def test_reports_a_dropped_database_and_recovers_when_it_returns(
    server_url: str, template_name: str
) -> None:
    name = f"minis_t_{uuid.uuid4().hex[:12]}"
    url = with_database(server_url, name)
    admin = await asyncpg.connect(with_database(server_url, "postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
        async with serving(create_app(settings=SETTINGS, database_url=url)) as client:
            assert (await client.get("/healthz")).status_code == 200

            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            started = time.monotonic()
            for _ in range(2):  # the pooled connection is gone, and so is the database
                response = await client.get("/healthz")
                assert response.status_code == 503
                assert response.json()["database"] == "unreachable"
            assert time.monotonic() - started < 2.0

            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
            response = await client.get("/healthz")
            assert response.status_code == 200
            assert response.json()["database"] == "reachable"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
