"""/cubejs-api/v1/meta read by the real Cube client: one cube per module and app kind."""

from __future__ import annotations

import cube_http

from semantic.model import AppKind, SemanticModel


async def test_every_module_with_metrics_is_a_cube(
    cube: cube_http.AsyncClient, semantic_model: SemanticModel
) -> None:
    meta = await cube.v1.meta()
    assert meta.cubes is not None
    names = {c.name for c in meta.cubes}
    for (kind, module_id), module in semantic_model.modules.items():
        if module.metrics or module.retention:
            assert f"{kind.value}_{module_id}" in names
    assert "game_user_behavior" in names and "drama_dashboard" in names


async def test_measures_dimensions_and_segments(
    cube: cube_http.AsyncClient, semantic_model: SemanticModel
) -> None:
    meta = await cube.v1.meta()
    assert meta.cubes is not None
    cubes = {c.name: c for c in meta.cubes}
    behavior = cubes["game_user_behavior"]
    measures = {m.name: m for m in behavior.measures}
    module = semantic_model.module(AppKind.GAME, "user_behavior")
    assert set(measures) == {f"game_user_behavior.{m.name}" for m in module.metrics}
    active = measures["game_user_behavior.active_users"]
    assert active.short_title == semantic_model.metrics["active_users"].label
    assert active.type == "count_distinct" and active.format == "number"
    assert active.meta == {"unit": "users", "direction": "higher_is_better"}
    assert measures["game_user_behavior.total_users"].cumulative is True
    dimensions = {d.name: d for d in behavior.dimensions}
    assert dimensions["game_user_behavior.date"].type == "time"
    assert {
        "game_user_behavior.app_id",
        "game_user_behavior.region",
        "game_user_behavior.os",
    } <= set(dimensions)
    retention = {m.name for m in cubes["game_user_retention"].measures}
    assert "game_user_retention.retention_rate_day_7" in retention
    orders = cubes["drama_iap_orders"]
    assert {s.name for s in orders.segments} == {
        "drama_iap_orders.payer_type_new",
        "drama_iap_orders.payer_type_returning",
    }
    payer = next(d for d in orders.dimensions if d.name == "drama_iap_orders.payer_type")
    assert payer.meta == {"groupable": False, "values": ["NEW", "RETURNING"]}
    rates = {m.name: m for m in cubes["game_launch"].measures}
    assert rates["game_launch.launch_success_rate"].format == "percent"
