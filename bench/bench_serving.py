"""Many clients at once: light requests beside heavy ones, and faults under load.

    python bench/bench_serving.py [SERVER_URL] [--seconds 15] [--clients 50,100] [--heavy 3]
                                  [--faults]

Builds the demo world in a database of its own, serves it with `minis serve` in a process of
its own on a loopback port, and learns the known answer of every light request from a gateway
of its own (in this process). Then, for each number of clients, it replays dashboard page
loads (every module of a game page with its metric cards, comparison and series, sent at once
as a dashboard does) for a fixed time, first alone and then beside a few clients that send
the heaviest requests the limits allow (13 modules over 90 days, each different, so that the
cache does not answer them). Before each phase the data version is raised, so every phase
starts with a cold cache. It prints p50/p95/p99 of the light requests, throughput, errors by
code and HTTP status, wrong answers and responses 5xx, and drops the database.

With --faults it also starts a PostgreSQL of its own (the machine's pg_ctl, in a temporary
directory, on a loopback port; never the server it was given), stops and restarts it while
clients read, and kills a `minis load` midway while clients read. Every request is bounded
in time, every loop by the phase's length; it stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import functools
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

from gateway.app import create_app
from gateway.demo import build_demo
from gateway.migrations import migrate
from gateway.schema.naming import camel
from gateway.serving.data_version import bump_data_version
from gateway.settings import Settings
from gateway.storage.refresh import refresh
from gateway.tokens import create_token
from semantic.loader import load_model as _load_model
from semantic.model import AppKind

TODAY = dt.date(2026, 11, 22)
GAMES = ("tile_kingdom", "bubble_pop_saga")
PRESETS = ("LAST_7_DAYS", "LAST_30_DAYS")
HEAVY_MODULES = 13  # 13 modules x 90 days x 2 = 2,340: just within MINIS_MAX_COST (2,400)
TIMEOUT = 30.0  # seconds a bench request may take at most


load_model = functools.cache(_load_model)


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def modules_query(app: str, filters: list[tuple[str, str]]) -> str:
    """One request: each (module, filter) with every metric card, comparison and series."""
    model = load_model()
    parts = []
    for i, (module_id, filter_) in enumerate(filters):
        module = model.module(AppKind.GAME, module_id)
        cards = " ".join(
            f"{camel(m.name)} {{ value previous change series {{ date value }} }}"
            for m in module.metrics
        )
        parts.append(f"m{i}: {camel(module_id)}(filter: {{{filter_}}}) {{ {cards} }}")
    return f'{{ game(id: "{app}") {{ {" ".join(parts)} }} }}'


def page_requests() -> dict[tuple[str, str, str], str]:
    """(game, preset, module) -> the request a dashboard sends for that module."""
    model = load_model()
    modules = [m.id for m in model.modules_of(AppKind.GAME) if m.metrics]
    return {
        (game, preset, module): modules_query(game, [(module, f"range: {{preset: {preset}}}")])
        for game in GAMES
        for preset in PRESETS
        for module in modules
    }


def heavy_request(rng: random.Random) -> str:
    model = load_model()
    modules = [m.id for m in model.modules_of(AppKind.GAME) if m.metrics][:HEAVY_MODULES]
    end = TODAY - dt.timedelta(days=1 + rng.randrange(60))
    start = end - dt.timedelta(days=89)
    os_ = rng.choice(("IOS", "ANDROID"))
    span = f'range: {{start: "{start}", end: "{end}"}}'
    filters = [(m, f"{span}, os: {os_}" if _has_os(m) else span) for m in modules]
    return modules_query(rng.choice(GAMES), filters)


def _has_os(module_id: str) -> bool:
    model = load_model()
    return any(ref.name == "os" for ref in model.module(AppKind.GAME, module_id).filters)


class Tally:
    def __init__(self) -> None:
        self.light: list[float] = []
        self.failed: list[float] = []  # seconds to each refusal of a light request
        self.heavy = 0
        self.codes: collections.Counter[str] = collections.Counter()
        self.wrong = 0
        self.server_errors = 0

    def record(self, response: httpx.Response | None, error: str | None = None) -> Any:
        if response is None:
            self.codes[f"no answer: {error}"] += 1
            return None
        try:
            body = response.json()
        except ValueError:  # not JSON: counted by status, with the start of the body
            self.codes[f"{response.status_code} not JSON: {response.text[:60]!r}"] += 1
            self.server_errors += response.status_code >= 500
            return None
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors") or ()}
        # a 503 that says the database is unavailable is the answer a fault must get
        if response.status_code >= 500 and codes != {"DATABASE_UNAVAILABLE"}:
            self.server_errors += 1
        for e in body.get("errors") or ():
            self.codes[f"{response.status_code} {e.get('extensions', {}).get('code')}"] += 1
        if not body.get("errors"):
            self.codes[f"{response.status_code} ok"] += 1
        return body


async def post(http: httpx.AsyncClient, query: str) -> tuple[httpx.Response | None, str | None]:
    try:
        return await http.post("/graphql", json={"query": query}), None
    except httpx.HTTPError as exc:
        return None, type(exc).__name__


async def light_client(
    port: int, token: str, known: dict[Any, Any], tally: Tally, until: float, seed: int
) -> None:
    rng = random.Random(seed)
    pages = sorted({(g, p) for g, p, _ in known})
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=TIMEOUT,
        headers={"Authorization": f"Bearer {token}"},
    ) as http:
        while True:  # one page at least, then until `until`
            game, preset = rng.choice(pages)
            keys = [k for k in known if k[:2] == (game, preset)]

            async def one(key: Any) -> None:
                began = time.perf_counter()
                response, error = await post(http, REQUESTS[key])
                elapsed = time.perf_counter() - began
                body = tally.record(response, error)
                if body is None or body.get("errors"):
                    tally.failed.append(elapsed)
                else:
                    tally.light.append(elapsed)
                    if body["data"] != known[key]:
                        tally.wrong += 1

            await asyncio.gather(*(one(k) for k in keys))
            if time.monotonic() >= until:
                break


async def heavy_client(port: int, token: str, tally: Tally, until: float, seed: int) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=TIMEOUT,
        headers={"Authorization": f"Bearer {token}"},
    ) as http:
        while time.monotonic() < until:
            response, error = await post(http, heavy_request(rng))
            tally.record(response, error)
            tally.heavy += 1
            if response is not None and "Retry-After" in response.headers:
                await asyncio.sleep(min(float(response.headers["Retry-After"]), 2.0))


REQUESTS = page_requests()


def quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


async def phase(
    label: str, *, url: str, port: int, tokens: list[str], known: dict[Any, Any],
    clients: int, heavy: int, seconds: float,
) -> Tally:
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await bump_data_version(conn)  # a cold cache for every phase
    finally:
        await conn.close()
    await asyncio.sleep(0.5)
    # the morning after a refresh: every client opens a page of a cold cache at once
    warm = Tally()
    began = time.perf_counter()
    await asyncio.gather(
        *(light_client(port, tokens[i], known, warm, time.monotonic(), i)
          for i in range(clients))
    )
    print(f"{label:28} first page of each client on a cold cache: "
          f"{time.perf_counter() - began:.1f} s, wrong {warm.wrong}, codes {dict(warm.codes)}")
    tally = Tally()
    until = time.monotonic() + seconds
    began = time.perf_counter()
    await asyncio.gather(
        *(light_client(port, tokens[i], known, tally, until, i) for i in range(clients)),
        *(heavy_client(port, tokens[-1 - i], tally, until, 1000 + i) for i in range(heavy)),
    )
    elapsed = time.perf_counter() - began
    ms = [s * 1000 for s in tally.light]
    print(
        f"{label:28} light p50 {quantile(ms, .5):7.1f} ms  p95 {quantile(ms, .95):7.1f} ms  "
        f"p99 {quantile(ms, .99):7.1f} ms  {len(ms) / elapsed:6.1f} light/s  "
        f"{tally.heavy / elapsed:5.2f} heavy/s  wrong {tally.wrong}  5xx {tally.server_errors}"
    )
    print(f"{'':28} answers by status and code: {dict(sorted(tally.codes.items()))}")
    return tally


async def known_answers(url: str) -> dict[Any, Any]:
    """Every light request's answer, from a gateway of this process, one at a time."""
    app = create_app(settings=Settings(today=TODAY), database_url=url)
    conn = await asyncpg.connect(url)
    try:
        token = (await create_token(conn, owner_id=None, admin=True)).token
    finally:
        await conn.close()
    known = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://known", timeout=120,
            headers={"Authorization": f"Bearer {token}"},
        ) as http:
            for key, query in REQUESTS.items():
                body = (await http.post("/graphql", json={"query": query})).json()
                assert "errors" not in body, (key, body["errors"])
                known[key] = body["data"]
    return known


@contextlib.contextmanager
def gateway(url: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-c", "from gateway.cli import main; main()",
               "--database-url", url, "--today", TODAY.isoformat(), "serve", "--port", str(port)]
    log = os.environ.get("MINIS_BENCH_GATEWAY_LOG")  # where the gateway's log goes
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(command, stdout=out, stderr=out)
    try:
        for _ in range(300):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if process.poll() is not None:
                raise SystemExit(f"the gateway exited ({process.returncode}); see its log")
            time.sleep(0.1)
        else:
            raise SystemExit("the gateway did not start listening")
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.asynccontextmanager
async def world(server_url: str, clients: int) -> AsyncIterator[tuple[str, list[str]]]:
    name = f"minis_bench_serving_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(server_url, name)
    try:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn)
            await build_demo(conn, today=TODAY)
            # as `minis demo` does: derived tables and privacy cells, so that pages read rollups
            await refresh(conn, model=_load_model(), reporting_day=TODAY - dt.timedelta(days=1))
            tokens = [(await create_token(conn, owner_id=None, admin=True)).token
                      for _ in range(clients)]
        finally:
            await conn.close()
        yield url, tokens
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def bench(server_url: str, *, seconds: float, counts: list[int], heavy: int) -> None:
    async with world(server_url, max(counts) + heavy) as (url, tokens):
        known = await known_answers(url)
        print(f"{len(known)} light requests with known answers; {seconds:.0f} s a phase")
        port = free_port()
        with gateway(url, port):
            for clients in counts:
                alone = await phase(f"{clients} clients alone", url=url, port=port,
                                    tokens=tokens, known=known, clients=clients, heavy=0,
                                    seconds=seconds)
                beside = await phase(f"{clients} clients + {heavy} heavy", url=url, port=port,
                                     tokens=tokens, known=known, clients=clients,
                                     heavy=heavy, seconds=seconds)
                ratio = quantile(beside.light, .99) / quantile(alone.light, .99)
                print(f"{'':28} p99 beside heavy / p99 alone: {ratio:.2f} (target <= 3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server_url", nargs="?", default=os.environ.get("MINIS_DATABASE_URL"))
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", default="50,100")
    parser.add_argument("--heavy", type=int, default=3)
    parser.add_argument("--faults", action="store_true")
    args = parser.parse_args()
    if not args.server_url and not args.faults:
        parser.error("give a server URL (or set MINIS_DATABASE_URL)")
    counts = [int(c) for c in args.clients.split(",")]
    if args.server_url:
        asyncio.run(bench(args.server_url, seconds=args.seconds, counts=counts,
                          heavy=args.heavy))
    if args.faults:
        from serving_faults import faults  # beside this file, on the script's path

        asyncio.run(faults(seconds=args.seconds, clients=min(counts)))


if __name__ == "__main__":
    main()
