"""The demo world on both engines, and how the engine comparisons ask and compare them.

`both_engines` opens the demo world (built and refreshed once per run in PostgreSQL) and an
in-process ClickHouse (chdb) holding a copy of it (chdb reads it itself with `pull_events`, or
`copy_events` sends it), its privacy cells decided there by the ClickHouse refresh step. A
comparison compiles one question for both engines and runs it on both: counts must be equal,
ratios within 1e-9, and the privacy decisions an answer reads (its shown days) the same.
chdb's in-memory engine is one per process: each test module opens it in a module-scoped
fixture and closes it at the module's end.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import math
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import asyncpg

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
    FilterValue,
    FunnelQuery,
    Granularity,
    MetricQuery,
    RetentionQuery,
    Scope,
    TableQuery,
)
from semantic.views import compile_distribution, compile_funnel, compile_retention, compile_table
from tests.conftest import DEMO_TODAY

MODEL = load_model()  # the packaged model: US protected
REPORTING_DAY = DEMO_TODAY - dt.timedelta(days=1)
LATE_DAYS = 3

Row = dict[str, Any]
Build = Callable[[Scope], CompiledQuery]


@dataclasses.dataclass(frozen=True)
class Engines:
    pg: asyncpg.Connection
    client: ClickHouseClient

    async def on_postgres(self, compiled: CompiledQuery) -> list[Row]:
        return [dict(r) for r in await self.pg.fetch(compiled.sql, *compiled.params)]

    async def on_clickhouse(self, compiled: CompiledQuery) -> list[Row]:
        return await fetch(self.client, compiled)

    async def answers(self, build: Build, scope: Scope) -> tuple[list[Row], list[Row]]:
        """PostgreSQL's rows and ClickHouse's, for one question compiled for each."""
        expected = await self.on_postgres(build(scope))
        answered = await self.on_clickhouse(build(on_clickhouse(scope)))
        return expected, answered


@contextlib.asynccontextmanager
async def both_engines(demo_world_url: str) -> AsyncIterator[Engines]:
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
        yield Engines(pg=pg, client=client)
    finally:
        await client.close()
        await pg.close()


def apps() -> Iterator[tuple[str, AppKind]]:
    yield "tile_kingdom", AppKind.GAME  # the biggest game
    yield "midnight_heiress", AppKind.DRAMA  # the biggest drama


def modules(kind: AppKind) -> list[Module]:
    return [m for (k, _), m in MODEL.modules.items() if k is kind]


def scope(
    app_id: str,
    kind: AppKind,
    module: Module,
    days: DateRange,
    filters: Mapping[str, FilterValue],
) -> Scope:
    """The question's scope on PostgreSQL, with the filters the module offers."""
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


def on_clickhouse(scope: Scope) -> Scope:
    return dataclasses.replace(scope, engine=Engine.CLICKHOUSE)


def metrics(
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


def distribution(scope: Scope, *, dimension: str) -> CompiledQuery:
    return compile_distribution(MODEL, DistributionQuery(scope=scope, dimension=dimension))


def retention(
    scope: Scope,
    *,
    period: int,
    cohort: str | None,
    granularity: Granularity = Granularity.DAY,
) -> CompiledQuery:
    query = RetentionQuery(
        scope=scope, period=period, cohort=cohort, series=True, granularity=granularity
    )
    return compile_retention(MODEL, query)


def funnel(scope: Scope) -> CompiledQuery:
    return compile_funnel(MODEL, FunnelQuery(scope=scope))


def table(scope: Scope, *, table: str, limit: int | None = 10, offset: int = 0) -> CompiledQuery:
    return compile_table(MODEL, TableQuery(scope=scope, table=table, limit=limit, offset=offset))


def equal(one: Any, other: Any) -> bool:
    if isinstance(one, float) or isinstance(other, float):
        if one is None or other is None:
            return one is other
        return math.isclose(float(one), float(other), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(equal(a, b) for a, b in zip(one, other, strict=True))
    return bool(one == other) or (str(one) == str(other) and one is not None)


def assert_same(expected: list[Row], answered: list[Row]) -> None:
    """ClickHouse's rows are PostgreSQL's: the same rows in the same order, every column of
    PostgreSQL's equal (ClickHouse's may have more, its outer query's keys)."""
    assert len(answered) == len(expected)
    for want, got in zip(expected, answered, strict=True):
        assert list(got) == list(want) or set(want) <= set(got)
        wrong = {k: (want[k], got[k]) for k in want if not equal(want[k], got[k])}
        assert not wrong, wrong
