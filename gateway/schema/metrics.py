"""The `Metric` interface, `SimpleMetric`, and one type per module whose metrics can be broken
down (with `breakdown(by: <Module>Dimension)`)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from gateway.answers import COUNTABLE_UNITS, MetricAnswer, assessment
from gateway.answers import Point as PointAnswer
from gateway.context import Context
from gateway.errors import bad_input, too_complex
from gateway.loaders import BreakdownKey, MetricKey
from gateway.schema.common import (
    SERIES,
    WHOLE,
    AssessmentEnum,
    BreakdownRow,
    DirectionEnum,
    MorePoints,
    Point,
    PolarityEnum,
    ProtectedData,
    SuppressionEnum,
    protected_data,
    resolve_series,
    whole,
)
from gateway.schema.naming import camel
from gateway.schema.selection import arguments_of
from semantic.model import Agg, MetricKind, SemanticModel
from semantic.model import Metric as MetricDefinition
from semantic.query import Granularity

COUNTING_AGGS = frozenset({Agg.COUNT, Agg.COUNT_DISTINCT})


def counts(model: SemanticModel, definition: MetricDefinition) -> bool:
    """Is the metric a count (of users, sessions, events...), so a whole number?"""
    if definition.kind is not MetricKind.SIMPLE or definition.measure is None:
        return False
    return model.measure(definition.measure).agg in COUNTING_AGGS


@strawberry.interface(
    description="A metric of a module over the filter's range; every module's metric type "
    "implements it, so one fragment on Metric draws any card."
)
class Metric:
    id: str
    label: str
    unit: str
    value: float | None
    previous: float | None = strawberry.field(
        description="the metric over the period of equal length ending the day before start"
    )
    change: float | None = strawberry.field(description="(value - previous) / previous")
    direction: DirectionEnum | None  # type: ignore[valid-type]
    polarity: PolarityEnum = strawberry.field(  # type: ignore[valid-type]
        description="which way the metric is better"
    )
    assessment: AssessmentEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="whether the change is good or bad news; null when there is no change"
    )
    suppressed: SuppressionEnum | None  # type: ignore[valid-type]
    series: list[Point] = strawberry.field(resolver=resolve_series, description=SERIES)
    value_int: int | None = strawberry.field(default=None, description=WHOLE)
    previous_int: int | None = strawberry.field(
        default=None, description="previous as a whole number, for metrics that count"
    )
    protected: ProtectedData | None = strawberry.field(
        default=None,
        description="which days' protected-region (US) data value and previous include",
    )
    key: strawberry.Private[MetricKey | None] = None
    total: strawberry.Private[float | None] = None
    points: strawberry.Private[Mapping[Granularity, list[Point]]] = dataclasses.field(
        default_factory=dict
    )
    more: strawberry.Private[MorePoints | None] = None


M = TypeVar("M", bound=Metric)


@strawberry.type(description="A metric that offers no breakdown.")
class SimpleMetric(Metric):
    pass


def series_granularities(info: Info[Context, Any]) -> list[Granularity]:
    """The granularities the field's `series` subfields ask for (each alias), in order."""
    found: dict[Granularity, None] = {}
    for arguments in arguments_of(info, "series"):
        found.setdefault(_granularity(arguments.get("granularity")), None)
    return list(found)


def _granularity(value: Any) -> Granularity:
    if isinstance(value, Granularity):
        return value
    if value is None:
        return Granularity.DAY
    text = str(getattr(value, "value", value))
    return Granularity[text] if text in Granularity.__members__ else Granularity(text.lower())


def metric_object(
    cls: type[M],
    definition: MetricDefinition,
    answer: MetricAnswer,
    key: MetricKey | None = None,
    *,
    integer: bool = False,
    series: Mapping[Granularity, MetricAnswer] | None = None,
    more: MorePoints | None = None,
) -> M:
    """The GraphQL object of a metric's answer; `integer` for a metric that counts. `series`:
    the answers whose series the selection asked for, by granularity (by default `answer`'s,
    when its key asked for one); `more` answers the others."""
    if series is None:
        series = {key.granularity: answer} if key is not None and key.series else {}
    return cls(
        id=camel(definition.name),
        label=definition.label,
        unit=definition.unit.value,
        value=answer.value,
        previous=answer.previous,
        change=answer.change,
        direction=answer.direction,
        polarity=definition.direction,
        assessment=assessment(answer.change, definition.direction),
        suppressed=answer.suppressed,
        points={g: _points(a.series, integer) for g, a in series.items()},
        more=more,
        value_int=whole(answer.value, integer),
        previous_int=whole(answer.previous, integer),
        protected=protected_data(answer, key.request.range.days) if key is not None else None,
        key=key,
        total=answer.value,
    )


def _points(series: Sequence[PointAnswer], integer: bool) -> list[Point]:
    return [Point(date=p.date, value=p.value, value_int=whole(p.value, integer)) for p in series]


def series_of(answer: MetricAnswer, *, integer: bool = False) -> list[Point]:
    """The GraphQL points of an answer's series."""
    return _points(answer.series, integer)


def breakdown_type(prefix: str, dimensions: type[Enum]) -> type[Metric]:
    """`<prefix>Metric`: a Metric with breakdown(by: <prefix>Dimension, limit: Int)."""

    async def breakdown(
        self: Metric,
        info: Info[Context, Any],
        by: Any,
        limit: int = 10,
    ) -> list[BreakdownRow]:
        most = info.context.limits.max_breakdown
        if limit < 1:
            raise bad_input(f"limit must be 1 or more, not {limit}", argument="limit")
        if limit > most:
            raise too_complex(
                f"a breakdown has at most {most} rows; ask for a limit of {most} or less",
                argument="limit",
            )
        if self.key is None:
            return []
        loader = info.context.loaders.breakdowns
        base = BreakdownKey(request=self.key.request, metric=self.key.metric, by=by.value)
        asked = series_granularities(info)
        keys = [dataclasses.replace(base, series=True, granularity=g) for g in asked] or [base]
        found = await asyncio.gather(*(loader.load(k) for k in keys))
        answers = found[0]
        definition = info.context.model.metrics[self.key.metric]
        countable = definition.unit.value in COUNTABLE_UNITS
        integer = counts(info.context.model, definition)
        # each row's points of every granularity asked (one statement each)
        points = {
            k.granularity: {a.key: _points(a.answer.series, integer) for a in rows_of}
            for k, rows_of in zip(keys, found, strict=True)
            if k.series
        }

        def more_of(row_key: str | None) -> MorePoints:
            async def more(granularity: Granularity) -> list[Point]:
                rows_of = await loader.load(
                    dataclasses.replace(base, series=True, granularity=granularity)
                )
                return next(
                    (_points(a.answer.series, integer) for a in rows_of if a.key == row_key), []
                )

            return more

        rows = sorted(
            answers,
            key=lambda a: (a.answer.value is None, -(a.answer.value or 0), str(a.key)),
        )[:limit]
        privacy = info.context.model.config.privacy
        return [
            BreakdownRow(
                key=row.key,
                value=row.answer.value,
                share=(row.answer.value / self.total)
                if countable and row.answer.value is not None and self.total
                else None,
                value_int=whole(row.answer.value, integer),
                # a row of a region that is not protected holds no protected data at all
                protected=None
                if by.value == privacy.region_dimension.name
                and row.key not in privacy.protected_regions
                else protected_data(row.answer, self.key.request.range.days),
                points={g: by_key.get(row.key, []) for g, by_key in points.items()},
                more=more_of(row.key),
            )
            for row in rows
        ]

    breakdown.__annotations__ = {
        "self": Metric,
        "info": Info,
        "by": dimensions,
        "limit": int,
        "return": list[BreakdownRow],
    }
    namespace = {
        "breakdown": strawberry.field(
            resolver=breakdown,
            description="the metric for each value of a dimension, largest first",
        )
    }
    cls = type(f"{prefix}Metric", (Metric,), namespace)
    return strawberry.type(cls, description=f"A metric of {prefix}, with breakdowns.")


async def resolve_metric(info: Info[Context, Any], cls: type[Metric], key: MetricKey) -> Metric:
    """The metric of `key`, with the series of every granularity its selection asks for: all
    loaded at once, so that each granularity is one statement of the module's batch."""
    loader = info.context.loaders.metrics
    asked = series_granularities(info)
    keys = [dataclasses.replace(key, series=True, granularity=g) for g in asked] or [key]
    answers = await asyncio.gather(*(loader.load(k) for k in keys))
    model = info.context.model
    definition = model.metrics[key.metric]
    integer = counts(model, definition)

    async def more(granularity: Granularity) -> list[Point]:
        found = await loader.load(dataclasses.replace(key, series=True, granularity=granularity))
        return _points(found.series, integer)

    return metric_object(
        cls,
        definition,
        answers[0],
        keys[0],
        integer=integer,
        series={k.granularity: a for k, a in zip(keys, answers, strict=True) if k.series},
        more=more,
    )
