"""A real PostgreSQL stops under the gateway and comes back: requests fail fast with
DATABASE_UNAVAILABLE, /healthz says so, and the gateway recovers without a restart."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import asyncpg
import httpx

from gateway.app import create_app
from gateway.migrations import migrate
from gateway.settings import Settings
from gateway.tokens import create_token
from semantic.loader import load_model
from tests.semantic import world

QUERY = '{ game(id: "g1") { userBehavior { launchedSessions { value } } } }'


def _server(data_dir: Path) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver.postgres_server import get_server

        return get_server(data_dir, cleanup_mode="stop")


def _stop(server: object) -> None:
    from pgserver._commands import pg_ctl

    pg_ctl(
        ["-w", "stop", "-m", "fast"],
        pgdata=server.pgdata,  # type: ignore[attr-defined]
        user=server.system_user,
        timeout=30,
    )  # type: ignore[attr-defined]


async def test_database_stopped_and_restarted(embedded_data_dir: Path) -> None:
    server = _server(embedded_data_dir)
    url = server.get_uri()  # type: ignore[attr-defined]
    try:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn)
            await world.build(conn)
            token = (await create_token(conn, owner_id=None, admin=True)).token
        finally:
            await conn.close()
        app = create_app(
            settings=Settings(today=world.dt.date(2026, 10, 21)),
            database_url=url,
            model=load_model(),
        )
        headers = {"Authorization": f"Bearer {token}"}
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://minis") as client:

                async def ask() -> dict[str, object]:
                    response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
                    assert response.status_code in (200, 503), response.text
                    body: dict[str, object] = response.json()
                    return body

                assert "errors" not in await ask()
                _stop(server)
                started = time.monotonic()
                down = await ask()
                assert time.monotonic() - started < 6
                codes = {e["extensions"]["code"] for e in down["errors"]}  # type: ignore[attr-defined,index]
                assert codes == {"DATABASE_UNAVAILABLE"}
                health = await client.get("/healthz")
                assert health.status_code == 503
                assert health.json()["database"] == "unreachable"

                server.ensure_postgres_running()  # type: ignore[attr-defined]
                back = await ask()  # a connection to the stopped server is replaced
                assert "errors" not in back, back
                assert (await client.get("/healthz")).status_code == 200
    finally:
        server.cleanup()  # type: ignore[attr-defined]
