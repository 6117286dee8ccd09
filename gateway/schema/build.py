"""Build the strawberry schema from a validated semantic model."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.tools import create_type
from strawberry.types import Info

from gateway.apps import App
from gateway.context import Context
from gateway.limits import Limits
from gateway.schema.catalog import Catalog, build_catalog
from gateway.schema.common import AppStatus
from gateway.schema.extensions import ClientErrors, DerivedReport, StatementCount, limiters
from gateway.schema.links import download_link_field
from gateway.schema.logging_schema import LoggingSchema
from gateway.schema.modules import Enums, ModuleTypes
from gateway.schema.naming import resolved
from gateway.schema.privacy import app_privacy_field
from gateway.serving.extension import Admission, ServingReport
from gateway.storage.state import apps_query, plan_params
from gateway.surfaces.metrics.extension import RequestMetricsReport
from semantic.model import AppKind, SemanticModel
from semantic.rollups import plan_for


def _app_fields() -> list[Any]:
    def status(root: App) -> AppStatus:
        return AppStatus(root.status)

    def launched_on(root: App) -> dt.date | None:
        return root.launched_on

    def app_id(root: App) -> strawberry.ID:
        return strawberry.ID(root.id)

    def name(root: App) -> str:
        return root.name

    return [
        resolved(app_id, name="id"),
        resolved(name, name="name"),
        resolved(status, name="status"),
        resolved(launched_on, name="launchedOn", description="first day the app was live"),
    ]


def _app_type(kind: AppKind, model: SemanticModel, modules: ModuleTypes) -> type:
    fields = [*_app_fields(), app_privacy_field()]
    fields += [modules.module_field(m) for m in model.modules_of(kind)]
    name = "Game" if kind is AppKind.GAME else "Drama"
    return create_type(name, fields, description=f"A mini {name.lower()} and its analytics.")


_BUILT: dict[tuple[int, Limits, str | None], tuple[SemanticModel, strawberry.Schema]] = {}


def schema_for(
    model: SemanticModel, limits: Limits | None = None, *, model_version: str | None = None
) -> strawberry.Schema:
    """The schema of `model`, built once per model object (models are immutable)."""
    key = (id(model), limits or Limits(), model_version)
    built = _BUILT.get(key)
    if built is None or built[0] is not model:
        built = (model, build_schema(model, limits=key[1], model_version=model_version))
        _BUILT[key] = built
    return built[1]


def build_schema(
    model: SemanticModel, *, limits: Limits | None = None, model_version: str | None = None
) -> strawberry.Schema:
    modules = ModuleTypes(model=model, enums=Enums())
    game = _app_type(AppKind.GAME, model, modules)
    drama = _app_type(AppKind.DRAMA, model, modules)
    catalog = build_catalog(model, model_version=model_version)

    def lister(kind: AppKind) -> Any:
        async def resolve(info: Info[Context, Any]) -> list[App]:
            context = info.context
            rows = await context.runner.fetch_sql(
                apps_query("kind = $1", first_param=2, order="name, app_id"),
                kind.value,
                *plan_params(plan_for(model)),
            )
            apps = [App.from_row(r) for r in rows]
            return [a for a in apps if context.caller.may_see(a)]

        resolve.__name__ = f"{kind.value}s"
        resolve.__annotations__ = {
            "info": Info,
            "return": list.__class_getitem__(game if kind is AppKind.GAME else drama),
        }
        return resolve

    def getter(kind: AppKind) -> Any:
        async def resolve(info: Info[Context, Any], id: strawberry.ID) -> App | None:
            app = await info.context.app(str(id))
            return app if app is not None and app.kind is kind else None

        resolve.__name__ = kind.value
        resolve.__annotations__ = {
            "info": Info,
            "id": strawberry.ID,
            "return": (game if kind is AppKind.GAME else drama) | None,
        }
        return resolve

    def resolve_catalog() -> Catalog:
        return catalog

    query = create_type(
        "Query",
        [
            resolved(
                lister(AppKind.GAME),
                name="games",
                description="the games the caller may see",
            ),
            resolved(
                getter(AppKind.GAME),
                name="game",
                description="a game; null when absent or not the caller's",
            ),
            resolved(
                lister(AppKind.DRAMA),
                name="dramas",
                description="the dramas the caller may see",
            ),
            resolved(
                getter(AppKind.DRAMA),
                name="drama",
                description="a drama; null when absent or not the caller's",
            ),
            resolved(
                resolve_catalog,
                name="catalog",
                description="modules, metrics, dimensions, filters, error codes",
            ),
            download_link_field(),
        ],
    )
    return LoggingSchema(
        query=query,
        extensions=[
            *limiters(limits or Limits()),
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            ClientErrors,
            StatementCount,
            DerivedReport,
            lambda: Admission(model=model, limits=limits or Limits()),
            ServingReport,
            RequestMetricsReport,
        ],
    )
