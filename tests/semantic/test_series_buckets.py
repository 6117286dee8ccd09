"""Series by ISO week and calendar month: each bucket is a grain of its own, clipped to the range,
so every measure (distinct users, per-user counts, ratios, till-date counts) is over the whole
bucket. Worked out on the hand-built world (world.py).

Calendar: 2026-10-01 is a Thursday; ISO weeks start on Mondays 09-21, 09-28, 10-05, 10-12,
10-19. The range 09-24 (a Thursday) .. 10-20 (the reporting day) has the weeks
[09-24..09-27] (clipped), [09-28..10-04] (across the month end), [10-05..10-11],
[10-12..10-18], [10-19..10-20] (clipped), and the months [09-24..09-30], [10-01..10-20].
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from semantic.compiler import compile_metrics
from semantic.model import SemanticModel
from semantic.query import DateRange, Granularity, MetricQuery, RetentionQuery
from semantic.views import compile_retention
from tests.semantic.conftest import scope
from tests.semantic.engines import World

D = dt.date
WIDE = DateRange(start=D(2026, 9, 24), end=D(2026, 10, 20))
METRICS = ("active_users", "launched_sessions", "repeat_users", "avg_launched_sessions")


def test_buckets_are_iso_weeks_and_calendar_months_clipped_to_the_range() -> None:
    assert [(b.start, b.end) for b in WIDE.buckets(Granularity.WEEK)] == [
        (D(2026, 9, 24), D(2026, 9, 27)),
        (D(2026, 9, 28), D(2026, 10, 4)),  # one week, though it crosses the month end
        (D(2026, 10, 5), D(2026, 10, 11)),
        (D(2026, 10, 12), D(2026, 10, 18)),
        (D(2026, 10, 19), D(2026, 10, 20)),
    ]
    assert [(b.start, b.end) for b in WIDE.buckets(Granularity.MONTH)] == [
        (D(2026, 9, 24), D(2026, 9, 30)),
        (D(2026, 10, 1), D(2026, 10, 20)),
    ]
    assert len(WIDE.buckets(Granularity.DAY)) == WIDE.days == 27
    one = DateRange(start=D(2026, 10, 14), end=D(2026, 10, 14))
    assert one.buckets(Granularity.MONTH) == [one]


def series(granularity: Granularity, range_: DateRange) -> MetricQuery:
    return MetricQuery(
        scope=scope("user_behavior", range_=range_),
        metrics=METRICS,
        series=True,
        granularity=granularity,
    )


async def grains(
    world: World, model: SemanticModel, granularity: Granularity, range_: DateRange
) -> list[dict[str, Any]]:
    rows = await world.rows(compile_metrics, model, series(granularity, range_))
    return sorted(rows, key=lambda r: r["grain_id"])


def table(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["grain_id"], r["grain_day"], *(r[m] for m in METRICS)) for r in rows]


async def test_week_grains_are_whole_weeks_of_the_range(
    engine_world: World, model: SemanticModel
) -> None:
    rows = await grains(engine_world, model, Granularity.WEEK, WIDE)
    assert table(rows) == [
        # the range: u1..u4, the 10 sessions of 10-05..10-20; u1 u2 u3 twice or more
        (0, None, 4, 10, 3, 10 / 4),
        (1, None, 0, 0, 0, None),  # previous 08-28..09-23: nothing
        (2, D(2026, 9, 24), 0, 0, 0, None),
        (3, D(2026, 9, 28), 0, 0, 0, None),
        # 10-05..11: u1 (l01 l02), u4 (l11), u2 (l05 l06): 3 users, though the days
        # 10-05, 10-08, 10-09, 10-11 have one user each (4); u1 and u2 repeat over the week
        # though no day has a repeat user but 10-11 (u2)
        (4, D(2026, 10, 5), 3, 5, 2, 5 / 3),
        (5, D(2026, 10, 12), 2, 3, 1, 3 / 2),  # u1 (l03 l04), u3 (l08)
        # 10-19..20: u3 twice (l09, l10): a repeat user of the week, none of either day; the
        # ratio is 2 sessions over 1 user, not the mean of the days' ratios (1 and 1)
        (6, D(2026, 10, 19), 1, 2, 1, 2.0),
    ]


async def test_month_grains_are_calendar_months_of_the_range(
    engine_world: World, model: SemanticModel
) -> None:
    rows = await grains(engine_world, model, Granularity.MONTH, WIDE)
    assert table(rows) == [
        (0, None, 4, 10, 3, 2.5),
        (1, None, 0, 0, 0, None),
        (2, D(2026, 9, 24), 0, 0, 0, None),  # 09-24..30
        (3, D(2026, 10, 1), 4, 10, 3, 2.5),  # 10-01..20: all of the range's rows
    ]


async def test_a_clipped_week_leaves_out_the_days_before_the_range(
    engine_world: World, model: SemanticModel
) -> None:
    # 10-08 (a Thursday) .. 10-20: the first week is 10-08..11, without u1's l01 of 10-05
    rows = await grains(
        engine_world, model, Granularity.WEEK, DateRange(start=D(2026, 10, 8), end=D(2026, 10, 20))
    )
    assert table(rows)[2:] == [
        (2, D(2026, 10, 8), 3, 4, 1, 4 / 3),  # u1 (l02), u4 (l11), u2 (l05 l06 repeats)
        (3, D(2026, 10, 12), 2, 3, 1, 1.5),
        (4, D(2026, 10, 19), 1, 2, 1, 2.0),
    ]
    # the range and the previous period (09-25..10-07: u1's l01) are those of a daily series
    daily = await grains(
        engine_world, model, Granularity.DAY, DateRange(start=D(2026, 10, 8), end=D(2026, 10, 20))
    )
    # the range: u1..u4, 9 sessions; the previous period 09-25..10-07: u1's l01
    expected = [(0, None, 4, 9, 3, 9 / 4), (1, None, 1, 1, 0, 1.0)]
    assert table(rows)[:2] == table(daily)[:2] == expected


def test_statements_are_kept_per_granularity(model: SemanticModel) -> None:
    def compiled(granularity: Granularity, range_: DateRange) -> tuple[str, tuple[Any, ...]]:
        found = compile_metrics(model, series(granularity, range_))
        return found.sql, found.params

    other = DateRange(start=D(2026, 10, 1), end=D(2026, 10, 14))
    day, week, month = (compiled(g, WIDE)[0] for g in Granularity)
    assert len({day, week, month}) == 3
    assert "'WEEK'" in week and "'MONTH'" in month
    # another range of the same granularity: the same text, other values
    again, params = compiled(Granularity.WEEK, other)
    assert again == week and D(2026, 10, 1) in params
    # without a series the granularity changes nothing
    plain = [
        compile_metrics(
            model, MetricQuery(scope=scope("user_behavior"), metrics=METRICS, granularity=g)
        ).sql
        for g in Granularity
    ]
    assert len(set(plain)) == 1


async def test_retention_rate_by_week(engine_world: World, model: SemanticModel) -> None:
    # ACTIVE cohorts, day 1, 10-08..10-20: cohort days 10-08 u1, 10-09 u4, 10-11 u2, 10-12 u1 u3,
    # 10-19 u3, 10-20 u3; only u3 of 10-19 returns the next day (10-20); 10-20 + 1 is after the
    # reporting day, so that cohort day does not count
    query = RetentionQuery(
        scope=scope("user_retention", range_=DateRange(start=D(2026, 10, 8), end=D(2026, 10, 20))),
        period=1,
        cohort="ACTIVE",
        granularity=Granularity.WEEK,
    )
    rows = await engine_world.rows(compile_retention, model, query)
    got = [
        (r["grain_id"], r["grain_day"], r["cohort_size"], r["counted_size"], r["retained"])
        for r in rows
    ]
    assert got[0] == (0, None, 7, 6, 1)  # the range: 1 of 6 counted
    assert got[2:] == [
        (2, D(2026, 10, 8), 3, 3, 0),  # 10-08..11
        (3, D(2026, 10, 12), 2, 2, 0),  # 10-12..18
        (4, D(2026, 10, 19), 2, 1, 1),  # 10-19..20: 10-19 counts, 10-20 not yet
    ]
    assert [r["rate"] for r in rows[2:]] == [0.0, 0.0, 1.0]
