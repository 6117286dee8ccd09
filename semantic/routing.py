"""Aggregate-aware routing: which stored cells answer a measure exactly, or why none do.

A measure is answered from its source's rollup when the derived data covers the answer's
days, the measure's shape is one the rollup stores (`semantic.rollups`), and some stored
grouping set holds every dimension the answer constrains (its filters, its breakdown, and the
privacy region); otherwise it is read from the raw rows. The decision is the compiler's, per
measure, and `minis compile --explain` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from semantic.model import FilterKind, Measure, MeasureRef, SemanticModel
from semantic.query import Scope
from semantic.rollups import (
    BITMAPS_TABLE,
    CELLS_TABLE,
    BitmapUse,
    Partial,
    Rollup,
    RollupPlan,
    bitmap_of,
    partials_of,
    user_of,
)


class Shape(StrEnum):
    PARTIALS = "partials"  # additive partials of the cells
    DISTINCT = "distinct"  # users of the bitmaps
    TWICE = "twice"  # users with two or more rows, from the bitmaps
    FIRSTS = "firsts"  # users first seen in a cell up to a day, from the cells
    # users of the bitmaps of every day up to each grain's last: a till-date count beside
    # shown privacy cells, whose days keep protected users by the cells ending by that day
    TILL = "till"


class RegionMode(StrEnum):
    NONE = "none"  # the rollup has no privacy region, or privacy does not apply
    CONSTRAINED = "constrained"  # filtered or broken down by region: excluded values dropped
    SWITCH = "switch"  # `*` cells, or `~` cells when protected regions are excluded
    VALUES = "values"  # every region's cells, or `~` cells when protected regions are excluded


@dataclass(frozen=True, kw_only=True)
class Route:
    """Where a measure's value comes from; `rollup` is None for the raw rows."""

    ref: MeasureRef
    reason: str
    rollup: Rollup | None = None
    shape: Shape | None = None
    grouped: tuple[str, ...] = ()  # the stored grouping set read
    region: RegionMode = RegionMode.NONE
    partials: tuple[Partial, ...] = ()
    key: str = ""  # the bitmap key

    @property
    def table(self) -> str:
        if self.rollup is None:
            return "raw rows"
        return BITMAPS_TABLE if self.shape in (Shape.DISTINCT, Shape.TWICE) else CELLS_TABLE


def constrained_dimensions(
    model: SemanticModel, scope: Scope, rollup: Rollup, breakdown: str | None
) -> tuple[set[str], dict[str, str | tuple[str, ...]]]:
    """The dimensions of the rollup's source an answer constrains, and the filter values."""
    values: dict[str, str | tuple[str, ...]] = {}
    for name, value in scope.filters.items():
        definition = model.filters.get(name)
        if definition is None or definition.kind is not FilterKind.DIMENSION:
            continue
        assert definition.dimension is not None
        if isinstance(value, tuple) and not value:
            continue
        if isinstance(value, str | tuple):
            values[definition.dimension.name] = value
    dims = set(values)
    if breakdown is not None:
        dims.add(breakdown)
    return dims, values


def _choose(
    rollup: Rollup,
    sets: tuple[tuple[str, ...], ...],
    constrained: set[str],
    *,
    privacy: bool,
    exact: bool,
) -> tuple[tuple[str, ...], RegionMode] | None:
    """The stored set to read and how the region is chosen, or None."""
    stored = set(sets)
    candidates = sorted(
        (s for s in sets if constrained <= set(s) and (not exact or set(s) == constrained)),
        key=len,
    )
    region = rollup.region
    if not privacy or region is None:
        return (candidates[0], RegionMode.NONE) if candidates else None
    if region in constrained:
        return (candidates[0], RegionMode.CONSTRAINED) if candidates else None
    for chosen in candidates:
        if region in chosen:
            continue
        with_region = tuple(d for d in rollup.dimensions if d in chosen or d == region)
        if with_region in stored:
            return chosen, RegionMode.SWITCH
    if exact:
        return None
    for chosen in candidates:
        if region in chosen:
            return chosen, RegionMode.VALUES
    widened = sorted((s for s in sets if constrained | {region} <= set(s)), key=len)
    return (widened[0], RegionMode.VALUES) if widened else None


def route(
    model: SemanticModel,
    plan: RollupPlan | None,
    scope: Scope,
    ref: MeasureRef,
    *,
    breakdown: str | None,
    span_hi_ok: bool,
) -> Route:
    """Where `ref` is read from for this answer."""
    if plan is None or scope.derived_through is None:
        return Route(ref=ref, reason="derived tables are not current for this app")
    if not span_hi_ok:
        return Route(ref=ref, reason="derived tables are not built through the range's end")
    if model.measure(ref).raw_only:
        return Route(ref=ref, reason=f"declared raw-only: {model.measure(ref).raw_only}")
    rollup = plan.rollups.get(ref.source)
    if rollup is None:
        return Route(ref=ref, reason=f"source {ref.source} has no rollup")
    if any(
        model.filters[n].kind is FilterKind.USER_TYPE and v in ("NEW", "RETURNING")
        for n, v in scope.filters.items()
        if n in model.filters
    ):
        return Route(ref=ref, reason="user type filters read each user's first row")
    privacy = model.config.privacy
    applies = scope.privacy and bool(privacy.protected_regions)
    if applies and rollup.region is not None and len(privacy.protected_regions) > 1:
        return Route(ref=ref, reason="rollups keep one protected region apart, not several")
    measure = model.measure(ref)
    if measure.raw_only:
        return Route(ref=ref, reason=f"declared raw-only: {measure.raw_only}")
    constrained, values = constrained_dimensions(model, scope, rollup, breakdown)
    source = model.sources[ref.source]
    user = user_of(model, source)
    partials = partials_of(measure, one_row_per_user=user if source.first_of else None)
    found = bitmap_of(measure, user)
    if partials is not None:
        shape, sets, dims, exact = Shape.PARTIALS, rollup.cell_sets, rollup.dimensions, False
    elif found is not None and found[1] is BitmapUse.CUMULATIVE and (
        applies and rollup.region is not None and scope.cells_shown
    ):
        # first-seen cells cannot keep some days' protected users and not others': OR the
        # bitmaps of every day instead, each day's protected users as its cells say
        shape, sets, dims, exact = Shape.TILL, rollup.bitmap_sets, rollup.bitmap_dimensions, False
    elif found is not None and found[1] is BitmapUse.CUMULATIVE:
        shape, sets, dims, exact = Shape.FIRSTS, rollup.cell_sets, rollup.dimensions, True
        if any(isinstance(v, tuple) and len(v) > 1 for v in values.values()):
            return Route(
                ref=ref, reason="a till-date count of several filter values needs the raw rows"
            )
    elif found is not None:
        twice = found[1] is BitmapUse.TWICE
        shape = Shape.TWICE if twice else Shape.DISTINCT
        sets, dims, exact = rollup.bitmap_sets, rollup.bitmap_dimensions, False
    else:
        return Route(ref=ref, reason=f"{measure.agg} {_shape_words(measure)} is not stored")
    missing = constrained - set(dims)
    if missing:
        return Route(ref=ref, reason=f"dimension {', '.join(sorted(missing))} is not in the rollup")
    chosen = _choose(rollup, sets, constrained, privacy=applies, exact=exact)
    if chosen is None:
        return Route(ref=ref, reason="no stored grouping set holds these filters exactly")
    grouped, region = chosen
    return Route(
        ref=ref,
        reason="rollup",
        rollup=rollup,
        shape=shape,
        grouped=grouped,
        region=region,
        partials=partials or (),
        key=found[0].key if found is not None else "",
    )


def _shape_words(measure: Measure) -> str:
    if measure.members is not None:
        return f"over the members of segment {measure.members.name}"
    if measure.per_user is not None:
        return f"of a per-user {measure.per_user}"
    if measure.window.value != "range":
        return f"over the {measure.window.value} window"
    if ":" in (measure.expr or "") or ":" in (measure.where or ""):
        return "reading a parameter"
    return f"of {measure.expr or 'rows'}"


def users_route(
    model: SemanticModel, plan: RollupPlan | None, scope: Scope, source_name: str
) -> Route | None:
    """The bitmaps of all users of `source_name` for this answer's filters (a retention
    cohort, or its return activity), or None when they cannot answer it exactly."""
    if plan is None or scope.derived_through is None:
        return None
    if scope.derived_through < scope.reporting_day:
        return None
    rollup = plan.rollups.get(source_name)
    if rollup is None or not any(b.key == "users" and b.where is None for b in rollup.bitmaps):
        return None
    if any(
        model.filters[n].kind is FilterKind.USER_TYPE and v in ("NEW", "RETURNING")
        for n, v in scope.filters.items()
        if n in model.filters
    ):
        return None
    privacy = model.config.privacy
    applies = scope.privacy and bool(privacy.protected_regions)
    if applies and rollup.region is not None and len(privacy.protected_regions) > 1:
        return None
    constrained, _ = constrained_dimensions(model, scope, rollup, None)
    if constrained - set(rollup.bitmap_dimensions):
        return None
    chosen = _choose(rollup, rollup.bitmap_sets, constrained, privacy=applies, exact=False)
    if chosen is None:
        return None
    return Route(
        ref=MeasureRef(name=f"{source_name}.users"),
        reason="rollup",
        rollup=rollup,
        shape=Shape.DISTINCT,
        grouped=chosen[0],
        region=chosen[1],
        key="users",
    )
