"""The hand-built world on each engine: its statements compiled for PostgreSQL and run on the
world's PostgreSQL database, or compiled for ClickHouse and run on a copy of the world in an
in-process ClickHouse (chdb). Tests of worked-out values ask `World.rows`, so that each value
is checked on both engines.

The privacy rule is applied as each engine's gateway applies it: on PostgreSQL, statements
over raw rows decide the cells themselves; on ClickHouse, the refresh's privacy step decides
and stores them (for the model asked, again whenever its rule changes) and statements read
them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import asyncpg

from gateway.storage.clickhouse.client import ClickHouseClient
from gateway.storage.clickhouse.privacy import decide_cells
from gateway.storage.clickhouse.statements import fetch
from semantic.engines import Engine
from semantic.model import SemanticModel
from semantic.query import CompiledQuery, Scope


class Scoped(Protocol):
    @property
    def scope(self) -> Any: ...


Q = TypeVar("Q", bound=Scoped)
Compile = Callable[[SemanticModel, Q], CompiledQuery]


@dataclasses.dataclass(frozen=True, kw_only=True)
class World:
    """The hand-built world on `engine`; `pg` is its PostgreSQL database in either case."""

    engine: Engine
    pg: asyncpg.Connection
    clickhouse: ClickHouseClient | None = None

    async def rows(
        self, compile: Compile[Q], model: SemanticModel, query: Q
    ) -> list[dict[str, Any]]:
        """The rows `query` gives on this world's engine."""
        if self.clickhouse is None:
            compiled = compile(model, query)
            return [dict(record) for record in await self.pg.fetch(compiled.sql, *compiled.params)]
        scope: Scope = dataclasses.replace(query.scope, engine=Engine.CLICKHOUSE)
        if scope.privacy:
            await decide_cells(
                self.clickhouse,
                model=model,
                app_id=scope.app_id,
                kind=scope.kind.value,
                reporting_day=scope.reporting_day,
                late_days=scope.late_days,
            )
            scope = dataclasses.replace(scope, cells_stored=True, cells_shown=True)
        on_clickhouse = dataclasses.replace(query, scope=scope)  # type: ignore[type-var]
        return await fetch(self.clickhouse, compile(model, on_clickhouse))
