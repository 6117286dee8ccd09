"""ClickHouse clients on the embedded engine chdb, in memory: no server needed.

`embedded` is the chdb client minis opens for chdb:// URLs. `server_path` is the server
client (clickhouse-connect) over clickhouse-connect's own chdb interface in place of HTTP:
the same binding, decoding and inserting as against a server, short of the transport.
`client` is each of the two in turn. The in-memory engine is one per process: clients open
at once share its tables, and it starts empty again once every client is closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import clickhouse_connect
import pytest

from gateway.storage.clickhouse.base import session_settings
from gateway.storage.clickhouse.client import ClickHouseClient, EmbeddedClient, ServerClient
from gateway.storage.clickhouse.migrate import migrate


async def server_path() -> ServerClient:
    """A ServerClient whose clickhouse-connect client runs on chdb (in memory)."""
    inner = await asyncio.to_thread(
        clickhouse_connect.get_client,
        interface="chdb",
        tz_mode="aware",
        settings=session_settings(None),
    )
    return ServerClient(inner, database="default", description="chdb through clickhouse-connect")


@pytest.fixture
async def embedded() -> AsyncIterator[EmbeddedClient]:
    client = await EmbeddedClient.open()
    yield client
    await client.close()


@pytest.fixture(params=["embedded", "server"])
async def client(request: pytest.FixtureRequest) -> AsyncIterator[ClickHouseClient]:
    opened: ClickHouseClient = (
        await EmbeddedClient.open() if request.param == "embedded" else await server_path()
    )
    yield opened
    await opened.close()


@pytest.fixture
async def migrated(embedded: EmbeddedClient) -> EmbeddedClient:
    """The embedded client with sql/clickhouse/ applied."""
    await migrate(embedded)
    return embedded
