"""Rules about things fitting together: a module's filters and breakdowns exist on every
source it reads, user logic has users, ratios have a unit, privacy can count its region."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from semantic.issues import Issue
from semantic.model import (
    COUNT_UNITS,
    FilterKind,
    Location,
    MetricKind,
    MetricRef,
    Module,
    Retention,
    SemanticModel,
    Source,
    Unit,
)
from semantic.rules.common import (
    dimensions_of,
    has_users,
    issue,
    measures_read,
    module_name,
    rows_source,
    view_label,
    view_name,
    view_source,
    views,
)


def _metric_sources(model: SemanticModel, module: Module) -> Iterator[tuple[str, Source]]:
    """(which metric, a source whose rows the module's filters apply to)."""
    for ref in module.metrics:
        metric = model.metrics.get(ref.name)
        for measure in measures_read(model, metric) if metric is not None else []:
            source = rows_source(model, measure)
            if source is not None:
                yield f"metric {ref.name}", source


def _view_sources(model: SemanticModel, module: Module) -> Iterator[tuple[str, Source]]:
    for view in views(module):
        refs = view.cohorts.values() if isinstance(view, Retention) else ()
        sources = [model.sources.get(ref.name) for ref in refs] or [view_source(model, view)]
        yield from ((view_label(view), source) for source in sources if source is not None)


def _misfits(model: SemanticModel, module: Module) -> Iterator[tuple[Location, str]]:
    readers = [*_metric_sources(model, module), *_view_sources(model, module)]
    for ref in module.filters:
        filter_ = model.filters.get(ref.name)
        if filter_ is None:
            continue
        for reader, source in readers:
            said = f"filters by {ref.name} but {reader} reads {source.name}, which has no"
            if filter_.kind is FilterKind.USER_TYPE and not has_users(model, source):
                yield ref.location, f"{said} user column"
            dimension = filter_.dimension.name if filter_.dimension else None
            if dimension and dimension not in dimensions_of(model, source):
                yield ref.location, f"{said} dimension {dimension}"
    for breakdown in module.dimensions:
        name = breakdown.name
        for reader, source in _metric_sources(model, module):
            if name not in dimensions_of(model, source):
                yield breakdown.location, (f"breaks down by {name} but {reader} reads "
                                           f"{source.name}, which has no dimension {name}")


def module_fit(model: SemanticModel) -> Iterable[Issue]:
    """Every source a module reads has its dimension filters, breakdowns and, for a user
    type filter, users."""
    for module in model.modules.values():
        owner = module_name(model, module)
        for location, problem in dict.fromkeys(_misfits(model, module)):
            yield issue(location, f"{owner} {problem}")


def view_dimensions(model: SemanticModel) -> Iterable[Issue]:
    """A distribution's dimensions and a table's group_by are dimensions of its source."""
    for module in model.modules.values():
        for view in views(module):
            source = view_source(model, view)
            if source is None:
                continue
            refs = getattr(view, "dimensions", ()) or getattr(view, "group_by", ())
            for ref in refs:
                if ref.name in model.dimensions and ref.name not in dimensions_of(model, source):
                    yield issue(ref.location, f"{view_name(model, module, view)} breaks down "
                                              f"by {ref.name} but {source.name} has no "
                                              f"dimension {ref.name}")


def _user_needs(model: SemanticModel) -> Iterator[tuple[Location, str, str]]:
    """(where, who needs users, the source that must have them)."""
    for source in model.sources.values():
        matches = [*source.requires, *source.flags.values()]
        if matches:
            yield source.location, f"source {source.name} matches rows of the same user", \
                source.name
        for match in matches:
            yield match.location, f"source {source.name} matches rows of the same user", \
                match.source.name
        for measure in source.measures.values():
            if measure.per_user is not None or measure.members is not None:
                yield measure.location, f"measure {source.name}.{measure.name} is per user", \
                    source.name
    for segment in model.segments.values():
        yield segment.location, f"segment {segment.name} is a set of users", segment.source.name
        if segment.active_on_reporting_day is not None:
            yield segment.location, f"segment {segment.name} is a set of users", \
                segment.active_on_reporting_day.name
    for filter_ in model.filters.values():
        if filter_.first_of is not None:
            yield filter_.location, f"filter {filter_.name} is a user type", \
                filter_.first_of.name
    for module in model.modules.values():
        for view in views(module):
            if isinstance(view, Retention):
                refs = [view.activity, *view.cohorts.values()]
            else:
                refs = [view.source] if view is module.distribution else []
            yield from ((view.location, f"{view_name(model, module, view)} counts users",
                         ref.name) for ref in refs)


def user_columns(model: SemanticModel) -> Iterable[Issue]:
    for location, owner, name in _user_needs(model):
        source = model.sources.get(name)
        if source is not None and not has_users(model, source):
            yield issue(location, f"{owner}, but source {name} has no user column")


def ratio_units(model: SemanticModel) -> Iterable[Issue]:
    """metric / metric: a fraction of the same unit, or the numerator's unit per counted
    thing (users, sessions, orders...)."""
    for metric in model.metrics.values():
        if metric.kind is not MetricKind.RATIO:
            continue
        sides = [model.metrics.get(ref.name) for ref in (metric.numerator, metric.denominator)
                 if isinstance(ref, MetricRef)]
        if len(sides) != 2 or sides[0] is None or sides[1] is None:
            continue
        top, bottom = sides[0].unit, sides[1].unit
        expected = Unit.FRACTION if top is bottom else top if bottom in COUNT_UNITS else None
        said = f"ratio metric {metric.name} divides {top} by {bottom}"
        if expected is None:
            counts = ", ".join(unit.value for unit in Unit if unit in COUNT_UNITS)
            yield issue(metric.location, f"{said}; its denominator must have the unit {top} "
                                         f"or count things ({counts})")
        elif metric.unit is not expected:
            yield issue(metric.location, f"{said}; its unit must be {expected}, not "
                                         f"{metric.unit}")


def privacy_source(model: SemanticModel) -> Iterable[Issue]:
    privacy = model.config.privacy
    source = model.sources.get(privacy.source.name)
    region = privacy.region_dimension.name
    if source is not None and region and region not in dimensions_of(model, source):
        yield issue(privacy.source.location, f"config privacy: source {source.name} has no "
                                             f"dimension {region} to count users by")


RULES = (module_fit, view_dimensions, user_columns, ratio_units, privacy_source)
