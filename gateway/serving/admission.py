"""Admission by cost: what a GraphQL document will ask of the database, priced before any SQL.

The price is read from the document and its variables alone, the way the loaders will batch
it: each module asked (an app, a module, a range and filters) runs one statement for all its
metric cards, one per breakdown dimension, one per retention period, distribution, funnel and
table page; and cards, breakdowns and retention rates run one per series granularity asked
(day, week, month). A statement costs the days of events it reads: its range, and as many again for
the previous period of a comparison (metric cards, breakdowns, retention), plus the retention
period's days for retention. A module asked under `games` or `dramas` is asked once per app of
that kind. Refusals name the part that costs the most, so the client knows what to change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    value_from_ast_untyped,
)

from semantic.model import AppKind, Module, SemanticModel

PRESET_DAYS = {
    "YESTERDAY": 1,
    "LAST_7_DAYS": 7,
    "LAST_30_DAYS": 30,
    "LAST_WEEK": 7,
    "LAST_4_WEEKS": 28,
    "LAST_12_WEEKS": 84,
}
DEFAULT_DAYS = PRESET_DAYS["LAST_7_DAYS"]
DEFAULT_PERIOD = 7
DAY = "DAY"  # the default granularity of a series
PERIOD_DAYS = {"DAY_1": 1, "DAY_7": 7, "DAY_14": 14, "DAY_30": 30}
ROOTS = {
    "game": (AppKind.GAME, False),
    "games": (AppKind.GAME, True),
    "drama": (AppKind.DRAMA, False),
    "dramas": (AppKind.DRAMA, True),
}


def camel(name: str) -> str:
    """The schema's name of a module, metric or view."""
    # imported here: the schema's package imports this module (through its extensions)
    from gateway.schema.naming import camel as schema_name

    return schema_name(name)


@dataclass(frozen=True, kw_only=True)
class Part:
    """One module as asked (all its aliases with the same app, filter and arguments)."""

    path: str  # where the document asks it, e.g. `a.m: userBehavior`
    days: int
    statements: int
    cost: int


@dataclass(frozen=True, kw_only=True)
class Estimate:
    statements: int
    cost: int
    parts: tuple[Part, ...] = ()

    def largest(self) -> Part | None:
        return max(self.parts, key=lambda p: p.cost, default=None)


def range_days(filter_value: Any, *, max_days: int) -> int:
    """Days of the range a module's filter asks for; a range the resolver will refuse as bad
    input counts one day, so that the client hears what is wrong with it."""
    chosen = filter_value.get("range") if isinstance(filter_value, Mapping) else None
    if not isinstance(chosen, Mapping):
        return DEFAULT_DAYS
    if chosen.get("preset") is not None:
        return PRESET_DAYS.get(str(chosen["preset"]), 1)
    try:
        start = dt.date.fromisoformat(str(chosen.get("start")))
        end = dt.date.fromisoformat(str(chosen.get("end")))
    except ValueError:
        return 1
    days = (end - start).days + 1
    return days if 1 <= days <= max_days else 1


class _Walker:
    def __init__(
        self,
        *,
        model: SemanticModel,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        apps: Mapping[str, int],
    ) -> None:
        self.model = model
        self.fragments = fragments
        self.variables = variables
        self.apps = apps
        # request -> (path, days, apps asked for, statement keys)
        self.requests: dict[Hashable, tuple[str, int, int, set[tuple[Hashable, ...]]]] = {}

    def fields(self, selection_set: SelectionSetNode | None) -> Iterator[FieldNode]:
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from self.fields(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    yield from self.fields(fragment.selection_set)

    def arguments(self, field: FieldNode) -> dict[str, Any]:
        return {
            arg.name.value: value_from_ast_untyped(arg.value, dict(self.variables))
            for arg in field.arguments or ()
        }

    def root(self, field: FieldNode) -> None:
        root = ROOTS.get(field.name.value)
        if root is None:
            return
        kind, listed = root
        count = max(1, self.apps.get(kind.value, 1)) if listed else 1
        app = (kind, listed, None if listed else _frozen(self.arguments(field).get("id")))
        alias = (field.alias or field.name).value
        modules = {camel(m.id): m for m in self.model.modules_of(kind)}
        for child in self.fields(field.selection_set):
            module = modules.get(child.name.value)
            if module is not None:
                self.module(child, module, app=app, apps=count, prefix=alias)

    def module(
        self, field: FieldNode, module: Module, *, app: Hashable, apps: int, prefix: str
    ) -> None:
        filter_value = self.arguments(field).get("filter")
        request = (app, module.id, _frozen(filter_value))
        alias = (field.alias or field.name).value
        path = f"{prefix}.{alias}: {camel(module.id)}" if alias != field.name.value else (
            f"{prefix}.{alias}"
        )
        days = range_days(filter_value, max_days=self.model.config.max_range_days)
        keys = self.requests.setdefault(request, (path, days, apps, set()))[3]
        metrics = {camel(ref.name) for ref in module.metrics}
        tables = {camel(t.name) for t in module.tables}
        funnel = camel(module.funnel.name) if module.funnel is not None else None
        for child in self.fields(field.selection_set):
            name, args = child.name.value, self.arguments(child)
            if name in metrics:
                for granularity in self.granularities(child):
                    keys.add(("metrics", granularity))
                for grand in self.fields(child.selection_set):
                    if grand.name.value == "breakdown":
                        by = _frozen(self.arguments(grand).get("by"))
                        for granularity in self.granularities(grand):
                            keys.add(("breakdown", by, granularity))
            elif module.retention is not None and name in ("rate", "cohorts"):
                period = PERIOD_DAYS.get(str(args.get("period")), DEFAULT_PERIOD)
                # the rate: a statement per series granularity; cohort rows are the days'
                asked = self.granularities(child) if name == "rate" else [None]
                for granularity in asked:
                    keys.add(("retention", period, granularity or DAY))
            elif module.distribution is not None and name == "distribution":
                keys.add(("distribution", _frozen(args.get("by"))))
            elif name == funnel:
                keys.add(("funnel",))
            elif name in tables:
                keys.add(("table", name, _frozen(args.get("limit")), _frozen(args.get("offset"))))

    def granularities(self, field: FieldNode) -> list[str | None]:
        """The granularities of the field's `series` subfields (None: it asks no series, and
        shares any statement of its kind), as the loaders batch them."""
        asked = [
            str(self.arguments(child).get("granularity") or DAY).upper()
            for child in self.fields(field.selection_set)
            if child.name.value == "series"
        ]
        return list(dict.fromkeys(asked)) or [None]

    def estimate(self) -> Estimate:
        parts = []
        for path, days, apps, found in self.requests.values():
            # a metric or breakdown statement without a series is answered by one with
            keys = {
                k
                for k in found
                if k[0] not in ("metrics", "breakdown")
                or k[-1] is not None
                or not any(o[:-1] == k[:-1] and o[-1] is not None for o in found)
            }
            cost = sum(_statement_cost(key, days) for key in keys) * apps
            parts.append(Part(path=path, days=days, statements=len(keys) * apps, cost=cost))
        return Estimate(
            statements=sum(p.statements for p in parts),
            cost=sum(p.cost for p in parts),
            parts=tuple(parts),
        )


def _statement_cost(key: tuple[Hashable, ...], days: int) -> int:
    if key[0] in ("metrics", "breakdown"):
        return 2 * days
    if key[0] == "retention":
        period = key[1]
        assert isinstance(period, int)
        return 2 * days + period
    return days


def _frozen(value: Any) -> Hashable:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value if isinstance(value, Hashable) else repr(value)


def estimate_cost(
    document: DocumentNode,
    *,
    model: SemanticModel,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
    apps: Mapping[str, int] | None = None,
) -> Estimate:
    """The statements and days of events the operation will ask for. `apps` counts the apps
    of each kind (`game`, `drama`), for modules asked under `games` and `dramas`."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    chosen = [
        op
        for op in operations
        if operation_name is None or (op.name is not None and op.name.value == operation_name)
    ]
    walker = _Walker(model=model, fragments=fragments, variables=variables or {}, apps=apps or {})
    for operation in chosen[:1]:
        for field in walker.fields(operation.selection_set):
            walker.root(field)
    return walker.estimate()


def refusal(estimate: Estimate, *, max_cost: int, max_statements: int) -> str | None:
    """What the client should change, when the estimate is over a budget; else None."""
    largest = estimate.largest()
    where = (
        f"; the largest part is {largest.path} ({largest.days} days, "
        f"{largest.statements} statements, cost {largest.cost})"
        if largest is not None
        else ""
    )
    if estimate.statements > max_statements:
        return (
            f"the query would run {estimate.statements} SQL statements, more than the "
            f"{max_statements} allowed in one request: ask for fewer modules, breakdowns, "
            f"retention periods, distributions or tables, or split it into several requests"
            f"{where}"
        )
    if estimate.cost > max_cost:
        return (
            f"the query would read {estimate.cost} days of events (each statement reads its "
            f"range, and again the previous period for comparisons), more than the {max_cost} "
            f"allowed in one request: ask for shorter ranges or fewer modules and breakdowns, "
            f"or split it into several requests{where}"
        )
    return None
