"""A schema extension that tells the request's metrics what GraphQL did: which operation
(the one module asked, by name from the model), the outcome code, the statements it ran and
the metric answers the privacy rule withheld. It serves GraphQL, CSV downloads and the Cube
API alike, since all three execute the same schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import FieldNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from gateway.answers import MetricAnswer, Suppression
from gateway.loaders import RetentionAnswer
from gateway.schema.naming import camel
from gateway.surfaces.metrics.facts import RequestFacts, facts_of

ROOTS = {"game": "game", "games": "game", "drama": "drama", "dramas": "drama"}
OTHER_ROOTS = frozenset({"catalog", "__schema", "__type", "__typename"})


def _fields(node: Any) -> Iterator[FieldNode]:
    selection_set = getattr(node, "selection_set", None)
    for selection in selection_set.selections if selection_set is not None else ():
        if isinstance(selection, FieldNode):
            yield selection
        else:  # fragments: looked into one level, enough for a label
            yield from _fields(selection)


def operation_label(document: Any, modules: set[str]) -> str:
    """`game.userBehavior` for a query of one module, `game.several` for more, the root field
    otherwise; names outside the model's are `other`."""
    asked: set[str] = set()
    roots: set[str] = set()
    for definition in getattr(document, "definitions", ()):
        if not isinstance(definition, OperationDefinitionNode):
            continue
        for root in _fields(definition):
            name = root.name.value
            if name in ROOTS:
                kind = ROOTS[name]
                inner = {f.name.value for f in _fields(root)} & modules
                asked |= {f"{kind}.{m}" for m in inner}
                roots.add(kind)
            else:
                roots.add(name if name in OTHER_ROOTS else "other")
    if len(asked) == 1:
        return asked.pop()
    if asked:
        return f"{sorted(roots)[0]}.several"
    return sorted(roots)[0] if len(roots) == 1 else "several"


def _suppressions(context: Any) -> int:
    loaders = getattr(context, "loaders", None)
    count = 0
    for loader in (getattr(loaders, "metrics", None), getattr(loaders, "retention", None)):
        cache = getattr(getattr(loader, "cache_map", None), "cache_map", {})
        for future in cache.values():
            if not future.done() or future.cancelled() or future.exception() is not None:
                continue
            answer = future.result()
            if isinstance(answer, RetentionAnswer):
                answer = answer.rate
            if (
                isinstance(answer, MetricAnswer)
                and answer.suppressed is Suppression.PRIVACY_THRESHOLD
            ):
                count += 1
    return count


class RequestMetricsReport(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        facts = _facts(context)
        if facts is None:
            return
        model = getattr(context, "model", None)
        modules = {camel(m.id) for m in model.modules.values()} if model is not None else set()
        facts.named(operation_label(self.execution_context.graphql_document, modules))
        runner = getattr(context, "runner", None)
        facts.statements = max(facts.statements, getattr(runner, "statements", 0))
        facts.suppressions = _suppressions(context)
        result = self.execution_context.result
        errors = (
            getattr(result, "errors", None) or self.execution_context.pre_execution_errors or []
        )
        if errors:
            facts.failed(str((errors[0].extensions or {}).get("code", "BAD_USER_INPUT")))
        elif facts.code is None:
            facts.code = "OK"


def _facts(context: Any) -> RequestFacts | None:
    request = getattr(context, "request", None)
    return facts_of(request.state) if request is not None else None
