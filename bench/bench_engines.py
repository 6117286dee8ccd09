"""The same gateway on PostgreSQL and on ClickHouse, side by side, on the demo world.

    python bench/bench_engines.py [SERVER_URL] [--scale 1] [--repeat 10] [--clickhouse URL]

Builds (or reuses) the demo world of `--scale` in PostgreSQL as bench_derived.py does, refreshes
it, copies its event tables to ClickHouse (`--clickhouse`, default an embedded chdb in a
temporary directory; a `clickhouse://` server works the same) and decides the privacy cells
there, timing both (the load rate). Then, for every module of the biggest game and drama (all
cards with comparison and a 30-day series, or the module's view), it asks three in-process
gateways over HTTP with the result cache off: PostgreSQL from its derived tables, PostgreSQL from
the raw rows only, and ClickHouse (raw scans; it has no rollups), and prints each one's p50 and
whether ClickHouse's answer equals PostgreSQL's (floats within 1e-9).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).parent))
from bench_derived import (
    DEFAULT_SERVER,
    REPORTING_DAY,
    TODAY,
    Gateway,
    first_difference,
    module_questions,
    ms,
    world,
)

from gateway.app import create_app
from gateway.serving.config import ServingSettings
from gateway.settings import Settings
from gateway.storage.clickhouse.client import connect
from gateway.storage.clickhouse.copy import EVENT_TABLES, copy_events
from gateway.storage.clickhouse.migrate import migrate
from gateway.storage.clickhouse.privacy import decide_cells
from gateway.storage.refresh import refresh
from gateway.tokens import create_token
from semantic.loader import load_model
from semantic.model import SemanticModel

LATE_DAYS = 3


class ClickHouseGateway(Gateway):
    """A gateway whose analytics engine is ClickHouse; PostgreSQL keeps its tokens."""

    def __init__(self, url: str, model: SemanticModel, token: str, *, clickhouse: str):
        super().__init__(url, model, token, derived=False, cap=60)
        serving = ServingSettings(cache_rows=1, request_timeout_ms=60_000, queue_timeout_ms=60_000)
        settings = Settings(
            today=TODAY,
            derived=False,
            database_url=clickhouse,
            control_database_url=url,
            statement_timeout_ms=60_000,
            serving=serving,
        )
        self.app = create_app(settings=settings, database_url=url, model=model)


def close(one: object, other: object) -> bool:
    """The same answer: equal, but for floats within 1e-9 of each other (a sum of floats
    added in another order differs in its last digits)."""
    if isinstance(one, float) and isinstance(other, float):
        return math.isclose(one, other, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(one, dict) and isinstance(other, dict):
        return one.keys() == other.keys() and all(close(one[k], other[k]) for k in one)
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(close(a, b) for a, b in zip(one, other, strict=True))
    return one == other


async def load_clickhouse(url: str, clickhouse: str, model: SemanticModel) -> None:
    """Copy the world's events to ClickHouse and decide its privacy cells there, timed."""
    pg = await asyncpg.connect(url)
    client = await connect(clickhouse)
    try:
        await migrate(client)
        for table in EVENT_TABLES:
            await client.command(f"TRUNCATE TABLE IF EXISTS {table}")
        began = time.perf_counter()
        copied = await copy_events(pg, client)
        seconds = time.perf_counter() - began
        rows = sum(copied.values())
        print(
            f"copied {rows:,} rows to ClickHouse in {seconds:,.1f} s ({rows / seconds:,.0f} rows/s)"
        )
        began = time.perf_counter()
        for app in await pg.fetch("SELECT app_id, kind FROM apps WHERE status = 'launched'"):
            await decide_cells(
                client,
                model=model,
                app_id=app["app_id"],
                kind=app["kind"],
                reporting_day=REPORTING_DAY,
                late_days=LATE_DAYS,
            )
        print(f"privacy cells decided on ClickHouse in {time.perf_counter() - began:,.1f} s")
    finally:
        await client.close()
        await pg.close()


async def bench(args: argparse.Namespace) -> None:
    model = load_model()
    url = await world(args.server_url, args.scale, 7, False)
    conn = await asyncpg.connect(url)
    try:
        began = time.perf_counter()
        await refresh(conn, model=model, reporting_day=REPORTING_DAY)
        print(f"PostgreSQL refreshed in {time.perf_counter() - began:,.1f} s")
        token = (await create_token(conn, owner_id=None, admin=True)).token
    finally:
        await conn.close()
    with tempfile.TemporaryDirectory(prefix="minis-bench-ch-") as directory:
        clickhouse = args.clickhouse or f"chdb://{directory}"
        await load_clickhouse(url, clickhouse, model)
        async with (
            Gateway(url, model, token, derived=True, cap=60) as derived,
            Gateway(url, model, token, derived=False, cap=60) as raw,
            ClickHouseGateway(url, model, token, clickhouse=clickhouse) as house,
        ):
            print(
                f"\n{'module (30 days, cards, comparison, series)':44} {'PG derived':>11} "
                f"{'PG raw':>10} {'ClickHouse':>11}  same"
            )
            for question in module_questions(model):
                row = []
                answers = []
                for gateway in (derived, raw, house):
                    await gateway.ask(question.query)  # warm up
                    samples, data = await gateway.times(question.query, args.repeat)
                    row.append(statistics.median(samples) if samples else None)
                    answers.append(data)
                same = close(answers[1], answers[2])
                cells = " ".join(
                    f"{ms(s):>8} ms" if s is not None else f"{'timeout':>11}" for s in row
                )
                print(f"{question.label:44} {cells}  {'yes' if same else 'NO'}", flush=True)
                if not same:
                    print(f"{'':44} first difference: {first_difference(answers[1], answers[2])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "server_url", nargs="?", default=os.environ.get("MINIS_DATABASE_URL") or DEFAULT_SERVER
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=10, help="answers per module and engine")
    parser.add_argument("--clickhouse", default=None, help="a clickhouse:// or chdb:// URL")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
