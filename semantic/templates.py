"""Compiled statements kept per query *shape*, so that a query asked again with other values
(another app, range or filter value) is not compiled again.

A statement depends on a query's values only through its bind parameters, and every
parameter of a metric or retention statement is named (`Params.named`): the app, the day
bounds, the filter values, parameter filters and the privacy settings. A shape is what the
SQL text depends on: the module, metrics, breakdown, the series and its granularity (day, week
or month: the compilers key on it beside `scope_shape`), which filters are given (and how many
values a list has: one, or more), user-type values, and whether derived tables answer.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from semantic.grains import add_span_bounds
from semantic.model import FilterKind, SemanticModel
from semantic.query import CompiledQuery, FilterValue, Scope
from semantic.relations import Statement

MAX_TEMPLATES = 1024


def _value_shape(kind: FilterKind | None, value: FilterValue) -> Hashable:
    if kind is FilterKind.USER_TYPE:
        return value
    if isinstance(value, tuple):
        return ("list", min(len(value), 2))
    return type(value).__name__


def scope_shape(model: SemanticModel, scope: Scope) -> Hashable:
    """What of a scope the SQL text depends on."""
    filters = tuple(
        sorted(
            (name, _value_shape(getattr(model.filters.get(name), "kind", None), value))
            for name, value in scope.filters.items()
        )
    )
    through = scope.derived_through
    derived = (
        None
        if through is None
        else (scope.range.end <= through, scope.reporting_day <= through)
    )
    cells = (scope.cells_stored, scope.cells_shown)
    return (scope.engine, scope.kind, scope.module, filters, scope.privacy, derived, cells)


@dataclass(frozen=True)
class _Template:
    model: SemanticModel
    sql: str
    names: tuple[str, ...]
    columns: tuple[str, ...]


class Templates:
    """A bounded cache of compiled statements by shape."""

    def __init__(self, *, size: int = MAX_TEMPLATES) -> None:
        self.size = size
        self._found: OrderedDict[Hashable, _Template] = OrderedDict()

    def compiled(
        self,
        key: Hashable,
        *,
        model: SemanticModel,
        scope: Scope,
        compare: bool,
        build: Callable[[], CompiledQuery],
    ) -> CompiledQuery:
        """The statement for `key`: compiled by `build` the first time, then the same text
        with the values of `scope` (and its day bounds, with or without the comparison)."""
        template = self._found.get(key)
        if template is not None and template.model is model:
            self._found.move_to_end(key)
            fresh = Statement(model=model, scope=scope)
            add_span_bounds(fresh, compare=compare)
            return CompiledQuery(
                sql=template.sql,
                params=tuple(parameter_value(fresh, name) for name in template.names),
                columns=template.columns,
            )
        compiled = build()
        names = compiled.names
        if len(names) == len(compiled.params) and all(name is not None for name in names):
            self._found[key] = _Template(
                model=model,
                sql=compiled.sql,
                names=tuple(n for n in names if n is not None),
                columns=compiled.columns,
            )
            while len(self._found) > self.size:
                self._found.popitem(last=False)
        return compiled


def parameter_value(statement: Statement, name: str) -> Any:
    """The value `Params.named(name, ...)` binds for the statement's scope."""
    scope, model = statement.scope, statement.model
    if name == "app_id":
        return scope.app_id
    if name in statement.bounds:
        return statement.bounds[name]
    privacy = model.config.privacy
    if name == "protected":
        return list(privacy.protected_regions)
    if name == "threshold":
        return privacy.threshold
    if name.startswith("filter:"):
        dimension = name.removeprefix("filter:")
        for filter_name, value in scope.filters.items():
            definition = model.filters.get(filter_name)
            if definition is None or definition.dimension is None:
                continue
            if definition.dimension.name == dimension:
                return list(value) if isinstance(value, tuple) else str(value)
    if name.startswith("param:"):
        parameter = name.removeprefix("param:")
        return scope.filters.get(parameter, model.filters[parameter].default)
    raise KeyError(f"no value for parameter {name}")
