"""A running gateway reloads its model: a valid one is served from the next request on, with
its version in /healthz and the catalog; an invalid one is refused, logged, and the last good
one kept. Over HTTP, in process."""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.reloading import ServedModels, model_version
from gateway.settings import Settings
from gateway.tokens import create_token
from semantic.loader import MODELS_DIR

QUERY = "{ catalog { modelVersion metrics { id label } } }"


@pytest.fixture
def models(tmp_path: Path) -> Path:
    directory = tmp_path / "models"
    shutil.copytree(MODELS_DIR, directory)
    return directory


@pytest.fixture
async def gateway(
    database_url: str, db: Any, models: Path
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    token = (await create_token(db, owner_id=None, admin=True, label="reload")).token
    app = create_app(settings=Settings(models_dir=models), database_url=database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://minis", headers=headers
        ) as client:
            yield app, client


async def catalog(client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    response = await client.post("/graphql", json={"query": QUERY})
    data = response.json()["data"]["catalog"]
    return data["modelVersion"], {m["id"]: m["label"] for m in data["metrics"]}


def relabel(models: Path, old: str, new: str) -> None:
    users = models / "users.yml"
    users.write_text(users.read_text().replace(f"label: {old}\n", f"label: {new}\n", 1))


async def test_a_valid_model_is_served_after_a_reload(
    gateway: tuple[Starlette, httpx.AsyncClient], models: Path
) -> None:
    app, client = gateway
    served: ServedModels = app.state.served
    version, labels = await catalog(client)
    assert version == model_version(models) and labels["activeUsers"] == "Active users"
    assert (await client.get("/healthz")).json()["model"]["version"] == version

    relabel(models, "Active users", "Daily players")
    assert served.reload()
    new_version, labels = await catalog(client)
    assert new_version == model_version(models) != version
    assert labels["activeUsers"] == "Daily players"
    assert (await client.get("/healthz")).json()["model"]["version"] == new_version
    assert not served.reload()  # nothing changed since


async def test_an_invalid_model_is_refused_and_the_last_good_one_kept(
    gateway: tuple[Starlette, httpx.AsyncClient],
    models: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, client = gateway
    version, _ = await catalog(client)
    users = models / "users.yml"
    users.write_text(
        users.read_text().replace("measure: sessions.users\n", "measure: sessions.user\n")
    )
    with caplog.at_level(logging.ERROR, logger="gateway.reloading"):
        assert not await app.state.served.reload_async()
    assert "model reload refused" in caplog.text
    assert "unknown measure sessions.user; did you mean sessions.users?" in caplog.text
    assert (await catalog(client))[0] == version  # still the last good model
    health = (await client.get("/healthz")).json()["model"]
    assert health["version"] == version
    assert health["last_reload"]["version"] == model_version(models)
    assert any("unknown measure sessions.user" in p for p in health["last_reload"]["problems"])
    module = await client.post(
        "/graphql", json={"query": "{ games { userBehavior { activeUsers { value } } } }"}
    )
    assert "errors" not in module.json()  # the modules of the last good model still answer

    users.write_text(
        users.read_text().replace("measure: sessions.user\n", "measure: sessions.users\n")
    )
    relabel(models, "Active users", "Players")
    assert app.state.served.reload()
    assert "last_reload" not in (await client.get("/healthz")).json()["model"]
    assert (await catalog(client))[1]["activeUsers"] == "Players"
