"""Showing how far a load is: a progress bar on a terminal, nothing anywhere else.

Updates come from the validating thread, once a batch; rich draws from its own thread.
"""

from __future__ import annotations

from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class LoadProgress(Protocol):
    def start(self, *, total_bytes: int) -> None: ...

    def advance(self, *, file: str, done_bytes: int, rows: int) -> None:
        """`done_bytes` and `rows`: read so far in all files; `file`: the one being read."""

    def stop(self) -> None: ...


class NoProgress:
    def start(self, *, total_bytes: int) -> None:
        pass

    def advance(self, *, file: str, done_bytes: int, rows: int) -> None:
        pass

    def stop(self) -> None:
        pass


class BarProgress:
    def __init__(self, stream: TextIO) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=True,
        )
        self._task: TaskID | None = None

    def start(self, *, total_bytes: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task("loading", total=total_bytes, rows=0)

    def advance(self, *, file: str, done_bytes: int, rows: int) -> None:
        if self._task is None:
            return
        self._bar.update(self._task, completed=done_bytes, description=file, rows=rows)

    def stop(self) -> None:
        self._bar.stop()


def progress_for(stream: TextIO) -> LoadProgress:
    """A bar when `stream` is a terminal, otherwise silence."""
    isatty = getattr(stream, "isatty", None)
    return BarProgress(stream) if isatty is not None and isatty() else NoProgress()
