"""Loads through the real Cube client give the GraphQL answers' numbers: totals, daily series,
breakdowns and compareDateRange against GraphQL's previous period."""

from __future__ import annotations

from typing import Any

import cube_http
import pytest

from gateway.schema.naming import camel
from semantic.model import AppKind, SemanticModel
from tests.gateway.graphql.conftest import GraphQLClient

CUBE = "game_user_behavior"
R = ["2026-10-11", "2026-10-14"]
APP = {"member": f"{CUBE}.app_id", "operator": "equals", "values": ["g1"]}


def number(text: str | None) -> float | None:
    return None if text is None else float(text)


def metrics(model: SemanticModel) -> list[str]:
    return [m.name for m in model.module(AppKind.GAME, "user_behavior").metrics]


async def graphql_module(gql: GraphQLClient, selection: str, filter_: str) -> dict[str, Any]:
    data = await gql.data(
        f'{{ game(id: "g1") {{ userBehavior(filter: {filter_}) {{ {selection} }} }} }}'
    )
    module: dict[str, Any] = data["game"]["userBehavior"]
    return module


async def load(cube: cube_http.AsyncClient, query: dict[str, Any]) -> list[Any]:
    response = await cube.v1.load({"query": query})  # type: ignore[call-overload]
    results: list[Any] = response.results
    return results


async def test_totals_equal_graphql(
    cube: cube_http.AsyncClient, gql: GraphQLClient, semantic_model: SemanticModel
) -> None:
    names = metrics(semantic_model)
    module = await graphql_module(
        gql,
        " ".join(f"{camel(n)} {{ value }}" for n in names),
        f'{{range: {{start: "{R[0]}", end: "{R[1]}"}}, os: IOS}}',
    )
    [result] = await load(
        cube,
        {
            "measures": [f"{CUBE}.{n}" for n in names],
            "timeDimensions": [{"dimension": f"{CUBE}.date", "dateRange": R}],
            "filters": [APP, {"member": f"{CUBE}.os", "operator": "equals", "values": ["ios"]}],
        },
    )
    [row] = result.data
    assert {n: number(row[f"{CUBE}.{n}"]) for n in names} == {
        n: module[camel(n)]["value"] for n in names
    }
    assert module["activeUsers"]["value"] == 2  # u1 and u3 on ios in R
    assert set(result.annotation.measures) == {f"{CUBE}.{n}" for n in names}


async def test_daily_series_equal_graphql(cube: cube_http.AsyncClient, gql: GraphQLClient) -> None:
    module = await graphql_module(
        gql,
        "activeUsers { series { date value } } launchedSessions { series { date value } }",
        f'{{range: {{start: "{R[0]}", end: "{R[1]}"}}}}',
    )
    [result] = await load(
        cube,
        {
            "measures": [f"{CUBE}.active_users", f"{CUBE}.launched_sessions"],
            "timeDimensions": [{"dimension": f"{CUBE}.date", "granularity": "day", "dateRange": R}],
            "filters": [APP],
        },
    )
    got = [
        (
            r[f"{CUBE}.date.day"][:10],
            number(r[f"{CUBE}.active_users"]),
            number(r[f"{CUBE}.launched_sessions"]),
        )
        for r in result.data
    ]
    expected = [
        (a["date"], a["value"], s["value"])
        for a, s in zip(
            module["activeUsers"]["series"], module["launchedSessions"]["series"], strict=True
        )
    ]
    assert got == expected and len(got) == 4
    assert result.data[0][f"{CUBE}.date"] == "2026-10-11T00:00:00.000"
    assert f"{CUBE}.date.day" in result.annotation.time_dimensions


async def test_breakdown_equals_graphql(cube: cube_http.AsyncClient, gql: GraphQLClient) -> None:
    module = await graphql_module(
        gql,
        "activeUsers { breakdown(by: REGION, limit: 100) { key value } }",
        f'{{range: {{start: "{R[0]}", end: "{R[1]}"}}}}',
    )
    [result] = await load(
        cube,
        {
            "measures": [f"{CUBE}.active_users"],
            "dimensions": [f"{CUBE}.region"],
            "timeDimensions": [{"dimension": f"{CUBE}.date", "dateRange": R}],
            "filters": [APP],
            "order": {f"{CUBE}.region": "asc"},
        },
    )
    got = [(r[f"{CUBE}.region"], number(r[f"{CUBE}.active_users"])) for r in result.data]
    expected = sorted((b["key"], b["value"]) for b in module["activeUsers"]["breakdown"])
    assert got == expected == [("BR", 1), ("GB", 2), ("US", 1)]


async def test_compare_date_range_equals_graphql_previous(
    cube: cube_http.AsyncClient, gql: GraphQLClient
) -> None:
    module = await graphql_module(
        gql,
        "activeUsers { value previous } newUsers { value previous }",
        f'{{range: {{start: "{R[0]}", end: "{R[1]}"}}}}',
    )
    current, previous = await load(
        cube,
        {
            "measures": [f"{CUBE}.active_users", f"{CUBE}.new_users"],
            "timeDimensions": [
                {
                    "dimension": f"{CUBE}.date",
                    "compareDateRange": [R, ["2026-10-07", "2026-10-10"]],
                }
            ],
            "filters": [APP],
        },
    )
    for result, field in ((current, "value"), (previous, "previous")):
        [row] = result.data
        assert number(row[f"{CUBE}.active_users"]) == module["activeUsers"][field]
        assert number(row[f"{CUBE}.new_users"]) == module["newUsers"][field]
    assert previous.query.time_dimensions[0].date_range == [
        "2026-10-07T00:00:00.000",
        "2026-10-10T23:59:59.999",
    ]
    assert current.data[0]["compareDateRange"].startswith("2026-10-11T00:00:00.000 - ")


@pytest.mark.parametrize("granularity", ["day", "week"])
async def test_retention_rate_equals_graphql(
    cube: cube_http.AsyncClient, gql: GraphQLClient, granularity: str
) -> None:
    data = await gql.data(
        '{ game(id: "g1") { userRetention(filter: {range: {start: "2026-10-11", end: '
        '"2026-10-14"}}) { rate(period: DAY_1) { value series(granularity: '
        f"{granularity.upper()}) {{ date value }} }} }} }} }}"
    )
    rate = data["game"]["userRetention"]["rate"]
    assert len(rate["series"]) == (4 if granularity == "day" else 2)
    [result] = await load(
        cube,
        {
            "measures": ["game_user_retention.retention_rate_day_1"],
            "timeDimensions": [
                {
                    "dimension": "game_user_retention.date",
                    "granularity": granularity,
                    "dateRange": R,
                }
            ],
            "filters": [
                {"member": "game_user_retention.app_id", "operator": "equals", "values": ["g1"]}
            ],
        },
    )
    got = [number(r["game_user_retention.retention_rate_day_1"]) for r in result.data]
    assert got == [p["value"] for p in rate["series"]]


@pytest.mark.parametrize(
    ("granularity", "expected"),
    [
        # R = 10-11 (a Sunday) .. 10-14: the week of Monday 10-05 clipped to 10-11 (u2), and
        # 10-12..14 (u1, u3); Cube labels a week by its Monday, GraphQL by its first day in R
        ("week", [("2026-10-05", "2026-10-11", 1), ("2026-10-12", "2026-10-12", 2)]),
        ("month", [("2026-10-01", "2026-10-11", 3)]),  # u1 u2 u3
    ],
)
async def test_week_and_month_equal_graphql(
    cube: cube_http.AsyncClient,
    gql: GraphQLClient,
    granularity: str,
    expected: list[tuple[str, str, int]],
) -> None:
    """Answered as GraphQL's series of that granularity: the same buckets and numbers."""
    module = await graphql_module(
        gql,
        f"activeUsers {{ series(granularity: {granularity.upper()}) {{ date value }} }}"
        f" avgLaunchedSessions {{ series(granularity: {granularity.upper()}) {{ date value }} }}",
        f'{{range: {{start: "{R[0]}", end: "{R[1]}"}}}}',
    )
    [result] = await load(
        cube,
        {
            "measures": [f"{CUBE}.active_users", f"{CUBE}.avg_launched_sessions"],
            "timeDimensions": [
                {"dimension": f"{CUBE}.date", "granularity": granularity, "dateRange": R}
            ],
            "filters": [APP],
        },
    )
    got = [
        (
            r[f"{CUBE}.date.{granularity}"][:10],
            number(r[f"{CUBE}.active_users"]),
            number(r[f"{CUBE}.avg_launched_sessions"]),
        )
        for r in result.data
    ]
    series = zip(
        module["activeUsers"]["series"], module["avgLaunchedSessions"]["series"], strict=True
    )
    assert [(label, users) for label, users, _ in got] == [(c, v) for c, _, v in expected]
    assert [(users, ratio) for _, users, ratio in got] == [
        (a["value"], s["value"]) for a, s in series
    ]
    assert [p["date"] for p in module["activeUsers"]["series"]] == [g for _, g, _ in expected]
    assert result.data[0][f"{CUBE}.date"] == f"{expected[0][0]}T00:00:00.000"
    assert f"{CUBE}.date.{granularity}" in result.annotation.time_dimensions


async def test_weekly_breakdown_equals_graphql(
    cube: cube_http.AsyncClient, gql: GraphQLClient
) -> None:
    module = await graphql_module(
        gql,
        "activeUsers { breakdown(by: REGION, limit: 100) { key"
        " series(granularity: WEEK) { date value } } }",
        f'{{range: {{start: "{R[0]}", end: "{R[1]}"}}}}',
    )
    [result] = await load(
        cube,
        {
            "measures": [f"{CUBE}.active_users"],
            "dimensions": [f"{CUBE}.region"],
            "timeDimensions": [
                {"dimension": f"{CUBE}.date", "granularity": "week", "dateRange": R}
            ],
            "filters": [APP],
        },
    )
    got = sorted(
        (r[f"{CUBE}.region"], r[f"{CUBE}.date.week"][:10], number(r[f"{CUBE}.active_users"]))
        for r in result.data
    )
    monday = {"2026-10-11": "2026-10-05", "2026-10-12": "2026-10-12"}
    expected = sorted(
        (b["key"], monday[p["date"]], p["value"])
        for b in module["activeUsers"]["breakdown"]
        for p in b["series"]
    )
    assert got == expected
    # 10-11: u2 in GB; 10-12..14: u1 in US and GB, u3 in BR
    assert [row for row in got if row[2]] == [
        ("BR", "2026-10-12", 1),
        ("GB", "2026-10-05", 1),
        ("GB", "2026-10-12", 1),
        ("US", "2026-10-12", 1),
    ]
