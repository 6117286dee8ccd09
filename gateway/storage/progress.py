"""A refresh's progress: a bar on a terminal, nothing anywhere else."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from gateway.storage.refresh import NoProgress, RefreshProgress


class BarProgress:
    def __init__(self, stream: TextIO) -> None:
        self._progress = Progress(
            TextColumn("refresh"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} apps"),
            TextColumn("{task.fields[app]}"),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=True,
        )
        self._task: TaskID | None = None

    def start(self, *, apps: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task("refresh", total=apps, app="")

    def advance(self, *, app_id: str) -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=1, app=app_id)

    def stop(self) -> None:
        self._progress.stop()


def refresh_progress_for(stream: TextIO) -> RefreshProgress:
    """A bar when `stream` is a terminal, else nothing."""
    return BarProgress(stream) if stream.isatty() else NoProgress()
