"""Every aggregation of the YAML format, executed on the hand-built world (world.py).

Sessions of g1 in R = 10-11..14: l03 300 ms (launch 1000), l04 400 (2000), l05 500 (1500),
l06 0 (500), l08 600 (3000).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from semantic.compiler import compile_metrics
from semantic.loader import MODELS_DIR, load_model
from semantic.model import SemanticModel
from semantic.query import MetricQuery
from tests.semantic.conftest import scope
from tests.semantic.engines import World

EXTRA = """
sources:
  probe_sessions:
    table: launches
    where: success
    time: started_at
    key: launch_id
    dimensions: [os, region]
    measures:
      count: {agg: count}
      distinct: {agg: count_distinct, expr: user_id}
      total: {agg: sum, expr: duration_ms}
      mean: {agg: avg, expr: duration_ms}
      least: {agg: min, expr: duration_ms}
      most: {agg: max, expr: duration_ms}
      median: {agg: median, expr: duration_ms}
      p90: {agg: percentile, expr: duration_ms, percentile: 0.9}
      weighted: {agg: weighted_avg, expr: launch_ms, weight: duration_ms}
      long_sessions: {agg: count, where: duration_ms >= 400}
      busy_users: {agg: count, per_user: sum, per_user_min: 500, expr: duration_ms}
metrics:
"""
MEASURES = [
    "count",
    "distinct",
    "total",
    "mean",
    "least",
    "most",
    "median",
    "p90",
    "weighted",
    "long_sessions",
    "busy_users",
]
EXPECTED = {
    "count": 5,
    "distinct": 3,
    "total": 1800,
    "mean": 360,
    "least": 0,
    "most": 600,
    "median": 400,
    "p90": 560,  # continuous: 500 + 0.6 * (600 - 500)
    "weighted": (1000 * 300 + 2000 * 400 + 1500 * 500 + 500 * 0 + 3000 * 600) / 1800,
    "long_sessions": 3,
    "busy_users": 3,  # u1 700, u2 500, u3 600
}


@pytest.fixture(scope="module")
def probe_model(tmp_path_factory: pytest.TempPathFactory) -> SemanticModel:
    models = tmp_path_factory.mktemp("models") / "models"
    shutil.copytree(MODELS_DIR, models)
    text = EXTRA + "".join(
        f"  probe_{m}:\n    label: Probe {m}\n    unit: ms\n    measure: probe_sessions.{m}\n"
        f"    description: The {m} probe.\n"
        for m in MEASURES
    )
    text += (
        "modules:\n  - id: probe\n    kinds: [game]\n    label: Probe\n"
        "    description: Every aggregation.\n    filters: [os, regions]\n"
        f"    metrics: [{', '.join('probe_' + m for m in MEASURES)}]\n"
        "    dimensions: [region]\n"
    )
    (models / "probe.yml").write_text(text)
    return load_model(Path(models))


@pytest.mark.parametrize("measure", MEASURES)
async def test_aggregation(engine_world: World, probe_model: SemanticModel, measure: str) -> None:
    query = MetricQuery(scope=scope("probe"), metrics=(f"probe_{measure}",))
    rows = {r["grain_id"]: r for r in await engine_world.rows(compile_metrics, probe_model, query)}
    assert rows[0][f"probe_{measure}"] == pytest.approx(EXPECTED[measure], rel=1e-12)
