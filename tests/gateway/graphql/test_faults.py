"""Timeouts and an unavailable database give codes a client can act on, never a 500."""

from __future__ import annotations

from gateway.database import create_pool
from gateway.settings import Settings
from semantic.model import SemanticModel
from tests.gateway.graphql.conftest import GraphQLClient, client_of, gateway_app
from tests.ports import free_port

QUERY = '{ game(id: "g1") { userBehavior { activeUsers { value } } } }'


async def test_a_statement_over_the_timeout_answers_timeout(
    world_url: str, semantic_model: SemanticModel
) -> None:
    pool = await create_pool(world_url, min_size=1, max_size=2, statement_timeout_ms=1)
    try:
        await pool.execute("SELECT 1")  # the app lookup may still pass; force the metric slow
        app = gateway_app(pool=pool, model=semantic_model, settings=Settings())
        async with client_of(app) as client:
            response = await client.http.post(
                "/graphql",
                json={
                    "query": QUERY.replace(
                        "activeUsers { value }", "activeUsers { value series { value } }"
                    )
                },
            )
        assert response.status_code == 200
        error = response.json()["errors"][0]
        assert error["extensions"] == {"code": "TIMEOUT"}
        assert "shorter range" in error["message"]
    finally:
        await pool.close()


async def test_an_unreachable_database_answers_database_unavailable(
    semantic_model: SemanticModel,
) -> None:
    port = free_port()
    pool = await create_pool(f"postgresql://postgres@127.0.0.1:{port}/none", connect_timeout=1)
    try:
        app = gateway_app(pool=pool, model=semantic_model, settings=Settings())
        async with client_of(app) as client:
            body = (await client.http.post("/graphql", json={"query": QUERY})).json()
            csv = await client.http.get("/csv/game/g1/userBehavior/activeUsers")
        assert body["errors"][0]["extensions"] == {"code": "DATABASE_UNAVAILABLE"}
        assert body["data"] == {"game": None}
        assert csv.status_code == 503
        assert csv.json()["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
    finally:
        await pool.close()


async def test_client_fixture_is_healthy(gql: GraphQLClient) -> None:
    assert (await gql.data(QUERY))["game"]["userBehavior"]["activeUsers"]["value"] is not None
