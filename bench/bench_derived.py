"""How fast the gateway answers from the derived tables, against the raw rows, at scale.

    python bench/bench_derived.py [SERVER_URL] [--scale 45] [--repeat 20] [--raw-repeat 3]
                                  [--raw-cap 120] [--rebuild]

Builds the demo world of `--scale` (45: about 20 million launches) in a database of its own on
the server (SERVER_URL, else MINIS_DATABASE_URL, else the local postgres), named after the scale
and seed (minis_bench_s45), or reuses that database when an earlier run built the same world
there. Then, one after the other:

- rebuilds every derived table from nothing with `refresh` and times it (the whole world;
  `--keep-derived` keeps them when they are current);
- for every module of the biggest game and drama, asks the gateway over HTTP (in process,
  ASGI) for all its metric cards with comparison and a 30-day series (the views of the modules
  without cards: retention rate and cohorts, funnel steps, distribution): p50 and p95 from
  the derived tables, p50 from the raw rows (`Settings(derived=False)`, fewer repetitions, each
  cancelled after `--raw-cap` seconds: '>cap'), their ratio, and whether both answered alike.
  The gateway's result cache is off, so every answer runs its SQL;
- at scale 1, the demo-world questions of issue 9 (active users with the previous period,
  sessions with average duration, the daily active-user series, active users by region) over
  7, 30 and 90 days, derived and raw;
- adds one new day (a copy of the reporting day's rows of every event table, a day later, with
  new keys), refreshes up to it and times that (the new day and the late-data window), then
  removes that day and the derived tables again (the next run rebuilds them);
- prints the size of the derived tables next to the raw tables.

Prints the figures; asserts nothing about times. The database is kept for the next run
(drop it with `DROP DATABASE minis_bench_s45`).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

from gateway.app import create_app
from gateway.demo import build_demo
from gateway.demo.summary import size_text
from gateway.demo.world import CAST
from gateway.loading.catalog import EVENT_TABLES
from gateway.migrations import migrate
from gateway.schema.naming import camel
from gateway.serving.config import ServingSettings
from gateway.settings import Settings
from gateway.storage.first_rows import first_rows_tables
from gateway.storage.refresh import DEFAULT_LATE_DAYS, DERIVED_TABLES, refresh
from gateway.tokens import create_token
from semantic.loader import load_model
from semantic.model import SemanticModel

TODAY = dt.date(2026, 11, 22)
REPORTING_DAY = TODAY - dt.timedelta(days=1)
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
# the views of the modules that have no metric cards
VIEWS = {
    "user_retention": "rate(period: DAY_1) { value previous change } "
    "cohorts(period: DAY_1) { date cohortSize retained rate }",
    "conversion_funnel": "steps { step pv conversionFromPrevious }",
    "user_profile": "distribution(by: GENDER) { key users share }",
    "user_device": "distribution(by: DEVICE_MODEL) { key users share }",
}
# event table: (its key column, its time column)
KEYS_AND_TIMES = {
    "launches": ("launch_id", "started_at"),
    "orders": ("order_id", "created_at"),
    "ad_events": ("event_id", "occurred_at"),
    "runtime_reports": ("report_id", "reported_at"),
    "network_calls": ("call_id", "occurred_at"),
    "feed_ad_spend": (None, "day"),
    "feed_ad_clicks": ("click_id", "clicked_at"),
    "feed_card_events": ("event_id", "occurred_at"),
    "funnel_events": ("event_id", "occurred_at"),
}


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def quantiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def ms(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds * 1000:,.1f}"


def biggest(kind: str) -> str:
    """The app of `kind` with the largest audience in the demo world's cast."""
    return max((spec for spec in CAST if spec.kind == kind), key=lambda s: s.arrivals).app_id


@dataclass(frozen=True, kw_only=True)
class Question:
    label: str
    kind: str  # game or drama
    app_id: str
    query: str


def range_filter(days: int) -> str:
    start = REPORTING_DAY - dt.timedelta(days=days - 1)
    return f'range: {{start: "{start.isoformat()}", end: "{REPORTING_DAY.isoformat()}"}}'


def module_questions(model: SemanticModel) -> Iterator[Question]:
    """Every module of the biggest game and drama: all cards, comparison, a 30-day series."""
    for (kind, module_id), module in sorted(model.modules.items()):
        if module.metrics:
            body = " ".join(
                f"{camel(m.name)} {{ value previous change series {{ date value }} }}"
                for m in module.metrics
            )
        elif module_id in VIEWS:
            body = VIEWS[module_id]
        else:
            continue
        extra = ", cohort: NEW" if module_id == "user_retention" else ""
        app_id = biggest(kind.value)
        yield Question(
            label=f"{kind.value} {module_id}",
            kind=kind.value,
            app_id=app_id,
            query=f'{{ a: {kind.value}(id: "{app_id}") {{ m: {camel(module_id)}'
            f"(filter: {{{range_filter(30)}{extra}}}) {{ {body} }} }} }}",
        )


def demo_questions() -> Iterator[Question]:
    """Issue 9's questions of the demo world, on its biggest game."""
    app_id = biggest("game")
    shapes = {
        "active users with previous": "activeUsers { value previous }",
        "sessions with average duration": "launchedSessions { value } "
        "avgDurationPerSession { value }",
        "daily active-user series": "activeUsers { series { date value } }",
        "active users by region": "activeUsers { breakdown(by: REGION, limit: 20) { key value } }",
    }
    for days in (7, 30, 90):
        for label, body in shapes.items():
            yield Question(
                label=f"{label}, {days} days",
                kind="game",
                app_id=app_id,
                query=f'{{ a: game(id: "{app_id}") {{ m: userBehavior'
                f"(filter: {{{range_filter(days)}}}) {{ {body} }} }} }}",
            )


class Gateway:
    """One in-process gateway (derived or raw) and an HTTP client for it."""

    def __init__(self, url: str, model: SemanticModel, token: str, *, derived: bool, cap: float):
        timeout_ms = int(cap * 1000)
        serving = ServingSettings(
            cache_rows=1,  # no result is kept: every answer runs its SQL
            request_timeout_ms=timeout_ms,
            queue_timeout_ms=timeout_ms,
        )
        settings = Settings(
            today=TODAY, derived=derived, statement_timeout_ms=timeout_ms, serving=serving
        )
        self.app = create_app(settings=settings, database_url=url, model=model)
        self.token = token
        self.cap = cap

    async def __aenter__(self) -> Gateway:
        self.lifespan = self.app.router.lifespan_context(self.app)
        await self.lifespan.__aenter__()
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url="http://bench",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=self.cap + 60,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()
        await self.lifespan.__aexit__(None, None, None)

    async def ask(self, query: str) -> tuple[float, Any]:
        """(seconds, data); data None when the answer timed out."""
        began = time.perf_counter()
        response = await self.client.post("/graphql", json={"query": query})
        seconds = time.perf_counter() - began
        answer = response.json()
        errors = answer.get("errors") or []
        if any((e.get("extensions") or {}).get("code") == "TIMEOUT" for e in errors):
            return seconds, None
        assert not errors, response.text
        return seconds, answer["data"]

    async def times(self, query: str, repeat: int) -> tuple[list[float], Any]:
        samples, data = [], None
        for _ in range(repeat):
            seconds, data = await self.ask(query)
            if data is None:
                return [], None
            samples.append(seconds)
        return samples, data


async def compare(
    derived: Gateway, raw: Gateway, questions: list[Question], repeat: int, raw_repeat: int
) -> None:
    print(
        f"{'module':40} {'derived p50':>12} {'derived p95':>12} {'raw p50':>12} "
        f"{'raw/derived':>11}  same"
    )
    for question in questions:
        await derived.ask(question.query)  # warm up: plans, pool, privacy cells
        samples, fast = await derived.times(question.query, repeat)
        if fast is None:  # every answer ran past the derived gateway's cap
            print(f"{question.label:40} {'>' + format(derived.cap, 'g') + ' s':>12}", flush=True)
            continue
        p50, p95 = quantiles(samples)
        slow_samples, slow = await raw.times(question.query, raw_repeat) if raw_repeat else ([], 0)
        if not raw_repeat:
            raw_text, ratio, same = "", "", ""
        elif slow is None:
            raw_text, ratio, same = f">{raw.cap:g} s", f">{raw.cap / p50:,.0f}", "?"
        else:
            raw50 = statistics.median(slow_samples)
            raw_text, ratio = ms(raw50), f"{raw50 / p50:,.0f}"
            same = (
                "yes"
                if json.dumps(fast, sort_keys=True) == json.dumps(slow, sort_keys=True)
                else "NO"
            )
        print(
            f"{question.label:40} {ms(p50):>9} ms {ms(p95):>9} ms {raw_text:>9} ms "
            f"{ratio:>11}  {same}",
            flush=True,
        )
        if same == "NO":
            print(f"{'':40} first difference: {first_difference(fast, slow)}")


def first_difference(one: Any, other: Any, path: str = "") -> str:
    """Where two answers first differ, and how."""
    if isinstance(one, dict) and isinstance(other, dict):
        for key in one:
            if one[key] != other.get(key):
                return first_difference(one[key], other.get(key), f"{path}.{key}")
    elif isinstance(one, list) and isinstance(other, list) and len(one) == len(other):
        for i, (a, b) in enumerate(zip(one, other, strict=True)):
            if a != b:
                return first_difference(a, b, f"{path}[{i}]")
    return f"{path}: derived {json.dumps(one)[:120]}, raw {json.dumps(other)[:120]}"


async def sizes(conn: asyncpg.Connection, tables: tuple[str, ...]) -> dict[str, int]:
    return {
        table: await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", table)
        for table in tables
    }


def print_sizes(raw: dict[str, int], derived: dict[str, int], rows: dict[str, int]) -> None:
    print(f"\n{'raw table':22} {'rows':>12} {'size':>10}    {'derived table':22} {'size':>10}")
    left, right = list(raw), list(derived)
    for i in range(max(len(left), len(right))):
        a = (
            f"{left[i]:22} {rows[left[i]]:>12,} {size_text(raw[left[i]]):>10}"
            if i < len(left)
            else " " * 46
        )
        b = f"{right[i]:22} {size_text(derived[right[i]]):>10}" if i < len(right) else ""
        print(f"{a}    {b}")
    total_raw, total_derived = sum(raw.values()), sum(derived.values())
    print(
        f"{'all raw tables':22} {sum(rows.values()):>12,} {size_text(total_raw):>10}    "
        f"{'all derived tables':22} {size_text(total_derived):>10}  "
        f"(derived/raw {total_derived / total_raw:.2f})"
    )


async def world(server_url: str, scale: float, seed: int, rebuild: bool) -> str:
    """The URL of a database holding the demo world of `scale` and `seed`, built if need be."""
    name = f"minis_bench_s{scale:g}".replace(".", "_") + ("" if seed == 7 else f"_seed{seed}")
    marker = f"minis bench world: seed {seed}, scale {scale:g}, today {TODAY.isoformat()}"
    admin = await asyncpg.connect(with_database(server_url, "postgres"))
    try:
        found = await admin.fetchrow(
            "SELECT shobj_description(oid, 'pg_database') AS marker FROM pg_database"
            " WHERE datname = $1",
            name,
        )
        if found is None:
            await admin.execute(f'CREATE DATABASE "{name}"')
        url = with_database(server_url, name)
        if found is not None and found["marker"] == marker and not rebuild:
            print(f"reusing the world in database {name} ({marker})")
            return url
        await admin.execute(f'COMMENT ON DATABASE "{name}" IS NULL')
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn)
            summary = await build_demo(conn, today=TODAY, seed=seed, scale=scale)
            print(summary.describe())
        finally:
            await conn.close()
        await admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{marker}'")
        return url
    finally:
        await admin.close()


async def add_day(conn: asyncpg.Connection, day: dt.date) -> int:
    """Copies the rows of `day` of every event table to the day after, with new keys."""
    added = 0
    async with conn.transaction():
        for table, (key, column) in KEYS_AND_TIMES.items():
            columns = [
                r["column_name"]
                for r in await conn.fetch(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = $1"
                    " ORDER BY ordinal_position",
                    table,
                )
            ]
            shifted = []
            for name in columns:
                if name == column:
                    shifted.append(f"{name} + interval '1 day'" if column != "day" else "day + 1")
                elif name == key or name == "launch_id":
                    shifted.append(f"{name} || '+1'")
                else:
                    shifted.append(name)
            status = await conn.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(shifted)}"
                f" FROM {table} WHERE {column} >= $1 AND {column} < $2",
                *_bounds(column, day),
            )
            added += int(status.split()[-1])
    return added


def _bounds(column: str, day: dt.date) -> tuple[Any, Any]:
    if column == "day":
        return day, day + dt.timedelta(days=1)
    start = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


async def remove_day(conn: asyncpg.Connection, day: dt.date) -> None:
    async with conn.transaction():
        for table, (_key, column) in KEYS_AND_TIMES.items():
            await conn.execute(f"DELETE FROM {table} WHERE {column} >= $1", _bounds(column, day)[0])
        # what was built from that day goes too; the next run rebuilds everything
        await conn.execute(f"TRUNCATE {', '.join(DERIVED_TABLES)}")


async def bench(args: argparse.Namespace) -> None:
    model = load_model()
    started = time.perf_counter()
    url = await world(args.server_url, args.scale, args.seed, args.rebuild)
    print(f"world ready in {time.perf_counter() - started:,.1f} s")
    conn = await asyncpg.connect(url)
    try:
        rows = {
            table: await conn.fetchval(f"SELECT count(*) FROM {table}") for table in EVENT_TABLES
        }
        print(f"{rows['launches']:,} launches, {sum(rows.values()):,} raw rows in all")
        if not args.keep_derived:
            await conn.execute(f"TRUNCATE {', '.join(DERIVED_TABLES)}")
        built = await refresh(conn, model=model, reporting_day=REPORTING_DAY)
        if any(app.full for app in built.apps):
            print(f"\nfull refresh of the whole world: {built.seconds:,.1f} s")
        else:
            print("\nthe derived tables were current: the full refresh was not timed")
        print(built.describe())
        analyzed = (*DERIVED_TABLES, *await first_rows_tables(conn, model=model))
        await conn.execute(f"ANALYZE {', '.join(analyzed)}")
        token = (await create_token(conn, owner_id=None, admin=True)).token
    finally:
        await conn.close()

    only = tuple(args.only.split(","))
    questions = [q for q in module_questions(model) if q.label.startswith(only)]
    print(
        f"\nmodules over 30 days with comparison and series, over HTTP: derived x{args.repeat}, "
        f"raw x{args.raw_repeat} (cap {args.raw_cap:g} s)"
    )
    async with (
        Gateway(url, model, token, derived=True, cap=args.derived_cap) as derived,
        Gateway(url, model, token, derived=False, cap=args.raw_cap) as raw,
    ):
        await compare(derived, raw, questions, args.repeat, args.raw_repeat)
        if args.scale == 1 or args.questions:
            print("\nissue 9's demo-world questions (tile_kingdom, userBehavior)")
            await compare(derived, raw, list(demo_questions()), args.repeat, args.raw_repeat)

    conn = await asyncpg.connect(url)
    try:
        raw_sizes = await sizes(conn, EVENT_TABLES)
        first_rows = await first_rows_tables(conn, model=model)
        derived_sizes = await sizes(conn, (*DERIVED_TABLES, *first_rows))
        new_day = REPORTING_DAY + dt.timedelta(days=1)
        added = await add_day(conn, REPORTING_DAY)
        began = time.perf_counter()
        daily = await refresh(conn, model=model, reporting_day=new_day)
        seconds = time.perf_counter() - began
        print(
            f"\none new day ({new_day}, {added:,} rows: a copy of {REPORTING_DAY}) refreshed in "
            f"{seconds:,.1f} s (the new day and the {DEFAULT_LATE_DAYS}-day late-data window)"
        )
        print(daily.describe())
        await remove_day(conn, new_day)
        print_sizes(raw_sizes, derived_sizes, rows)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "server_url", nargs="?", default=os.environ.get("MINIS_DATABASE_URL") or DEFAULT_SERVER
    )
    parser.add_argument("--scale", type=float, default=45.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=20, help="derived answers per module")
    parser.add_argument(
        "--raw-repeat", type=int, default=3, help="raw answers per module (0: none)"
    )
    parser.add_argument(
        "--raw-cap", type=float, default=120.0, help="seconds a raw answer may take"
    )
    parser.add_argument("--questions", action="store_true", help="issue 9's questions at any scale")
    parser.add_argument(
        "--only", default="", help="only the modules whose label begins so (a comma-separated list)"
    )
    parser.add_argument(
        "--derived-cap", type=float, default=60.0, help="seconds a derived answer may take"
    )
    parser.add_argument(
        "--keep-derived",
        action="store_true",
        help="keep derived tables that are current instead of timing a full refresh",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the world even if it exists")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
