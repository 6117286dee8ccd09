"""Where the database is: the server named by a URL, or an embedded PostgreSQL (pgserver)."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from gateway.settings import Settings

log = logging.getLogger(__name__)

# What a client sees when the server is down, refuses it, or does not answer in time.
UNREACHABLE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.InvalidCatalogNameError,
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidPasswordError,
    asyncpg.TooManyConnectionsError,
    # a connection left mid-operation when the server went away, found on its release
    asyncpg.exceptions.InternalClientError,
)


@contextlib.contextmanager
def embedded_server(data_dir: Path) -> Iterator[str]:
    """Start (or join) the embedded PostgreSQL in `data_dir` and yield its URL.

    The server is shared by every process using the same directory and stops when the
    last of them leaves.
    """
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        from pgserver.postgres_server import get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server = get_server(data_dir, cleanup_mode="stop")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@contextlib.contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """The URL of the configured PostgreSQL, starting the embedded one when none is
    configured. With ClickHouse as the analytics engine, this is the control plane's
    PostgreSQL (tokens, apps, the data version): MINIS_CONTROL_DATABASE_URL, or embedded."""
    if settings.postgres_url:
        yield settings.postgres_url
        return
    log.info("no PostgreSQL URL; using embedded PostgreSQL in %s", settings.data_dir)
    with embedded_server(settings.data_dir) as url:
        yield url


def redacted(url: str) -> str:
    """`url` without its password, fit for messages and logs."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


async def create_pool(
    url: str,
    *,
    min_size: int = 0,
    max_size: int = 10,
    connect_timeout: float = 10.0,
    statement_timeout_ms: int | None = None,
) -> asyncpg.Pool:
    """A pool that opens connections on demand (with the default `min_size=0`).

    Creating it succeeds while the database is down; `acquire()` then fails until the
    database returns, and succeeds again without restarting anything. Sessions run in UTC,
    and with `statement_timeout_ms` every statement is cancelled after that long.
    """
    # JIT compilation costs more than it saves on the gateway's short statements
    server_settings = {"timezone": "UTC", "application_name": "minis", "jit": "off"}
    if statement_timeout_ms is not None:
        server_settings["statement_timeout"] = str(statement_timeout_ms)
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        timeout=connect_timeout,
        server_settings=server_settings,
    )
    assert pool is not None
    return pool
