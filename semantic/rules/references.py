"""Rules about names: every reference resolves, and no list names a thing twice."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from semantic.fields import did_you_mean
from semantic.issues import Issue
from semantic.model import (
    UNKNOWN,
    DimensionRef,
    FilterRef,
    MeasureRef,
    MetricRef,
    Ref,
    SegmentRef,
    SemanticModel,
    SourceRef,
)
from semantic.rules.common import issue, module_name, view_name, views

Owned = tuple[str, Ref]  # who writes the reference ("metric x"), and the reference

# Ref type -> (what it names, the names it may be)
KNOWN: dict[type[Ref], tuple[str, Callable[[SemanticModel], Mapping[str, object]]]] = {
    SourceRef: ("source", lambda model: model.sources),
    DimensionRef: ("dimension", lambda model: model.dimensions),
    SegmentRef: ("segment", lambda model: model.segments),
    FilterRef: ("filter", lambda model: model.filters),
    MetricRef: ("metric", lambda model: model.metrics),
}


def _source_refs(model: SemanticModel) -> Iterator[Owned]:
    for source in model.sources.values():
        owner = f"source {source.name}"
        if source.first_of is not None:
            yield owner, source.first_of
        yield from ((owner, ref) for ref in source.dimensions)
        yield from ((owner, match.source) for match in source.requires)
        yield from ((f"flag {source.name}.{flag}", match.source)
                    for flag, match in source.flags.items())
        for measure in source.measures.values():
            if measure.members is not None:
                yield f"measure {source.name}.{measure.name}", measure.members


def _other_refs(model: SemanticModel) -> Iterator[Owned]:
    for segment in model.segments.values():
        owner = f"segment {segment.name}"
        yield owner, segment.source
        if segment.active_on_reporting_day is not None:
            yield owner, segment.active_on_reporting_day
    for metric in model.metrics.values():
        operands: tuple[Ref | None, ...] = (metric.measure, metric.numerator, metric.denominator)
        yield from ((f"metric {metric.name}", ref) for ref in operands if ref is not None)
    for filter_ in model.filters.values():
        names: tuple[Ref | None, ...] = (filter_.dimension, filter_.first_of)
        yield from ((f"filter {filter_.name}", ref) for ref in names if ref is not None)
    privacy = model.config.privacy
    for ref in (privacy.source, privacy.region_dimension):
        yield f"config privacy{' (by default)' if ref.location == UNKNOWN else ''}", ref


def _module_refs(model: SemanticModel) -> Iterator[Owned]:
    for module in model.modules.values():
        owner = module_name(model, module)
        for refs in (module.filters, module.metrics, module.dimensions):
            yield from ((owner, ref) for ref in refs)
        for view in views(module):
            view_owner = view_name(model, module, view)
            for name in ("source", "activity"):
                ref = getattr(view, name, None)
                if ref is not None:
                    yield view_owner, ref
            yield from ((view_owner, ref) for ref in getattr(view, "cohorts", {}).values())
            for name in ("dimensions", "group_by"):
                yield from ((view_owner, ref) for ref in getattr(view, name, ()))


def all_refs(model: SemanticModel) -> Iterator[Owned]:
    yield from _source_refs(model)
    yield from _other_refs(model)
    yield from _module_refs(model)


def measure_problem(model: SemanticModel, name: str) -> str | None:
    """What is wrong with `source.measure` `name`, as "unknown measure x..." (or None)."""
    source_name, dot, measure_name = name.partition(".")
    if not dot:
        candidates = sorted(f"{s.name}.{name}" for s in model.sources.values()
                            if name in s.measures)
        hint = f"; did you mean {' or '.join(candidates)}?" if candidates else ""
        return f"measure {name}, which must be written source.measure{hint}"
    source = model.sources.get(source_name)
    if source is None:
        return (f"measure {name} of unknown source {source_name}"
                f"{did_you_mean(source_name, model.sources)}")
    if measure_name not in source.measures:
        known = [f"{source_name}.{measure}" for measure in source.measures]
        return f"unknown measure {name}{did_you_mean(name, known)}"
    return None


def unknown_references(model: SemanticModel) -> Iterable[Issue]:
    for owner, ref in all_refs(model):
        if not ref.name:
            continue  # a required name that is missing: reported while reading
        if isinstance(ref, MeasureRef):
            problem = measure_problem(model, ref.name)
            if problem is not None:
                yield issue(ref.location, f"{owner} uses {problem}")
            continue
        what, known = KNOWN[type(ref)]
        names = known(model)
        if ref.name not in names:
            yield issue(ref.location, f"{owner} uses unknown {what} {ref.name}"
                                      f"{did_you_mean(ref.name, names)}")


def repeated_names(model: SemanticModel) -> Iterable[Issue]:
    """A list of names (dimensions, metrics, filters, group_by) names nothing twice."""
    lists: list[tuple[str, tuple[Ref, ...]]] = [
        (f"source {source.name}", source.dimensions) for source in model.sources.values()]
    for module in model.modules.values():
        lists.extend((module_name(model, module), refs)
                     for refs in (module.filters, module.metrics, module.dimensions))
        for view in views(module):
            for name in ("dimensions", "group_by"):
                lists.append((view_name(model, module, view), getattr(view, name, ())))
    for owner, refs in lists:
        seen: set[str] = set()
        for ref in refs:
            if ref.name in seen:
                what = KNOWN[type(ref)][0]
                yield issue(ref.location, f"{owner} lists {what} {ref.name} twice")
            seen.add(ref.name)
