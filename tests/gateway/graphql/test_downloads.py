"""CSV downloads carry the same numbers as the GraphQL answer for the same filters."""

from __future__ import annotations

import csv
import io

import httpx

from tests.gateway.graphql.conftest import GraphQLClient

FILTER = '{range: {start: "2026-10-11", end: "2026-10-14"}, os: IOS}'
PARAMS = "start=2026-10-11&end=2026-10-14&os=IOS"


def rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.text)))


def number(text: str) -> float | None:
    return float(text) if text else None


async def test_series_csv_equals_graphql(gql: GraphQLClient) -> None:
    data = await gql.data(
        f'{{ game(id: "g1") {{ userBehavior(filter: {FILTER}) {{ '
        "launchedSessions { series { date value } } } } }"
    )
    series = data["game"]["userBehavior"]["launchedSessions"]["series"]
    table = rows(await gql.http.get(f"/csv/game/g1/userBehavior/launchedSessions?{PARAMS}"))
    assert table[0] == ["date", "launchedSessions"]
    assert [(r[0], number(r[1])) for r in table[1:]] == [(p["date"], p["value"]) for p in series]
    assert len(table) == 5


async def test_breakdown_csv_equals_graphql(gql: GraphQLClient) -> None:
    data = await gql.data(
        f'{{ game(id: "g1") {{ userBehavior(filter: {FILTER}) {{ '
        "activeUsers { breakdown(by: REGION, limit: 5) { key value share } } } } }"
    )
    expected = data["game"]["userBehavior"]["activeUsers"]["breakdown"]
    table = rows(
        await gql.http.get(f"/csv/game/g1/userBehavior/activeUsers?{PARAMS}&by=REGION&limit=5")
    )
    assert table[0] == ["key", "activeUsers", "share"]
    assert [(r[0], number(r[1]), number(r[2])) for r in table[1:]] == [
        (e["key"], e["value"], e["share"]) for e in expected
    ]


async def test_table_csv_equals_graphql(gql: GraphQLClient) -> None:
    data = await gql.data(
        '{ game(id: "g1") { network(filter: {range: {start: "2026-10-11", end: "2026-10-14"}}) {'
        " errors(limit: 2, offset: 1) { totalCount rows { api domain errorCode count } } } } }"
    )
    expected = data["game"]["network"]["errors"]["rows"]
    table = rows(
        await gql.http.get(
            "/csv/game/g1/network/errors?start=2026-10-11&end=2026-10-14&limit=2&offset=1"
        )
    )
    assert table[0] == ["api", "domain", "errorCode", "count"]
    assert [(r[0], r[1], r[2], int(r[3])) for r in table[1:]] == [
        (e["api"], e["domain"], e["errorCode"], e["count"]) for e in expected
    ]


async def test_csv_refuses_bad_input_with_a_code(gql: GraphQLClient) -> None:
    response = await gql.http.get(
        "/csv/game/g1/userBehavior/activeUsers?start=2026-10-30&end=2026-10-01"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    missing = await gql.http.get("/csv/game/nope/userBehavior/activeUsers")
    assert missing.status_code == 404
