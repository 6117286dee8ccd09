"""ClickHouse URLs: `clickhouse://user:password@host:port/database` (HTTP, port 8123 unless
given), `clickhouses://...` (HTTPS, port 8443 unless given; `?verify=false` or
`?ca_cert=/path.pem` for private certificates), `chdb:///absolute/directory` and `chdb://`
(the embedded engine, on disk or in memory)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from gateway.database import redacted

_SERVER_SCHEMES = {"clickhouse": False, "clickhouses": True}  # scheme: secure
_EMBEDDED_SCHEME = "chdb"


def is_clickhouse_url(url: str) -> bool:
    """Whether `url` names a ClickHouse database (a server or the embedded engine)."""
    scheme = url.partition("://")[0].lower()
    return "://" in url and (scheme in _SERVER_SCHEMES or scheme == _EMBEDDED_SCHEME)


@dataclass(frozen=True, kw_only=True)
class ServerAddress:
    """Where a ClickHouse server's database is, from a clickhouse:// or clickhouses:// URL."""

    host: str
    port: int
    database: str
    user: str
    password: str = field(default="", repr=False)
    secure: bool
    verify: bool = True
    ca_cert: str | None = None


@dataclass(frozen=True, kw_only=True)
class EmbeddedAddress:
    """The embedded engine's data directory (an absolute, normalised path), or None: in
    memory."""

    path: str | None


def parse_url(url: str) -> ServerAddress | EmbeddedAddress:
    """The address a ClickHouse URL names; ValueError (its message without the password)
    for a URL that is not one or that says something this client cannot honour."""
    shown = redacted(url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    if scheme == _EMBEDDED_SCHEME:
        path = unquote(parts.path)
        if parts.netloc or options or parts.fragment or (path and not path.startswith("/")):
            raise ValueError(f"{shown}: write chdb:///absolute/directory, or chdb:// (in memory)")
        # chdb tells engines apart by their path's spelling: /a/b/ and /a//b are /a/b
        return EmbeddedAddress(path=posixpath.normpath(path) if path else None)
    if scheme not in _SERVER_SCHEMES:
        raise ValueError(f"{shown}: not a clickhouse://, clickhouses:// or chdb:// URL")
    secure = _SERVER_SCHEMES[scheme]
    unknown = set(options) - ({"verify", "ca_cert"} if secure else set())
    if unknown or not parts.hostname or parts.fragment:
        raise ValueError(
            f"{shown}: write {scheme}://user:password@host:port/database"
            + ("[?verify=false|?ca_cert=/path.pem]" if secure else "")
        )
    database = unquote(parts.path.strip("/")) or "default"
    if "/" in database:
        raise ValueError(f"{shown}: the path names one database")
    try:
        port = parts.port or (8443 if secure else 8123)
    except ValueError as error:
        raise ValueError(f"{shown}: {error}") from None
    verify = options.get("verify", "true").lower()
    if verify not in ("true", "false", "1", "0"):
        raise ValueError(f"{shown}: verify is true or false")
    return ServerAddress(
        host=parts.hostname,
        port=port,
        database=database,
        user=unquote(parts.username or "") or "default",
        password=unquote(parts.password or ""),
        secure=secure,
        verify=verify in ("true", "1"),
        ca_cert=options.get("ca_cert") or None,
    )
