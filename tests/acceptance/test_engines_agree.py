"""The same model gives the same answers on ClickHouse as on PostgreSQL, on the demo world.

The demo world (built and refreshed once per run in PostgreSQL) is copied to an in-process
ClickHouse (chdb reads it itself with `pull_events`, or `copy_events` sends it), its privacy
cells decided there by the ClickHouse refresh step. Then every metric module of the biggest
game and drama, every distribution, table, retention view (periods 1 and 7, NEW and ACTIVE
cohorts) and the funnel is compiled for both engines and run on both, over ranges and filters
chosen to differ: a 30-day month, the 90 days before the reporting day with US only (the
privacy rule at work), an iOS-only 3 weeks, a day, an ISO-week and a month series, and a
breakdown by os and by region (the views over the 90 days only). Counts must be equal,
ratios within 1e-9, and both engines must decide the same privacy cells.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest

from gateway.storage.clickhouse.client import ClickHouseClient, connect
from gateway.storage.clickhouse.copy import copy_events, pull_events
from gateway.storage.clickhouse.migrate import migrate
from gateway.storage.clickhouse.privacy import decide_cells
from gateway.storage.clickhouse.statements import fetch
from semantic.compiler import compile_metrics
from semantic.engines import Engine
from semantic.loader import load_model
from semantic.model import AppKind, Module
from semantic.query import (
    CompiledQuery,
    DateRange,
    DistributionQuery,
    FunnelQuery,
    Granularity,
    MetricQuery,
    RetentionQuery,
    Scope,
    TableQuery,
)
from semantic.views import compile_distribution, compile_funnel, compile_retention, compile_table
from tests.conftest import DEMO_TODAY

MODEL = load_model()
REPORTING_DAY = DEMO_TODAY - dt.timedelta(days=1)
LATE_DAYS = 3
D = dt.date

# (name, range, filters, series granularity or None)
ASKS: list[tuple[str, DateRange, dict[str, Any], Granularity | None]] = [
    ("october", DateRange(start=D(2026, 10, 1), end=D(2026, 10, 30)), {}, Granularity.DAY),
    (
        "90 days US",
        DateRange(start=D(2026, 8, 23), end=D(2026, 11, 20)),
        {"regions": ("US",)},
        Granularity.WEEK,
    ),
    (
        "3 weeks iOS",
        DateRange(start=D(2026, 10, 28), end=D(2026, 11, 17)),
        {"os": "ios"},
        Granularity.MONTH,
    ),
]


@pytest.fixture(scope="module")
async def engines(
    demo_world_url: str,
) -> AsyncIterator[tuple[asyncpg.Connection, ClickHouseClient]]:
    """The demo world on PostgreSQL, and copied to ClickHouse with its privacy cells decided."""
    pg = await asyncpg.connect(demo_world_url)
    client = await connect("chdb://")
    try:
        await migrate(client)
        if urlsplit(demo_world_url).hostname:  # ClickHouse reads PostgreSQL itself, at once
            await pull_events(client, postgres_url=demo_world_url)
        else:  # a PostgreSQL on a socket: the rows go through minis in batches
            await copy_events(pg, client)
        for app_id, kind in apps():
            await decide_cells(
                client,
                model=MODEL,
                app_id=app_id,
                kind=kind.value,
                reporting_day=REPORTING_DAY,
                late_days=LATE_DAYS,
            )
        yield pg, client
    finally:
        await client.close()
        await pg.close()


def apps() -> Iterator[tuple[str, AppKind]]:
    yield "tile_kingdom", AppKind.GAME  # the biggest game
    yield "midnight_heiress", AppKind.DRAMA  # the biggest drama


def modules(kind: AppKind) -> list[Module]:
    return [m for (k, _), m in MODEL.modules.items() if k is kind]


Build = Callable[[Scope], CompiledQuery]


def _metrics(
    scope: Scope,
    *,
    metrics: tuple[str, ...],
    granularity: Granularity | None = None,
    breakdown: str | None = None,
) -> CompiledQuery:
    query = MetricQuery(
        scope=scope,
        metrics=metrics,
        series=granularity is not None,
        granularity=granularity or Granularity.DAY,
        breakdown=breakdown,
    )
    return compile_metrics(MODEL, query)


def _distribution(scope: Scope, *, dimension: str) -> CompiledQuery:
    return compile_distribution(MODEL, DistributionQuery(scope=scope, dimension=dimension))


def _retention(scope: Scope, *, period: int, cohort: str | None) -> CompiledQuery:
    query = RetentionQuery(scope=scope, period=period, cohort=cohort, series=True)
    return compile_retention(MODEL, query)


def _funnel(scope: Scope) -> CompiledQuery:
    return compile_funnel(MODEL, FunnelQuery(scope=scope))


def _table(scope: Scope, *, table: str) -> CompiledQuery:
    return compile_table(MODEL, TableQuery(scope=scope, table=table, limit=10))


def questions(module: Module) -> Iterator[tuple[str, Build]]:
    metrics = tuple(str(m) for m in module.metrics)
    for number, (name, _, _, granularity) in enumerate(ASKS):
        if metrics:
            yield name, functools.partial(_metrics, metrics=metrics, granularity=granularity)
        if number != 1:  # the views over the 90 US days only, where privacy and windows bite
            continue
        if module.distribution is not None:
            for dim in module.distribution.dimensions:
                yield f"{name} by {dim.name}", functools.partial(_distribution, dimension=dim.name)
        for table in module.tables:
            yield f"{name} table {table.name}", functools.partial(_table, table=table.name)
        if module.retention is not None:
            for period, cohort in ((1, None), (7, "NEW"), (7, "ACTIVE")):
                retention = functools.partial(_retention, period=period, cohort=cohort)
                yield f"{name} table retention day {period} {cohort}", retention
        if module.funnel is not None:
            yield f"{name} table funnel", _funnel
    if metrics:
        # by the privacy rule's dimensions (a breakdown's SQL is the same for every other one)
        for name in [d for d in map(str, module.dimensions) if d in ("os", "region")]:
            yield f"breakdown {name}", functools.partial(_metrics, metrics=metrics, breakdown=name)


def scope_of(app_id: str, kind: AppKind, module: Module, ask: int) -> Scope:
    _, days, filters, _ = ASKS[ask]
    known = {str(f) for f in module.filters}
    return Scope(
        app_id=app_id,
        kind=kind,
        module=module.id,
        range=days,
        reporting_day=REPORTING_DAY,
        filters={k: v for k, v in filters.items() if k in known},
        late_days=LATE_DAYS,
        cells_stored=True,  # both read the decisions their refresh stored
    )


def cases() -> Iterator[Any]:
    for app_id, kind in apps():
        for module in modules(kind):
            for name, _ in questions(module):
                yield pytest.param(app_id, kind, module.id, name, id=f"{app_id}-{module.id}-{name}")


def equal(one: Any, other: Any) -> bool:
    if isinstance(one, float) or isinstance(other, float):
        if one is None or other is None:
            return one is other
        return math.isclose(float(one), float(other), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(equal(a, b) for a, b in zip(one, other, strict=True))
    return bool(one == other) or (str(one) == str(other) and one is not None)


@pytest.mark.parametrize(("app_id", "kind", "module_id", "question"), list(cases()))
async def test_clickhouse_answers_as_postgresql(
    engines: tuple[asyncpg.Connection, ClickHouseClient],
    app_id: str,
    kind: AppKind,
    module_id: str,
    question: str,
) -> None:
    pg, client = engines
    module = MODEL.modules[(kind, module_id)]
    build = dict(questions(module))[question]
    ask = next((i for i, a in enumerate(ASKS) if question.startswith(a[0])), 0)
    scope = scope_of(app_id, kind, module, ask)
    on_pg = build(scope)
    on_ch = build(dataclasses.replace(scope, engine=Engine.CLICKHOUSE))
    expected = [dict(r) for r in await pg.fetch(on_pg.sql, *on_pg.params)]
    answered = await fetch(client, on_ch)
    assert len(answered) == len(expected)
    # a metric question has a row per grain; a table or distribution of US rows may have none
    assert expected or " table " in question or " by " in question
    for want, got in zip(expected, answered, strict=True):
        assert list(got) == list(want) or set(want) <= set(got)
        wrong = {k: (want[k], got[k]) for k in want if not equal(want[k], got[k])}
        assert not wrong, wrong


async def test_both_engines_decide_the_same_privacy_cells(
    engines: tuple[asyncpg.Connection, ClickHouseClient],
) -> None:
    pg, client = engines
    for app_id, _ in apps():
        on_pg = await pg.fetch(
            "SELECT level, lo, os, users, shown FROM minis_privacy_cells WHERE app_id = $1"
            " ORDER BY level, lo, os",
            app_id,
        )
        on_ch = await client.query(
            "SELECT level, lo, os, users, shown FROM minis_privacy_cells FINAL"
            " WHERE app_id = {app:String} ORDER BY level, lo, os",
            {"app": app_id},
        )
        assert [tuple(r.values()) for r in on_pg] == [
            (r["level"], r["lo"], r["os"], r["users"], bool(r["shown"])) for r in on_ch
        ]
        assert any(r["shown"] for r in on_pg), f"{app_id}: no shown cell compares little"
