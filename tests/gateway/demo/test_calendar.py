from __future__ import annotations

import datetime as dt
import random

from gateway.demo.calendar import LAST_SECOND, Calendar, lognormal_factors, second_of_day
from gateway.demo.people import tiktok_versions


def calendar() -> Calendar:
    return Calendar.spanning(first_day=dt.date(2026, 3, 1), reporting_day=dt.date(2026, 4, 30))


def test_days_are_utc_midnights_up_to_the_reporting_day() -> None:
    days = calendar()
    assert days.last == 60
    assert days.midnights[0] == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert days.day(days.last) == dt.date(2026, 4, 30)
    assert days.index(dt.date(2026, 3, 31)) == 30
    assert days.closing == dt.datetime(2026, 4, 30, 23, 59, 59, 999_999, tzinfo=dt.UTC)
    assert days.at(1, 90) == dt.datetime(2026, 3, 2, 0, 1, 30, tzinfo=dt.UTC)


def test_weekends_are_busier_than_midweek() -> None:
    days = calendar()
    weekend = [f for i, f in enumerate(days.season) if days.day(i).weekday() >= 5]
    midweek = [f for i, f in enumerate(days.season) if days.day(i).weekday() <= 2]
    assert min(weekend) > max(midweek)


def test_seconds_stay_within_the_day() -> None:
    draw = random.Random(3).random
    seconds = [second_of_day(draw) for _ in range(5_000)]
    assert min(seconds) >= 0 and max(seconds) <= LAST_SECOND


def test_lognormal_factors_have_median_one() -> None:
    factors = lognormal_factors(0.5, size=101)
    assert factors == tuple(sorted(factors))
    assert abs(factors[50] - 1.0) < 1e-9


def test_tiktok_versions_move_forward_with_the_days() -> None:
    names, by_day = tiktok_versions(calendar())
    assert len(set(names)) == len(names)
    assert names[-1] == "37.4.0"
    assert list(by_day) == sorted(by_day)
    assert by_day[-1] == len(names) - 1 and by_day[0] >= 3  # room for users who lag behind
