from __future__ import annotations

import datetime as dt

import pytest

from gateway.demo import DemoSummary, TableLoad
from gateway.demo.summary import AppLine


def summary() -> DemoSummary:
    return DemoSummary(
        seed=7,
        scale=1.0,
        first_day=dt.date(2026, 6, 1),
        reporting_day=dt.date(2026, 11, 21),
        apps=(
            AppLine(
                app_id="g",
                kind="game",
                name="G",
                status="launched",
                owner_id="owner_b",
                launched_on=dt.date(2026, 6, 1),
                users=1200,
            ),
            AppLine(
                app_id="u",
                kind="game",
                name="U",
                status="unreleased",
                owner_id="owner_a",
                launched_on=None,
                users=0,
            ),
        ),
        tables=(
            TableLoad(table="launches", generated=105, inserted=100),
            TableLoad(table="orders", generated=10, inserted=10),
        ),
        seconds=12.34,
    )


def test_counts_add_up() -> None:
    made = summary()
    assert made.owners == ("owner_a", "owner_b")
    assert made.table("launches").skipped == 5
    assert made.duplicates_skipped == 5
    with pytest.raises(KeyError):
        made.table("nope")


def test_describe_names_apps_tables_duplicates_and_time() -> None:
    text = summary().describe()
    assert "2 apps, 2 owners (owner_a, owner_b)" in text
    assert "2026-06-01 .. 2026-11-21 (174 days)" in text
    assert "1,200 users" in text and "no data" in text
    assert "100 rows (5 re-sent duplicates skipped)" in text
    assert text.endswith("5 duplicates skipped; built in 12.3 s")
