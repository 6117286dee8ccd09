"""`Query.downloadLink`: a signed link to a CSV download, for a browser's plain download button
(gateway/links.py makes and checks them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from gateway.context import Context
from gateway.errors import ClientError, ErrorCode, bad_input
from gateway.links import DEFAULT_SECONDS, MAX_SECONDS, DownloadLinks, LinkError
from gateway.schema.naming import resolved


@strawberry.type(description="A signed link to a CSV download, followed without a token.")
class DownloadLink:
    path: str = strawberry.field(
        description="the download's path and query, with the link's expires, token, owner (or "
        "admin) and signature, relative to the gateway's address"
    )
    url: str = strawberry.field(
        description="path on the address this request reached the gateway at"
    )
    expires_at: dt.datetime = strawberry.field(
        description="when the gateway starts refusing the link (HTTP 403, FORBIDDEN)"
    )


def download_link(
    info: Info[Context, Any], path: str, expires_in: int = DEFAULT_SECONDS
) -> DownloadLink:
    request = info.context.request
    links: DownloadLinks | None = getattr(request.app.state, "links", None) if request else None
    token_id = getattr(request.state, "token_id", None) if request else None
    if request is None or links is None or token_id is None:
        raise ClientError(
            "download links are made for requests with a bearer token",
            code=ErrorCode.UNAUTHENTICATED,
        )
    if not 1 <= expires_in <= MAX_SECONDS:
        raise bad_input(
            f"expiresIn is 1 to {MAX_SECONDS} seconds, not {expires_in}", argument="expiresIn"
        )
    try:
        link, expires = links.sign(
            path, token_id=token_id, caller=info.context.caller, seconds=expires_in
        )
    except LinkError as error:
        raise bad_input(str(error), argument="path") from None
    url = f"{str(request.base_url).rstrip('/')}{link}"
    return DownloadLink(path=link, url=url, expires_at=expires)


def download_link_field() -> StrawberryField:
    return resolved(
        download_link,
        name="downloadLink",
        description="a link to the CSV download at `path` (`/csv/...` with its query, as the "
        "CSV button would fetch it) that a browser can follow without a token for `expiresIn` "
        f"seconds (at most {MAX_SECONDS}); it sees what the caller's token sees, and dies "
        "with the token",
    )
