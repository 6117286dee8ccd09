"""Golden SQL: a change in generated SQL shows up as a reviewed diff of tests/semantic/golden/.

The same statements compiled for ClickHouse are in golden/clickhouse/. Regenerate after an
intended change with
`MINIS_UPDATE_GOLDEN=1 pytest tests/semantic/test_golden.py`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from semantic.compiler import compile_metrics
from semantic.engines import Engine
from semantic.model import AppKind, SemanticModel
from semantic.query import (
    CompiledQuery,
    DistributionQuery,
    FunnelQuery,
    Granularity,
    MetricQuery,
    RetentionQuery,
    Scope,
    TableQuery,
)
from semantic.views import compile_distribution, compile_funnel, compile_retention, compile_table
from tests.semantic.conftest import scope

GOLDEN = Path(__file__).parent / "golden"

Case = Callable[[SemanticModel], CompiledQuery]

CASES: dict[str, Case] = {
    "user_behavior_compare_series_filters": lambda m: compile_metrics(
        m,
        MetricQuery(
            scope=scope(
                "user_behavior", filters={"os": "ios", "regions": ("GB", "BR")}, privacy=True
            ),
            metrics=(
                "total_users",
                "active_users",
                "new_users",
                "repeat_users",
                "avg_duration_per_user",
            ),
            series=True,
        ),
        pretty=True,
    ),
    "user_behavior_series_by_week": lambda m: compile_metrics(
        m,
        MetricQuery(
            scope=scope("user_behavior"),
            metrics=("active_users", "avg_launched_sessions"),
            series=True,
            granularity=Granularity.WEEK,
        ),
        pretty=True,
    ),
    "overview_breakdown_region": lambda m: compile_metrics(
        m,
        MetricQuery(
            scope=scope("overview"), metrics=("active_users", "new_users"), breakdown="region"
        ),
        pretty=True,
    ),
    "drama_user_behavior_medians": lambda m: compile_metrics(
        m,
        MetricQuery(
            scope=scope("user_behavior", kind=AppKind.DRAMA),
            metrics=("median_duration_per_user", "median_duration_per_session"),
        ),
        pretty=True,
    ),
    "feed_ads_first_day": lambda m: compile_metrics(
        m,
        MetricQuery(
            scope=scope("feed_ads_first_day", filters={"regions": ("US",)}),
            metrics=("first_day_activated_users", "roi", "first_day_ltv"),
        ),
        pretty=True,
    ),
    "feed_ads_history_without_first_day": lambda m: compile_metrics(
        m,
        MetricQuery(
            scope=scope("feed_ads_history", filters={"include_first_day": False}),
            metrics=("history_activated_users",),
        ),
        pretty=True,
    ),
    "retention_active_day7": lambda m: compile_retention(
        m, RetentionQuery(scope=scope("user_retention"), period=7, cohort="ACTIVE"), pretty=True
    ),
    "profile_by_gender_new_users": lambda m: compile_distribution(
        m,
        DistributionQuery(
            scope=scope("user_profile", filters={"user_type": "NEW"}), dimension="gender"
        ),
        pretty=True,
    ),
    "funnel_topup": lambda m: compile_funnel(
        m,
        FunnelQuery(
            scope=scope("conversion_funnel", kind=AppKind.DRAMA, filters={"order_type": "topup"})
        ),
        pretty=True,
    ),
    "network_error_table_page": lambda m: compile_table(
        m,
        TableQuery(
            scope=scope("network", filters={"domains": ("api.a.com",)}),
            table="errors",
            limit=20,
            offset=20,
        ),
        pretty=True,
    ),
}


def _matches_golden_file(compiled: CompiledQuery, path: Path) -> None:
    """`compiled` is what `path` holds (written there with MINIS_UPDATE_GOLDEN)."""
    text = f"{compiled.sql};\n-- parameters: {list(compiled.params)!r}\n"
    if os.environ.get("MINIS_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no golden file {path.name}; run with MINIS_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{path.name} differs; review and regenerate if intended"


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_sql_matches_golden_file(model: SemanticModel, name: str) -> None:
    _matches_golden_file(CASES[name](model), GOLDEN / f"{name}.sql")


@pytest.mark.parametrize("name", sorted(CASES))
def test_clickhouse_sql_matches_golden_file(
    model: SemanticModel, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same statements compiled for ClickHouse, in golden/clickhouse/."""

    postgres_scope = scope

    def clickhouse_scope(*args: Any, **kwargs: Any) -> Scope:
        return dataclasses.replace(postgres_scope(*args, **kwargs), engine=Engine.CLICKHOUSE)

    monkeypatch.setitem(globals(), "scope", clickhouse_scope)
    _matches_golden_file(CASES[name](model), GOLDEN / "clickhouse" / f"{name}.sql")
