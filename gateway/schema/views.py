"""GraphQL fields of the module views: retention, distribution, funnel and tables."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.tools import create_type
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from gateway.answers import Suppression, counted_cohort_days, hidden
from gateway.context import Context
from gateway.errors import bad_input, too_complex
from gateway.loaders import RetentionKey, ViewKey
from gateway.requests import ModuleRequest
from gateway.schema.common import (
    CohortRow,
    DistributionRow,
    FunnelStep,
    Point,
    RetentionPeriod,
    RetentionPeriodOption,
)
from gateway.schema.metrics import SimpleMetric, metric_object, series_granularities, series_of
from gateway.schema.naming import camel, pascal, resolved
from semantic.model import (
    Agg,
    Distribution,
    Funnel,
    MetricKind,
    Module,
    Retention,
    Table,
    Unit,
)
from semantic.model import Metric as MetricDefinition
from semantic.query import Granularity

RetentionKeyOf = Callable[[ModuleRequest, RetentionPeriod], RetentionKey]


def _named(resolver: Callable[..., Any], name: str, annotations: dict[str, Any]) -> None:
    resolver.__name__ = name
    resolver.__annotations__ = annotations


def retention_fields(view: Retention, key_of: RetentionKeyOf) -> list[StrawberryField]:
    definition = MetricDefinition(
        name=view.name,
        label=view.label,
        description=view.description,
        unit=Unit.FRACTION,
        kind=MetricKind.SIMPLE,
    )

    async def rate(
        root: ModuleRequest,
        info: Info[Context, Any],
        period: RetentionPeriod = RetentionPeriod.DAY_7,
    ) -> SimpleMetric:
        # the rate over each day, week or month asked: a statement per granularity (the
        # cohort rows are always the days')
        loader = info.context.loaders.retention
        base = key_of(root, period)
        keys = [dataclasses.replace(base, granularity=g) for g in series_granularities(info)]
        answers = await asyncio.gather(*(loader.load(k) for k in keys or [base]))

        async def more(granularity: Granularity) -> list[Point]:
            found = await loader.load(dataclasses.replace(base, granularity=granularity))
            return series_of(found.rate)

        return metric_object(
            SimpleMetric,
            definition,
            answers[0].rate,
            series={k.granularity: a.rate for k, a in zip(keys, answers, strict=False)},
            more=more,
        )

    async def cohorts(
        root: ModuleRequest,
        info: Info[Context, Any],
        period: RetentionPeriod = RetentionPeriod.DAY_7,
    ) -> list[CohortRow]:
        answer = await info.context.loaders.retention.load(key_of(root, period))
        return [
            CohortRow(date=c.date, cohort_size=c.cohort_size, retained=c.retained, rate=c.rate)
            for c in answer.cohorts
        ]

    periods = [p for p in RetentionPeriod if p.value in view.periods]

    def options(root: ModuleRequest) -> list[RetentionPeriodOption]:
        span = root.range
        return [
            RetentionPeriodOption(
                period=p,
                counted_days=counted_cohort_days(span.start, span.end, root.reporting_day, p.value),
                complete=span.end + dt.timedelta(days=p.value) <= root.reporting_day,
            )
            for p in periods
        ]

    return [
        resolved(rate, name="rate", description=view.description),
        resolved(
            options,
            name="periods",
            description="each period of the view and how many cohort days of the range it can "
            "show; a UI offers only those with counted days",
        ),
        resolved(
            cohorts,
            name="cohorts",
            description="each cohort day of the range: its size, how many returned, the rate",
        ),
    ]


def distribution_field(prefix: str, view: Distribution, enums: Any) -> StrawberryField:
    by_enum = enums.get(
        f"{prefix}DistributionDimension",
        [d.name for d in view.dimensions],
        "What a distribution can be by.",
    )

    async def distribution(
        root: ModuleRequest, info: Info[Context, Any], by: Any
    ) -> list[DistributionRow]:
        rows = await info.context.loaders.views.load(ViewKey(request=root, view=by.value))
        return [DistributionRow(key=r["bkey"], users=r["users"], share=r["share"]) for r in rows]

    _named(
        distribution,
        "distribution",
        {"root": ModuleRequest, "info": Info, "by": by_enum, "return": list[DistributionRow]},
    )
    return resolved(distribution, name="distribution", description=view.description)


def funnel_field(view: Funnel) -> StrawberryField:
    labels = {step.id: step.label for step in view.steps}

    async def steps(root: ModuleRequest, info: Info[Context, Any]) -> list[FunnelStep]:
        rows = await info.context.loaders.views.load(ViewKey(request=root, view="funnel"))
        withheld = None
        if not root.app.launched:
            withheld = Suppression.APP_NOT_LAUNCHED
        elif rows and hidden(
            rows[0]["shown_days"], protected_only=root.protected_only(info.context.model)
        ):
            withheld = Suppression.PRIVACY_THRESHOLD  # its only regions are left out
        if not rows or withheld is not None:
            return [
                FunnelStep(
                    step=s.id,
                    label=s.label,
                    pv=None,
                    conversion_from_previous=None,
                    conversion_from_first=None,
                    suppressed=withheld,
                )
                for s in view.steps
            ]
        return [
            FunnelStep(
                step=r["step"],
                label=labels[r["step"]],
                pv=r["pv"],
                conversion_from_previous=r["conversion_from_previous"],
                conversion_from_first=r["conversion_from_first"],
            )
            for r in rows
        ]

    _named(steps, view.name, {"root": ModuleRequest, "info": Info, "return": list[FunnelStep]})
    return resolved(steps, name=camel(view.name), description=view.description)


_INTEGER_AGGS = frozenset({Agg.COUNT, Agg.COUNT_DISTINCT})


def table_field(prefix: str, module: Module, table: Table) -> StrawberryField:
    type_prefix = prefix + pascal(table.name)
    row_fields: dict[str, Any] = {d.name: str | None for d in table.group_by}
    for column in table.columns:
        row_fields[column.name] = int | None if column.agg in _INTEGER_AGGS else float | None
    row_cls = strawberry.type(
        type(f"{type_prefix}Row", (), {"__annotations__": row_fields}),
        description=f"A row of {table.label}.",
    )
    page_cls = create_type(
        f"{type_prefix}Page",
        [
            resolved(
                _page_total,
                name="totalCount",
                description="how many rows there are over all pages",
            ),
            resolved(_page_rows(row_cls, table), name="rows"),
        ],
        description=table.description,
    )

    async def resolve(
        root: ModuleRequest, info: Info[Context, Any], limit: int | None = None, offset: int = 0
    ) -> Any:
        _check_page(table, limit, offset)
        key = ViewKey(request=root, view=table.name, limit=limit, offset=offset)
        return await info.context.loaders.views.load(key)

    annotations: dict[str, Any] = {
        "root": ModuleRequest,
        "info": Info,
        "limit": int | None,
        "offset": int,
        "return": page_cls,
    }
    if not table.paged:

        async def resolve_unpaged(
            root: ModuleRequest, info: Info[Context, Any], limit: int | None = None
        ) -> Any:
            _check_page(table, limit, 0)
            return await info.context.loaders.views.load(
                ViewKey(request=root, view=table.name, limit=limit)
            )

        annotations.pop("offset")
        _named(resolve_unpaged, table.name, annotations)
        return resolved(resolve_unpaged, name=camel(table.name), description=table.description)
    _named(resolve, table.name, annotations)
    return resolved(resolve, name=camel(table.name), description=table.description)


def _check_page(table: Table, limit: int | None, offset: int) -> None:
    if limit is not None and limit < 1:
        raise bad_input(f"limit must be 1 or more, not {limit}", argument="limit")
    if limit is not None and limit > table.max_limit:
        raise too_complex(
            f"a page of {table.label} has at most {table.max_limit} rows; ask for a limit of "
            f"{table.max_limit} or less",
            argument="limit",
        )
    if offset < 0:
        raise bad_input(f"offset must be 0 or more, not {offset}", argument="offset")


def _page_total(root: list[dict[str, Any]]) -> int:
    return int(root[0]["total_rows"]) if root else 0


def _page_rows(row_cls: type, table: Table) -> Callable[..., list[Any]]:
    names = [d.name for d in table.group_by] + [c.name for c in table.columns]

    def rows(root: list[dict[str, Any]]) -> list[Any]:
        return [row_cls(**{n: r[n] for n in names}) for r in root]

    rows.__annotations__ = {"root": list, "return": list[row_cls]}  # type: ignore[valid-type]
    return rows
