"""Rules about cycles: metrics computed from themselves, sources that are their own first rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from semantic.issues import Issue
from semantic.model import Location, SemanticModel
from semantic.rules.common import issue, metric_operands


def find_cycles(edges: Mapping[str, list[str]]) -> list[list[str]]:
    """Cycles found by a depth-first walk (at least one in every set of names that depend on
    each other), each once, as a path that starts and ends with its smallest name."""
    cycles: dict[tuple[str, ...], list[str]] = {}
    done: set[str] = set()

    def walk(name: str, path: list[str]) -> None:
        if name in path:
            cycle = path[path.index(name):]
            start = cycle.index(min(cycle))
            ordered = cycle[start:] + cycle[:start]
            cycles.setdefault(tuple(ordered), [*ordered, ordered[0]])
            return
        if name in done:
            return
        for following in edges.get(name, []):
            walk(following, [*path, name])
        done.add(name)

    for name in sorted(edges):
        walk(name, [])
    return list(cycles.values())


def _report(cycles: list[list[str]], *, what: str,
            location: Callable[[str], Location]) -> Iterable[Issue]:
    for cycle in cycles:
        yield issue(location(cycle[0]), f"{what} {cycle[0]} depends on itself: "
                                        f"{' -> '.join(cycle)}")


def metric_cycles(model: SemanticModel) -> Iterable[Issue]:
    edges = {name: [operand for operand in metric_operands(metric) if operand in model.metrics]
             for name, metric in model.metrics.items()}
    return _report(find_cycles(edges), what="metric",
                   location=lambda name: model.metrics[name].location)


def first_of_cycles(model: SemanticModel) -> Iterable[Issue]:
    edges = {name: [source.first_of.name] for name, source in model.sources.items()
             if source.first_of is not None and source.first_of.name in model.sources}
    return _report(find_cycles(edges), what="source",
                   location=lambda name: model.sources[name].location)


RULES = (metric_cycles, first_of_cycles)
