"""One GraphQL type per module of the model, with a filter input holding only its filters."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, cast

import strawberry
from strawberry.tools import create_type
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from gateway.apps import App
from gateway.context import Context
from gateway.errors import bad_input
from gateway.loaders import MetricKey, RetentionKey
from gateway.ranges import Calendar, resolve_range
from gateway.requests import ModuleRequest
from gateway.schema.common import RangeInput, RetentionPeriod, UserType
from gateway.schema.metrics import Metric, SimpleMetric, breakdown_type, resolve_metric
from gateway.schema.naming import camel, enum_member, pascal, resolved
from gateway.schema.selection import selects
from gateway.schema.views import distribution_field, funnel_field, retention_fields, table_field
from semantic.model import FilterKind, Module, SemanticModel
from semantic.query import FilterValue

REGION_CODE = re.compile(r"^[A-Z]{2}$")
MAX_LIST_VALUES = 50
MAX_VALUE_LENGTH = 200


class Enums:
    """Enums shared by name across the schema."""

    def __init__(self) -> None:
        self._made: dict[str, type[Enum]] = {}

    def get(self, name: str, values: Sequence[str], description: str = "") -> type[Enum]:
        if name not in self._made:
            members = {enum_member(v): v for v in values}
            made = cast(type[Enum], Enum(name, members))
            self._made[name] = strawberry.enum(made, description=description or None)
        return self._made[name]


FilterParser = Callable[[Any, str], FilterValue | None]


def _enum_value(value: Any, argument: str) -> FilterValue | None:
    return None if value is None else str(value.value)


def _user_type(value: Any, argument: str) -> FilterValue | None:
    return None if value is None or value is UserType.ALL else str(value.value)


def _boolean(value: Any, argument: str) -> FilterValue | None:
    return None if value is None else bool(value)


def _text(value: Any, argument: str) -> FilterValue | None:
    if value is None:
        return None
    if not value or len(value) > MAX_VALUE_LENGTH:
        raise bad_input(f"give a value of 1 to {MAX_VALUE_LENGTH} characters", argument=argument)
    if "\x00" in value:
        raise bad_input("values cannot contain the NUL character", argument=argument)
    return str(value)


def _text_list(value: Any, argument: str) -> FilterValue | None:
    if value is None:
        return None
    if len(value) > MAX_LIST_VALUES:
        raise bad_input(
            f"give at most {MAX_LIST_VALUES} values, not {len(value)}", argument=argument
        )
    for item in value:
        _text(item, argument)
    return tuple(dict.fromkeys(value))


def _regions(value: Any, argument: str) -> FilterValue | None:
    if value is None:
        return None
    _text_list(value, argument)
    for sent in value:
        if not REGION_CODE.match(str(sent).strip().upper()):
            raise bad_input(  # quoting what the client sent, not what it was made into
                f"regions are ISO 3166-1 alpha-2 codes such as US or GB; {sent!r} is not one",
                argument=argument,
            )
    return tuple(dict.fromkeys(str(v).strip().upper() for v in value))


class ModuleTypes:
    def __init__(self, *, model: SemanticModel, enums: Enums) -> None:
        self.model = model
        self.enums = enums

    # -- filter input -----------------------------------------------------------------
    def _filter_input(self, prefix: str, module: Module) -> tuple[type, dict[str, FilterParser]]:
        annotations: dict[str, Any] = {"range": RangeInput | None}
        defaults: dict[str, Any] = {
            "range": strawberry.field(
                default=None,
                description="a preset or a custom start and end; LAST_7_DAYS when omitted",
            )
        }
        parsers: dict[str, FilterParser] = {}
        region = self.model.config.privacy.region_dimension.name
        for ref in module.filters:
            definition = self.model.filters[ref.name]
            field = camel(definition.name)
            if definition.kind is FilterKind.USER_TYPE:
                annotations[field], parsers[definition.name] = UserType | None, _user_type
            elif definition.kind is FilterKind.PARAMETER and definition.values:
                kind = self.enums.get(
                    pascal(definition.name), definition.values, definition.description
                )
                annotations[field], parsers[definition.name] = kind | None, _enum_value
            elif definition.kind is FilterKind.PARAMETER:
                annotations[field], parsers[definition.name] = bool | None, _boolean
            else:
                assert definition.dimension is not None
                dimension = self.model.dimensions[definition.dimension.name]
                if definition.multiple:
                    annotations[field] = list[str] | None
                    parsers[definition.name] = _regions if dimension.name == region else _text_list
                elif dimension.values:
                    kind = self.enums.get(pascal(dimension.name), dimension.values)
                    annotations[field], parsers[definition.name] = kind | None, _enum_value
                else:
                    annotations[field], parsers[definition.name] = str | None, _text
            defaults[field] = strawberry.field(
                default=None, description=definition.description or definition.label
            )
        if module.retention is not None:
            cohorts = self.enums.get(
                "CohortType", tuple(module.retention.cohorts), "Who forms a retention cohort."
            )
            annotations["cohort"] = cohorts | None
            defaults["cohort"] = strawberry.field(
                default=None,
                description="who forms a cohort: users new on the day, or active on it; "
                f"{module.retention.default_cohort} when omitted",
            )
        cls = type(f"{prefix}Filter", (), {"__annotations__": annotations, **defaults})
        description = f"Filters of the {module.label} module."
        return strawberry.input(cls, description=description), parsers

    # -- module type ------------------------------------------------------------------
    def module_field(self, module: Module) -> StrawberryField:
        prefix = pascal(module.kind.value) + pascal(module.id)
        filter_input, parsers = self._filter_input(prefix, module)
        metric_cls: type[Metric] = SimpleMetric
        if module.dimensions:
            dimensions = self.enums.get(
                f"{prefix}Dimension",
                [d.name for d in module.dimensions],
                f"Dimensions the {module.label} metrics break down by.",
            )
            metric_cls = breakdown_type(prefix, dimensions)
        fields = [self._metric_field(metric_cls, ref.name) for ref in module.metrics]
        if module.retention is not None:
            fields += retention_fields(module.retention, self._retention_cohort)
        if module.distribution is not None:
            fields.append(distribution_field(prefix, module.distribution, self.enums))
        if module.funnel is not None:
            fields.append(funnel_field(module.funnel))
        fields += [table_field(prefix, module, table) for table in module.tables]
        module_type = create_type(prefix, fields, description=module.description)
        model = self.model

        async def resolve(
            root: App, info: Info[Context, Any], filter: Any = None
        ) -> ModuleRequest | None:
            return _request(model, module, root, info.context, filter, parsers)

        resolve.__name__ = module.id
        # nullable, so that a refusal (a bad filter) nulls only this module, with the error's
        # path, and the other modules of the same request still answer
        resolve.__annotations__ = {
            "root": App,
            "info": Info,
            "filter": filter_input | None,
            "return": module_type | None,
        }
        return resolved(resolve, name=camel(module.id), description=module.description)

    @staticmethod
    def _retention_cohort(request: ModuleRequest, period: RetentionPeriod) -> RetentionKey:
        cohort = dict(request.filters).get("cohort")
        return RetentionKey(request=request, period=period.value, cohort=str(cohort or ""))

    def _metric_field(self, metric_cls: type[Metric], name: str) -> StrawberryField:
        definition = self.model.metrics[name]

        async def resolve(root: ModuleRequest, info: Info[Context, Any]) -> Metric:
            key = MetricKey(request=root, metric=name, series=selects(info, "series"))
            return await resolve_metric(info, metric_cls, key)

        resolve.__name__ = name
        resolve.__annotations__ = {"root": ModuleRequest, "info": Info, "return": metric_cls}
        return resolved(resolve, name=camel(name), description=definition.description)


def _request(
    model: SemanticModel,
    module: Module,
    app: App,
    context: Context,
    filter_value: Any,
    parsers: dict[str, FilterParser],
) -> ModuleRequest:
    reporting_day = context.settings.reporting_day()
    chosen = filter_value.range if filter_value is not None else None
    date_range = resolve_range(
        preset=chosen.preset if chosen else None,
        start=chosen.start if chosen else None,
        end=chosen.end if chosen else None,
        reporting_day=reporting_day,
        max_days=model.config.max_range_days,
        calendar=Calendar(
            epoch=model.config.privacy.epoch,
            blocks=model.config.privacy.blocks,
            late_days=context.settings.late_days,
        ),
    )
    filters: dict[str, FilterValue] = {}
    for name, parse in parsers.items():
        raw = getattr(filter_value, camel(name), None) if filter_value is not None else None
        value = parse(raw, f"filter.{camel(name)}")
        if value is not None:
            filters[name] = value
    if module.retention is not None and filter_value is not None and filter_value.cohort:
        filters["cohort"] = filter_value.cohort.value
    return ModuleRequest(
        app=app,
        module=module.id,
        range=date_range,
        reporting_day=reporting_day,
        filters=tuple(sorted(filters.items())),
        late_days=context.settings.late_days,
    )
