"""A real Cube client (PyPI cube-http-client) talking to the gateway in process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import cube_http
import httpx
import pytest
from starlette.applications import Starlette

BASE = "http://test/cubejs-api"


@pytest.fixture
async def cube(world_app: Starlette) -> AsyncIterator[cube_http.AsyncClient]:
    transport = httpx.ASGITransport(app=world_app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        client = cube_http.AsyncClient({"url": BASE, "token": "unused", "http_client": http})
        yield client


@pytest.fixture
async def http(world_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """Plain HTTP to the Cube API, for what the client does not send (regular queries, GET)."""
    transport = httpx.ASGITransport(app=world_app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client
