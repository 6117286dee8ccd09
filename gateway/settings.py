"""Configuration read from the environment; every CLI flag overrides its variable."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(ValueError):
    """A setting has a value that cannot be used; the message says which and why."""


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "minis" / "pgdata"


def _parse_today(raw: str | None) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(f"MINIS_TODAY must be a date like 2026-11-01, not {raw!r}") from None


@dataclass(frozen=True, kw_only=True)
class Settings:
    database_url: str | None = None
    data_dir: Path = field(default_factory=_default_data_dir)
    today: dt.date | None = None
    host: str = "127.0.0.1"
    port: int = 8000

    @classmethod
    def from_env(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        port_raw = env.get("MINIS_PORT", "8000")
        if not port_raw.isdigit():
            raise ConfigError(f"MINIS_PORT must be a port number, not {port_raw!r}")
        return cls(
            database_url=env.get("MINIS_DATABASE_URL") or None,
            data_dir=Path(env["MINIS_DATA_DIR"]) if env.get("MINIS_DATA_DIR") else _default_data_dir(),
            today=_parse_today(env.get("MINIS_TODAY")),
            host=env.get("MINIS_HOST", "127.0.0.1"),
            port=int(port_raw),
        )

    def current_day(self) -> dt.date:
        """The UTC calendar day the product treats as today."""
        return self.today or dt.datetime.now(dt.UTC).date()

    def reporting_day(self) -> dt.date:
        """The last day with data: yesterday, UTC."""
        return self.current_day() - dt.timedelta(days=1)
