"""Per-request DataLoaders: everything one GraphQL request asks of one module is batched
into one statement, and the same question asked twice is answered once."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from gateway.answers import (
    Grains,
    MetricAnswer,
    counted_cohort_days,
    hidden,
    incomplete,
    not_launched,
)
from gateway.apps import App
from gateway.execution import Runner
from gateway.requests import ModuleRequest
from gateway.storage.state import DerivedUse, apps_query, plan_params
from semantic.compiler import compile_metrics, metric_routes, reads_till_date
from semantic.engines import Engine
from semantic.grains import CURRENT
from semantic.model import SemanticModel
from semantic.query import (
    DistributionQuery,
    FunnelQuery,
    Granularity,
    MetricQuery,
    RetentionQuery,
    Scope,
    TableQuery,
)
from semantic.rollups import plan_for
from semantic.views import (
    compile_distribution,
    compile_funnel,
    compile_retention,
    compile_table,
    retention_route,
)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _starts(request: ModuleRequest, granularity: Granularity, series: bool = True) -> list[Any]:
    """The dates of a series' points: each bucket's first day within the range."""
    return [b.start for b in request.range.buckets(granularity)] if series else []


@dataclass(frozen=True, kw_only=True)
class MetricKey:
    request: ModuleRequest
    metric: str
    series: bool = False
    granularity: Granularity = Granularity.DAY  # of the series: one statement each


@dataclass(frozen=True, kw_only=True)
class BreakdownKey:
    request: ModuleRequest
    metric: str
    by: str
    series: bool = False
    granularity: Granularity = Granularity.DAY


@dataclass(frozen=True, kw_only=True)
class BreakdownAnswer:
    key: str | None
    answer: MetricAnswer


@dataclass(frozen=True, kw_only=True)
class RetentionKey:
    request: ModuleRequest
    period: int
    cohort: str
    granularity: Granularity = Granularity.DAY  # of the rate's series; cohort rows: DAY's


@dataclass(frozen=True, kw_only=True)
class Cohort:
    date: Any
    cohort_size: int | None
    retained: int | None
    rate: float | None


@dataclass(frozen=True, kw_only=True)
class RetentionAnswer:
    rate: MetricAnswer
    cohorts: tuple[Cohort, ...]


@dataclass(frozen=True, kw_only=True)
class ViewKey:
    request: ModuleRequest
    view: str  # distribution dimension, "funnel", or table name
    limit: int | None = None
    offset: int = 0


def _grouped(keys: Sequence[K], by: Callable[[K], Hashable]) -> dict[Hashable, list[K]]:
    groups: dict[Hashable, list[K]] = {}
    for key in keys:
        groups.setdefault(by(key), []).append(key)
    return groups


async def _per_group(
    keys: Sequence[K],
    by: Callable[[K], Hashable],
    answer: Callable[[list[K]], Awaitable[Mapping[K, V]]],
) -> list[V]:
    groups = list(_grouped(keys, by).values())
    results = await asyncio.gather(*(answer(group) for group in groups))
    merged: dict[K, V] = {}
    for result in results:
        merged.update(result)
    return [merged[key] for key in keys]


SeriesKey = TypeVar("SeriesKey", MetricKey, BreakdownKey)


def _series_group(
    keys: Sequence[SeriesKey], by: Callable[[SeriesKey], Hashable]
) -> Callable[[SeriesKey], Hashable]:
    """Statements by `by` and the series granularity: a key without a series joins one of
    its group's statements that has one (so a module's cards with a weekly series and cards
    without are one statement)."""
    joined = {by(k): k.granularity for k in keys if k.series}
    return lambda k: (by(k), k.granularity if k.series else joined.get(by(k), k.granularity))


class Loaders:
    def __init__(
        self,
        *,
        runner: Runner,
        model: SemanticModel,
        derived: bool = True,
        engine: Engine = Engine.POSTGRES,
    ) -> None:
        """`derived`: answer from the derived tables where they are current (else raw rows).
        On ClickHouse (`engine`) there are none: every answer scans the event tables."""
        self.runner = runner
        self.model = model
        self.engine = engine
        derived = derived and engine is Engine.POSTGRES
        self.plan = plan_for(model) if derived else None
        self.use_derived = derived
        self.derived = DerivedUse()
        self.apps: DataLoader[str, App | None] = DataLoader(load_fn=self._apps)
        self.metrics: DataLoader[MetricKey, MetricAnswer] = DataLoader(load_fn=self._metrics)
        self.breakdowns: DataLoader[BreakdownKey, list[BreakdownAnswer]] = DataLoader(
            load_fn=self._breakdowns
        )
        self.retention: DataLoader[RetentionKey, RetentionAnswer] = DataLoader(
            load_fn=self._retention
        )
        self.views: DataLoader[ViewKey, list[dict[str, Any]]] = DataLoader(load_fn=self._views)

    def _scope(self, request: ModuleRequest) -> Scope:
        """The request's scope; without derived tables, privacy cells are decided in the
        statement too (the answer reads raw rows only). On ClickHouse the statements read
        the raw rows and the privacy decisions the refresh stored there: none before the
        first refresh, so protected-region rows are withheld until one has decided them
        (never shown without a decision)."""
        scope = request.scope()
        if self.engine is Engine.CLICKHOUSE:
            return dataclasses.replace(
                scope,
                engine=Engine.CLICKHOUSE,
                derived_through=None,
                cells_stored=True,
                cells_shown=True,
            )
        return scope if self.use_derived else dataclasses.replace(scope, cells_stored=False)

    def _built_through(self, app: App) -> dt.date | None:
        """The day the app's derived tables are built through (None on ClickHouse: none)."""
        return app.derived_through if self.engine is Engine.POSTGRES else None

    def _record(self, request: ModuleRequest, query: MetricQuery) -> None:
        routes = metric_routes(self.model, query, self.plan)
        derived = sum(1 for r in routes if r.rollup is not None)
        self.derived.record(
            app_id=request.app.id,
            built_through=self._built_through(request.app),
            derived=derived,
            raw=len(routes) - derived,
        )

    async def _apps(self, ids: Sequence[str]) -> list[App | None]:
        rows = await self.runner.fetch_sql(
            apps_query("app_id = ANY($1::text[])", first_param=2),
            list(ids),
            *plan_params(plan_for(self.model)),
        )
        found = {row["app_id"]: App.from_row(row) for row in rows}
        return [found.get(i) for i in ids]

    async def _metrics(self, keys: Sequence[MetricKey]) -> list[MetricAnswer]:
        async def answer(group: list[MetricKey]) -> dict[MetricKey, MetricAnswer]:
            request = group[0].request
            granularity = next((k.granularity for k in group if k.series), Granularity.DAY)
            if not request.app.launched:
                return {k: not_launched(_starts(request, k.granularity, k.series)) for k in group}
            names = tuple(dict.fromkeys(k.metric for k in group))
            query = MetricQuery(
                scope=self._scope(request),
                metrics=names,
                series=any(k.series for k in group),
                granularity=granularity,
            )
            self._record(request, query)
            grains = Grains.of(
                await self.runner.fetch(compile_metrics(self.model, query, plan=self.plan))
            )
            only = request.protected_only(self.model)
            return {
                k: grains.answer(
                    k.metric, protected_only=only, till=reads_till_date(self.model, k.metric)
                )
                for k in group
            }

        return await _per_group(keys, _series_group(keys, lambda k: k.request), answer)

    async def _breakdowns(self, keys: Sequence[BreakdownKey]) -> list[list[BreakdownAnswer]]:
        async def answer(group: list[BreakdownKey]) -> dict[BreakdownKey, list[BreakdownAnswer]]:
            request, by = group[0].request, group[0].by
            if not request.app.launched:
                return {k: [] for k in group}
            names = tuple(dict.fromkeys(k.metric for k in group))
            query = MetricQuery(
                scope=self._scope(request),
                metrics=names,
                series=any(k.series for k in group),
                granularity=next((k.granularity for k in group if k.series), Granularity.DAY),
                breakdown=by,
            )
            self._record(request, query)
            rows = await self.runner.fetch(compile_metrics(self.model, query, plan=self.plan))
            per_key: dict[Any, list[Any]] = {}
            for row in rows:
                per_key.setdefault(row["bkey"], []).append(row)
            only = request.protected_only(self.model)
            protected: set[Any] = set()
            if by == self.model.config.privacy.region_dimension.name:
                # a protected region's row is a protected-only slice: with none of its days
                # shown in the range it has no row at all, not a row of 0
                protected = set(self.model.config.privacy.protected_regions)
                per_key = {
                    key: key_rows
                    for key, key_rows in per_key.items()
                    if key not in protected
                    or any(r["grain_id"] == CURRENT and r["shown_days"] for r in key_rows)
                }
            return {
                k: [
                    BreakdownAnswer(
                        key=key,
                        answer=Grains.of(key_rows).answer(
                            k.metric,
                            protected_only=only or key in protected,
                            till=reads_till_date(self.model, k.metric),
                        ),
                    )
                    for key, key_rows in per_key.items()
                ]
                for k in group
            }

        return await _per_group(keys, _series_group(keys, lambda k: (k.request, k.by)), answer)

    async def _retention(self, keys: Sequence[RetentionKey]) -> list[RetentionAnswer]:
        async def one(key: RetentionKey) -> RetentionAnswer:
            request = key.request
            if not request.app.launched:
                days = request.range.each_day()
                return RetentionAnswer(
                    rate=not_launched(_starts(request, key.granularity)),
                    cohorts=tuple(
                        Cohort(date=d, cohort_size=None, retained=None, rate=None) for d in days
                    ),
                )
            query = RetentionQuery(
                scope=self._scope(request),
                period=key.period,
                cohort=key.cohort,
                granularity=key.granularity,
            )
            routed = retention_route(self.model, query, self.plan) is not None
            self.derived.record(
                app_id=request.app.id,
                built_through=self._built_through(request.app),
                derived=int(routed),
                raw=int(not routed),
            )
            rows = await self.runner.fetch(compile_retention(self.model, query, plan=self.plan))
            grains = Grains.of(rows)
            only = request.protected_only(self.model)
            rate = grains.answer("rate", protected_only=only)
            span = request.range
            if not counted_cohort_days(span.start, span.end, request.reporting_day, key.period):
                rate = incomplete(rate)
            cohorts = tuple(
                Cohort(
                    date=row["grain_day"],
                    cohort_size=None if withheld else row["cohort_size"],
                    retained=None if withheld else row["retained"],
                    rate=None if withheld else row["rate"],
                )
                for row in (grains.days if key.granularity is Granularity.DAY else ())
                # a cohort row is its own slice: withheld when its day shows nothing asked for
                for withheld in [hidden(row["shown_days"], protected_only=only)]
            )
            return RetentionAnswer(rate=rate, cohorts=cohorts)

        return list(await asyncio.gather(*(one(k) for k in keys)))

    async def _views(self, keys: Sequence[ViewKey]) -> list[list[dict[str, Any]]]:
        async def one(key: ViewKey) -> list[dict[str, Any]]:
            request = key.request
            if not request.app.launched:
                return []
            module = self.model.module(request.app.kind, request.module)
            scope = self._scope(request)
            if key.view == "funnel":
                compiled = compile_funnel(self.model, FunnelQuery(scope=scope))
            elif any(t.name == key.view for t in module.tables):
                compiled = compile_table(
                    self.model,
                    TableQuery(scope=scope, table=key.view, limit=key.limit, offset=key.offset),
                )
            else:
                compiled = compile_distribution(
                    self.model, DistributionQuery(scope=scope, dimension=key.view)
                )
            return [dict(row) for row in await self.runner.fetch(compiled)]

        return list(await asyncio.gather(*(one(k) for k in keys)))
