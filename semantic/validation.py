"""The validation rules of a semantic model, run together.

Each rule is a small function `(model) -> Iterable[Issue]` that checks one thing and says
where and how to fix it; the compiler may assume everything these rules check. Rules run
on whatever the loader could read, so that one run reports every problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from semantic.issues import Issue
from semantic.model import SemanticModel
from semantic.rules import expressions, fit, graph, modules, references, shapes

Rule = Callable[[SemanticModel], Iterable[Issue]]

RULES: tuple[Rule, ...] = (
    references.unknown_references,
    references.repeated_names,
    *shapes.RULES,
    *expressions.RULES,
    *graph.RULES,
    *modules.RULES,
    *fit.RULES,
)


def validate(model: SemanticModel, *, rules: Iterable[Rule] = RULES) -> list[Issue]:
    return [issue for rule in rules for issue in rule(model)]
