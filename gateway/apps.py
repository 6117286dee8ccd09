"""Apps as the gateway sees them, and who is asking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg

from semantic.model import AppKind

APP_COLUMNS = "app_id, kind, name, status, launched_on, owner_id"


@dataclass(frozen=True, kw_only=True)
class App:
    id: str
    kind: AppKind
    name: str
    status: str
    launched_on: dt.date | None
    owner_id: str
    derived_through: dt.date | None = None  # current derived data is built through this day
    cells_stored: bool = False  # the refresh stored privacy decisions by the model's rule
    cells_shown: bool = True  # some privacy cell of the app is shown (or none is stored)

    @property
    def launched(self) -> bool:
        return self.status == "launched"

    @classmethod
    def from_row(cls, row: Mapping[str, Any] | asyncpg.Record) -> App:
        get = row.__getitem__
        return cls(
            id=get("app_id"),
            kind=AppKind(get("kind")),
            name=get("name"),
            status=get("status"),
            launched_on=get("launched_on"),
            owner_id=get("owner_id"),
            derived_through=row.get("derived_through"),
            cells_stored=bool(row.get("cells_stored", False)),
            cells_shown=bool(row.get("cells_shown", True)),
        )


@dataclass(frozen=True, kw_only=True)
class Caller:
    """Who sends a request: an owner's token sees that owner's apps; an admin sees all."""

    owner_id: str | None = None
    admin: bool = False

    def may_see(self, app: App) -> bool:
        return self.admin or app.owner_id == self.owner_id


ADMIN = Caller(admin=True)
