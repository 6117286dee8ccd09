"""The portal in a real browser: headless Chromium from the distribution's packages, driven by
Playwright (which downloads no browser of its own), against a gateway served over HTTP on
loopback with the demo world and a real token.

Without Playwright or Chromium every test here is skipped with a message that says which is
missing and how to install it. Screenshots are kept in MINIS_TEST_ARTIFACTS, or else in a
directory of pytest's temporary root; the run's summary prints where.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn

from gateway.app import create_app
from gateway.settings import Settings
from gateway.tokens import create_token
from tests.conftest import DEMO_TODAY
from tests.ports import free_port

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_artifacts: list[Path] = []


def chromium_path() -> str | None:
    configured = os.environ.get("MINIS_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed: `pip install -e '.[test]'` installs it"
    configured = os.environ.get("MINIS_CHROMIUM")
    if configured and not os.access(configured, os.X_OK):
        return f"MINIS_CHROMIUM={configured} is not an executable Chromium"
    if chromium_path() is None:
        return (
            "no Chromium on this machine: install the distribution's package "
            "(`apt-get install chromium`) or point MINIS_CHROMIUM at one"
        )
    return None


@pytest.fixture(scope="session")
def browser_missing() -> str | None:
    return _missing()


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("MINIS_TEST_ARTIFACTS")
    root = Path(configured) if configured else tmp_path_factory.mktemp("artifacts")
    path = root / "portal"
    path.mkdir(parents=True, exist_ok=True)
    _artifacts.append(path)
    return path


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for path in _artifacts:
        shots = sorted(p.name for p in path.glob("*.png"))
        if shots:
            terminalreporter.write_line(f"portal screenshots in {path}: {', '.join(shots)}")


class Portal:
    """The gateway serving the demo world over HTTP, with an admin token."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token
        self.http = httpx.AsyncClient(
            base_url=base_url, timeout=60, headers={"Authorization": f"Bearer {token}"}
        )

    async def data(self, query: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post("/graphql", json={"query": query, "variables": variables})
        body = response.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data


@pytest.fixture(scope="session")
def portal_world(browser_missing: str | None, request: pytest.FixtureRequest) -> str:
    """The demo world's database, built only when there is a browser to show it in."""
    if browser_missing:
        pytest.skip(f"portal browser tests skipped: {browser_missing}")
    url: str = request.getfixturevalue("demo_world_url")
    return url


@pytest.fixture(scope="session")
async def portal(portal_world: str) -> AsyncIterator[Portal]:
    demo_world_url = portal_world
    conn = await asyncpg.connect(demo_world_url)
    try:
        token = (await create_token(conn, owner_id=None, admin=True, label="portal tests")).token
    finally:
        await conn.close()
    app = create_app(settings=Settings(today=DEMO_TODAY), database_url=demo_world_url)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started or serving.done():
                break
            await asyncio.sleep(0.05)
        assert server.started, "the gateway did not start"
        client = Portal(f"http://127.0.0.1:{port}", token)
        try:
            yield client
        finally:
            await client.http.aclose()
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=30)


@pytest.fixture(scope="session")
async def browser(browser_missing: str | None) -> AsyncIterator[Any]:
    if browser_missing:
        pytest.skip(f"portal browser tests skipped: {browser_missing}")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True
        )
        yield chromium
        await chromium.close()


@pytest.fixture
def console_errors() -> Iterator[list[str]]:
    """What the pages of a test wrote to the console as errors; it must stay empty."""
    errors: list[str] = []
    yield errors
    assert errors == [], f"the page logged errors: {errors}"


@pytest.fixture
async def page(browser: Any, console_errors: list[str]) -> AsyncIterator[Any]:
    """A browser page of the test's own (fresh session storage), logging errors to
    `console_errors`."""
    from tests.gateway.portal.pages import browser_page

    async with browser_page(browser, console_errors) as opened:
        yield opened
