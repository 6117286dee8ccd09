"""A request's statements when ClickHouse is the analytics engine: the compiled ones (and
hand-written reads of what ClickHouse stores) on ClickHouse, the control plane's SQL
(tokens, apps, the data version) on PostgreSQL, both through the same cache, fair queue and
deadline (gateway.execution.Runner)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg

from gateway.execution import Runner
from gateway.serving.service import Serving
from gateway.serving.ticket import Ticket
from gateway.storage.clickhouse.analytics import Analytics
from semantic.engines import Engine
from semantic.query import CompiledQuery


class ClickHouseRunner(Runner):
    """`fetch` runs compiled statements on ClickHouse and gives their rows as dicts;
    `fetch_sql` runs PostgreSQL's (the control plane) as `Runner` does."""

    engine = Engine.CLICKHOUSE

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        analytics: Analytics,
        acquire_timeout: float = 30.0,
        serving: Serving | None = None,
        ticket: Ticket | None = None,
    ) -> None:
        super().__init__(pool, acquire_timeout=acquire_timeout, serving=serving, ticket=ticket)
        self.analytics = analytics

    async def fetch(self, compiled: CompiledQuery) -> list[dict[str, Any]]:
        return await self.served(compiled.sql, tuple(compiled.params), run=self._positional)

    async def query(
        self, sql: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Rows of a hand-written ClickHouse statement with `{name:Type}` parameters."""
        named = tuple(sorted((params or {}).items()))
        return await self.served(sql, named, run=self._named)

    async def _positional(
        self, sql: str, params: tuple[Any, ...], deadline: float | None
    ) -> list[dict[str, Any]]:
        self.statements += 1
        return await self.analytics.fetch(sql, params, deadline=deadline)

    async def _named(
        self, sql: str, params: tuple[Any, ...], deadline: float | None
    ) -> list[dict[str, Any]]:
        self.statements += 1
        return await self.analytics.query(sql, dict(params), deadline=deadline)
