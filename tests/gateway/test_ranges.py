from __future__ import annotations

import datetime as dt

import pytest

from gateway.errors import ClientError
from gateway.ranges import Preset, resolve_range

DAY = dt.date(2026, 10, 20)


def days(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        (None, "2026-10-14", "2026-10-20"),  # LAST_7_DAYS by default
        (Preset.YESTERDAY, "2026-10-20", "2026-10-20"),
        (Preset.LAST_7_DAYS, "2026-10-14", "2026-10-20"),
        (Preset.LAST_30_DAYS, "2026-09-21", "2026-10-20"),
    ],
)
def test_presets_end_on_the_reporting_day(preset: Preset | None, start: str, end: str) -> None:
    chosen = resolve_range(preset=preset, start=None, end=None, reporting_day=DAY, max_days=90)
    assert (chosen.start, chosen.end) == (days(start), days(end))


def test_custom_range_of_90_days_is_accepted() -> None:
    chosen = resolve_range(
        preset=None, start=days("2026-07-23"), end=DAY, reporting_day=DAY, max_days=90
    )
    assert chosen.days == 90


@pytest.mark.parametrize(
    ("start", "end", "message", "argument"),
    [
        (
            "2026-10-10",
            "2026-10-21",
            "ends on 2026-10-21, after the reporting day 2026-10-20",
            "filter.range.end",
        ),
        (
            "2026-10-12",
            "2026-10-11",
            "starts (2026-10-12) after it ends (2026-10-11)",
            "filter.range",
        ),
        (
            "2026-07-22",
            "2026-10-20",
            "spans 91 days; at most 90 are allowed, so start on or after 2026-07-23",
            "filter.range",
        ),
        ("2026-10-12", None, "needs both start and end; end is missing", "filter.range.end"),
    ],
)
def test_refused_ranges_say_why(start: str, end: str | None, message: str, argument: str) -> None:
    with pytest.raises(ClientError) as caught:
        resolve_range(
            preset=None,
            start=days(start),
            end=days(end) if end else None,
            reporting_day=DAY,
            max_days=90,
        )
    assert message in caught.value.message
    assert caught.value.extensions == {"code": "BAD_USER_INPUT", "argument": argument}


def test_preset_and_dates_together_are_refused() -> None:
    with pytest.raises(ClientError, match="either a preset or start and end"):
        resolve_range(preset=Preset.YESTERDAY, start=DAY, end=DAY, reporting_day=DAY, max_days=90)
