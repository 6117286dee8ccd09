"""A bounded load on loopback: 50 clients at once, each answer correct."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest
import uvicorn

from gateway.app import create_app
from gateway.schema.naming import camel
from gateway.settings import Settings
from gateway.tokens import create_token
from semantic.loader import load_model
from tests.conftest import fresh_database
from tests.gateway.graphql.test_every_metric import EXPECTED
from tests.ports import free_port
from tests.semantic import world
from tests.semantic.conftest import with_privacy

CLIENTS = 50
REQUESTS_EACH = 4


async def test_fifty_clients_at_once_get_correct_answers(
    server_url: str, template_name: str
) -> None:
    async with fresh_database(server_url, template_name) as url:
        conn = await asyncpg.connect(url)
        try:
            await world.build(conn)
            token = (await create_token(conn, owner_id="o")).token
        finally:
            await conn.close()
        model = with_privacy(load_model(), threshold=1, regions=())
        app = create_app(
            settings=Settings(today=world.dt.date(2026, 10, 21)), database_url=url, model=model
        )
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        serving = asyncio.create_task(server.serve())
        try:
            for _ in range(100):
                if server.started:
                    break
                await asyncio.sleep(0.05)
            assert server.started
            cases = [row for row in EXPECTED if row[4] is not None]

            async def client(number: int) -> list[str]:
                wrong = []
                async with httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{port}",
                    timeout=30,
                    headers={"Authorization": f"Bearer {token}"},
                ) as http:
                    for i in range(REQUESTS_EACH):
                        kind, module, metric, extra, value, *_ = cases[
                            (number * REQUESTS_EACH + i) % len(cases)
                        ]
                        filter_ = 'range: {start: "2026-10-11", end: "2026-10-14"}' + (
                            f", {extra}" if extra else ""
                        )
                        app_id = "g1" if kind == "game" else "d1"
                        query = (
                            f'{{ a: {kind}(id: "{app_id}") {{ m: {camel(module)}'
                            f"(filter: {{{filter_}}}) {{ x: {camel(metric)} {{ value }} }} }} }}"
                        )
                        response = await http.post("/graphql", json={"query": query})
                        body = response.json()
                        if "errors" in body:
                            wrong.append(f"{module}.{metric}: {body['errors']}")
                            continue
                        got = body["data"]["a"]["m"]["x"]["value"]
                        if got != pytest.approx(value, rel=1e-9):
                            wrong.append(f"{module}.{metric}: {got} != {value}")
                return wrong

            results = await asyncio.wait_for(
                asyncio.gather(*(client(n) for n in range(CLIENTS))), timeout=120
            )
            assert [w for r in results for w in r] == []
        finally:
            server.should_exit = True
            await asyncio.wait_for(serving, timeout=30)
