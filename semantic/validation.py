"""The validation rules of a semantic model, run together.

Each rule is a small function `(model) -> Iterable[Issue]` checking one thing; the compiler
may assume everything these rules check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from semantic.issues import Issue
from semantic.model import SemanticModel

Rule = Callable[[SemanticModel], Iterable[Issue]]

RULES: tuple[Rule, ...] = ()


def validate(model: SemanticModel, *, rules: Iterable[Rule] = RULES) -> list[Issue]:
    return [issue for rule in rules for issue in rule(model)]
