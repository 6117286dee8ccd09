"""Cube filters, segments, order and paging: pushed into the GraphQL filter where minis has
one (so the numbers are GraphQL's), applied to the rows where Cube applies them after grouping."""

from __future__ import annotations

from typing import Any

import httpx

from tests.gateway.graphql.conftest import GraphQLClient

CUBE = "game_user_behavior"
R = ["2026-10-11", "2026-10-14"]
APP = {"member": f"{CUBE}.app_id", "operator": "equals", "values": ["g1"]}
TIME = {"dimension": f"{CUBE}.date", "dateRange": R}


async def rows(http: httpx.AsyncClient, query: dict[str, Any]) -> list[dict[str, Any]]:
    response = await http.post("/v1/load", json={"query": query})
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def active_users(gql: GraphQLClient, filter_: str) -> float:
    data = await gql.data(
        f'{{ game(id: "g1") {{ userBehavior(filter: {{range: {{start: "{R[0]}", end: "{R[1]}"}}'
        f"{filter_}}}) {{ activeUsers {{ value }} }} }} }}"
    )
    value: float = data["game"]["userBehavior"]["activeUsers"]["value"]
    return value


async def test_not_equals_on_a_closed_list_is_the_other_values(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    [row] = await rows(
        http,
        {
            "measures": [f"{CUBE}.active_users"],
            "timeDimensions": [TIME],
            "filters": [APP, {"member": f"{CUBE}.os", "operator": "notEquals", "values": ["ios"]}],
        },
    )
    assert float(row[f"{CUBE}.active_users"]) == await active_users(gql, ", os: ANDROID") == 1


async def test_or_of_equals_on_one_dimension_is_a_list_of_regions(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    region = f"{CUBE}.region"
    [row] = await rows(
        http,
        {
            "measures": [f"{CUBE}.active_users"],
            "timeDimensions": [TIME],
            "filters": [
                {
                    "and": [
                        APP,
                        {
                            "or": [
                                {"member": region, "operator": "equals", "values": ["GB"]},
                                {"member": region, "operator": "equals", "values": ["BR"]},
                            ]
                        },
                    ]
                }
            ],
        },
    )
    expected = await active_users(gql, ', regions: ["GB", "BR"]')
    assert float(row[f"{CUBE}.active_users"]) == expected == 3


async def test_measure_filters_order_limit_and_offset_apply_to_rows(
    http: httpx.AsyncClient,
) -> None:
    query = {
        "measures": [f"{CUBE}.launched_sessions"],
        "dimensions": [f"{CUBE}.region"],
        "timeDimensions": [TIME],
        "filters": [
            APP,
            {"member": f"{CUBE}.launched_sessions", "operator": "gte", "values": ["1"]},
        ],
        "order": [[f"{CUBE}.launched_sessions", "desc"], [f"{CUBE}.region", "asc"]],
    }
    every = await rows(http, query)
    assert [(r[f"{CUBE}.region"], r[f"{CUBE}.launched_sessions"]) for r in every] == [
        ("GB", "3"),
        ("BR", "1"),
        ("US", "1"),
    ]
    page = await rows(http, {**query, "limit": 1, "offset": 1})
    assert page == every[1:2]
    response = await http.post(
        "/v1/load",
        json={
            "query": {
                **query,
                "filters": [
                    APP,
                    {
                        "or": [
                            {"member": f"{CUBE}.region", "operator": "startsWith", "values": ["U"]},
                            {
                                "member": f"{CUBE}.launched_sessions",
                                "operator": "gt",
                                "values": ["2"],
                            },
                        ]
                    },
                ],
            }
        },
    )
    assert [r[f"{CUBE}.region"] for r in response.json()["data"]] == ["GB", "US"]


async def test_segment_is_a_filter_value(http: httpx.AsyncClient, gql: GraphQLClient) -> None:
    data = await gql.data(
        '{ drama(id: "d1") { iapOrders(filter: {range: {start: "2026-10-11", end: "2026-10-14"},'
        " payerType: NEW}) { gmv { value } } } }"
    )
    [row] = await rows(
        http,
        {
            "measures": ["drama_iap_orders.gmv"],
            "segments": ["drama_iap_orders.payer_type_new"],
            "timeDimensions": [{"dimension": "drama_iap_orders.date", "dateRange": R}],
            "filters": [
                {"member": "drama_iap_orders.app_id", "operator": "equals", "values": ["d1"]}
            ],
        },
    )
    assert float(row["drama_iap_orders.gmv"]) == data["drama"]["iapOrders"]["gmv"]["value"]


async def test_group_by_app_answers_each_app(http: httpx.AsyncClient) -> None:
    data = await rows(
        http,
        {
            "measures": [f"{CUBE}.active_users"],
            "dimensions": [f"{CUBE}.app_id"],
            "timeDimensions": [TIME],
            "order": {f"{CUBE}.app_id": "asc"},
        },
    )
    assert [r[f"{CUBE}.app_id"] for r in data] == ["g0", "g1"]
    assert data[0][f"{CUBE}.active_users"] is None  # unreleased: null, as in GraphQL


async def test_relative_date_range_and_get(http: httpx.AsyncClient, gql: GraphQLClient) -> None:
    query = (
        f'{{"measures": ["{CUBE}.active_users"], "filters": [{{"member": "{CUBE}.app_id",'
        f' "operator": "equals", "values": ["g1"]}}], "timeDimensions": [{{"dimension":'
        f' "{CUBE}.date", "dateRange": "last 30 days"}}]}}'
    )
    response = await http.get("/v1/load", params={"query": query})
    assert response.status_code == 200, response.text
    data = await gql.data(
        '{ game(id: "g1") { userBehavior(filter: {range: {preset: LAST_30_DAYS}}) '
        "{ activeUsers { value } } } }"
    )
    [row] = response.json()["data"]
    assert (
        float(row[f"{CUBE}.active_users"]) == data["game"]["userBehavior"]["activeUsers"]["value"]
    )
    assert response.json()["query"]["timeDimensions"][0]["dateRange"][1].startswith("2026-10-20")
