"""The ClickHouse migrations: the files of sql/clickhouse/ (NNNN_name.sql, as sql/'s),
each applied once, in order, and recorded in `minis_migrations`.

ClickHouse has no transactional DDL and no advisory lock: a file's statements run one by one
and the file is recorded after its last, so a file that failed part way is applied again
from its start next time (its statements say IF NOT EXISTS for that). Run one migrator at a
time per database (`minis migrate`).
"""

from __future__ import annotations

from pathlib import Path

from gateway.migrations import SQL_DIR, MigrationError, discover
from gateway.storage.clickhouse.base import ClickHouseClient

CLICKHOUSE_SQL_DIR = SQL_DIR / "clickhouse"

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS minis_migrations (
    version    String,
    name       String,
    checksum   String,
    applied_at DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = ReplacingMergeTree
ORDER BY version
"""


def split_statements(text: str) -> list[str]:
    """The statements of an SQL file, split at the semicolons outside quotes ('...', "...",
    `...`, with backslash escapes and doubled quotes) and comments (-- to the line's end,
    /* ... */). Each keeps its text (comments inside included), stripped; a piece with no
    code but comments and blanks is no statement."""
    statements: list[str] = []
    start = i = 0
    code = False  # whether the current piece holds more than comments and blanks
    while i < len(text):
        char = text[i]
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise MigrationError("an SQL comment /* is not closed")
            i = end + 2
            continue
        if char in "'\"`":
            i = _quoted_end(text, i)
            code = True
            continue
        if char == ";":
            if code:
                statements.append(text[start:i].strip())
            start, code = i + 1, False
        elif not char.isspace():
            code = True
        i += 1
    if code:
        statements.append(text[start:].strip())
    return statements


def _quoted_end(text: str, start: int) -> int:
    """The index after the quoted text opening at `start`."""
    quote, i = text[start], start + 1
    while i < len(text):
        if text[i] == "\\" or text.startswith(quote * 2, i):  # an escape, a doubled quote
            i += 2
        elif text[i] == quote:
            return i + 1
        else:
            i += 1
    raise MigrationError(f"an SQL quote {quote} is not closed")


async def migrate(client: ClickHouseClient, *, directory: Path = CLICKHOUSE_SQL_DIR) -> list[str]:
    """Apply every migration of `directory` not yet applied to the client's database, in
    order; return the versions applied now (none on a second run). A recorded migration
    whose file changed since raises MigrationError, as PostgreSQL's migrator does."""
    migrations = discover(directory)
    await client.command(_BOOKKEEPING)
    rows = await client.query("SELECT version, checksum FROM minis_migrations FINAL")
    done = {row["version"]: row["checksum"] for row in rows}
    changed = [m for m in migrations if done.get(m.version, m.checksum) != m.checksum]
    if changed:
        raise MigrationError(
            f"migration clickhouse/{changed[0].version}_{changed[0].name} changed after it was"
            " applied; add a new migration instead of editing an applied one"
        )
    applied = []
    for migration in (m for m in migrations if m.version not in done):
        for statement in split_statements(migration.sql):
            await client.command(statement)
        await client.insert(
            "minis_migrations",
            [(migration.version, migration.name, migration.checksum)],
            columns=("version", "name", "checksum"),
        )
        applied.append(migration.version)
    return applied
