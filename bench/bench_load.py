"""How fast `minis load` fills launches (the widest event table), end to end, on PostgreSQL
and on ClickHouse.

    python bench/bench_load.py [SERVER_URL] [--rows N] [--clickhouse URL | --no-clickhouse]

Generates N launches as CSV and as JSON Lines (different launch ids) in a temporary
directory, creates a database of its own on the server (SERVER_URL or MINIS_DATABASE_URL),
migrates it, and times three loads: the CSV file, the JSON Lines file, and the CSV file again
(every row a duplicate). Then the same three loads into ClickHouse (`--clickhouse`, by
default the in-process engine `chdb://`; the database is the control plane), emptied first.
Prints rows per second for each, side by side, then drops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from gateway.loading import load_files
from gateway.migrations import migrate
from gateway.storage.clickhouse.base import ClickHouseClient
from gateway.storage.clickhouse.client import connect as connect_clickhouse
from gateway.storage.clickhouse.load import clickhouse_writers
from gateway.storage.clickhouse.migrate import migrate as migrate_clickhouse

COLUMNS = (
    "launch_id",
    "app_id",
    "user_id",
    "started_at",
    "success",
    "launch_ms",
    "duration_ms",
    "os",
    "region",
    "gender",
    "age_band",
    "device_brand",
    "device_model",
    "tiktok_version",
    "entry_source",
)
APPS = [f"bench_app_{n}" for n in range(8)]
DEVICES = [
    ("Apple", "iPhone 15 Pro Max", "ios"),
    ("Apple", "iPhone 13", "ios"),
    ("Samsung", "Galaxy S23 Ultra", "android"),
    ("Xiaomi", "Redmi Note 12", "android"),
]
REGIONS = ["US", "GB", "BR", "DE", "ID", "JP", "MX", "FR"]
AGE_BANDS = ["13-17", "18-24", "25-34", "35-44", "45-54", "55+", "unknown"]
SOURCES = ["for_you_feed", "search", "profile", "share_link", "inbox", "live", "favorites", "other"]


def launches(rows: int, *, prefix: str, seed: int) -> Iterator[dict[str, object]]:
    rnd = random.Random(seed)
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    for n in range(rows):
        success = rnd.random() < 0.93
        brand, model, os_name = rnd.choice(DEVICES)
        moment = start + dt.timedelta(seconds=n * 3 + rnd.randrange(3))
        yield {
            "launch_id": f"{prefix}{n:010d}",
            "app_id": APPS[n % len(APPS)],
            "user_id": f"u{rnd.randrange(250_000)}",
            "started_at": moment.isoformat().replace("+00:00", "Z"),
            "success": success,
            "launch_ms": rnd.randrange(200, 6000) if success else None,
            "duration_ms": rnd.randrange(1_000, 3_600_000) if success else 0,
            "os": os_name,
            "region": rnd.choice(REGIONS),
            "gender": rnd.choice(("male", "female", "unknown")),
            "age_band": rnd.choice(AGE_BANDS),
            "device_brand": brand,
            "device_model": model,
            "tiktok_version": rnd.choice(("37.4.0", "37.3.1", "36.9.2")),
            "entry_source": rnd.choice(SOURCES),
        }


def _field(value: object) -> object:
    if value is None:
        return ""
    return ("true" if value else "false") if isinstance(value, bool) else value


def write_csv(path: Path, rows: Iterable[dict[str, object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_field(row[column]) for column in COLUMNS])


def write_json_lines(path: Path, rows: Iterable[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8") as file:
        for row in rows:
            file.write(json.dumps(row) + "\n")


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def timed_load(
    url: str, path: Path, rows: int, clickhouse: ClickHouseClient | None = None
) -> tuple[float, str]:
    conn = await asyncpg.connect(url)
    try:
        writers = clickhouse_writers(clickhouse, "launches") if clickhouse else None
        started = time.perf_counter()
        report = await load_files(conn, table="launches", paths=[path], open_writer=writers)
        seconds = time.perf_counter() - started
    finally:
        await conn.close()
    if not report.loaded:
        raise SystemExit(f"the load was refused: {report.issues[:3]}")
    return rows / seconds, f"{report.inserted:,} inserted, {report.skipped:,} skipped"


async def bench(server: str, rows: int, clickhouse_url: str | None) -> None:
    name = f"minis_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(with_database(server, "postgres"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(server, name)
    try:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn)
            await conn.executemany(
                "INSERT INTO apps (app_id, kind, name, status, launched_on, owner_id) "
                "VALUES ($1, 'game', $1, 'launched', '2026-01-01', 'bench')",
                [(app,) for app in APPS],
            )
        finally:
            await conn.close()
        with tempfile.TemporaryDirectory(prefix="minis-bench-") as directory:
            csv_path = Path(directory) / "launches.csv"
            jsonl_path = Path(directory) / "launches.jsonl"
            print(f"generating {rows:,} launches as CSV and as JSON Lines ...", flush=True)
            write_csv(csv_path, launches(rows, prefix="c", seed=1))
            write_json_lines(jsonl_path, launches(rows, prefix="j", seed=2))
            loads = (
                ("CSV", csv_path),
                ("JSON Lines", jsonl_path),
                ("CSV again (all duplicates)", csv_path),
            )
            results = [await timed_load(url, path, rows) for _, path in loads]
            if clickhouse_url:
                clickhouse = await connect_clickhouse(clickhouse_url)
                try:
                    await migrate_clickhouse(clickhouse)
                    await clickhouse.command("TRUNCATE TABLE launches")
                    others = [await timed_load(url, p, rows, clickhouse) for _, p in loads]
                finally:
                    await clickhouse.close()
            print(f"{'':28s} {'PostgreSQL':>16s}   {'ClickHouse':>16s}")
            for index, (label, path) in enumerate(loads):
                rate, counts = results[index]
                other = f"{others[index][0]:>10,.0f} rows/s" if clickhouse_url else "-"
                size = path.stat().st_size / 1e6
                line = f"{label:28s} {rate:>10,.0f} rows/s   {other:>16s}"
                print(f"{line}   ({size:,.0f} MB; {counts})", flush=True)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "url",
        nargs="?",
        default=os.environ.get("MINIS_DATABASE_URL"),
        help="PostgreSQL server URL [MINIS_DATABASE_URL]",
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="launches per file")
    parser.add_argument(
        "--clickhouse", default="chdb://", help="ClickHouse URL to load into as well [chdb://]"
    )
    parser.add_argument("--no-clickhouse", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    if not args.url:
        sys.exit("give a server URL or set MINIS_DATABASE_URL")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    asyncio.run(bench(args.url, args.rows, None if args.no_clickhouse else args.clickhouse))


if __name__ == "__main__":
    main()
