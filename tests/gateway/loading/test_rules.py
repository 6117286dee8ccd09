from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from gateway.loading.catalog import read_table
from gateway.loading.rules import Rule, table_rules


async def rule_of(db: asyncpg.Connection, table: str, constraint: str, part: int = 0) -> Rule:
    rules = table_rules(await read_table(db, table))
    found = [
        rule
        for rule in (*rules.rows, *(r for group in rules.by_column.values() for r in group))
        if rule.constraint == constraint
    ]
    return sorted(found, key=lambda rule: len(rule.columns))[part]


def row(table_columns: tuple[str, ...], **values: Any) -> tuple[Any, ...]:
    return tuple(values.get(name) for name in table_columns)


async def test_one_column_rules_are_checked_on_the_value(db: asyncpg.Connection) -> None:
    os = await rule_of(db, "launches", "launches_os_check")
    assert os.columns == ("os",)
    assert os.predicate("ios") is True
    assert os.predicate("windows") is False
    assert os.predicate(None) is None  # NULL passes a CHECK
    assert os.explain({"os": "windows"}) == ("os", "'windows' is not one of android, ios")

    region = await rule_of(db, "launches", "launches_region_check")
    assert region.predicate("US") is True
    assert region.predicate("us") is False
    assert region.explain({"region": "us"}) == ("region", "'us' does not match ^[A-Z]{2}$")

    beans = await rule_of(db, "orders", "orders_beans_check")
    assert beans.predicate(0) is False
    assert beans.explain({"beans": 0}) == ("beans", "must be > 0, not 0")

    name = await rule_of(db, "apps", "apps_name_check")
    assert name.explain({"name": ""}) == ("name", "must not be empty")


@pytest.mark.parametrize(
    ("table", "constraint", "values", "expected"),
    [
        (
            "launches",
            "launches_success_has_launch_ms",
            {"success": True, "launch_ms": None},
            ("launch_ms", "a value is required when success is true"),
        ),
        (
            "launches",
            "launches_success_has_launch_ms",
            {"success": False, "launch_ms": 120},
            ("launch_ms", "must be empty when success is false, not 120"),
        ),
        (
            "launches",
            "launches_failure_has_no_duration",
            {"success": False, "duration_ms": 5},
            ("duration_ms", "must be 0 when success is false, not 5"),
        ),
        (
            "ad_events",
            "ad_events_revenue_on_impressions",
            {"event": "click", "revenue_usd": Decimal("0.5")},
            ("revenue_usd", "must be 0 when event is 'click', not 0.5"),
        ),
        (
            "ad_events",
            "ad_events_error_code_on_failures",
            {"event": "load_failure", "error_code": None},
            ("error_code", "a value is required when event is 'load_failure'"),
        ),
        (
            "ad_events",
            "ad_events_error_code_on_failures",
            {"event": "click", "error_code": "E1"},
            ("error_code", "must be empty when event is 'click', not 'E1'"),
        ),
        (
            "network_calls",
            "network_calls_error_code_on_failures",
            {"ok": False, "error_code": None},
            ("error_code", "a value is required when ok is false"),
        ),
        (
            "funnel_events",
            "funnel_events_order_type_on_orders",
            {"step": "minis_visit", "order_type": "topup"},
            ("order_type", "must be empty when step is 'minis_visit', not 'topup'"),
        ),
        (
            "apps",
            "apps_launched_has_day",
            {"status": "launched", "launched_on": None},
            ("launched_on", "a value is required when status is 'launched'"),
        ),
    ],
)
async def test_rules_across_columns_name_the_column_to_fix(
    db: asyncpg.Connection,
    table: str,
    constraint: str,
    values: dict[str, Any],
    expected: tuple[str, str],
) -> None:
    columns = (await read_table(db, table)).column_names
    rule = await rule_of(db, table, constraint)
    assert rule.predicate(row(columns, **values)) is False
    assert rule.explain(values) == expected


async def test_a_check_with_several_parts_is_split(db: asyncpg.Connection) -> None:
    columns = (await read_table(db, "runtime_reports")).column_names
    at_least_zero = await rule_of(db, "runtime_reports", "runtime_reports_check", 0)
    within = await rule_of(db, "runtime_reports", "runtime_reports_check", 1)
    assert at_least_zero.columns == ("stutter_ms",)
    assert at_least_zero.predicate(-1) is False
    values = {"stutter_ms": 1500, "sampled_ms": 1000}
    assert within.predicate(row(columns, **values)) is False
    assert within.predicate(row(columns, stutter_ms=10, sampled_ms=1000)) is True
    assert within.explain(values) == ("stutter_ms", "must be <= sampled_ms (1000), not 1500")


async def test_checks_the_loader_cannot_read_are_left_to_the_database(
    db: asyncpg.Connection,
) -> None:
    await db.execute(
        "ALTER TABLE launches ADD CONSTRAINT short_model CHECK (length(device_model) < 30)"
    )
    rules = table_rules(await read_table(db, "launches"))
    assert rules.skipped == ("short_model",)
