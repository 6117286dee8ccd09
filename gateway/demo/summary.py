"""What a demo build did: the cast, and per table how many rows were sent and kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class TableLoad:
    table: str
    generated: int  # rows in the raw feed, re-sent duplicates included
    inserted: int
    size: int = 0  # bytes on disk after the build, indexes included (pg_total_relation_size)

    @property
    def skipped(self) -> int:
        return self.generated - self.inserted


@dataclass(frozen=True, kw_only=True)
class AppLine:
    app_id: str
    kind: str
    name: str
    status: str
    owner_id: str
    launched_on: dt.date | None
    users: int


@dataclass(frozen=True, kw_only=True)
class DemoSummary:
    seed: int
    scale: float
    first_day: dt.date
    reporting_day: dt.date
    apps: tuple[AppLine, ...]
    tables: tuple[TableLoad, ...]
    seconds: float

    @property
    def owners(self) -> tuple[str, ...]:
        return tuple(sorted({app.owner_id for app in self.apps}))

    @property
    def size(self) -> int:
        return sum(load.size for load in self.tables)

    @property
    def duplicates_skipped(self) -> int:
        return sum(load.skipped for load in self.tables)

    def table(self, name: str) -> TableLoad:
        for load in self.tables:
            if load.table == name:
                return load
        raise KeyError(name)

    def describe(self) -> str:
        days = (self.reporting_day - self.first_day).days + 1
        lines = [
            f"demo world (seed {self.seed}, scale {self.scale:g}): {len(self.apps)} apps, "
            f"{len(self.owners)} owners ({', '.join(self.owners)}), "
            f"{self.first_day} .. {self.reporting_day} ({days} days)",
        ]
        for app in self.apps:
            since = f"since {app.launched_on}" if app.launched_on else "no data"
            lines.append(f"  {app.app_id:<18} {app.kind:<5} {app.status:<10} {app.owner_id:<12} "
                         f"{since:<16} {app.users:>7,} users")
        width = max(len(load.table) for load in [*self.tables, TableLoad(
            table="all tables", generated=0, inserted=0)])
        for load in self.tables:
            lines.append(f"  {load.table:<{width}} {size_text(load.size):>10} "
                         f"{load.inserted:>11,} rows ({load.skipped:,} re-sent duplicates skipped)")
        lines.append(f"  {'all tables':<{width}} {size_text(self.size):>10} "
                     f"{sum(load.inserted for load in self.tables):>11,} rows")
        lines.append(f"{self.duplicates_skipped:,} duplicates skipped; built in "
                     f"{self.seconds:.1f} s")
        return "\n".join(lines)


def size_text(size: int) -> str:
    """Bytes for a person: 412.5 MB, 18.31 GB."""
    if size >= 2**30:
        return f"{size / 2**30:.2f} GB"
    return f"{size / 2**20:.1f} MB"
