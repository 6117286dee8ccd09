"""Access: no token, a bad or revoked token, and another owner's apps in every module and route."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest

from gateway.app import create_app
from gateway.schema.naming import camel
from gateway.settings import Settings
from gateway.tokens import create_token, revoke_token
from semantic.loader import load_model
from semantic.model import SemanticModel
from tests.conftest import fresh_database
from tests.semantic import world

SETTINGS = Settings(today=world.dt.date(2026, 10, 21))
RANGE = 'range: {start: "2026-10-11", end: "2026-10-14"}'


@contextlib.asynccontextmanager
async def serving(
    database_url: str, settings: Settings = SETTINGS
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings=settings, database_url=database_url, model=MODEL)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://minis") as client:
            yield client


MODEL: SemanticModel = load_model()


@pytest.fixture(scope="module")
async def world_url(server_url: str, template_name: str) -> AsyncIterator[str]:
    """The hand-built world (owner `o`), one more game of owner `other`, and tokens; the tests
    of this module only read it."""
    async with fresh_database(server_url, template_name) as url:
        yield url


@pytest.fixture(scope="module")
async def tokens(world_url: str) -> AsyncIterator[dict[str, str]]:
    db = await asyncpg.connect(world_url)
    try:
        yield await _issue_tokens(db)
    finally:
        await db.close()


async def _issue_tokens(db: asyncpg.Connection) -> dict[str, str]:
    await world.build(db)
    await db.execute(
        "INSERT INTO apps VALUES ('x1', 'game', 'Other Game', 'launched', '2026-01-01', 'other')"
    )
    mine = await create_token(db, owner_id="o")
    theirs = await create_token(db, owner_id="other")
    admin = await create_token(db, owner_id=None, admin=True)
    revoked = await create_token(db, owner_id="o")
    await revoke_token(db, token_id=revoked.token_id)
    return {
        "mine": mine.token,
        "theirs": theirs.token,
        "admin": admin.token,
        "revoked": revoked.token,
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def post(client: httpx.AsyncClient, token: str | None, query: str) -> httpx.Response:
    headers = bearer(token) if token else {}
    return await client.post("/graphql", json={"query": query}, headers=headers)


@pytest.mark.parametrize("who", [None, "garbage", "revoked"])
async def test_without_a_valid_token_data_routes_answer_401(
    world_url: str, tokens: dict[str, str], who: str | None
) -> None:
    token = tokens.get(who, who) if who else None
    async with serving(world_url) as client:
        response = await post(client, token, "{ games { id } }")
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        csv = await client.get(
            "/csv/game/g1/overview/activeUsers", headers=bearer(token) if token else {}
        )
        assert csv.status_code == 401
        assert (await client.get("/healthz")).status_code == 200
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_tokens_are_stored_hashed(world_url: str, tokens: dict[str, str]) -> None:
    db = await asyncpg.connect(world_url)
    try:
        stored = await db.fetch("SELECT token_hash FROM api_tokens")
    finally:
        await db.close()
    assert not {r["token_hash"] for r in stored} & set(tokens.values())


async def test_an_owner_lists_only_their_apps(world_url: str, tokens: dict[str, str]) -> None:
    async with serving(world_url) as client:
        mine = (await post(client, tokens["mine"], "{ games { id } dramas { id } }")).json()
        theirs = (await post(client, tokens["theirs"], "{ games { id } dramas { id } }")).json()
        admin = (await post(client, tokens["admin"], "{ games { id } }")).json()
    assert {g["id"] for g in mine["data"]["games"]} == {"g1", "g0"}
    assert mine["data"]["dramas"] == [{"id": "d1"}]
    assert theirs["data"] == {"games": [{"id": "x1"}], "dramas": []}
    assert {g["id"] for g in admin["data"]["games"]} == {"g0", "g1", "x1"}


def module_queries(model: SemanticModel) -> list[tuple[str, str, str]]:
    """(kind, module, a query of one thing the module offers) for every module."""
    found = []
    for (kind, _), module in model.modules.items():
        if module.metrics:
            inner = f"{camel(module.metrics[0].name)} {{ value }}"
        elif module.retention:
            inner = "rate { value }"
        elif module.distribution:
            inner = f"distribution(by: {module.distribution.dimensions[0].name.upper()}) {{ key }}"
        elif module.funnel:
            inner = f"{camel(module.funnel.name)} {{ pv }}"
        else:
            inner = f"{camel(module.tables[0].name)} {{ totalCount }}"
        found.append((kind.value, camel(module.id), inner))
    return found


@pytest.mark.parametrize(("kind", "module", "inner"), module_queries(MODEL))
async def test_another_owners_app_is_as_absent_in_every_module(
    world_url: str, tokens: dict[str, str], kind: str, module: str, inner: str
) -> None:
    def query(app_id: str) -> str:
        selection = f"m: {module}(filter: {{{RANGE}}}) {{ {inner} }}"
        return f'{{ app: {kind}(id: "{app_id}") {{ id {selection} }} }}'

    target = "g1" if kind == "game" else "d1"
    async with serving(world_url) as client:
        foreign = (await post(client, tokens["theirs"], query(target))).json()
        absent = (await post(client, tokens["theirs"], query("no-such-app"))).json()
        own = (await post(client, tokens["mine"], query(target))).json()
    assert foreign["data"] == absent["data"] == {"app": None}
    assert "errors" not in foreign and "errors" not in absent
    assert own["data"]["app"]["id"] == target


def same_but_id(body: dict[str, Any], app_id: str) -> str:
    return str(body).replace(app_id, "<id>")


@pytest.mark.parametrize(
    "path",
    [
        "/csv/game/{app}/overview/activeUsers",
        "/csv/game/{app}/userBehavior/activeUsers?by=REGION",
        "/csv/game/{app}/network/errors",
        "/csv/game/{app}/iapOrders/topProducts",
        "/csv/game/{app}/userRetention/cohorts",
        "/csv/game/{app}/userProfile/distribution",
    ],
)
async def test_another_owners_app_is_as_absent_in_csv_routes(
    world_url: str, tokens: dict[str, str], path: str
) -> None:
    async with serving(world_url) as client:
        foreign = await client.get(path.format(app="g1"), headers=bearer(tokens["theirs"]))
        absent = await client.get(path.format(app="zz"), headers=bearer(tokens["theirs"]))
        own = await client.get(path.format(app="g1"), headers=bearer(tokens["mine"]))
    assert foreign.status_code == absent.status_code == 404
    assert same_but_id(foreign.json(), "g1") == same_but_id(absent.json(), "zz")
    assert own.status_code == 200


class _BrokenPool:
    """A pool whose connection broke mid-operation (asyncpg raises on its reset, when the
    server went away while a token was looked up)."""

    def acquire(self, timeout: float | None = None) -> _BrokenPool:
        return self

    async def __aenter__(self) -> None:
        raise asyncpg.exceptions.InternalClientError(
            "cannot switch to state 15; another operation (2) is in progress"
        )

    async def __aexit__(self, *exc: object) -> None:
        return None


async def test_a_connection_broken_mid_lookup_answers_503_not_500(world_url: str) -> None:
    app = create_app(settings=SETTINGS, database_url=world_url, model=MODEL)
    async with app.router.lifespan_context(app):
        pool, app.state.pool = app.state.pool, _BrokenPool()
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://minis") as client:
                response = await client.post(
                    "/graphql",
                    json={"query": "{ catalog { modelVersion } }"},
                    headers={"Authorization": "Bearer minis_00000000_not-cached-anywhere"},
                )
        finally:
            app.state.pool = pool
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"
