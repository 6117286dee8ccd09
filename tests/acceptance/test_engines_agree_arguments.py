"""The engines agree for every range preset, every filter and the views' own arguments.

On the demo world copied to ClickHouse (see `engines.py`), beside the ranges and the os and
region filters of test_engines_agree.py:

- every range preset of the gateway, resolved as the gateway does for the reporting day with
  the model's privacy calendar, asked of the biggest game's user behaviour and the biggest
  drama's dashboard: every region, and US only with a day or week series, the privacy rule at
  work (the trailing presets and the drama's weeks hold no shown US cell, the aligned ones do);
- every filter of every module of both apps, all of a module's at once, with values of the
  demo world, over the last week: each filter must change the answer (on ClickHouse, the
  answer without that one filter differs), so that a filter one engine ignores fails;
- the views' own arguments, over the last 12 weeks: retention periods 14 and 30 (the others
  are in test_engines_agree.py) of either cohort, with week and month series, the second page
  of each paged table and a short top-products table.

Counts must be equal, ratios within 1e-9, and the shown days (the privacy decisions each
answer read) the same.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from typing import Any

import pytest

from gateway.ranges import Calendar, Preset, resolve_range
from semantic.model import AppKind, Module
from semantic.query import DateRange, FilterValue, Granularity
from tests.acceptance.engines import (
    LATE_DAYS,
    MODEL,
    REPORTING_DAY,
    Build,
    Engines,
    Row,
    apps,
    assert_same,
    both_engines,
    distribution,
    equal,
    funnel,
    metrics,
    modules,
    on_clickhouse,
    retention,
    scope,
    table,
)

CALENDAR = Calendar(
    epoch=MODEL.config.privacy.epoch, blocks=MODEL.config.privacy.blocks, late_days=LATE_DAYS
)


def preset_range(preset: Preset) -> DateRange:
    """The days the gateway answers for `preset` on the demo world's reporting day."""
    return resolve_range(
        preset=preset,
        start=None,
        end=None,
        reporting_day=REPORTING_DAY,
        max_days=MODEL.config.max_range_days,
        calendar=CALENDAR,
    )


@pytest.fixture(scope="module")
async def engines(demo_world_url: str) -> AsyncIterator[Engines]:
    async with both_engines(demo_world_url) as both:
        yield both


def metric_names(module: Module) -> tuple[str, ...]:
    return tuple(str(m) for m in module.metrics)


def values(columns: tuple[str, ...], rows: list[Row]) -> list[Any]:
    return [r[c] for r in rows for c in columns]


def numbers(rows: list[Row]) -> list[list[Any]]:
    """Every number (or null) of every row, keys included."""
    kinds = (int, float, Decimal, type(None))
    return [
        [v for v in r.values() if isinstance(v, kinds) and not isinstance(v, bool)] for r in rows
    ]


# -- range presets -------------------------------------------------------------------------

PRESET_MODULES = [
    pytest.param("tile_kingdom", AppKind.GAME, "user_behavior", id="tile_kingdom-user_behavior"),
    pytest.param("midnight_heiress", AppKind.DRAMA, "dashboard", id="midnight_heiress-dashboard"),
]
# (app, preset) whose range holds no shown US cell: US only is withheld there
US_WITHHELD = {
    ("tile_kingdom", Preset.YESTERDAY),
    ("tile_kingdom", Preset.LAST_7_DAYS),
    ("midnight_heiress", Preset.YESTERDAY),
    ("midnight_heiress", Preset.LAST_7_DAYS),
    ("midnight_heiress", Preset.LAST_30_DAYS),
    ("midnight_heiress", Preset.LAST_WEEK),
}


@pytest.mark.parametrize("preset", list(Preset), ids=lambda p: p.name)
@pytest.mark.parametrize(("app_id", "kind", "module_id"), PRESET_MODULES)
async def test_every_range_preset(
    engines: Engines, app_id: str, kind: AppKind, module_id: str, preset: Preset
) -> None:
    module = MODEL.modules[(kind, module_id)]
    days = preset_range(preset)
    totals = functools.partial(metrics, metrics=metric_names(module))
    expected, answered = await engines.answers(totals, scope(app_id, kind, module, days, {}))
    assert_same(expected, answered)
    # US only, with a series: each point includes US rows only from the shown cells of its own
    granularity = Granularity.DAY if days.days <= 7 else Granularity.WEEK
    series = functools.partial(metrics, metrics=metric_names(module), granularity=granularity)
    us_only = scope(app_id, kind, module, days, {"regions": ("US",)})
    expected, answered = await engines.answers(series, us_only)
    assert len(expected) == 2 + len(days.buckets(granularity))  # current, previous, the points
    assert_same(expected, answered)
    withheld = not expected[0]["shown_days"]  # the current period's
    assert withheld == ((app_id, preset) in US_WITHHELD), expected[0]["shown_days"]


# -- filters -------------------------------------------------------------------------------

# a value of the demo world for every filter of the model, chosen so that, with the others of
# its module, it changes the answer
FILTER_VALUES: dict[str, FilterValue] = {
    "os": "android",  # US rows are then withheld: no os cell of the demo world is shown
    "regions": ("US", "BR"),  # the US rows of shown every-os cells, and Brazil's
    "user_type": "RETURNING",
    "payer_type": "NEW",
    "placement_type": "rewarded_video",
    # a rewarded video's and an interstitial's: with the type, the first only
    "placement_ids": ("tk_rv_extra_life", "tk_int_level_end"),
    "domains": ("cdn.tilekingdom.games", "pay.tilekingdom.games"),
    "include_first_day": False,  # the default is true
    "order_type": "topup",  # the default is consumption
}
FILTER_RANGE = Preset.LAST_WEEK


def main_question(module: Module) -> Build:
    """What a filter case asks of the module: its metrics with a week series, else its
    first distribution, its retention or its funnel."""
    if module.metrics:
        return functools.partial(
            metrics, metrics=metric_names(module), granularity=Granularity.WEEK
        )
    if module.distribution is not None:
        return functools.partial(distribution, dimension=module.distribution.dimensions[0].name)
    if module.retention is not None:
        return functools.partial(retention, period=7, cohort=None)
    assert module.funnel is not None, module.id
    return funnel


def filter_cases() -> Iterator[Any]:
    for app_id, kind in apps():
        for module in modules(kind):
            names = "+".join(str(f) for f in module.filters)
            yield pytest.param(app_id, kind, module.id, id=f"{app_id}-{module.id}-{names}")


def test_every_filter_has_a_value() -> None:
    assert set(FILTER_VALUES) == set(MODEL.filters)


@pytest.mark.parametrize(("app_id", "kind", "module_id"), list(filter_cases()))
async def test_every_filter_of_every_module(
    engines: Engines, app_id: str, kind: AppKind, module_id: str
) -> None:
    module = MODEL.modules[(kind, module_id)]
    build = main_question(module)
    filtered = scope(app_id, kind, module, preset_range(FILTER_RANGE), FILTER_VALUES)
    assert set(filtered.filters) == {str(f) for f in module.filters}
    expected, answered = await engines.answers(build, filtered)
    assert_same(expected, answered)
    assert any(v is not None for v in values(build(filtered).columns, expected)), "all null"
    for name in filtered.filters:
        others = {k: v for k, v in filtered.filters.items() if k != name}
        without = await engines.on_clickhouse(
            build(on_clickhouse(dataclasses.replace(filtered, filters=others)))
        )
        assert not equal(numbers(without), numbers(answered)), f"{name} changes nothing"


# -- the views' own arguments ----------------------------------------------------------------

VIEW_RANGE = Preset.LAST_12_WEEKS  # long enough for 30-day returns


def view_cases() -> Iterator[Any]:
    for app_id, kind in apps():
        for period, cohort, granularity in (
            (14, "ACTIVE", Granularity.WEEK),
            (30, "NEW", Granularity.MONTH),
        ):
            rate = functools.partial(
                retention, period=period, cohort=cohort, granularity=granularity
            )
            name = f"retention day {period} {cohort} by {granularity.value}"
            yield pytest.param(app_id, kind, "user_retention", rate, None, id=f"{app_id}-{name}")
        for module in modules(kind):
            for view in module.tables:
                # the second page of a paged table, else fewer rows than the page holds
                limit, offset = (None, view.default_limit) if view.paged else (3, 0)
                page = functools.partial(table, table=view.name, limit=limit, offset=offset)
                first = functools.partial(table, table=view.name, limit=None)
                name = f"{module.id}-{view.name} limit {limit} offset {offset}"
                yield pytest.param(app_id, kind, module.id, page, first, id=f"{app_id}-{name}")


@pytest.mark.parametrize(("app_id", "kind", "module_id", "build", "first"), list(view_cases()))
async def test_the_views_own_arguments(
    engines: Engines, app_id: str, kind: AppKind, module_id: str, build: Build, first: Build | None
) -> None:
    module = MODEL.modules[(kind, module_id)]
    asked = scope(app_id, kind, module, preset_range(VIEW_RANGE), {})
    expected, answered = await engines.answers(build, asked)
    assert expected
    assert_same(expected, answered)
    if first is not None:  # a table's page: not its first page of the default length
        whole = await engines.on_postgres(first(asked))
        assert numbers(whole) != numbers(expected), "the limit and offset change nothing"
