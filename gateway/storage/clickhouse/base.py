"""What both ClickHouse clients share: the contract (`ClickHouseClient`), its error, and
the checks made before a statement leaves (parameters bound by placeholders, settings by
name)."""

from __future__ import annotations

import abc
import re
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import quote

_PLACEHOLDER = re.compile(r"\{\s*([A-Za-z_]\w*)\s*:")
_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ERROR_CODE = re.compile(r"Code: (\d+)")
# every session runs in UTC, as the PostgreSQL pool's do
SESSION_SETTINGS: dict[str, int | str] = {"session_timezone": "UTC"}

Settings = Mapping[str, int | str]
Checked = dict[str, int | str]  # settings checked by checked_settings


class ClickHouseError(RuntimeError):
    """A statement ClickHouse refused or could not run, or a client that cannot connect.
    `code` is ClickHouse's error code where the message gives one. No message holds a
    password."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        found = _ERROR_CODE.search(message)
        self.code = code if code is not None else (int(found[1]) if found else None)


def scrubbed(message: str, password: str) -> str:
    """`message` with `password` (as it is, and URL-quoted) replaced by ***."""
    if not password:
        return message
    return message.replace(password, "***").replace(quote(password, safe=""), "***")


def checked_settings(settings: Settings | None) -> Checked:
    """`settings` as a dict, once each is a setting's name and an int or a string."""
    checked: Checked = {}
    for name, value in (settings or {}).items():
        if not _SETTING_NAME.match(name) or not isinstance(value, (int, str)):
            raise ValueError(f"a setting is a name and an int or a string: {name!r}={value!r}")
        checked[name] = int(value) if isinstance(value, bool) else value
    return checked


def session_settings(settings: Settings | None) -> Checked:
    """A session's settings: `SESSION_SETTINGS` with `settings` (checked) over them."""
    return {**SESSION_SETTINGS, **checked_settings(settings)}


def quote_identifier(name: str) -> str:
    """`name` as a ClickHouse identifier (backquoted)."""
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


class ClickHouseClient(abc.ABC):
    """One ClickHouse database. Statements name tables of that database unqualified; the
    client may be shared by tasks (what runs at once depends on the engine). Settings go
    through `settings=` (a SET statement's effect is not tracked), and statements carry no
    FORMAT clause: the client chooses the format it reads."""

    engine: str  # "server" or "embedded"
    database: str
    description: str  # the URL without its password

    async def query(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        settings: Settings | None = None,
    ) -> list[dict[str, Any]]:
        """The rows of `sql` as dicts, columns in the statement's order. Every name of
        `params` must be a `{name:Type}` placeholder of `sql` (ValueError otherwise)."""
        return await self._query(sql, bound_parameters(sql, params), checked_settings(settings))

    async def command(
        self,
        sql: str,
        params: Mapping[str, Any] | None = None,
        *,
        settings: Settings | None = None,
    ) -> None:
        """Run a statement that returns no rows (DDL, INSERT ... SELECT, DELETE)."""
        await self._command(sql, bound_parameters(sql, params), checked_settings(settings))

    async def insert(
        self, table: str, rows: Sequence[Sequence[Any]], *, columns: Sequence[str]
    ) -> None:
        """Insert `rows` (each a value for each of `columns`, in that order) into `table`
        in one INSERT. NULL into a column that is not Nullable is refused, not turned into
        the type's default; a violated CHECK constraint refuses the whole insert."""
        if not columns:
            raise ValueError("an insert names its columns")
        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"{table}: a row of {len(row)} values for {len(columns)} columns")
        if rows:
            await self._insert(table, rows, list(columns))

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the client (idempotent); statements after it raise ClickHouseError."""

    async def __aenter__(self) -> ClickHouseClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.description}>"

    @abc.abstractmethod
    async def _query(
        self, sql: str, params: dict[str, Any], settings: Checked
    ) -> list[dict[str, Any]]: ...

    @abc.abstractmethod
    async def _command(self, sql: str, params: dict[str, Any], settings: Checked) -> None: ...

    @abc.abstractmethod
    async def _insert(
        self, table: str, rows: Sequence[Sequence[Any]], columns: list[str]
    ) -> None: ...


def placeholders(sql: str) -> set[str]:
    """The names of the `{name:Type}` query parameters of `sql`."""
    return set(_PLACEHOLDER.findall(sql))


def bound_parameters(sql: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """`params` as a dict, once each of its names is a `{name:Type}` placeholder of `sql`."""
    unbound = set(params or {}) - placeholders(sql)
    if unbound:
        raise ValueError(f"parameters with no {{name:Type}} placeholder: {sorted(unbound)}")
    return dict(params or {})
