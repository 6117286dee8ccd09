"""Build the strawberry schema from a validated semantic model."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, ParserCache, SchemaExtension, ValidationCache
from strawberry.tools import create_type
from strawberry.types import Info

from gateway.apps import APP_COLUMNS, App
from gateway.context import Context
from gateway.errors import is_client_error
from gateway.schema.catalog import Catalog, build_catalog
from gateway.schema.common import AppStatus
from gateway.schema.modules import Enums, ModuleTypes
from gateway.schema.naming import resolved
from semantic.model import AppKind, SemanticModel


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
    fields = _app_fields() + [modules.module_field(m) for m in model.modules_of(kind)]
    name = "Game" if kind is AppKind.GAME else "Drama"
    return create_type(name, fields, description=f"A mini {name.lower()} and its analytics.")


_BUILT: dict[int, tuple[SemanticModel, strawberry.Schema]] = {}


def schema_for(model: SemanticModel) -> strawberry.Schema:
    """The schema of `model`, built once per model object (models are immutable)."""
    built = _BUILT.get(id(model))
    if built is None or built[0] is not model:
        built = (model, build_schema(model))
        _BUILT[id(model)] = built
    return built[1]


def build_schema(model: SemanticModel, *, extensions: list[Any] | None = None) -> strawberry.Schema:
    modules = ModuleTypes(model=model, enums=Enums())
    game = _app_type(AppKind.GAME, model, modules)
    drama = _app_type(AppKind.DRAMA, model, modules)
    catalog = build_catalog(model)

    def lister(kind: AppKind) -> Any:
        async def resolve(info: Info[Context, Any]) -> list[App]:
            context = info.context
            rows = await context.runner.fetch_sql(
                f"SELECT {APP_COLUMNS} FROM apps WHERE kind = $1 ORDER BY name, app_id",
                kind.value,
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
        ],
    )
    return strawberry.Schema(
        query=query,
        extensions=[
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            InternalErrors,
            StatementCount,
            *(extensions or []),
        ],
    )


class StatementCount(SchemaExtension):
    """Reports in `extensions.statements` how many SQL statements the request ran."""

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        runner = getattr(context, "runner", None)
        return {"statements": runner.statements} if runner is not None else {}


class InternalErrors(MaskErrors):
    """Errors not meant for clients become "internal error" (they are logged in full by
    strawberry before this runs); errors of the document itself and client errors pass."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_internal, error_message="internal error")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
        return masked


def _internal(error: GraphQLError) -> bool:
    # document errors (unknown fields, bad argument types) carry no original error
    return error.original_error is not None and not is_client_error(error.original_error)
