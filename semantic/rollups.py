"""What is precomputed: rollups derived from the model, one per source that measures read.

A rollup holds, for each app, UTC day and *cell* (a value, or `*` for all, of each of the
source's rollup dimensions), the additive partials of the source's measures and a bitmap of
the users (dense per-app ordinals) of each distinct-user measure. The dimensions are those a
module filters or breaks down by; the cells are stored at several grouping sets (every set of
one or two dimensions, and all of them), so that an answer combines few cells; the privacy
region has, beside each value, `~`: every region that is not protected.

Nothing here is written by hand per metric: `plan_rollups` reads the model, and an analyst's
new measure is served from its source's rollup when its shape allows it (`partials_of`,
`bitmap_of`); otherwise the compiler reads the raw rows (`semantic.routing`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from semantic.first_rows import first_rows_of
from semantic.model import (
    Agg,
    FilterKind,
    Measure,
    Module,
    SemanticModel,
    Source,
    Window,
    frozen_map,
)

# The derived tables (sql/0004_derived_tables.sql) the compiler reads.
CELLS_TABLE = "minis_rollup_cells"
BITMAPS_TABLE = "minis_rollup_bitmaps"
ORDINALS_TABLE = "minis_user_ordinals"

ALL = "*"  # a cell's value of a dimension it does not split by
UNPROTECTED = "~"  # a cell's region value: every region that is not protected
UNPROTECTED_SET = 1 << 30  # in `gset`: the cell's region is UNPROTECTED
FORMAT = 3  # of the stored cells; part of the signature, so that a new format rebuilds


class PartialAgg(StrEnum):
    """How a partial is computed per cell and combined across cells and days."""

    COUNT = "count"
    SUM = "sum"
    MIN = "min"
    MAX = "max"


@dataclass(frozen=True, kw_only=True)
class Partial:
    """One additive column of a rollup's cells: `agg(expr)` over rows where `where` holds."""

    agg: PartialAgg
    expr: str | None = None
    where: str | None = None


@dataclass(frozen=True, kw_only=True)
class Bitmap:
    """The users of a source's rows where `where` holds; `twice`: also those with two rows."""

    key: str
    where: str | None = None


@dataclass(frozen=True, kw_only=True)
class Rollup:
    source: str
    dimensions: tuple[str, ...]  # of the cells' partials
    bitmap_dimensions: tuple[str, ...]  # of the bitmaps: those of modules that count users
    partials: tuple[Partial, ...]
    bitmaps: tuple[Bitmap, ...]
    firsts: tuple[Bitmap, ...]  # counted by the day each user first appears in a cell
    region: str | None  # the privacy region dimension, when the source has it

    def _sets(self, dims: tuple[str, ...]) -> list[tuple[str, ...]]:
        """No dimension, each one, each one with the region."""
        sets: list[tuple[str, ...]] = [()]
        sets += [(d,) for d in dims]
        if self.region in dims:
            sets += [
                tuple(sorted((d, self.region), key=self.dimensions.index))
                for d in dims
                if d != self.region
            ]
        return sets

    @property
    def cell_sets(self) -> tuple[tuple[str, ...], ...]:
        """The grouping sets of the partials: the small sets, and every dimension at once
        (partials add up, so any filter and breakdown is a sum of finest cells)."""
        sets = self._sets(self.dimensions)
        if self.dimensions not in sets:
            sets.append(self.dimensions)
        return tuple(sets)

    @property
    def bitmap_sets(self) -> tuple[tuple[str, ...], ...]:
        return tuple(self._sets(self.bitmap_dimensions)) if self.bitmaps else ()

    @property
    def grouping_sets(self) -> tuple[tuple[str, ...], ...]:
        return tuple(dict.fromkeys((*self.cell_sets, *self.bitmap_sets)))

    def gset(self, grouped: tuple[str, ...], *, unprotected: bool = False) -> int:
        """The number of a grouping set, as stored: bit i for the i-th dimension, and
        UNPROTECTED_SET for the cells whose region is `~` (so that an index finds them)."""
        number = sum(1 << self.dimensions.index(d) for d in grouped)
        return number | UNPROTECTED_SET if unprotected else number

    def position(self, dimension: str) -> int:
        """1-based index of a dimension in the cells' `dims` array."""
        return self.dimensions.index(dimension) + 1

    def partial_index(self, partial: Partial) -> int:
        """1-based index of a partial in the cells' `sums` array."""
        return self.partials.index(partial) + 1

    def first_index(self, key: str) -> int:
        """1-based index in `sums` of the count of users first seen in the cell that day."""
        return len(self.partials) + [b.key for b in self.firsts].index(key) + 1


@dataclass(frozen=True, kw_only=True)
class RollupPlan:
    rollups: Mapping[str, Rollup]
    signature: str  # changes whenever what is stored changes: stored data must be rebuilt
    # the regions `~` cells leave out; data built for other ones serves only answers that
    # leave no region out
    protected: tuple[str, ...] = ()
    cells_signature: str = ""  # the privacy rule the stored cell decisions follow


def _reads_parameters(*texts: str | None) -> bool:
    return any(text is not None and ":" in text for text in texts)


def bitmap_key(where: str | None) -> str:
    """A stable name for the bitmap of a source's users where `where` holds."""
    if where is None:
        return "users"
    return "w" + hashlib.sha1(where.encode()).hexdigest()[:10]


def partials_of(
    measure: Measure, *, one_row_per_user: str | None = None
) -> tuple[Partial, ...] | None:
    """The partials a plain range measure is combined from, or None when it is not additive.
    With `one_row_per_user` (the user column of a `first_of` source), distinct users are a
    count of rows: each user has one row, in one cell."""
    if measure.members is not None or measure.per_user is not None:
        return None
    if measure.window is not Window.RANGE:
        return None
    if _reads_parameters(measure.expr, measure.where, measure.weight):
        return None
    where, expr = measure.where, measure.expr
    if (
        one_row_per_user is not None
        and measure.agg is Agg.COUNT_DISTINCT
        and (expr or "").strip() == one_row_per_user
    ):
        return (Partial(agg=PartialAgg.COUNT, where=where),)
    shapes: dict[Agg, tuple[Partial, ...]] = {
        Agg.COUNT: (Partial(agg=PartialAgg.COUNT, where=where),),
        Agg.SUM: (Partial(agg=PartialAgg.SUM, expr=expr, where=where),),
        Agg.MIN: (Partial(agg=PartialAgg.MIN, expr=expr, where=where),),
        Agg.MAX: (Partial(agg=PartialAgg.MAX, expr=expr, where=where),),
        Agg.AVG: (
            Partial(agg=PartialAgg.SUM, expr=expr, where=where),
            Partial(agg=PartialAgg.COUNT, expr=expr, where=where),
        ),
    }
    if measure.agg is Agg.WEIGHTED_AVG and expr and measure.weight:
        return (
            Partial(agg=PartialAgg.SUM, expr=f"({expr}) * ({measure.weight})", where=where),
            Partial(agg=PartialAgg.SUM, expr=measure.weight, where=where),
        )
    if measure.agg in (Agg.COUNT, Agg.SUM, Agg.MIN, Agg.MAX, Agg.AVG) and (
        expr or measure.agg is Agg.COUNT
    ):
        return shapes[measure.agg]
    return None


class BitmapUse(StrEnum):
    DISTINCT = "distinct"  # users in the grain's days
    CUMULATIVE = "cumulative"  # users on any day up to the grain's last day
    TWICE = "twice"  # users with two or more rows in the grain's days


def bitmap_of(measure: Measure, user: str | None) -> tuple[Bitmap, BitmapUse] | None:
    """The bitmap a distinct-user measure is answered from, and how, or None."""
    if measure.members is not None or user is None:
        return None
    if _reads_parameters(measure.expr, measure.where):
        return None
    bitmap = Bitmap(key=bitmap_key(measure.where), where=measure.where)
    if measure.per_user is not None:
        twice = (
            measure.per_user is Agg.COUNT
            and measure.agg is Agg.COUNT
            and measure.per_user_min == 2
            and measure.window is Window.RANGE
        )
        return (bitmap, BitmapUse.TWICE) if twice else None
    if measure.agg is not Agg.COUNT_DISTINCT or (measure.expr or "").strip() != user:
        return None
    uses = {Window.RANGE: BitmapUse.DISTINCT, Window.CUMULATIVE: BitmapUse.CUMULATIVE}
    use = uses.get(measure.window)
    return (bitmap, use) if use is not None else None


def _module_dimensions(model: SemanticModel, module: Module) -> set[str]:
    """Dimensions a module filters or breaks down by."""
    dims = {d.name for d in module.dimensions}
    for ref in module.filters:
        definition = model.filters.get(ref.name)
        if definition and definition.kind is FilterKind.DIMENSION and definition.dimension:
            dims.add(definition.dimension.name)
    return dims


def _measures_of(model: SemanticModel, module: Module) -> set[str]:
    from semantic.compiler import metric_measures  # the compiler reads rollups too

    return {ref.name for ref in metric_measures(model, tuple(m.name for m in module.metrics))}


def _dimensions_of(model: SemanticModel, source: Source) -> tuple[str, ...]:
    while not source.dimensions and source.first_of is not None:
        source = model.sources[source.first_of.name]
    return tuple(d.name for d in source.dimensions)


def user_of(model: SemanticModel, source: Source) -> str | None:
    while source.first_of is not None:
        source = model.sources[source.first_of.name]
    return source.user


def _rollup(
    model: SemanticModel, source: Source, uses: list[tuple[set[str], set[str]]]
) -> Rollup | None:
    """`uses`: (measures read, dimensions used) of each module."""
    user = user_of(model, source)
    partials: dict[Partial, None] = {}
    bitmaps: dict[Bitmap, None] = {}
    firsts: dict[Bitmap, None] = {}
    counted: set[str] = set()  # measures answered from bitmaps
    single = user if source.first_of is not None else None
    for measure in source.measures.values():
        for partial in partials_of(measure, one_row_per_user=single) or ():
            partials[partial] = None
        found = bitmap_of(measure, user)
        if found is None:
            continue
        if found[1] is BitmapUse.CUMULATIVE:
            firsts[found[0]] = None
        else:
            bitmaps[found[0]] = None
            counted.add(f"{source.name}.{measure.name}")
    if not partials and not bitmaps and not firsts:
        return None
    own = _dimensions_of(model, source)
    prefix = f"{source.name}."
    used: set[str] = set()
    counting: set[str] = set()
    for measures, dims in uses:
        if any(m.startswith(prefix) for m in measures):
            used |= dims
        if measures & counted:
            counting |= dims
    region = model.config.privacy.region_dimension.name
    kept = tuple(d for d in own if d in used)
    return Rollup(
        source=source.name,
        dimensions=kept,
        bitmap_dimensions=tuple(d for d in kept if d in counting),
        partials=tuple(partials),
        bitmaps=tuple(bitmaps),
        firsts=tuple(firsts),
        region=region if region in kept else None,
    )


def plan_rollups(model: SemanticModel) -> RollupPlan:
    uses = [
        (_measures_of(model, module), _module_dimensions(model, module))
        for module in model.modules.values()
    ]
    rollups = {}
    for source in model.sources.values():
        rollup = _rollup(model, source, uses)
        if rollup is not None:
            rollups[source.name] = rollup
    return RollupPlan(
        rollups=frozen_map(rollups),
        signature=_signature(model, rollups),
        protected=tuple(sorted(model.config.privacy.protected_regions)),
        cells_signature=privacy_signature(model),
    )


def _signature(model: SemanticModel, rollups: Mapping[str, Rollup]) -> str:
    """A digest of what the stored cells mean: the rollups and the rows they read."""
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for name in sorted(rollups):
        rollup = rollups[name]
        source = model.sources[name]
        chain = [source]
        while chain[-1].first_of is not None:
            chain.append(model.sources[chain[-1].first_of.name])
        rows = [(s.table, s.where, s.time, s.key, s.user, s.first_of) for s in chain]
        dims = [(d, model.dimensions[d].column) for d in rollup.dimensions]
        digest.update(repr((name, rows, dims, rollup)).encode())
    digest.update(repr(first_rows_of(model)).encode())  # stored beside them
    return digest.hexdigest()[:16]


def privacy_signature(model: SemanticModel) -> str:
    """A digest of the privacy rule: threshold, regions, the rows it counts, the calendar."""
    privacy = model.config.privacy
    source = model.sources.get(privacy.source.name)
    rule = (
        privacy.threshold,
        privacy.protected_regions,
        privacy.source.name,
        source and (source.table, source.where, source.time, source.user),
        privacy.region_dimension.name,
        privacy.os_dimension.name,
        privacy.epoch.isoformat(),
        privacy.blocks,
    )
    return hashlib.sha256(repr(rule).encode()).hexdigest()[:16]


_PLANS: dict[int, tuple[SemanticModel, RollupPlan]] = {}


def plan_for(model: SemanticModel) -> RollupPlan:
    """The model's rollup plan, worked out once per model object."""
    found = _PLANS.get(id(model))
    if found is None or found[0] is not model:
        if len(_PLANS) > 16:
            _PLANS.clear()
        found = (model, plan_rollups(model))
        _PLANS[id(model)] = found
    return found[1]
