"""The ASGI side of serving: rate limits, a ticket per request, cancellation on disconnect.

It runs before the token is checked, so that a refusal by rate limit never waits for the
database; requests count against a digest of the bearer token they carry.
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.errors import ErrorCode, error_response
from gateway.links import link_token
from gateway.serving.cancel import run_until_disconnect
from gateway.serving.errors import rate_limited_message
from gateway.serving.service import Serving
from gateway.serving.ticket import Ticket, token_key


def _requester(scope: Scope) -> str | None:
    """Whom the request counts against: its bearer token, or the token a download link
    claims to be made with (the links of one token share a bucket of their own)."""
    token = token_key(Headers(scope=scope).get("authorization", ""))
    if token is not None:
        return token
    pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    maker = link_token(scope.get("path", ""), pairs)
    return None if maker is None else token_key(f"Bearer link:{maker}")


class ServingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        serving: Serving | None = None
        if scope["type"] == "http" and "app" in scope:
            serving = getattr(scope["app"].state, "serving", None)
        token = _requester(scope) if serving else None
        if serving is None or token is None:
            await self.app(scope, receive, send)
            return
        retry_after = serving.rates.admit(token)
        if retry_after is not None:
            settings = serving.settings
            refused = error_response(
                rate_limited_message(
                    rate=settings.rate_limit, burst=settings.rate_burst, retry_after=retry_after
                ),
                code=ErrorCode.RATE_LIMITED,
                status=429,
                headers={"Retry-After": str(retry_after)},
            )
            await refused(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + serving.settings.request_timeout_ms / 1000
        ticket = Ticket(token=token, deadline=deadline)
        scope.setdefault("state", {})["ticket"] = ticket
        await run_until_disconnect(self.app, scope, receive, send, on_disconnect=ticket.cancel)
