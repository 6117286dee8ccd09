"""Writing validated batches into the table, skipping rows whose primary key is already there.

Like gateway.bulk.insert_deduplicated, but faster for large loads: duplicates within a batch
are dropped in Python, the keys already stored are looked up in one query, and only new rows
are copied, straight into the table (no staging table, no ON CONFLICT). Rows of earlier
batches of the same transaction count as stored. Runs inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from gateway.loading.catalog import Table
from gateway.loading.rows import Batch

_COPY_CONTEXT = re.compile(r"COPY [^,]+, line (\d+)(?:, column ([^:\s,]+))?")


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True, kw_only=True)
class Refusal:
    """The database refused a batch: which row of it (when it says) and why."""

    line: int | None
    column: str | None
    message: str


class ChangedDays:
    """The earliest UTC day of the rows stored, per app: where derived data must be rebuilt."""

    def __init__(self, table: Table) -> None:
        names = list(table.column_names)
        self._app = names.index("app_id") if "app_id" in names and table.name != "apps" else None
        times = [
            i
            for i, column in enumerate(table.columns)
            if column.type in ("timestamp with time zone", "date")
        ]
        self._time = times[0] if times else None
        self.firsts: dict[str, dt.date] = {}

    def add(self, rows: Iterable[tuple[Any, ...]]) -> None:
        if self._app is None or self._time is None:
            return
        app, at, firsts = self._app, self._time, self.firsts
        for row in rows:
            value = row[at]
            day = value.astimezone(dt.UTC).date() if isinstance(value, dt.datetime) else value
            known = firsts.get(row[app])
            if known is None or day < known:
                firsts[row[app]] = day


class Writer(Protocol):
    """Where a load's validated batches go."""

    changes: ChangedDays

    async def write(self, batch: Batch) -> int:
        """Store the batch's rows whose keys are new; how many. Raises DatabaseRefused."""
        ...

    async def commit(self) -> None:
        """Make what was written visible (the load passed)."""
        ...

    async def discard(self) -> None:
        """Forget what was written (the load was refused or stopped)."""
        ...


class DedupWriter:
    """Writes into the table inside the caller's transaction, which commits or discards it."""

    def __init__(self, conn: asyncpg.Connection, table: Table) -> None:
        self._conn = conn
        self._table = table
        self._looking_up = False
        self._columns = list(table.column_names)
        self.changes = ChangedDays(table)
        positions = [self._columns.index(name) for name in table.primary_key]
        self._key: Callable[[tuple[Any, ...]], Any] = operator.itemgetter(*positions)
        types = {column.name: column.type for column in table.columns}
        relation = f"{quote(table.schema)}.{quote(table.name)}"
        if len(positions) == 1:
            (name,) = table.primary_key
            self._probe = (
                f"SELECT {quote(name)} FROM {relation} "
                f"WHERE {quote(name)} = ANY($1::{types[name]}[])"
            )
            self._split: Callable[[list[Any]], list[list[Any]]] = lambda keys: [keys]
            self._key_of: Callable[[asyncpg.Record], Any] = operator.itemgetter(0)
        else:
            names = [quote(name) for name in table.primary_key]
            arrays = ", ".join(
                f"${n}::{types[name]}[]" for n, name in enumerate(table.primary_key, 1)
            )
            matches = " AND ".join(f"t.{name} = k.{name}" for name in names)
            self._probe = (
                f"SELECT {', '.join(f'k.{name}' for name in names)} "
                f"FROM unnest({arrays}) AS k({', '.join(names)}) "
                f"WHERE EXISTS (SELECT 1 FROM {relation} t WHERE {matches})"
            )
            self._split = lambda keys: [list(part) for part in zip(*keys, strict=True)]
            self._key_of = tuple

    async def write(self, batch: Batch) -> int:
        """Store the batch's new rows; the number stored. Raises DatabaseRefused.

        Until a key of the load turns out to be stored already, rows are copied without being
        looked up first (a first load of new data, the usual large one, needs no look-ups); a
        copy that meets a stored key is undone, and from then on every batch is looked up.
        """
        first: dict[Any, int] = {}
        key = self._key
        for index, row in enumerate(batch.rows):
            first.setdefault(key(row), index)
        if not self._looking_up:
            kept = list(first.values())
            if await self._copy(batch, kept, last_try=False):
                self.changes.add(batch.rows[i] for i in kept)
                return len(kept)
            self._looking_up = True
        retried = False
        while True:  # a second time when another writer stored one of the keys meanwhile
            try:
                stored = await self._conn.fetch(self._probe, *self._split(list(first)))
            except asyncpg.PostgresError as exc:
                raise DatabaseRefused(refusal(exc, [])) from exc
            for record in stored:
                del first[self._key_of(record)]
            kept = list(first.values())
            if not kept or await self._copy(batch, kept, last_try=retried):
                self.changes.add(batch.rows[i] for i in kept)
                return len(kept)
            retried = True

    async def commit(self) -> None:
        """Nothing to do: the caller's transaction commits the rows."""

    async def discard(self) -> None:
        """Nothing to do: the caller's transaction is rolled back."""

    async def _copy(self, batch: Batch, kept: list[int], *, last_try: bool) -> bool:
        """Copy the batch's rows at `kept` (in file order); False when a key was stored."""
        rows = batch.rows if len(kept) == len(batch.rows) else [batch.rows[i] for i in kept]
        try:
            async with self._conn.transaction():  # a savepoint, to undo a failed copy
                await self._conn.copy_records_to_table(
                    self._table.name,
                    schema_name=self._table.schema,
                    columns=self._columns,
                    records=rows,
                )
        except asyncpg.UniqueViolationError as exc:
            if last_try:
                raise DatabaseRefused(refusal(exc, [batch.lines[i] for i in kept])) from exc
            return False
        except asyncpg.PostgresError as exc:
            raise DatabaseRefused(refusal(exc, [batch.lines[i] for i in kept])) from exc
        return True


class DatabaseRefused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def refusal(exc: asyncpg.PostgresError, lines: Sequence[int]) -> Refusal:
    """What a person needs from the database's error: the row (line) it names, and why."""
    fields = exc.as_dict()
    message = f"the database refused the rows: {fields.get('message', str(exc))}"
    if fields.get("detail"):
        message += f" ({fields['detail']})"
    found = _COPY_CONTEXT.search(fields.get("context") or "")
    line = column = None
    if found and 0 < int(found[1]) <= len(lines):
        line = lines[int(found[1]) - 1]
        column = found[2]
    return Refusal(line=line, column=column, message=message)
