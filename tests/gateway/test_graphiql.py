"""GraphiQL works offline: its page and every file it loads come from the package, pinned, with
their licences; it opens on an example query, a Headers template and how to get a token."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from gateway.app import create_app
from gateway.graphql_http import GRAPHIQL_ASSETS
from gateway.settings import Settings
from semantic.loader import load_model

BROWSER = {"Accept": "text/html,application/xhtml+xml"}


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings=Settings(), database_url=database_url, model=load_model())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://minis") as http:
            yield http


async def test_the_page_loads_only_files_the_gateway_serves_without_a_token(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/graphql", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "unpkg" not in page.text and "cdn" not in page.text.lower()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert {a.rsplit(".", 1)[1] for a in assets} == {"js", "css"}
    for asset in assets:
        assert asset.startswith("/graphiql/"), asset  # same origin, no internet
        response = await client.get(asset)  # no Authorization header
        assert response.status_code == 200, asset
        assert len(response.content) > 1000


async def test_the_page_opens_on_an_example_and_says_how_to_get_a_token(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/graphql", headers=BROWSER)).text
    assert "minis token create" in page
    assert "defaultHeaders" in page and "Authorization" in page and "Bearer" in page
    assert 'game(id: "tile_kingdom")' in page and "defaultQuery: EXAMPLE_QUERY" in page


def test_the_vendored_files_are_pinned_licensed_and_unaltered() -> None:
    lines = (GRAPHIQL_ASSETS / "VERSIONS").read_text().splitlines()
    packages = {line.split("@")[0]: line for line in lines if re.match(r"^[a-z-]+@\d", line)}
    assert set(packages) == {"graphiql", "react", "react-dom"}
    for package in packages:
        assert (GRAPHIQL_ASSETS / package / "LICENSE").read_text().strip()
    hashed = [line.split() for line in lines if line.startswith("sha384-")]
    assert len(hashed) == 7
    for digest, name in hashed:
        content = (GRAPHIQL_ASSETS / name).read_bytes()
        expected = "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()
        assert digest == expected, name
