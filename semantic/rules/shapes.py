"""Rules about the keys an object has: which combinations make sense, and allowed values."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from semantic.issues import Issue
from semantic.model import Agg, FilterKind, Measure, SemanticModel, Window
from semantic.rules.common import issue


def _measures(model: SemanticModel) -> Iterator[tuple[str, Measure]]:
    for source in model.sources.values():
        for measure in source.measures.values():
            yield f"measure {source.name}.{measure.name}", measure


def measure_expr(model: SemanticModel) -> Iterable[Issue]:
    """Every aggregate but count aggregates an expression; count takes none. With
    `per_user`, the expression is what the per-user stage aggregates."""
    for owner, measure in _measures(model):
        row_agg = measure.per_user or measure.agg
        if row_agg is not Agg.COUNT and measure.expr is None:
            yield issue(measure.location, f"{owner}: agg {row_agg} needs an expr to aggregate")
        elif row_agg is Agg.COUNT and measure.expr is not None:
            yield issue(measure.location, f"{owner}: agg count takes no expr (count rows "
                                          f"with a where, or use count_distinct)")


def measure_percentile(model: SemanticModel) -> Iterable[Issue]:
    for owner, measure in _measures(model):
        p = measure.percentile
        if measure.agg is Agg.PERCENTILE and p is None:
            yield issue(measure.location, f"{owner}: agg percentile needs a percentile "
                                          f"between 0 and 1, e.g. 0.9")
        elif measure.agg is not Agg.PERCENTILE and p is not None:
            yield issue(measure.location, f"{owner}: percentile is only for agg percentile")
        elif p is not None and not 0 < p < 1:
            yield issue(measure.location, f"{owner}: percentile must be between 0 and 1 "
                                          f"(exclusive), not {p:g}")


def measure_weight(model: SemanticModel) -> Iterable[Issue]:
    for owner, measure in _measures(model):
        if measure.agg is Agg.WEIGHTED_AVG and measure.weight is None:
            yield issue(measure.location, f"{owner}: agg weighted_avg needs a weight")
        elif measure.agg is not Agg.WEIGHTED_AVG and measure.weight is not None:
            yield issue(measure.location, f"{owner}: weight is only for agg weighted_avg")


def measure_per_user(model: SemanticModel) -> Iterable[Issue]:
    for owner, measure in _measures(model):
        if measure.per_user_min is not None and measure.per_user is None:
            yield issue(measure.location, f"{owner}: per_user_min needs per_user (the "
                                          f"per-user value it is compared with)")


def measure_window(model: SemanticModel) -> Iterable[Issue]:
    for owner, measure in _measures(model):
        if measure.window is Window.TO_REPORTING_DAY and measure.members is None:
            yield issue(measure.location, f"{owner}: window to_reporting_day needs members "
                                          f"(the segment whose days it starts from)")


def segment_window(model: SemanticModel) -> Iterable[Issue]:
    for segment in model.segments.values():
        if segment.window is Window.TO_REPORTING_DAY:
            yield issue(segment.location, f"segment {segment.name}: window must be range or "
                                          f"cumulative")


def metric_kind(model: SemanticModel) -> Iterable[Issue]:
    """A metric is exactly one of: a measure, a ratio (numerator and denominator), an expr."""
    for metric in model.metrics.values():
        owner = f"metric {metric.name}"
        given = [name for name, present in (
            ("measure", metric.measure is not None),
            ("numerator/denominator", metric.numerator or metric.denominator),
            ("expr", metric.expr is not None)) if present]
        if len(given) != 1:
            found = f" (it has {' and '.join(given)})" if given else ""
            yield issue(metric.location, f"{owner} needs exactly one of measure, numerator "
                                         f"with denominator, or expr{found}")
        elif (metric.numerator is None) != (metric.denominator is None):
            has, lacks = (("numerator", "denominator") if metric.denominator is None
                          else ("denominator", "numerator"))
            yield issue(metric.location, f"{owner} has a {has} but no {lacks}")


def source_kind(model: SemanticModel) -> Iterable[Issue]:
    """A source reads a table (with its time and key columns) or is the first_of another."""
    for source in model.sources.values():
        owner = f"source {source.name}"
        if (source.table is None) == (source.first_of is None):
            yield issue(source.location, f"{owner} needs exactly one of table, first_of")
        elif source.table is not None:
            yield from (issue(source.location, f"{owner} reads table {source.table} but has "
                                               f"no {key} column")
                        for key, value in (("time", source.time), ("key", source.key))
                        if not value)


def match_days(model: SemanticModel) -> Iterable[Issue]:
    for source in model.sources.values():
        matches = [("requires", m) for m in source.requires]
        matches += [(f"flag {flag}", m) for flag, m in source.flags.items()]
        for what, match in matches:
            if match.within_days < 0:
                yield issue(match.location, f"source {source.name}: {what}: within_days must "
                                            f"not be negative")


def parameter_filters(model: SemanticModel) -> Iterable[Issue]:
    """A parameter's default is one of its values (true or false for a boolean one); only a
    dimension filter takes several values."""
    for filter_ in model.filters.values():
        owner = f"filter {filter_.name}"
        default = filter_.default
        if filter_.multiple and filter_.kind is not FilterKind.DIMENSION:
            yield issue(filter_.location, f"{owner}: multiple is only for dimension filters")
        if filter_.kind is not FilterKind.PARAMETER or default is None:
            continue
        if filter_.values and default not in filter_.values:
            yield issue(filter_.location, f"{owner}: default {default} is not one of "
                                          f"{', '.join(filter_.values)}")
        elif not filter_.values and not isinstance(default, bool):
            yield issue(filter_.location, f"{owner}: the default of a boolean parameter must "
                                          f"be true or false")


RULES = (measure_expr, measure_percentile, measure_weight, measure_per_user, measure_window,
         segment_window, metric_kind, source_kind, match_days, parameter_filters)
