"""Compiled statements run on ClickHouse: their parameters by name, with the settings the
compiler writes them for (`semantic.engines.clickhouse.SETTINGS`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.storage.clickhouse.base import ClickHouseClient
from semantic.engines.clickhouse import SETTINGS, parameter_name
from semantic.query import CompiledQuery


def named(params: Sequence[Any]) -> dict[str, Any]:
    """PostgreSQL's `$1, $2, ...` as ClickHouse's query parameters `p1, p2, ...`."""
    return {parameter_name(i): value for i, value in enumerate(params, start=1)}


async def fetch(client: ClickHouseClient, compiled: CompiledQuery) -> list[dict[str, Any]]:
    """The rows of one compiled statement."""
    return await client.query(compiled.sql, named(compiled.params), settings=SETTINGS)


async def execute(client: ClickHouseClient, sql: str, *params: Any) -> None:
    """Run one compiled statement that returns no rows (an INSERT ... SELECT)."""
    await client.command(sql, named(params), settings=SETTINGS)
