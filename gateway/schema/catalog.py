"""`catalog`: every module, metric, dimension, filter and error code the gateway serves."""

from __future__ import annotations

import strawberry

from gateway.schema.common import PolarityEnum
from gateway.schema.metrics import counts
from gateway.schema.naming import camel
from gateway.schema.privacy import CatalogPrivacy, catalog_privacy
from semantic.model import SemanticModel


@strawberry.type(description="A metric: what it means and in which unit.")
class CatalogMetric:
    id: str
    label: str
    description: str
    unit: str
    polarity: PolarityEnum = strawberry.field(  # type: ignore[valid-type]
        description="which way the metric is better (a rising failure rate is bad news)"
    )
    integer: bool = strawberry.field(
        description="the metric counts (users, sessions, orders...): its values are whole "
        "numbers, given as Int in `valueInt` beside the Float `value`"
    )


@strawberry.type(description="A dimension metrics can be broken down or filtered by.")
class CatalogDimension:
    id: str
    label: str
    description: str
    values: list[str] | None = strawberry.field(description="the known values, when closed")


@strawberry.type(description="A filter a module accepts.")
class CatalogFilter:
    id: str
    label: str
    description: str


@strawberry.type(description="A module of an app's analytics.")
class CatalogModule:
    kind: str
    id: str
    label: str
    description: str
    metrics: list[str]
    dimensions: list[str]
    filters: list[str]
    views: list[str]


@strawberry.type(description="An error code of network calls or in-app ads, and its meaning.")
class ErrorCodeEntry:
    family: str
    code: str
    meaning: str


@strawberry.type(description="What the gateway serves.")
class Catalog:
    model_version: str | None = strawberry.field(
        description="version of the semantic model served (a digest of its YAML files, as "
        "/healthz says); it changes when the gateway reloads another model"
    )
    modules: list[CatalogModule]
    metrics: list[CatalogMetric]
    dimensions: list[CatalogDimension]
    filters: list[CatalogFilter]
    error_codes: list[ErrorCodeEntry]
    privacy: CatalogPrivacy = strawberry.field(description="the US privacy rule and calendar")


def build_catalog(model: SemanticModel, *, model_version: str | None = None) -> Catalog:
    modules = []
    for (kind, module_id), module in sorted(model.modules.items()):
        views = [v for v in ("retention", "distribution", "funnel") if getattr(module, v)]
        views += [camel(t.name) for t in module.tables]
        modules.append(
            CatalogModule(
                kind=kind.value,
                id=camel(module_id),
                label=module.label,
                description=module.description,
                metrics=[camel(m.name) for m in module.metrics],
                dimensions=[d.name for d in module.dimensions],
                filters=["range"] + [camel(f.name) for f in module.filters],
                views=views,
            )
        )
    return Catalog(
        model_version=model_version,
        modules=modules,
        metrics=[
            CatalogMetric(
                id=camel(m.name),
                label=m.label,
                description=m.description,
                unit=m.unit.value,
                polarity=m.direction,
                integer=counts(model, m),
            )
            for m in sorted(model.metrics.values(), key=lambda m: m.name)
        ],
        dimensions=[
            CatalogDimension(
                id=d.name,
                label=d.label,
                description=d.description,
                values=list(d.values) if d.values else None,
            )
            for d in sorted(model.dimensions.values(), key=lambda d: d.name)
        ],
        filters=[
            CatalogFilter(id=camel(f.name), label=f.label, description=f.description)
            for f in sorted(model.filters.values(), key=lambda f: f.name)
        ],
        error_codes=[
            ErrorCodeEntry(family=e.family, code=e.code, meaning=e.meaning)
            for e in model.error_codes
        ],
        privacy=catalog_privacy(model),
    )
