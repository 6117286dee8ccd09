"""A small async client over one ClickHouse database, made from a URL.

- `clickhouse://user:password@host:8123/database` (HTTP) and `clickhouses://...` (HTTPS, port
  8443 unless given; `?verify=false` or `?ca_cert=/path.pem` for private certificates) reach a
  server through clickhouse-connect (`ServerClient`).
- `chdb:///absolute/directory` and `chdb://` (in memory) run the embedded engine chdb in this
  process (`EmbeddedClient`). chdb serves one data path per process at a time: a client on
  another path can only open once every client on the first is closed.

Both speak the same contract (`ClickHouseClient`, in base.py): rows as dicts of Python
values (Date as `datetime.date`, DateTime and DateTime64 as aware datetimes, in UTC for the
columns in UTC or of no zone (every minis column; the embedded client gives UTC for every
zone), Decimal as `decimal.Decimal` of the column's scale, NULL as None, arrays as lists),
sessions in UTC, and parameter values that never enter the SQL text: a statement names each
as `{name:Type}` and the value goes beside it as a query parameter. This module holds the
server client and `connect`; urls.py the URLs, embedded.py the embedded client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from gateway.database import redacted
from gateway.storage.clickhouse.base import (
    Checked,
    ClickHouseClient,
    ClickHouseError,
    Settings,
    scrubbed,
    session_settings,
)
from gateway.storage.clickhouse.embedded import EmbeddedClient
from gateway.storage.clickhouse.urls import (
    EmbeddedAddress,
    ServerAddress,
    is_clickhouse_url,
    parse_url,
)

__all__ = [
    "ClickHouseClient",
    "ClickHouseError",
    "EmbeddedAddress",
    "EmbeddedClient",
    "ServerAddress",
    "ServerClient",
    "Settings",
    "connect",
    "is_clickhouse_url",
    "parse_url",
    "server_arguments",
]
T = TypeVar("T")


class ServerClient(ClickHouseClient):
    """A ClickHouse server through clickhouse-connect's synchronous HTTP client, each call in
    a thread (`asyncio.to_thread`). Its asyncio client needs aiohttp, which minis does not
    depend on; the synchronous one runs on urllib3's thread-safe connection pool and,
    without a server session id, lets calls of several threads run at once, so tasks do not
    queue behind each other. clickhouse-connect binds the parameters as server-side query
    parameters (`bound_parameters` requires each to have its `{name:Type}` placeholder, so
    it never formats one into the text)."""

    engine = "server"

    def __init__(self, client: Any, *, database: str, description: str, password: str = ""):
        """Over an open clickhouse-connect client (`clickhouse_connect.get_client`, made with
        `server_arguments`); use `connect` to make one from a URL."""
        self._client: Any = client
        self.database = database
        self.description = description
        self._password = password

    async def _call(self, work: Callable[[], T]) -> T:
        from clickhouse_connect.driver.exceptions import ClickHouseError as DriverError

        if self._client is None:
            raise ClickHouseError(f"{self.description}: the client is closed")
        try:
            return await asyncio.to_thread(work)
        except DriverError as error:
            raise ClickHouseError(scrubbed(str(error), self._password)) from None

    async def _query(
        self, sql: str, params: dict[str, Any], settings: Checked
    ) -> list[dict[str, Any]]:
        client = self._client

        def run() -> list[dict[str, Any]]:
            result = client.query(sql, parameters=params or None, settings=settings or None)
            names = result.column_names
            return [dict(zip(names, row, strict=True)) for row in result.result_rows]

        return await self._call(run)

    async def _command(self, sql: str, params: dict[str, Any], settings: Checked) -> None:
        client = self._client
        await self._call(
            lambda: client.command(sql, parameters=params or None, settings=settings or None)
        )

    async def _insert(self, table: str, rows: Sequence[Sequence[Any]], columns: list[str]) -> None:
        client = self._client
        await self._call(
            lambda: client.insert(
                table,
                rows,
                column_names=columns,
                database=self.database,
                settings={"input_format_null_as_default": 0},
            )
        )

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await asyncio.to_thread(client.close)


def server_arguments(address: ServerAddress, *, settings: Settings | None = None) -> dict[str, Any]:
    """The keyword arguments of `clickhouse_connect.get_client` for `address`: aware UTC
    datetimes, sessions in UTC, no server session (so that threads may share the client)."""
    arguments: dict[str, Any] = {
        "host": address.host,
        "port": address.port,
        "username": address.user,
        "password": address.password,
        "database": address.database,
        "interface": "https" if address.secure else "http",
        "secure": address.secure,
        "verify": address.verify,
        "tz_mode": "aware",
        "autogenerate_session_id": False,
        "client_name": "minis",
        "settings": session_settings(settings),
    }
    if address.ca_cert:
        arguments["ca_cert"] = address.ca_cert
    return arguments


async def connect(url: str, *, settings: Settings | None = None) -> ClickHouseClient:
    """A client on the database `url` names, its sessions with `settings` (beside UTC).
    ValueError for a URL that is not a ClickHouse one; ClickHouseError when the server or
    engine cannot be reached or refuses the settings."""
    address = parse_url(url)
    if isinstance(address, EmbeddedAddress):
        return await EmbeddedClient.open(address.path, settings=settings)
    import clickhouse_connect
    from clickhouse_connect.driver.exceptions import ClickHouseError as DriverError

    arguments = server_arguments(address, settings=settings)
    try:
        client = await asyncio.to_thread(clickhouse_connect.get_client, **arguments)
    except DriverError as error:
        message = scrubbed(str(error), address.password)
        raise ClickHouseError(f"{redacted(url)}: {message}") from None
    return ServerClient(
        client, database=address.database, description=redacted(url), password=address.password
    )
