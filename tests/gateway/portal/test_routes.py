"""The portal's files are served by the gateway itself, without a token, and ship with it.
These run without a browser."""

from __future__ import annotations

import re
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.portal.routes import STATIC
from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
async def http() -> AsyncIterator[httpx.AsyncClient]:
    # no database: the page and its files need none
    app = create_app(settings=Settings(), database_url="postgresql://nobody@127.0.0.1:1/none")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_the_page_is_served_at_the_root_without_a_token(http: httpx.AsyncClient) -> None:
    response = await http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert '<script type="module" src="/portal/js/main.js">' in response.text


async def test_every_file_the_page_loads_is_served(http: httpx.AsyncClient) -> None:
    html = (STATIC / "index.html").read_text()
    wanted = set(re.findall(r'(?:src|href)="(/portal/[^"]+)"', html))
    for module in (STATIC / "js").glob("*.js"):
        for name in re.findall(r'from "\./([\w-]+\.js)"', module.read_text()):
            wanted.add(f"/portal/js/{name}")
    assert "/portal/js/schema.js" in wanted
    for path in sorted(wanted):
        response = await http.get(path)
        assert response.status_code == 200, path
        if path.endswith(".js"):
            assert "javascript" in response.headers["content-type"], path


async def test_data_still_needs_a_token(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ games { id } }"})
    assert response.status_code == 401


def test_nothing_is_loaded_from_elsewhere() -> None:
    for path in STATIC.rglob("*"):
        if path.is_file():
            text = path.read_text()
            remote = re.findall(r"https?://(?!www\.w3\.org/2000/svg)[^\s\"')]+", text)
            assert remote == [], path


def test_the_package_ships_every_static_file() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["gateway.portal"]
    shipped = {p.removesuffix("/*") for p in patterns if p.endswith("/*")}  # one folder each
    for path in STATIC.rglob("*"):
        if path.is_file():
            assert path.parent.relative_to(STATIC.parent).as_posix() in shipped, path
