"""How fast the gateway answers a module, and what GraphQL and HTTP add to the SQL.

    python bench/bench_gateway.py [SERVER_URL] [--repeat N]

Builds the demo world in a database of its own on the server (SERVER_URL or
MINIS_DATABASE_URL), then for every module of the biggest game and drama times, N times each:
the module's statement run directly with asyncpg, and the same module asked over HTTP (ASGI,
in process) with every metric card, its comparison and a 30-day series. Prints p50 and p95 of
both and their ratio per module, then drops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

from gateway.app import create_app
from gateway.demo import build_demo
from gateway.migrations import migrate
from gateway.schema.naming import camel
from gateway.settings import Settings
from gateway.tokens import create_token
from semantic.compiler import compile_metrics
from semantic.loader import load_model
from semantic.model import AppKind
from semantic.query import DateRange, MetricQuery, Scope

TODAY = dt.date(2026, 11, 22)
APPS = {AppKind.GAME: "tile_kingdom", AppKind.DRAMA: "midnight_heiress"}


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def quantiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


async def bench(url: str, repeat: int) -> None:
    model = load_model()
    settings = Settings(today=TODAY)
    reporting_day = settings.reporting_day()
    last_30 = DateRange(start=reporting_day - dt.timedelta(days=29), end=reporting_day)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        started = time.perf_counter()
        await build_demo(conn, today=TODAY)
        print(f"demo world built in {time.perf_counter() - started:.1f} s")
        token = (await create_token(conn, owner_id=None, admin=True)).token
    finally:
        await conn.close()
    app = create_app(settings=settings, database_url=url, model=model)
    print(f"{'module':34} {'sql p50':>9} {'http p50':>9} {'http p95':>9} {'ratio':>6}")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://bench",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            pool = app.state.pool
            for (kind, module_id), module in sorted(model.modules.items()):
                if not module.metrics:
                    continue
                scope = Scope(
                    app_id=APPS[kind],
                    kind=kind,
                    module=module_id,
                    range=last_30,
                    reporting_day=reporting_day,
                )
                compiled = compile_metrics(
                    model,
                    MetricQuery(
                        scope=scope, metrics=tuple(m.name for m in module.metrics), series=True
                    ),
                )
                fields = " ".join(
                    f"{camel(m.name)} {{ value previous change series {{ value }} }}"
                    for m in module.metrics
                )
                query = (
                    f'{{ a: {kind.value}(id: "{APPS[kind]}") {{ m: {camel(module_id)}'
                    f"(filter: {{range: {{preset: LAST_30_DAYS}}}}) {{ {fields} }} }} }}"
                )
                sql_times, http_times = [], []
                for _ in range(repeat):
                    began = time.perf_counter()
                    async with pool.acquire() as connection:
                        await connection.fetch(compiled.sql, *compiled.params)
                    sql_times.append(time.perf_counter() - began)
                    began = time.perf_counter()
                    response = await client.post("/graphql", json={"query": query})
                    http_times.append(time.perf_counter() - began)
                    assert "errors" not in response.json(), response.text
                sql50, _ = quantiles(sql_times)
                http50, http95 = quantiles(http_times)
                print(
                    f"{kind.value + ' ' + module_id:34} {sql50 * 1000:8.1f}ms "
                    f"{http50 * 1000:8.1f}ms {http95 * 1000:8.1f}ms {http50 / sql50:6.2f}"
                )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server_url", nargs="?", default=os.environ.get("MINIS_DATABASE_URL"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    if not args.server_url:
        sys.exit("give a server URL or set MINIS_DATABASE_URL")
    name = f"minis_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(with_database(args.server_url, "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            await bench(with_database(args.server_url, name), args.repeat)
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
