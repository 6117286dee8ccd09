"""What the loader knows about a table, read from the database catalog so that it follows sql/."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import asyncpg

EVENT_TABLES = (
    "apps",
    "launches",
    "orders",
    "ad_events",
    "runtime_reports",
    "network_calls",
    "feed_ad_spend",
    "feed_ad_clicks",
    "feed_card_events",
    "funnel_events",
)


class LoadError(Exception):
    """The load cannot start (unknown table, a table the loader cannot fill); nothing was read."""


class UnknownTable(LoadError):
    pass


def suggestion(name: str, candidates: tuple[str, ...] | list[str]) -> str | None:
    """The candidate closest to `name`, when one is close enough to be a likely typo."""
    lowered = {candidate.lower(): candidate for candidate in candidates}
    matches = difflib.get_close_matches(name.lower(), list(lowered), n=1)
    return lowered[matches[0]] if matches else None


def check_table_name(name: str) -> str:
    if name in EVENT_TABLES:
        return name
    hint = suggestion(name, EVENT_TABLES)
    did_you_mean = f"; did you mean {hint!r}?" if hint else ""
    raise UnknownTable(
        f"unknown table {name!r}{did_you_mean} (event tables: {', '.join(EVENT_TABLES)})"
    )


@dataclass(frozen=True, kw_only=True)
class Column:
    name: str
    type: str  # information_schema data_type, e.g. "integer", "timestamp with time zone"
    nullable: bool
    default: str | None  # the default expression as PostgreSQL prints it
    precision: int | None
    scale: int | None
    max_length: int | None


@dataclass(frozen=True, kw_only=True)
class Check:
    name: str
    definition: str  # pg_get_constraintdef, e.g. "CHECK ((beans > 0))"


@dataclass(frozen=True, kw_only=True)
class Table:
    schema: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    checks: tuple[Check, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


_RELATION = """
SELECT c.oid, n.nspname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = $1 AND n.nspname = current_schema() AND c.relkind IN ('r', 'p')
"""

_COLUMNS = """
SELECT column_name, data_type, is_nullable = 'YES' AS nullable, column_default,
       numeric_precision, numeric_scale, character_maximum_length
FROM information_schema.columns
WHERE table_schema = $1 AND table_name = $2 AND is_generated = 'NEVER'
ORDER BY ordinal_position
"""

_PRIMARY_KEY = """
SELECT a.attname
FROM pg_constraint k
CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, position)
JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
WHERE k.conrelid = $1 AND k.contype = 'p'
ORDER BY u.position
"""

_CHECKS = """
SELECT conname, pg_get_constraintdef(oid) AS definition
FROM pg_constraint
WHERE conrelid = $1 AND contype = 'c'
ORDER BY conname
"""


async def read_table(conn: asyncpg.Connection, name: str) -> Table:
    relation = await conn.fetchrow(_RELATION, name)
    if relation is None:
        raise LoadError(f"table {name} does not exist in the database")
    oid, schema = relation["oid"], relation["nspname"]
    columns = tuple(
        Column(
            name=row["column_name"],
            type=row["data_type"],
            nullable=row["nullable"],
            default=row["column_default"],
            precision=row["numeric_precision"],
            scale=row["numeric_scale"],
            max_length=row["character_maximum_length"],
        )
        for row in await conn.fetch(_COLUMNS, schema, name)
    )
    primary_key = tuple(row["attname"] for row in await conn.fetch(_PRIMARY_KEY, oid))
    if not primary_key:
        raise LoadError(f"table {name} has no primary key, which loading needs to skip duplicates")
    checks = tuple(
        Check(name=row["conname"], definition=row["definition"])
        for row in await conn.fetch(_CHECKS, oid)
    )
    return Table(schema=schema, name=name, columns=columns, primary_key=primary_key, checks=checks)
