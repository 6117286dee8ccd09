"""Over-limit queries get QUERY_TOO_COMPLEX with what to change; limits are configuration."""

from __future__ import annotations

import asyncpg
import pytest

from gateway.limits import Limits
from gateway.settings import Settings
from semantic.model import SemanticModel
from tests.gateway.graphql.conftest import GraphQLClient, client_of, gateway_app


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: catalog {{ metrics {{ id }} }}" for i in range(count)) + " }"


@pytest.mark.parametrize(
    ("query", "advice"),
    [
        (aliases(31), "the query uses 31 aliases, more than the 30 allowed"),
        ("{ catalog { " + "metrics { id } " * 1500 + "} }", "longer than 3000 tokens"),
        (
            'query Deep { game(id: "g1") { userBehavior { activeUsers { breakdown(by: REGION)'
            " { series { date } } } } } }",
            None,
        ),
    ],
    ids=["aliases", "tokens", "depth-within-limit"],
)
async def test_limits(gql: GraphQLClient, query: str, advice: str | None) -> None:
    body = await gql(query)
    if advice is None:
        assert "errors" not in body
        return
    error = body["errors"][0]
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX"}
    assert advice in error["message"]


async def test_limits_are_configuration(
    world_pool: asyncpg.Pool, semantic_model: SemanticModel
) -> None:
    tight = Settings(limits=Limits(max_depth=2, max_aliases=1, max_tokens=3000, max_breakdown=2))
    app = gateway_app(pool=world_pool, model=semantic_model, settings=tight)
    async with client_of(app) as gql:
        deep = await gql('{ game(id: "g1") { userBehavior { activeUsers { value } } } }')
        assert deep["errors"][0]["extensions"] == {"code": "QUERY_TOO_COMPLEX"}
        assert "deeper than 2 levels" in deep["errors"][0]["message"]
        two = await gql(aliases(2))
        assert two["errors"][0]["extensions"] == {"code": "QUERY_TOO_COMPLEX"}

    wide = Settings(limits=Limits(max_breakdown=2))
    app = gateway_app(pool=world_pool, model=semantic_model, settings=wide)
    async with client_of(app) as client:
        body = await client(
            '{ game(id: "g1") { userBehavior { activeUsers {'
            " breakdown(by: REGION, limit: 3) { key } } } } }"
        )
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COMPLEX", "argument": "limit"}
    assert "at most 2 rows" in body["errors"][0]["message"]


async def test_page_size_is_bounded(gql: GraphQLClient) -> None:
    body = await gql('{ game(id: "g1") { network { errors(limit: 101) { totalCount } } } }')
    assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COMPLEX", "argument": "limit"}
    body = await gql('{ game(id: "g1") { network { errors(limit: 0) { totalCount } } } }')
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "limit"}
