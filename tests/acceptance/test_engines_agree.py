"""The same model gives the same answers on ClickHouse as on PostgreSQL, on the demo world.

The demo world (built and refreshed once per run in PostgreSQL) is copied to an in-process
ClickHouse (chdb reads it itself with `pull_events`, or `copy_events` sends it), its privacy
cells decided there by the ClickHouse refresh step. Then every metric module of the biggest
game and drama, every distribution, table, retention view (periods 1 and 7, NEW and ACTIVE
cohorts) and the funnel is compiled for both engines and run on both, over ranges and filters
chosen to differ: a 30-day month, the 90 days before the reporting day with US only (the
privacy rule at work), an iOS-only 3 weeks, a day, an ISO-week and a month series, and a
breakdown by os and by region (the views over the 90 days only). Counts must be equal,
ratios within 1e-9, and both engines must decide the same privacy cells. The range presets,
every filter of every module and the views' other arguments: test_engines_agree_arguments.py;
how both engines are set up and compared: engines.py.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from semantic.model import AppKind, Module
from semantic.query import DateRange, Granularity
from tests.acceptance.engines import (
    MODEL,
    Build,
    Engines,
    apps,
    assert_same,
    both_engines,
    distribution,
    funnel,
    metrics,
    modules,
    retention,
    scope,
    table,
)

D = dt.date

# (name, range, filters, series granularity or None)
ASKS: list[tuple[str, DateRange, dict[str, Any], Granularity | None]] = [
    ("october", DateRange(start=D(2026, 10, 1), end=D(2026, 10, 30)), {}, Granularity.DAY),
    (
        "90 days US",
        DateRange(start=D(2026, 8, 23), end=D(2026, 11, 20)),
        {"regions": ("US",)},
        Granularity.WEEK,
    ),
    (
        "3 weeks iOS",
        DateRange(start=D(2026, 10, 28), end=D(2026, 11, 17)),
        {"os": "ios"},
        Granularity.MONTH,
    ),
]


@pytest.fixture(scope="module")
async def engines(demo_world_url: str) -> AsyncIterator[Engines]:
    async with both_engines(demo_world_url) as both:
        yield both


def questions(module: Module) -> Iterator[tuple[str, Build]]:
    names = tuple(str(m) for m in module.metrics)
    for number, (name, _, _, granularity) in enumerate(ASKS):
        if names:
            yield name, functools.partial(metrics, metrics=names, granularity=granularity)
        if number != 1:  # the views over the 90 US days only, where privacy and windows bite
            continue
        if module.distribution is not None:
            for dim in module.distribution.dimensions:
                yield f"{name} by {dim.name}", functools.partial(distribution, dimension=dim.name)
        for view in module.tables:
            yield f"{name} table {view.name}", functools.partial(table, table=view.name)
        if module.retention is not None:
            for period, cohort in ((1, None), (7, "NEW"), (7, "ACTIVE")):
                rate = functools.partial(retention, period=period, cohort=cohort)
                yield f"{name} table retention day {period} {cohort}", rate
        if module.funnel is not None:
            yield f"{name} table funnel", funnel
    if names:
        # by the privacy rule's dimensions (a breakdown's SQL is the same for every other one)
        for name in [d for d in map(str, module.dimensions) if d in ("os", "region")]:
            yield f"breakdown {name}", functools.partial(metrics, metrics=names, breakdown=name)


def cases() -> Iterator[Any]:
    for app_id, kind in apps():
        for module in modules(kind):
            for name, _ in questions(module):
                yield pytest.param(app_id, kind, module.id, name, id=f"{app_id}-{module.id}-{name}")


@pytest.mark.parametrize(("app_id", "kind", "module_id", "question"), list(cases()))
async def test_clickhouse_answers_as_postgresql(
    engines: Engines, app_id: str, kind: AppKind, module_id: str, question: str
) -> None:
    module = MODEL.modules[(kind, module_id)]
    build = dict(questions(module))[question]
    _, days, filters, _ = next((a for a in ASKS if question.startswith(a[0])), ASKS[0])
    expected, answered = await engines.answers(build, scope(app_id, kind, module, days, filters))
    # a metric question has a row per grain; a table or distribution of US rows may have none
    assert expected or " table " in question or " by " in question
    assert_same(expected, answered)


async def test_both_engines_decide_the_same_privacy_cells(engines: Engines) -> None:
    for app_id, _ in apps():
        on_pg = await engines.pg.fetch(
            "SELECT level, lo, os, users, shown FROM minis_privacy_cells WHERE app_id = $1"
            " ORDER BY level, lo, os",
            app_id,
        )
        on_ch = await engines.client.query(
            "SELECT level, lo, os, users, shown FROM minis_privacy_cells FINAL"
            " WHERE app_id = {app:String} ORDER BY level, lo, os",
            {"app": app_id},
        )
        assert [tuple(r.values()) for r in on_pg] == [
            (r["level"], r["lo"], r["os"], r["users"], bool(r["shown"])) for r in on_ch
        ]
        assert any(r["shown"] for r in on_pg), f"{app_id}: no shown cell compares little"
