"""The embedded engine chdb as a ClickHouse client (URLs chdb:///directory and chdb://)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import orjson

from gateway.storage.clickhouse.base import (
    Checked,
    ClickHouseClient,
    ClickHouseError,
    Settings,
    quote_identifier,
    session_settings,
)
from gateway.storage.clickhouse.values import decoder, format_literal, format_parameter

_NOT_A_LITERAL = 344  # the Values reader met what only an expression could be
# the JSON output the decoder reads
_JSON_OUTPUT: dict[str, int | str] = {
    "output_format_json_quote_64bit_integers": 1,
    "output_format_json_quote_decimals": 1,
    "output_format_json_quote_denormals": 1,
    "output_format_json_named_tuples_as_objects": 0,
    "output_format_write_statistics": 0,
}
T = TypeVar("T")


class EmbeddedClient(ClickHouseClient):
    """The embedded engine chdb. Its calls are synchronous, so they run in a worker thread
    of the client's own, one at a time (a lock around the session): a statement queued
    behind a long one waits, and a cancelled caller does not stop a statement that has
    started. Results are read in JSON, typed by the result's own column types (see
    `values.decoder`); String values that are not UTF-8 (aggregate states) are not kept
    intact: read those with hex()."""

    engine = "embedded"
    database = "default"

    def __init__(self, session: Any, *, description: str, settings: Settings | None = None):
        """Over an open `chdb.session.Session`; use `open` (or `connect`) to make one."""
        self._session: Any = session
        self.description = description
        self._base = {**_JSON_OUTPUT, **session_settings(settings)}
        self._current: dict[str, str] = {}  # what SET has set on the session
        self._lock = threading.Lock()
        self._worker: concurrent.futures.ThreadPoolExecutor | None = (
            concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="minis-chdb")
        )

    @classmethod
    async def open(
        cls, path: str | None = None, *, settings: Settings | None = None
    ) -> EmbeddedClient:
        """A client on the data directory `path` (created if missing), or in memory."""
        from chdb import session as chdb_session

        description = f"chdb://{path or ''}"
        try:
            opened = await asyncio.to_thread(chdb_session.Session, path)
        except RuntimeError as error:
            raise ClickHouseError(f"{description}: {error}") from None
        client = cls(opened, description=description, settings=settings)
        try:
            await client._call(lambda: client._apply({}))  # unknown settings fail here
        except BaseException:
            await client.close()
            raise
        return client

    async def _call(self, work: Callable[[], T]) -> T:
        def locked() -> T:
            with self._lock:
                if self._session is None:
                    raise ClickHouseError(f"{self.description}: the client is closed")
                return work()

        if self._worker is None:
            raise ClickHouseError(f"{self.description}: the client is closed")
        try:
            return await asyncio.get_running_loop().run_in_executor(self._worker, locked)
        except ClickHouseError:
            raise
        except RuntimeError as error:  # chdb's errors are RuntimeErrors
            raise ClickHouseError(str(error)) from None

    def _apply(self, settings: Checked) -> None:
        """Set the session's settings to the client's with `settings` over them (only what
        differs from what the session has)."""
        wanted = {name: format_literal(value) for name, value in {**self._base, **settings}.items()}
        for name in [name for name in self._current if name not in wanted]:
            self._session.query(f"SET {name} = DEFAULT")
            del self._current[name]
        for name, text in wanted.items():
            if self._current.get(name) != text:
                self._session.query(f"SET {name} = {text}")
                self._current[name] = text

    def _run(self, sql: str, fmt: str, params: dict[str, Any], settings: Checked) -> bytes:
        self._apply(settings)
        bound = {name: format_parameter(value) for name, value in params.items()}
        result = self._session.query(sql, fmt, params=bound or None)
        body: bytes = result.bytes()
        return body

    async def _query(
        self, sql: str, params: dict[str, Any], settings: Checked
    ) -> list[dict[str, Any]]:
        body = await self._call(lambda: self._run(sql, "JSONCompact", params, settings))
        if not body.strip():
            return []
        result = orjson.loads(body)
        names = [column["name"] for column in result["meta"]]
        decoders = [decoder(column["type"]) for column in result["meta"]]
        return [
            {name: decode(value) for name, decode, value in zip(names, decoders, row, strict=True)}
            for row in result["data"]
        ]

    async def _command(self, sql: str, params: dict[str, Any], settings: Checked) -> None:
        await self._call(lambda: self._run(sql, "TabSeparated", params, settings))

    async def _insert(self, table: str, rows: Sequence[Sequence[Any]], columns: list[str]) -> None:
        # The rows go as the INSERT's data in the Values format, read as literals only: never
        # evaluated as expressions, which would turn a value of the wrong type into NULL.
        # (chdb's streaming inserter reports a violated CHECK constraint as success and
        # writes nothing; TabSeparated's \N reads as '' into a String: neither is used.)
        header = (
            f"INSERT INTO {quote_identifier(table)} ({', '.join(map(quote_identifier, columns))})"
            " SETTINGS input_format_null_as_default = 0,"
            " input_format_values_interpret_expressions = 0,"
            " input_format_values_deduce_templates_of_expressions = 0 FORMAT Values "
        )

        def run() -> None:
            body = ", ".join("(" + ", ".join(map(format_literal, row)) + ")" for row in rows)
            try:
                self._run(header + body, "TabSeparated", {}, {})
            except RuntimeError as error:
                if ClickHouseError(str(error)).code != _NOT_A_LITERAL:
                    raise
                raise ClickHouseError(
                    f"{table}: a value is not a literal of its column's type (or is NULL for"
                    f" a column that is not Nullable): {error}"
                ) from None

        await self._call(run)

    async def close(self) -> None:
        if self._worker is None:
            return
        worker, self._worker = self._worker, None

        def closing() -> None:
            with self._lock:
                if self._session is not None:
                    self._session.close()
                    self._session = None

        try:
            await asyncio.get_running_loop().run_in_executor(worker, closing)
        finally:
            worker.shutdown(wait=False)
