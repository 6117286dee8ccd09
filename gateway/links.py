"""Signed download links: a CSV download a browser can follow without an Authorization header.

A link is the download's own path and query plus `expires` (Unix seconds), `token` (the id of
the token that asked for it, never its secret), `owner` (that token's owner) or `admin=true`,
and `signature`: an HMAC-SHA256, keyed by MINIS_DOWNLOAD_SECRET, over the path and every other
parameter. The download then runs as the token's caller, sees what the token sees, and is
refused once the link expires, is altered, or its token is revoked.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from gateway.apps import Caller

log = logging.getLogger(__name__)

DOWNLOADS_PREFIX = "/csv/"
SIGNATURE, EXPIRES, TOKEN, OWNER, ADMIN = "signature", "expires", "token", "owner", "admin"
LINK_PARAMS = frozenset({SIGNATURE, EXPIRES, TOKEN, OWNER, ADMIN})
DEFAULT_SECONDS = 300
MAX_SECONDS = 3600
VERSION = b"minis-download-link-1"

Pairs = Sequence[tuple[str, str]]


class LinkError(ValueError):
    """A link (or a request for one) that cannot be used; the message says why and what to do."""


@dataclass(frozen=True, kw_only=True)
class LinkHolder:
    """Whom a valid link stands for: the token it was made with and that token's access."""

    token_id: str
    caller: Caller


def is_link(path: str, pairs: Pairs) -> bool:
    """Does the request try to be a signed download link?"""
    return path.startswith(DOWNLOADS_PREFIX) and any(name == SIGNATURE for name, _ in pairs)


def link_token(path: str, pairs: Pairs) -> str | None:
    """The id of the token a (not yet checked) link claims to be made with."""
    if not is_link(path, pairs):
        return None
    return next((value for name, value in pairs if name == TOKEN and value), None)


def _message(path: str, pairs: Pairs) -> bytes:
    """What is signed: the path, then every parameter but the signature, in a fixed order."""
    signed = sorted((n, v) for n, v in pairs if n != SIGNATURE)
    return b"\n".join((VERSION, path.encode(), urlencode(signed).encode()))


class DownloadLinks:
    """Makes and checks the links of one secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    @classmethod
    def of(cls, configured: str | None) -> DownloadLinks:
        """Links signed with MINIS_DOWNLOAD_SECRET, or else with a secret of this process."""
        if configured:
            return cls(configured.encode())
        log.warning(
            "MINIS_DOWNLOAD_SECRET is not set: download links are signed with a secret made for "
            "this process, so they stop working when it restarts and no other gateway process "
            "accepts them; set MINIS_DOWNLOAD_SECRET to keep them valid"
        )
        return cls(secrets.token_bytes(32))

    def _signature(self, path: str, pairs: Pairs) -> str:
        digest = hmac.new(self._secret, _message(path, pairs), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(
        self,
        target: str,
        *,
        token_id: str,
        caller: Caller,
        seconds: int = DEFAULT_SECONDS,
        now: float | None = None,
    ) -> tuple[str, dt.datetime]:
        """The signed link (path and query) of the download `target`, and when it expires."""
        if not 1 <= seconds <= MAX_SECONDS:
            raise LinkError(f"a link lives 1 to {MAX_SECONDS} seconds, not {seconds}")
        parts = urlsplit(target)
        path = unquote(parts.path)
        segments = path.removeprefix(DOWNLOADS_PREFIX).split("/")
        if parts.scheme or parts.netloc or parts.fragment:
            raise LinkError(f"give the download's path and query, without scheme or host: {target}")
        if not path.startswith(DOWNLOADS_PREFIX) or len(segments) != 4 or not all(segments):
            raise LinkError(
                "links are for CSV downloads: /csv/{game|drama}/{appId}/{module}/{item}?filters, "
                f"not {target}"
            )
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        taken = sorted({n for n, _ in pairs} & LINK_PARAMS)
        if taken:
            raise LinkError(
                f"the download's query has {', '.join(taken)}, which a link sets itself; "
                "give the download's own path and query"
            )
        expires = int((time.time() if now is None else now) + seconds)
        identity = [(OWNER, caller.owner_id or "")] if not caller.admin else [(ADMIN, "true")]
        pairs += [(EXPIRES, str(expires)), (TOKEN, token_id), *identity]
        pairs.append((SIGNATURE, self._signature(path, pairs)))
        link = f"{quote(path)}?{urlencode(pairs)}"
        return link, dt.datetime.fromtimestamp(expires, dt.UTC)

    def check(self, path: str, pairs: Pairs, *, now: float | None = None) -> LinkHolder:
        """Whom the link `path`?`pairs` stands for; LinkError when it is not valid (now)."""
        given = dict(pairs)
        again = "; ask for a new one (Query.downloadLink)"
        signature = given.get(SIGNATURE, "")
        if not hmac.compare_digest(signature.encode(), self._signature(path, pairs).encode()):
            raise LinkError(
                "this download link is not valid: it was altered, or signed by another gateway "
                f"or before a restart{again}"
            )
        expires = int(given[EXPIRES]) if given.get(EXPIRES, "").isdigit() else 0
        if (time.time() if now is None else now) > expires:
            moment = dt.datetime.fromtimestamp(expires, dt.UTC).isoformat(timespec="seconds")
            raise LinkError(f"this download link expired at {moment}{again}")
        admin = given.get(ADMIN) == "true"
        caller = Caller(owner_id=None if admin else given.get(OWNER), admin=admin)
        return LinkHolder(token_id=given.get(TOKEN, ""), caller=caller)
