"""Metric cards over HTTP on the hand-built world (tests/semantic/world.py)."""

from __future__ import annotations

import pytest

from tests.gateway.graphql.conftest import GraphQLClient

R = '{start: "2026-10-11", end: "2026-10-14"}'


async def test_module_metrics_with_comparison(gql: GraphQLClient) -> None:
    data = await gql.data(
        f"""{{ game(id: "g1") {{ userBehavior(filter: {{range: {R}}}) {{
            activeUsers {{ id label unit value previous change direction suppressed }}
            avgDurationPerUser {{ value previous change direction }}
        }} }} }}"""
    )
    active = data["game"]["userBehavior"]["activeUsers"]
    assert active == {
        "id": "activeUsers",
        "label": "Active users",
        "unit": "users",
        "value": 3.0,
        "previous": 2.0,
        "change": 0.5,
        "direction": "UP",
        "suppressed": None,
    }
    duration = data["game"]["userBehavior"]["avgDurationPerUser"]
    assert duration["value"] == 600 and duration["previous"] == 450
    assert duration["change"] == pytest.approx(150 / 450) and duration["direction"] == "UP"


async def test_series_has_a_point_per_day(gql: GraphQLClient) -> None:
    data = await gql.data(
        f"""{{ game(id: "g1") {{ userBehavior(filter: {{range: {R}}}) {{
            activeUsers {{ series {{ date value }} }} }} }} }}"""
    )
    series = data["game"]["userBehavior"]["activeUsers"]["series"]
    assert series == [
        {"date": "2026-10-11", "value": 1.0},
        {"date": "2026-10-12", "value": 2.0},
        {"date": "2026-10-13", "value": 0.0},
        {"date": "2026-10-14", "value": 0.0},
    ]


async def test_breakdown_with_share(gql: GraphQLClient) -> None:
    data = await gql.data(
        f"""{{ game(id: "g1") {{ userBehavior(filter: {{range: {R}}}) {{
            activeUsers {{ breakdown(by: REGION) {{ key value share }} }} }} }} }}"""
    )
    rows = data["game"]["userBehavior"]["activeUsers"]["breakdown"]
    assert rows == [
        {"key": "GB", "value": 2.0, "share": pytest.approx(2 / 3)},
        {"key": "BR", "value": 1.0, "share": pytest.approx(1 / 3)},
        {"key": "US", "value": 1.0, "share": pytest.approx(1 / 3)},
    ]


async def test_filters_narrow_the_answer(gql: GraphQLClient) -> None:
    data = await gql.data(
        f"""{{ game(id: "g1") {{ userBehavior(filter: {{range: {R}, os: IOS, regions: ["gb"]}}) {{
            activeUsers {{ value }} }} }} }}"""
    )
    assert data["game"]["userBehavior"]["activeUsers"]["value"] == 1.0  # u1 through l04


async def test_catalog_lists_modules_and_error_codes(gql: GraphQLClient) -> None:
    data = await gql.data("{ catalog { modules { kind id metrics } errorCodes { family code } } }")
    modules = {(m["kind"], m["id"]) for m in data["catalog"]["modules"]}
    assert ("game", "userBehavior") in modules and ("drama", "conversionFunnel") in modules
    assert {"family": "network", "code": "404"} in data["catalog"]["errorCodes"]


async def test_unreleased_app_lists_with_null_metrics(gql: GraphQLClient) -> None:
    body = await gql(
        '{ games { id status } game(id: "g0") { status launchedOn'
        " userBehavior { activeUsers { value previous suppressed series { value } } } } }"
    )
    assert "errors" not in body
    assert {"id": "g0", "status": "UNRELEASED"} in body["data"]["games"]
    game = body["data"]["game"]
    assert game["status"] == "UNRELEASED" and game["launchedOn"] is None
    active = game["userBehavior"]["activeUsers"]
    assert active["value"] is None and active["previous"] is None
    assert active["suppressed"] == "APP_NOT_LAUNCHED"
    assert len(active["series"]) == 7 and {p["value"] for p in active["series"]} == {None}
    assert body["extensions"]["statements"] == 2  # the list and the app, no metric statement


async def test_one_fragment_on_metric_draws_any_card(gql: GraphQLClient) -> None:
    data = await gql.data(
        "fragment Card on Metric { id value previous }"
        f' {{ game(id: "g1") {{ userBehavior(filter: {{range: {R}}}) {{'
        " activeUsers { ...Card } }"
        f" userRetention(filter: {{range: {R}}}) {{ rate {{ ...Card }} }}"
        f" launch(filter: {{range: {R}}}) {{ avgLaunchMs {{ ...Card }} }} }} }}"
    )
    game = data["game"]
    assert game["userBehavior"]["activeUsers"] == {"id": "activeUsers", "value": 3, "previous": 2}
    assert game["userRetention"]["rate"]["id"] == "retentionRate"
    assert game["launch"]["avgLaunchMs"]["value"] == 1600
