"""An analyst who adds a metric and a module in YAML gets them in the API, no Python change."""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg

from gateway.schema import build_schema
from semantic.loader import MODELS_DIR, load_model
from tests.gateway.graphql.conftest import client_of, gateway_app
from tests.semantic.conftest import with_privacy

EXTRA = """
metrics:
  longest_session_ms:
    label: Longest session
    unit: ms
    measure: ios_sessions.longest_ms
    description: The longest session of the range.

sources:
  ios_sessions:
    table: launches
    where: success AND os = 'ios'
    time: started_at
    key: launch_id
    dimensions: [os, region]
    measures:
      longest_ms: {agg: max, expr: duration_ms}
      users: {agg: count_distinct, expr: user_id}

modules:
  - id: ios_corner
    kinds: [game]
    label: iOS corner
    description: What iOS players do.
    filters: [regions]
    metrics: [ios_active_users]
    dimensions: [region]
"""

EXTRA_METRIC = """
metrics:
  ios_active_users:
    label: iOS active users
    unit: users
    measure: ios_sessions.users
    description: Distinct users with a session on iOS in the range.
"""


async def test_a_metric_and_a_module_added_in_yaml_are_served(
    tmp_path: Path, world_pool: asyncpg.Pool
) -> None:
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models)
    (models / "extra.yml").write_text(EXTRA)
    (models / "extra_metric.yml").write_text(EXTRA_METRIC)
    text = (models / "users.yml").read_text()
    (models / "users.yml").write_text(
        text.replace(
            "metrics: [total_users, new_users, active_users, repeat_users,",
            "metrics: [longest_session_ms, total_users, new_users, active_users, repeat_users,",
            1,
        )
    )
    model = with_privacy(load_model(models), threshold=1, regions=())
    assert "iosCorner(" in build_schema(model).as_str()
    app = gateway_app(pool=world_pool, model=model)
    async with client_of(app) as gql:
        data = await gql.data(
            '{ game(id: "g1") { '
            'iosCorner(filter: {range: {start: "2026-10-11", end: "2026-10-14"}}) {'
            " iosActiveUsers { value previous breakdown(by: REGION) { key value } } }"
            ' userBehavior(filter: {range: {start: "2026-10-11", end: "2026-10-14"}}) {'
            " longestSessionMs { value } } } }"
        )
    corner = data["game"]["iosCorner"]["iosActiveUsers"]
    assert (corner["value"], corner["previous"]) == (2.0, 1.0)  # u1 u3 | u1
    assert {r["key"]: r["value"] for r in corner["breakdown"]} == {"US": 1, "GB": 1, "BR": 1}
    assert data["game"]["userBehavior"]["longestSessionMs"]["value"] == 600.0
