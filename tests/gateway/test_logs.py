"""Logs a person can read: a client's mistake is one INFO line, an internal error keeps its
traceback; every request has an id (X-Request-Id) and, as JSON, a line of its own."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.loaders import Loaders
from gateway.logs import JsonFormatter
from gateway.settings import Settings
from gateway.tokens import create_token
from semantic.loader import load_model

MODEL = load_model()
BAD_RANGE = (
    '{ games { userBehavior(filter: {range: {start: "2026-10-05", end: "2026-10-01"}})'
    " { activeUsers { value } } } }"
)


@pytest.fixture
async def client(database_url: str, db: Any) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    issued = await create_token(db, owner_id=None, admin=True, label="logs")
    await db.execute("INSERT INTO apps VALUES ('g1', 'game', 'One', 'launched', '2026-01-01', 'o')")
    app = create_app(settings=Settings(), database_url=database_url, model=MODEL)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {issued.token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://minis", headers=headers
        ) as http:
            yield http, issued.token_id


async def test_a_client_mistake_is_one_info_line_without_a_traceback(
    client: tuple[httpx.AsyncClient, str], caplog: pytest.LogCaptureFixture
) -> None:
    http, _ = client
    with caplog.at_level(logging.DEBUG):
        body = (await http.post("/graphql", json={"query": BAD_RANGE})).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    refusals = [r for r in caplog.records if r.name == "gateway.graphql"]
    assert len(refusals) == 1
    [refusal] = refusals
    assert refusal.levelno == logging.INFO and refusal.exc_info is None
    text = refusal.getMessage()
    assert "\n" not in text and "BAD_USER_INPUT" in text and "games.0.userBehavior" in text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_an_internal_error_is_logged_with_its_traceback(
    client: tuple[httpx.AsyncClient, str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(self: Loaders, keys: object) -> list[object]:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(Loaders, "_metrics", broken)
    http, _ = client
    with caplog.at_level(logging.INFO):
        await http.post(
            "/graphql", json={"query": "{ games { overview { activeUsers { value } } } }"}
        )
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.exc_info is not None and "secret detail" in caplog.text


async def test_every_request_has_an_id_and_a_json_line(
    client: tuple[httpx.AsyncClient, str], caplog: pytest.LogCaptureFixture
) -> None:
    http, token_id = client
    with caplog.at_level(logging.INFO, logger="gateway.requests"):
        response = await http.post(
            "/graphql",
            json={"query": "query Cards { games { overview { activeUsers { value } } } }"},
        )
        echoed = await http.get("/healthz", headers={"X-Request-Id": "trace-42"})
    request_id = response.headers["X-Request-Id"]
    assert len(request_id) == 16 and echoed.headers["X-Request-Id"] == "trace-42"
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records]
    graphql = next(line for line in lines if line["request_id"] == request_id)
    assert graphql["token_id"] == token_id and token_id in response.request.headers["authorization"]
    assert graphql["operation"] == "Cards" and graphql["statements"] == 2
    assert (graphql["method"], graphql["path"], graphql["status"]) == ("POST", "/graphql", 200)
    assert graphql["duration_ms"] >= 0 and graphql["level"] == "INFO"
    health = next(line for line in lines if line["request_id"] == "trace-42")
    assert health["path"] == "/healthz" and health["operation"] is None
    assert not any(token_id + "_" in json.dumps(line) for line in lines)  # never the secret
