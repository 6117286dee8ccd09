"""Loading CSV and JSON Lines files into the event tables (`minis load`)."""

from __future__ import annotations

from gateway.loading.catalog import EVENT_TABLES, LoadError, UnknownTable, check_table_name
from gateway.loading.issues import RowIssue
from gateway.loading.loader import (
    DEFAULT_BATCH_ROWS,
    DEFAULT_MAX_ERRORS,
    FileSummary,
    LoadReport,
    load_files,
)
from gateway.loading.progress import LoadProgress, progress_for

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "DEFAULT_MAX_ERRORS",
    "EVENT_TABLES",
    "FileSummary",
    "LoadError",
    "LoadProgress",
    "LoadReport",
    "RowIssue",
    "UnknownTable",
    "check_table_name",
    "load_files",
    "progress_for",
]
