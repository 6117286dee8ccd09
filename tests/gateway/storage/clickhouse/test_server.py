"""The server client over HTTP, against a real ClickHouse server: the one piece chdb cannot
stand in for (test_client runs the same client over clickhouse-connect's chdb interface).
Set MINIS_TEST_CLICKHOUSE_URL=clickhouse://user:password@host:8123/default to run it; each
test works in a database of its own, dropped after."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

import pytest

from gateway.storage.clickhouse.base import ClickHouseClient
from gateway.storage.clickhouse.client import ServerClient, connect
from gateway.storage.clickhouse.migrate import migrate

SERVER_URL = os.environ.get("MINIS_TEST_CLICKHOUSE_URL", "")

pytestmark = pytest.mark.skipif(
    not SERVER_URL,
    reason="no ClickHouse server: set MINIS_TEST_CLICKHOUSE_URL=clickhouse://... to test the"
    " HTTP path (chdb covers the rest)",
)


@pytest.fixture
async def server() -> AsyncIterator[ClickHouseClient]:
    name = f"minis_t_{uuid.uuid4().hex[:12]}"
    async with await connect(SERVER_URL) as admin:
        await admin.command(f"CREATE DATABASE {name}")
        try:
            url = urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{name}"))
            async with await connect(url) as client:
                yield client
        finally:
            await admin.command(f"DROP DATABASE IF EXISTS {name}")


async def test_round_trips_and_migrations_over_http(server: ClickHouseClient) -> None:
    assert isinstance(server, ServerClient)
    assert await migrate(server) == ["0001", "0002"]
    assert await migrate(server) == []
    spend = ("g1", dt.date(2026, 10, 12), "c1", "US", Decimal("12.34"), 1000)
    columns = ["app_id", "day", "campaign_id", "region", "spend_usd", "impressions"]
    for _ in range(2):
        await server.insert("feed_ad_spend", [spend], columns=columns)
    rows = await server.query(
        "SELECT * FROM feed_ad_spend FINAL WHERE day IN {days:Array(Date)} AND region = {r:String}",
        {"days": [dt.date(2026, 10, 12)], "r": "US"},
    )
    assert rows == [dict(zip(columns, spend, strict=True))]
    moment = dt.datetime(2026, 10, 12, 1, 2, 3, 456789, tzinfo=dt.UTC)
    rows = await server.query(
        "SELECT {t:DateTime64(6, 'UTC')} AS t, {s:String} AS s, {n:Nullable(Int32)} AS n",
        {"t": moment, "s": "it's \\ \t", "n": None},
    )
    assert rows == [{"t": moment, "s": "it's \\ \t", "n": None}]
