"""Retention, distribution, funnel and table statements on the hand-built world (world.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import asyncpg
import pytest

from semantic.model import AppKind, SemanticModel
from semantic.query import (
    CompiledQuery,
    DistributionQuery,
    FunnelQuery,
    QueryError,
    RetentionQuery,
    TableQuery,
)
from semantic.views import compile_distribution, compile_funnel, compile_retention, compile_table
from tests.semantic.conftest import scope
from tests.semantic.engines import World


async def fetch(db: asyncpg.Connection, compiled: CompiledQuery) -> list[dict[str, Any]]:
    return [dict(r) for r in await db.fetch(compiled.sql, *compiled.params)]


# NEW cohorts of R: 10-11 {u2}, 10-12 {u3}. ACTIVE: 10-11 {u2}, 10-12 {u1, u3}.
# u3 comes back on 10-19 (D+7) and 10-20; nobody has a session on D+1. The reporting day is
# 10-20: an empty cohort retains 0 once its D+N has data (10-13 for both periods, 10-14 for
# DAY_1), and is unknown (null) before (10-14 + 7 = 10-21).
@pytest.mark.parametrize(
    ("cohort", "period", "rate", "table"),
    [
        ("NEW", 1, 0.0, {11: (1, 0), 12: (1, 0), 13: (0, 0), 14: (0, 0)}),
        ("NEW", 7, 0.5, {11: (1, 0), 12: (1, 1), 13: (0, 0), 14: (0, None)}),
        ("ACTIVE", 7, 1 / 3, {11: (1, 0), 12: (2, 1), 13: (0, 0), 14: (0, None)}),
        ("ACTIVE", 1, 0.0, {11: (1, 0), 12: (2, 0), 13: (0, 0), 14: (0, 0)}),
    ],
)
async def test_retention_rate_and_cohort_table(
    engine_world: World,
    model: SemanticModel,
    cohort: str,
    period: int,
    rate: float,
    table: dict[int, tuple[int, int | None]],
) -> None:
    query = RetentionQuery(scope=scope("user_retention"), period=period, cohort=cohort)
    rows = await engine_world.rows(compile_retention, model, query)
    grains = {r["grain_id"]: r for r in rows}
    assert grains[0]["rate"] == pytest.approx(rate)
    days = {r["grain_day"].day: (r["cohort_size"], r["retained"]) for r in rows if r["grain_day"]}
    assert days == table


async def test_retention_counts_only_days_whose_return_day_has_data(
    engine_world: World, model: SemanticModel
) -> None:
    # reporting day 10-17: for period 7 only D <= 10-10 would count, none of R
    query = RetentionQuery(
        scope=scope("user_retention", reporting_day=dt.date(2026, 10, 17)), period=7
    )
    grains = {r["grain_id"]: r for r in await engine_world.rows(compile_retention, model, query)}
    assert grains[0]["cohort_size"] == 2
    assert grains[0]["retained"] is None and grains[0]["rate"] is None


async def test_retention_filters_the_cohort(engine_world: World, model: SemanticModel) -> None:
    query = RetentionQuery(
        scope=scope("user_retention", filters={"os": "android"}), period=7, cohort="NEW"
    )
    grains = {r["grain_id"]: r for r in await engine_world.rows(compile_retention, model, query)}
    assert (grains[0]["cohort_size"], grains[0]["retained"]) == (1, 0)  # u2 only


def test_retention_period_must_be_offered(model: SemanticModel) -> None:
    with pytest.raises(QueryError, match="must be one of 1, 7, 14, 30 days, not 3"):
        compile_retention(model, RetentionQuery(scope=scope("user_retention"), period=3))


@pytest.mark.parametrize(
    ("dimension", "filters", "expected"),
    [
        # u1's latest session in R is in GB (11:00 after US 10:00)
        ("region", {}, [("GB", 2, 2 / 3), ("BR", 1, 1 / 3)]),
        ("gender", {}, [("female", 1, 1 / 3), ("male", 1, 1 / 3), ("unknown", 1, 1 / 3)]),
        ("gender", {"user_type": "NEW"}, [("female", 1, 0.5), ("unknown", 1, 0.5)]),
        ("gender", {"user_type": "RETURNING"}, [("male", 1, 1.0)]),
        ("region", {"os": "android"}, [("GB", 1, 1.0)]),
    ],
)
async def test_distribution_by_latest_value(
    engine_world: World,
    model: SemanticModel,
    dimension: str,
    filters: dict[str, Any],
    expected: list[tuple[str, int, float]],
) -> None:
    query = DistributionQuery(scope=scope("user_profile", filters=filters), dimension=dimension)
    rows = await engine_world.rows(compile_distribution, model, query)
    assert [(r["bkey"], r["users"], pytest.approx(r["share"])) for r in rows] == expected


@pytest.mark.parametrize(("order_type", "last_pv"), [(None, 1), ("consumption", 1), ("topup", 1)])
async def test_funnel_steps_and_conversions(
    engine_world: World, model: SemanticModel, order_type: str | None, last_pv: int
) -> None:
    filters = {"order_type": order_type} if order_type else {}
    query = FunnelQuery(scope=scope("conversion_funnel", kind=AppKind.DRAMA, filters=filters))
    rows = await engine_world.rows(compile_funnel, model, query)
    assert [r["pv"] for r in rows] == [4, 2, 2, 0, 0, 0, 0, 0, last_pv]
    assert [r["conversion_from_previous"] for r in rows][:4] == [None, 0.5, 1.0, 0.0]
    assert rows[4]["conversion_from_previous"] is None  # 0 / 0
    assert rows[8]["conversion_from_first"] == pytest.approx(last_pv / 4)


async def test_funnel_order_type_selects_order_events(
    world_db: asyncpg.Connection, model: SemanticModel
) -> None:
    await world_db.execute(
        "INSERT INTO funnel_events VALUES ('extra', 'd1', 'v9', '2026-10-12T12:00:00Z', 'ios',"
        " 'GB', 'order', 'topup')"
    )
    try:
        pvs = {}
        for order_type in ("consumption", "topup"):
            query = FunnelQuery(
                scope=scope(
                    "conversion_funnel", kind=AppKind.DRAMA, filters={"order_type": order_type}
                )
            )
            pvs[order_type] = (await fetch(world_db, compile_funnel(model, query)))[-1]["pv"]
        assert pvs == {"consumption": 1, "topup": 2}
    finally:
        await world_db.execute("DELETE FROM funnel_events WHERE event_id = 'extra'")


async def test_error_table_is_grouped_ordered_and_paged(
    engine_world: World, model: SemanticModel
) -> None:
    first = await engine_world.rows(
        compile_table, model, TableQuery(scope=scope("network"), table="errors", limit=2)
    )
    assert [(r["api"], r["domain"], r["error_code"], r["count"]) for r in first] == [
        ("request", "api.a.com", "404", 2),
        ("download_file", "cdn.b.com", "503", 1),
    ]
    assert first[0]["total_rows"] == 3
    rest = await engine_world.rows(
        compile_table, model, TableQuery(scope=scope("network"), table="errors", limit=2, offset=2)
    )
    assert [(r["error_code"], r["count"]) for r in rest] == [("timeout", 1)]


async def test_error_table_filters_by_domains(engine_world: World, model: SemanticModel) -> None:
    query = TableQuery(scope=scope("network", filters={"domains": ("cdn.b.com",)}), table="errors")
    rows = await engine_world.rows(compile_table, model, query)
    assert [(r["domain"], r["count"]) for r in rows] == [("cdn.b.com", 1)]


async def test_top_products(engine_world: World, model: SemanticModel) -> None:
    query = TableQuery(scope=scope("iap_orders"), table="top_products")
    rows = await engine_world.rows(compile_table, model, query)
    assert [(r["product_name"], r["orders"], r["beans"]) for r in rows] == [
        ("Gems", 2, 130),
        ("Coins", 1, 50),
    ]


def test_table_limits_are_enforced(model: SemanticModel) -> None:
    with pytest.raises(QueryError, match="between 1 and 10, not 11"):
        compile_table(model, TableQuery(scope=scope("iap_orders"), table="top_products", limit=11))
    with pytest.raises(QueryError, match="has one page"):
        compile_table(model, TableQuery(scope=scope("iap_orders"), table="top_products", offset=10))
