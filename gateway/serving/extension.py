"""Schema extensions of serving: admission by cost before any resolver runs, and what the
request cost and how much of it the cache answered, in `extensions`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from gateway.errors import too_complex
from gateway.limits import Limits
from gateway.serving.admission import estimate_cost, refusal
from semantic.model import SemanticModel


class Admission(SchemaExtension):
    """Refuses, with QUERY_TOO_COMPLEX and what to change, an operation whose estimated cost
    (gateway/serving/admission.py) is over the budgets of `limits`; marks a costly one heavy."""

    def __init__(self, *, model: SemanticModel, limits: Limits) -> None:
        self.model = model
        self.limits = limits

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.result is None:
            runner = getattr(context.context, "runner", None)
            serving = getattr(runner, "serving", None)
            estimate = estimate_cost(
                document,
                model=self.model,
                operation_name=context.operation_name,
                variables=context.variables,
                apps=serving.apps() if serving is not None else None,
            )
            message = refusal(
                estimate,
                max_cost=self.limits.max_cost,
                max_statements=self.limits.max_statements,
            )
            if message is not None:
                context.result = GraphQLExecutionResult(data=None, errors=[too_complex(message)])
            ticket = getattr(runner, "ticket", None)
            if ticket is not None and serving is not None:
                ticket.estimate = estimate
                ticket.heavy = estimate.cost > serving.settings.heavy_cost
        yield


class ServingReport(SchemaExtension):
    """`extensions.cost` (the estimate) and `extensions.cache` (hits and misses)."""

    def get_results(self) -> dict[str, Any]:
        ticket = getattr(getattr(self.execution_context.context, "runner", None), "ticket", None)
        if ticket is None:
            return {}
        results: dict[str, Any] = {"cache": {"hits": ticket.hits, "misses": ticket.misses}}
        if ticket.estimate is not None:
            results["cost"] = ticket.estimate.cost
        return results
