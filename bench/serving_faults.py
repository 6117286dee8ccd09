"""Faults under load, for bench_serving.py --faults: PostgreSQL stopped and restarted while
clients read, and a `minis load` killed midway while clients read.

It runs a PostgreSQL of its own (the machine's initdb and pg_ctl, as the postgres user when
run as root, in a temporary directory, listening on a free loopback port), so that stopping
it disturbs no one else.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import bench_serving as load
from bench_serving import TODAY, Tally, free_port, gateway, known_answers, light_client

from gateway.demo import build_demo
from gateway.migrations import migrate
from gateway.serving.data_version import read_data_version
from gateway.storage.refresh import refresh
from gateway.tokens import create_token
from semantic.loader import load_model


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Cluster:
    def __init__(self, root: Path, port: int) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found and not shutil.which("pg_ctl"):
            raise SystemExit("--faults needs PostgreSQL's pg_ctl (apt-get install postgresql)")
        self.bin = Path(found[-1]).parent if found else Path(shutil.which("pg_ctl") or "").parent
        self.data = root / "data"
        self.port = port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def run(self, *args: str) -> None:
        subprocess.run(_as_postgres([str(self.bin / args[0]), *args[1:]]), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="minis-bench-pg-"))
    os.chmod(root, 0o777)
    own = Cluster(root, free_port())
    own.init()
    own.start()
    try:
        yield own
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            own.stop()
        shutil.rmtree(root, ignore_errors=True)


def launches_csv(path: Path, rows: int) -> Path:
    """New users' launches on the reporting day: committed, they would change the answers."""
    day = TODAY - dt.timedelta(days=1)
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(("launch_id", "app_id", "user_id", "started_at", "success", "launch_ms",
                         "duration_ms", "os", "region", "gender", "age_band", "device_brand",
                         "device_model", "tiktok_version", "entry_source"))
        for i in range(rows):
            writer.writerow((f"killed-{i}", "tile_kingdom", f"killed-user-{i}",
                             f"{day}T{i % 24:02}:00:00Z", "true", "800", "60000", "ios", "GB",
                             "female", "18-24", "Apple", "iPhone 15", "37.4.0", "for_you_feed"))
    return path


async def _clients(port: int, tokens: list[str], known: dict, tally: Tally, seconds: float,
                   clients: int) -> None:
    until = time.monotonic() + seconds
    await asyncio.gather(
        *(light_client(port, tokens[i], known, tally, until, i) for i in range(clients))
    )


def _report(label: str, tally: Tally) -> None:
    print(f"{label:28} answered {len(tally.light)} right, wrong {tally.wrong}, "
          f"5xx {tally.server_errors}; failed fast: p99 "
          f"{load.quantile(tally.failed, .99) * 1000:.0f} ms of {len(tally.failed)}")
    print(f"{'':28} answers by status and code: {dict(sorted(tally.codes.items()))}")


async def faults(*, seconds: float, clients: int) -> None:
    with cluster() as own:
        conn = await asyncpg.connect(own.url)
        try:
            await migrate(conn)
            await build_demo(conn, today=TODAY)
            await refresh(conn, model=load_model(), reporting_day=TODAY - dt.timedelta(days=1))
            tokens = [(await create_token(conn, owner_id=None, admin=True)).token
                      for _ in range(clients)]
        finally:
            await conn.close()
        known = await known_answers(own.url)
        port = free_port()
        with gateway(own.url, port):
            # 1. the database stops a third of the way in and comes back after 3 s
            tally = Tally()
            reading = asyncio.create_task(_clients(port, tokens, known, tally, seconds * 3,
                                                   clients))
            await asyncio.sleep(seconds)
            await asyncio.to_thread(own.stop)
            stopped = time.monotonic()
            await asyncio.sleep(3)
            await asyncio.to_thread(own.start)
            print(f"PostgreSQL stopped for {time.monotonic() - stopped:.1f} s under load")
            before = len(tally.light)
            await reading
            _report("stopped and restarted", tally)
            print(f"{'':28} right answers after the restart: {len(tally.light) - before} "
                  "(the gateway was not restarted)")

            # 2. a load killed midway while clients read
            conn = await asyncpg.connect(own.url)
            version = await read_data_version(conn)
            await conn.close()
            with tempfile.TemporaryDirectory() as scratch:
                # big enough that the load is still writing when it is killed (at 100,000
                # rows/s and more, 400,000 rows were all stored within 5 s)
                path = launches_csv(Path(scratch) / "launches.csv", 1_000_000)
                tally = Tally()
                reading = asyncio.create_task(_clients(port, tokens, known, tally, seconds,
                                                       clients))
                process = subprocess.Popen(
                    [sys.executable, "-c", "from gateway.cli import main; main()",
                     "--database-url", own.url, "--today", TODAY.isoformat(), "load", str(path),
                     "--table", "launches"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                await asyncio.sleep(min(2.0, seconds / 3))
                process.send_signal(signal.SIGKILL)
                process.wait()
                await reading
            conn = await asyncpg.connect(own.url)
            try:
                left = await conn.fetchval("SELECT count(*) FROM launches WHERE launch_id "
                                           "LIKE 'killed-%'")
                after = await read_data_version(conn)
            finally:
                await conn.close()
            _report("load killed midway", tally)
            print(f"{'':28} rows of the killed load stored: {left}; data version "
                  f"{version} -> {after}")
