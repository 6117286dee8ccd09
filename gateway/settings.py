"""Configuration read from the environment; every CLI flag overrides its variable."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gateway.limits import Limits
from gateway.serving.config import SERVING_VARIABLES, ServingSettings
from semantic.engines import Engine

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


class ConfigError(ValueError):
    """A setting has a value that cannot be used; the message says which and why."""


PROJECT_DATA_DIR = Path(".minis") / "pgdata"  # where ./scripts/demo keeps its database


def _default_data_dir(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """`.minis/pgdata` of the current directory or the nearest parent that has one (so every
    command run in a checkout reaches the database ./scripts/demo serves), else the user's
    $XDG_DATA_HOME/minis/pgdata (~/.local/share/minis/pgdata)."""
    here = (cwd or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        if (directory / PROJECT_DATA_DIR).is_dir():
            return directory / PROJECT_DATA_DIR
    env = os.environ if env is None else env
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "minis" / "pgdata"


def parse_today(raw: str | None) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ConfigError(
            f"MINIS_TODAY (--today) must be a date like 2026-11-01, not {raw!r}"
        ) from None


def parse_port(raw: str | None) -> int:
    if not raw:
        return DEFAULT_PORT
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"MINIS_PORT (--port) must be a port number from 1 to 65535, not {raw!r}")
    return int(raw)


LIMIT_VARIABLES = {
    "max_depth": "MINIS_MAX_DEPTH",
    "max_aliases": "MINIS_MAX_ALIASES",
    "max_tokens": "MINIS_MAX_TOKENS",
    "max_breakdown": "MINIS_MAX_BREAKDOWN",
    "max_statements": "MINIS_MAX_STATEMENTS",
    "max_cost": "MINIS_MAX_COST",
}


def parse_positive(name: str, raw: str | None, default: int) -> int:
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a whole number of 1 or more, not {raw!r}")
    return int(raw)


MIN_SECRET_LENGTH = 16


def parse_secret(raw: str | None) -> str | None:
    if not raw:
        return None
    if len(raw) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"MINIS_DOWNLOAD_SECRET must be at least {MIN_SECRET_LENGTH} characters, not "
            f"{len(raw)}; `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'` "
            "makes one"
        )
    return raw


POSTGRES_SCHEMES = ("postgresql", "postgres")


def _scheme(url: str) -> str:
    return url.partition("://")[0].lower() if "://" in url else ""


def parse_database_url(raw: str | None) -> str | None:
    """MINIS_DATABASE_URL: a PostgreSQL URL, or a ClickHouse one (clickhouse://, clickhouses://,
    chdb://) checked as the ClickHouse client reads it."""
    if not raw:
        return None
    from gateway.storage.clickhouse.urls import is_clickhouse_url, parse_url

    if is_clickhouse_url(raw):
        try:
            parse_url(raw)
        except ValueError as error:  # its message holds no password
            raise ConfigError(f"MINIS_DATABASE_URL (--database-url): {error}") from None
    elif _scheme(raw) not in POSTGRES_SCHEMES:
        raise ConfigError(
            "MINIS_DATABASE_URL (--database-url) must be a PostgreSQL URL (postgresql://...) or "
            "a ClickHouse one (clickhouse://, clickhouses://, chdb://), not one of scheme "
            f"{_scheme(raw) or 'none'!r}"
        )
    return raw


def parse_control_url(raw: str | None, *, database_url: str | None) -> str | None:
    """MINIS_CONTROL_DATABASE_URL: the PostgreSQL of the control plane (tokens, the apps
    catalogue, the data version), only beside a ClickHouse MINIS_DATABASE_URL."""
    if not raw:
        return None
    from gateway.storage.clickhouse.urls import is_clickhouse_url

    if is_clickhouse_url(raw):
        raise ConfigError(
            "MINIS_CONTROL_DATABASE_URL names the PostgreSQL that keeps tokens, apps and the "
            "data version (postgresql://...), not a ClickHouse database; ClickHouse goes in "
            "MINIS_DATABASE_URL"
        )
    if _scheme(raw) not in POSTGRES_SCHEMES:
        raise ConfigError(
            "MINIS_CONTROL_DATABASE_URL must be a PostgreSQL URL (postgresql://...), not one "
            f"of scheme {_scheme(raw) or 'none'!r}"
        )
    if database_url is None or _scheme(database_url) in POSTGRES_SCHEMES:
        raise ConfigError(
            "MINIS_CONTROL_DATABASE_URL is for a ClickHouse MINIS_DATABASE_URL; on PostgreSQL "
            "one database keeps everything: unset MINIS_CONTROL_DATABASE_URL"
        )
    return raw


def parse_switch(name: str, raw: str | None, default: bool) -> bool:
    if not raw:
        return default
    if raw.lower() in ("on", "true", "1", "yes"):
        return True
    if raw.lower() in ("off", "false", "0", "no"):
        return False
    raise ConfigError(f"{name} must be on or off, not {raw!r}")


@dataclass(frozen=True, kw_only=True)
class Settings:
    # the analytics engine's database: PostgreSQL (None: the embedded one) or ClickHouse
    database_url: str | None = None
    # with ClickHouse: the PostgreSQL of tokens, apps and the data version (None: embedded)
    control_database_url: str | None = None
    data_dir: Path = field(default_factory=_default_data_dir)
    today: dt.date | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    models_dir: Path | None = None
    statement_timeout_ms: int = 10_000
    late_days: int = 3  # days before the last built day that `minis refresh` rebuilds
    derived: bool = True  # answer from the derived tables where they are current
    limits: Limits = field(default_factory=Limits)
    serving: ServingSettings = field(default_factory=ServingSettings)
    download_secret: str | None = None  # signs download links; None: a secret of the process

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from MINIS_* variables; an unset or empty variable means its default."""
        env = os.environ if environ is None else environ
        data_dir = env.get("MINIS_DATA_DIR")
        database_url = parse_database_url(env.get("MINIS_DATABASE_URL"))
        return cls(
            database_url=database_url,
            control_database_url=parse_control_url(
                env.get("MINIS_CONTROL_DATABASE_URL"), database_url=database_url
            ),
            data_dir=Path(data_dir) if data_dir else _default_data_dir(env),
            today=parse_today(env.get("MINIS_TODAY")),
            host=env.get("MINIS_HOST") or DEFAULT_HOST,
            port=parse_port(env.get("MINIS_PORT")),
            models_dir=Path(env["MINIS_MODELS_DIR"]) if env.get("MINIS_MODELS_DIR") else None,
            statement_timeout_ms=parse_positive(
                "MINIS_STATEMENT_TIMEOUT_MS", env.get("MINIS_STATEMENT_TIMEOUT_MS"), 10_000
            ),
            late_days=parse_positive("MINIS_LATE_DAYS", env.get("MINIS_LATE_DAYS"), 3),
            derived=parse_switch("MINIS_DERIVED", env.get("MINIS_DERIVED"), True),
            limits=Limits(
                **{
                    name: parse_positive(variable, env.get(variable), getattr(Limits(), name))
                    for name, variable in LIMIT_VARIABLES.items()
                }
            ),
            download_secret=parse_secret(env.get("MINIS_DOWNLOAD_SECRET")),
            serving=ServingSettings(
                **{
                    name: parse_positive(
                        variable, env.get(variable), getattr(ServingSettings(), name)
                    )
                    for name, variable in SERVING_VARIABLES.items()
                }
            ),
        )

    @property
    def engine(self) -> Engine:
        """The analytics engine every compiled statement runs on, from `database_url`."""
        from gateway.storage.clickhouse.urls import is_clickhouse_url

        url = self.database_url
        return Engine.CLICKHOUSE if url and is_clickhouse_url(url) else Engine.POSTGRES

    @property
    def postgres_url(self) -> str | None:
        """The PostgreSQL URL configured for the commands and the control plane (None: the
        embedded PostgreSQL of `data_dir`): `database_url` on PostgreSQL, else
        `control_database_url`."""
        if self.engine is Engine.CLICKHOUSE:
            return self.control_database_url
        return self.database_url

    def current_day(self) -> dt.date:
        """The UTC calendar day the product treats as today."""
        return self.today or dt.datetime.now(dt.UTC).date()

    def reporting_day(self) -> dt.date:
        """The last day with data: yesterday, UTC."""
        return self.current_day() - dt.timedelta(days=1)
