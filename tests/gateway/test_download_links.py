"""Signed download links, through HTTP: asked for through GraphQL, followed without a token,
refused (403 FORBIDDEN, saying why) once expired, altered or of a revoked token, and seeing no
more than the token that asked for them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from typing import Any

import asyncpg
import httpx
import pytest

from gateway.apps import Caller
from gateway.links import DownloadLinks
from gateway.settings import ConfigError, Settings
from gateway.tokens import create_token, revoke_token
from tests.gateway import test_auth
from tests.gateway.test_auth import SETTINGS, bearer, serving

# the hand-built world with a game of another owner `other`, and tokens of each kind
world_url, tokens = test_auth.world_url, test_auth.tokens

SECRET = "a-download-secret-of-the-tests"
CONFIGURED = dataclasses.replace(SETTINGS, download_secret=SECRET)
DOWNLOAD = "/csv/game/g1/userBehavior/activeUsers?start=2026-10-11&end=2026-10-14&os=IOS"
LINK = (
    "query($path: String!, $s: Int! = 300) { downloadLink(path: $path, expiresIn: $s) "
    "{ path url expiresAt } }"
)


async def ask(
    client: httpx.AsyncClient, token: str, path: str = DOWNLOAD, seconds: int | None = None
) -> dict[str, Any]:
    variables = {"path": path, "s": seconds} if seconds else {"path": path}
    response = await client.post(
        "/graphql", json={"query": LINK, "variables": variables}, headers=bearer(token)
    )
    body: dict[str, Any] = response.json()
    return body


async def link_of(client: httpx.AsyncClient, token: str, path: str = DOWNLOAD) -> str:
    body = await ask(client, token, path)
    assert "errors" not in body, body
    link: str = body["data"]["downloadLink"]["path"]
    return link


def forbidden(response: httpx.Response) -> str:
    assert response.status_code == 403, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    message: str = error["message"]
    return message


async def test_a_link_downloads_without_a_header_what_the_token_downloads(
    world_url: str, tokens: dict[str, str]
) -> None:
    async with serving(world_url) as client:
        body = await ask(client, tokens["mine"], seconds=60)
        link = body["data"]["downloadLink"]
        assert link["url"] == f"http://minis{link['path']}"
        assert link["path"].startswith("/csv/game/g1/userBehavior/activeUsers?start=2026-10-11")
        expires = dt.datetime.fromisoformat(link["expiresAt"].replace("Z", "+00:00"))
        assert 0 < expires.timestamp() - time.time() <= 60
        followed = await client.get(link["path"])
        direct = await client.get(DOWNLOAD, headers=bearer(tokens["mine"]))
    assert followed.status_code == 200, followed.text
    assert followed.text == direct.text and followed.text.startswith("date,activeUsers\r\n")
    assert followed.headers["content-disposition"] == direct.headers["content-disposition"]


async def test_an_altered_link_is_refused(world_url: str, tokens: dict[str, str]) -> None:
    async with serving(world_url) as client:
        link = await link_of(client, tokens["mine"])
        for altered in (
            link.replace("os=IOS", "os=ANDROID"),  # another filter
            link.replace("/activeUsers?", "/newUsers?"),  # another download
            link.replace("expires=", "expires=9"),  # a later expiry
            link.replace("owner=o", "owner=other"),  # another owner's access
            link.replace("owner=o", "admin=true"),  # everyone's
            link + "&regions=GB",  # one more parameter
            link[:-3],  # a cut signature
        ):
            assert "altered" in forbidden(await client.get(altered)), altered
        # without a signature it is a download without a token
        unsigned = link.split("&signature=")[0]
        assert (await client.get(unsigned)).status_code == 401


async def test_an_expired_link_is_refused_saying_so(world_url: str, tokens: dict[str, str]) -> None:
    db = await asyncpg.connect(world_url)
    try:
        issued = await create_token(db, owner_id="o")
    finally:
        await db.close()
    links = DownloadLinks(SECRET.encode())
    caller = Caller(owner_id="o")
    old, _ = links.sign(DOWNLOAD, token_id=issued.token_id, caller=caller, now=time.time() - 301)
    fresh, _ = links.sign(DOWNLOAD, token_id=issued.token_id, caller=caller)
    async with serving(world_url, CONFIGURED) as client:
        message = forbidden(await client.get(old))
        assert "expired at" in message and "downloadLink" in message
        assert (await client.get(fresh)).status_code == 200


async def test_a_link_sees_what_its_token_sees(world_url: str, tokens: dict[str, str]) -> None:
    foreign = DOWNLOAD.replace("/g1/", "/x1/")  # owner `other`'s game
    async with serving(world_url) as client:
        mine = await client.get(await link_of(client, tokens["mine"], foreign))
        absent = await client.get(
            await link_of(client, tokens["mine"], foreign.replace("x1", "zz"))
        )
        admin = await client.get(await link_of(client, tokens["admin"], foreign))
    assert mine.status_code == absent.status_code == 404
    assert mine.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert admin.status_code == 200


async def test_the_links_of_a_token_have_a_rate_limit_of_their_own(
    world_url: str, tokens: dict[str, str]
) -> None:
    limited = dataclasses.replace(
        SETTINGS, serving=dataclasses.replace(SETTINGS.serving, rate_limit=1, rate_burst=1)
    )
    async with serving(world_url, limited) as client:
        link = await link_of(client, tokens["mine"])
        assert (await client.get(link)).status_code == 200
        again = await client.get(link)
        assert again.status_code == 429 and "Retry-After" in again.headers
        assert again.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


async def test_a_link_dies_with_its_token(world_url: str) -> None:
    db = await asyncpg.connect(world_url)
    try:
        issued = await create_token(db, owner_id="o")
        async with serving(world_url) as client:
            link = await link_of(client, issued.token)
            await revoke_token(db, token_id=issued.token_id)
            assert "revoked" in forbidden(await client.get(link))
    finally:
        await db.close()


async def test_links_of_a_configured_secret_outlive_a_restart(
    world_url: str, tokens: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    async with serving(world_url, CONFIGURED) as client:
        link = await link_of(client, tokens["mine"])
    async with serving(world_url, CONFIGURED) as restarted:
        assert (await restarted.get(link)).status_code == 200
    with caplog.at_level(logging.WARNING, logger="gateway.links"):
        async with serving(world_url) as unconfigured:
            assert "altered" in forbidden(await unconfigured.get(link))
    assert "links are signed with a secret made for this process" in caplog.text
    assert "MINIS_DOWNLOAD_SECRET" in caplog.text
    assert Settings.from_env({"MINIS_DOWNLOAD_SECRET": SECRET}).download_secret == SECRET
    with pytest.raises(ConfigError, match="MINIS_DOWNLOAD_SECRET must be at least 16"):
        Settings.from_env({"MINIS_DOWNLOAD_SECRET": "short"})


@pytest.mark.parametrize(
    ("path", "seconds", "argument"),
    [
        ("/graphql?query={games{id}}", None, "path"),  # links are for downloads only
        ("/csv/game/g1/userBehavior", None, "path"),
        ("https://elsewhere.example/csv/game/g1/userBehavior/activeUsers", None, "path"),
        (DOWNLOAD + "&expires=99999999999", None, "path"),
        (DOWNLOAD, 3601, "expiresIn"),
    ],
)
async def test_a_link_that_cannot_be_made_is_refused_with_the_argument(
    world_url: str, tokens: dict[str, str], path: str, seconds: int | None, argument: str
) -> None:
    async with serving(world_url) as client:
        body = await ask(client, tokens["mine"], path, seconds)
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}, error
