"""Refusals over HTTP: per field, each with a code, in the JSON envelope, quoting the client."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.graphql.conftest import GraphQLClient

BAD_RANGE = '{range: {start: "2026-10-05", end: "2026-10-01"}}'


async def test_a_bad_filter_nulls_only_its_module(gql: GraphQLClient) -> None:
    body = await gql(
        f'{{ game(id: "g1") {{ id userBehavior(filter: {BAD_RANGE}) {{ activeUsers {{ value }} }}'
        " launch { launchSuccessRate { id } } } catalog { modules { id } } }"
    )
    assert body["data"]["game"]["id"] == "g1"
    assert body["data"]["game"]["userBehavior"] is None
    assert body["data"]["game"]["launch"] == {"launchSuccessRate": {"id": "launchSuccessRate"}}
    assert body["data"]["catalog"]["modules"]
    [error] = body["errors"]
    assert error["path"] == ["game", "userBehavior"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "filter.range"}


async def test_two_bad_modules_give_two_errors_with_their_paths(gql: GraphQLClient) -> None:
    body = await gql(
        f'{{ game(id: "g1") {{ a: userBehavior(filter: {BAD_RANGE}) {{ activeUsers {{ value }} }}'
        ' b: network(filter: {regions: ["usa"]}) { avgRequestLatencyMs { value } }'
        " c: overview { activeUsers { value } } } }"
    )
    assert {tuple(e["path"]) for e in body["errors"]} == {("game", "a"), ("game", "b")}
    assert body["data"]["game"]["c"]["activeUsers"]["value"] is not None


async def test_a_message_quotes_what_the_client_sent(gql: GraphQLClient) -> None:
    body = await gql(
        '{ game(id: "g1") { network(filter: {regions: ["gb", "usa"]}) { id: __typename } } }'
    )
    [error] = body["errors"]
    assert "'usa' is not one" in error["message"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ catalog { modules { id }", "GRAPHQL_PARSE_FAILED"),
        ("{ games { id } } }", "GRAPHQL_PARSE_FAILED"),
        ("{ catalog { nope } }", "GRAPHQL_VALIDATION_FAILED"),
        (
            '{ game(id: "g1") { userBehavior(filter: {os: WINDOWS}) { id: __typename } } }',
            "GRAPHQL_VALIDATION_FAILED",
        ),
        ("query ($x: Int) { games { id } }", "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_documents_that_do_not_parse_or_validate_have_apollo_codes(
    gql: GraphQLClient, query: str, code: str
) -> None:
    body = await gql(query)
    assert body["data"] is None
    assert {e["extensions"]["code"] for e in body["errors"]} == {code}


async def test_a_variable_of_the_wrong_type_is_bad_user_input(gql: GraphQLClient) -> None:
    body = await gql(
        'query ($f: GameUserBehaviorFilter) { game(id: "g1") { userBehavior(filter: $f)'
        " { id: __typename } } }",
        f={"os": "WINDOWS"},
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, "not JSON"),
        ({"json": "a string"}, "a JSON object"),
        ({"json": [{"query": "{ games { id } }"}]}, "one operation per request"),
        ({"json": {"query": 5}}, "query"),
        ({"json": {"query": "{ games { id } }", "variables": [1]}}, "variables"),
        ({"json": {}}, "No GraphQL query"),
        ({"content": b"x", "headers": {"content-type": "text/plain"}}, "application/json"),
    ],
)
async def test_a_body_that_is_not_a_graphql_request_gets_the_json_envelope(
    gql: GraphQLClient, content: dict[str, Any], fragment: str
) -> None:
    response = await gql.http.post("/graphql", **content)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert fragment in error["message"]
