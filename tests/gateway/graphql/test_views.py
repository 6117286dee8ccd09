"""Retention, distribution, funnel and tables over HTTP, on the hand-built world."""

from __future__ import annotations

import pytest

from tests.gateway.graphql.conftest import GraphQLClient

R = 'range: {start: "2026-10-11", end: "2026-10-14"}'


async def test_retention_rate_and_cohorts(gql: GraphQLClient) -> None:
    data = await gql.data(
        f'{{ game(id: "g1") {{ userRetention(filter: {{{R}, cohort: ACTIVE}}) {{'
        " rate(period: DAY_7) { id value series { date value } }"
        " cohorts(period: DAY_7) { date cohortSize retained rate } } } }"
    )
    retention = data["game"]["userRetention"]
    assert retention["rate"]["id"] == "retentionRate"
    assert retention["rate"]["value"] == pytest.approx(1 / 3)
    assert [p["value"] for p in retention["rate"]["series"]] == [0.0, 0.5, None, None]
    assert retention["cohorts"] == [
        {"date": "2026-10-11", "cohortSize": 1, "retained": 0, "rate": 0.0},
        {"date": "2026-10-12", "cohortSize": 2, "retained": 1, "rate": 0.5},
        # an empty cohort retains 0 once its D+7 has data (reporting day 10-20), else null
        {"date": "2026-10-13", "cohortSize": 0, "retained": 0, "rate": None},
        {"date": "2026-10-14", "cohortSize": 0, "retained": None, "rate": None},
    ]


async def test_distribution(gql: GraphQLClient) -> None:
    data = await gql.data(
        f'{{ game(id: "g1") {{ userProfile(filter: {{{R}, userType: NEW}}) {{'
        " distribution(by: GENDER) { key users share } } } }"
    )
    assert data["game"]["userProfile"]["distribution"] == [
        {"key": "female", "users": 1, "share": 0.5},
        {"key": "unknown", "users": 1, "share": 0.5},
    ]


async def test_funnel(gql: GraphQLClient) -> None:
    data = await gql.data(
        f'{{ drama(id: "d1") {{ conversionFunnel(filter: {{{R}, orderType: TOPUP}}) {{'
        " steps { step label pv conversionFromPrevious conversionFromFirst } } } }"
    )
    steps = data["drama"]["conversionFunnel"]["steps"]
    assert [s["pv"] for s in steps] == [4, 2, 2, 0, 0, 0, 0, 0, 1]
    assert steps[1] == {
        "step": "entrance_click",
        "label": "Entrance click",
        "pv": 2,
        "conversionFromPrevious": 0.5,
        "conversionFromFirst": 0.5,
    }


async def test_top_products_and_paged_errors(gql: GraphQLClient) -> None:
    data = await gql.data(
        f'{{ game(id: "g1") {{ iapOrders(filter: {{{R}}}) {{'
        " topProducts { totalCount rows { productId productName orders beans } } }"
        f' network(filter: {{{R}, domains: ["api.a.com"]}}) {{'
        " errors(limit: 1) { totalCount rows { api domain errorCode count } } } } }"
    )
    products = data["game"]["iapOrders"]["topProducts"]
    assert products["rows"] == [
        {"productId": "p1", "productName": "Gems", "orders": 2, "beans": 130.0},
        {"productId": "p2", "productName": "Coins", "orders": 1, "beans": 50.0},
    ]
    errors = data["game"]["network"]["errors"]
    assert errors == {
        "totalCount": 2,
        "rows": [{"api": "request", "domain": "api.a.com", "errorCode": "404", "count": 2}],
    }


async def test_graphiql_is_served_to_browsers(gql: GraphQLClient) -> None:
    response = await gql.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


async def test_new_users_of_a_distribution_are_judged_by_their_first_session(
    gql: GraphQLClient,
) -> None:
    # 10-08..13 with regions GB: v1's first session (10-08) is in the US, so v1 is not a new
    # user of GB although v1 has a GB session on 10-13; v3's first session is in GB (10-09).
    data = await gql.data(
        '{ drama(id: "d1") {'
        ' userProfile(filter: {range: {start: "2026-10-08", end: "2026-10-13"},'
        ' regions: ["GB"], userType: NEW}) { distribution(by: GENDER) { key users } }'
        ' dashboard(filter: {range: {start: "2026-10-08", end: "2026-10-13"},'
        ' regions: ["GB"]}) { newUsers { value } } } }'
    )
    drama = data["drama"]
    assert drama["userProfile"]["distribution"] == [{"key": "male", "users": 1}]
    assert drama["dashboard"]["newUsers"]["value"] == 1
