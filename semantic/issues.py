"""Problems found in the YAML of a semantic model, each pointing at a file and line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from semantic.model import Location, SemanticModel


@dataclass(frozen=True, kw_only=True)
class Issue:
    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True, kw_only=True)
class ValidationResult:
    """The model as far as it could be read, and every problem found in it, sorted by file
    and line (issues on the same line keep the order they were found in), without repeats."""

    model: SemanticModel
    issues: tuple[Issue, ...] = ()

    @classmethod
    def collect(cls, *, model: SemanticModel, issues: Iterable[Issue]) -> ValidationResult:
        unique = dict.fromkeys(issues)
        ordered = sorted(unique, key=lambda issue: (issue.location.file, issue.location.line))
        return cls(model=model, issues=tuple(ordered))

    @property
    def ok(self) -> bool:
        return not self.issues

    def lines(self) -> list[str]:
        return [str(issue) for issue in self.issues]


class ModelError(Exception):
    """The semantic model is invalid; `issues` says everything that is wrong with it."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues = tuple(issues)
        count = len(self.issues)
        header = f"the semantic model has {count} problem{'' if count == 1 else 's'}:"
        super().__init__("\n".join([header, *(f"  {issue}" for issue in self.issues)]))
