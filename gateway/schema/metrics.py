"""The `Metric` interface, `SimpleMetric`, and one type per module whose metrics can be broken
down (with `breakdown(by: <Module>Dimension)`)."""

from __future__ import annotations

from collections.abc import Sequence
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
    WHOLE,
    AssessmentEnum,
    BreakdownRow,
    DirectionEnum,
    Point,
    PolarityEnum,
    ProtectedData,
    SuppressionEnum,
    protected_data,
    whole,
)
from gateway.schema.naming import camel
from gateway.schema.selection import selects
from semantic.model import Agg, MetricKind, SemanticModel
from semantic.model import Metric as MetricDefinition

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
    series: list[Point] = strawberry.field(description="the metric on each day of the range")
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


M = TypeVar("M", bound=Metric)


@strawberry.type(description="A metric that offers no breakdown.")
class SimpleMetric(Metric):
    pass


def metric_object(
    cls: type[M],
    definition: MetricDefinition,
    answer: MetricAnswer,
    key: MetricKey | None = None,
    *,
    integer: bool = False,
) -> M:
    """The GraphQL object of a metric's answer; `integer` for a metric that counts."""
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
        series=_points(answer.series, integer),
        value_int=whole(answer.value, integer),
        previous_int=whole(answer.previous, integer),
        protected=protected_data(answer, key.request.range.days) if key is not None else None,
        key=key,
        total=answer.value,
    )


def _points(series: Sequence[PointAnswer], integer: bool) -> list[Point]:
    return [Point(date=p.date, value=p.value, value_int=whole(p.value, integer)) for p in series]


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
        key = BreakdownKey(
            request=self.key.request,
            metric=self.key.metric,
            by=by.value,
            series=selects(info, "series"),
        )
        answers = await info.context.loaders.breakdowns.load(key)
        definition = info.context.model.metrics[self.key.metric]
        countable = definition.unit.value in COUNTABLE_UNITS
        integer = counts(info.context.model, definition)
        rows = sorted(
            answers,
            key=lambda a: (a.answer.value is None, -(a.answer.value or 0), str(a.key)),
        )[:limit]
        return [
            BreakdownRow(
                key=row.key,
                value=row.answer.value,
                share=(row.answer.value / self.total)
                if countable and row.answer.value is not None and self.total
                else None,
                series=_points(row.answer.series, integer),
                value_int=whole(row.answer.value, integer),
                protected=protected_data(row.answer, self.key.request.range.days),
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
    answer = await info.context.loaders.metrics.load(key)
    model = info.context.model
    definition = model.metrics[key.metric]
    return metric_object(cls, definition, answer, key, integer=counts(model, definition))
