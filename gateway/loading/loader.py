"""`minis load`: files of one table, validated and stored as one all-or-nothing transaction.

Every file is read once, in batches: a worker thread validates the next batch while the
current one is written, so that parsing and the database work at the same time. Once any
problem is found nothing more is written, every remaining row is still checked (to report all
problems at once), and the transaction is rolled back; a process killed midway leaves no trace
either, since nothing is committed before the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from gateway.loading.catalog import Table, check_table_name, read_table
from gateway.loading.issues import RowIssue
from gateway.loading.progress import LoadProgress, NoProgress
from gateway.loading.rows import Batch, SourceFile, Tally, Validator
from gateway.loading.store import DatabaseRefused, DedupWriter, Writer
from gateway.serving.data_version import bump_data_version
from gateway.storage.state import mark_changed

DEFAULT_BATCH_ROWS = 50_000
DEFAULT_MAX_ERRORS = 100
_LOCK_CLASS = 0x6C6F6164  # "load": one load per table at a time


@dataclass(frozen=True, kw_only=True)
class FileSummary:
    name: str
    rows: int  # rows read, good and bad
    inserted: int
    bad_rows: int
    problems: int  # problems not tied to one row (header, file, database)

    @property
    def skipped(self) -> int:
        """Rows already stored (or repeated in the load), when the load went through."""
        return self.rows - self.inserted


@dataclass(frozen=True, kw_only=True)
class LoadReport:
    table: str
    files: tuple[FileSummary, ...]
    issues: tuple[RowIssue, ...]  # the first max_errors problems
    issue_count: int  # all problems, reported or not
    seconds: float
    stale_apps: tuple[str, ...] = ()  # apps whose derived tables this load made out of date

    @property
    def loaded(self) -> bool:
        return self.issue_count == 0

    @property
    def rows(self) -> int:
        return sum(file.rows for file in self.files)

    @property
    def inserted(self) -> int:
        return sum(file.inserted for file in self.files)

    @property
    def skipped(self) -> int:
        return sum(file.skipped for file in self.files)

    @property
    def bad_rows(self) -> int:
        return sum(file.bad_rows for file in self.files)

    @property
    def problems(self) -> int:
        return sum(file.problems for file in self.files)

    @property
    def rate(self) -> float:
        """Rows read per second."""
        return self.rows / self.seconds if self.seconds > 0 else 0.0


class _Refused(Exception):
    """Rolls the transaction back."""


OpenWriter = Callable[[Table], Awaitable[Writer]]


async def load_files(
    conn: asyncpg.Connection,
    *,
    table: str,
    paths: Sequence[Path],
    max_errors: int = DEFAULT_MAX_ERRORS,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    progress: LoadProgress | None = None,
    open_writer: OpenWriter | None = None,
) -> LoadReport:
    """Load `paths` into `table`, all or nothing; raises LoadError when it cannot start.

    The rows go into `conn`'s table, in its transaction; or, with `open_writer`, to the writer
    it opens for the table (another engine), committed once every row has passed, before
    `conn`'s transaction commits. `conn` still holds the load's lock, the apps catalogue and
    the data version; the table's columns and checks are read from it."""
    started = time.perf_counter()
    name = check_table_name(table)
    schema = await read_table(conn, name)
    files = [
        SourceFile(path=path, name=str(path), index=index, size=_size(path))
        for index, path in enumerate(paths)
    ]
    tally = Tally(files=len(files), max_issues=max_errors)
    inserted = [0] * len(files)
    shown = progress or NoProgress()
    changed: list[str] = []
    try:
        async with conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                _LOCK_CLASS,
                f"{schema.schema}.{name}",
            )
            # key look-ups go through the primary key even while the table's statistics
            # still describe it as empty, as they do during a first large load
            await conn.execute("SET LOCAL enable_seqscan = off")
            apps = None
            if name != "apps" and "app_id" in schema.column_names:
                apps = frozenset(row[0] for row in await conn.fetch("SELECT app_id FROM apps"))
            validator = Validator(schema, apps=apps)
            batches = validator.batches(
                files,
                tally=tally,
                batch_size=batch_rows,
                on_progress=lambda file, done, rows: shown.advance(
                    file=file, done_bytes=done, rows=rows
                ),
            )
            shown.start(total_bytes=sum(file.size for file in files))
            writer = await open_writer(schema) if open_writer else DedupWriter(conn, schema)
            try:
                try:
                    await _write_all(batches, writer, files=files, tally=tally, inserted=inserted)
                finally:
                    shown.stop()
                if tally.failed:
                    raise _Refused
                if sum(inserted):
                    # gateways drop the answers they cached from the data before this load
                    await bump_data_version(conn)
                    if open_writer is None:
                        # derived tables of these apps are not read again until a refresh
                        await mark_changed(conn, firsts=writer.changes.firsts)
                        changed = sorted(writer.changes.firsts)
                await writer.commit()
            except BaseException:
                with contextlib.suppress(Exception):
                    await writer.discard()
                raise
    except _Refused:
        inserted = [0] * len(files)
    else:
        if sum(inserted) and open_writer is None:
            # fresh statistics, so that queries are planned for the rows just loaded
            await conn.execute(f'ANALYZE "{schema.schema}"."{name}"')
    return LoadReport(
        table=name,
        files=tuple(
            FileSummary(
                name=file.name,
                rows=tally.rows[file.index],
                inserted=inserted[file.index],
                bad_rows=tally.bad_rows[file.index],
                problems=tally.problems[file.index],
            )
            for file in files
        ),
        issues=tuple(tally.issues),
        issue_count=tally.issue_count,
        seconds=time.perf_counter() - started,
        stale_apps=tuple(changed),
    )


async def _write_all(
    batches: Generator[Batch, None, None],
    writer: Writer,
    *,
    files: list[SourceFile],
    tally: Tally,
    inserted: list[int],
) -> None:
    """Write batch after batch while the worker thread validates the next one."""

    def following() -> asyncio.Future[Batch | None]:
        return asyncio.ensure_future(asyncio.to_thread(next, batches, None))

    pending = following()
    try:
        while (batch := await pending) is not None:
            pending = following()
            if tally.failed:
                continue
            try:
                inserted[batch.file] += await writer.write(batch)
            except DatabaseRefused as exc:
                refusal = exc.refusal
                tally.problem(files[batch.file], refusal.line, [(refusal.column, refusal.message)])
    finally:
        if not pending.done():
            await asyncio.wait([pending])  # the worker finishes its batch; then stop reading
        if not pending.cancelled():
            pending.exception()  # already raised, or moot once something else failed
        batches.close()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
