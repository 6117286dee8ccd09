"""Times and counts every HTTP request, labelled by its route template (never its path)."""

from __future__ import annotations

import time

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.surfaces.metrics.facts import STATE_KEY, RequestFacts
from gateway.surfaces.metrics.registry import metrics_of

_STATUS_CODES = {
    401: "UNAUTHENTICATED",
    404: "NOT_FOUND",
    429: "RATE_LIMITED",
    503: "DATABASE_UNAVAILABLE",
}


def route_of(scope: Scope) -> str:
    """The template of the route that serves `scope` (`/csv/{kind}/{app_id}/...`)."""
    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", []):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "other"))
    return "unmatched"


def code_of(status: int) -> str:
    if status < 400:
        return "OK"
    if status in _STATUS_CODES:
        return _STATUS_CODES[status]
    return "INTERNAL_SERVER_ERROR" if status >= 500 else "BAD_USER_INPUT"


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "app" not in scope:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        facts = RequestFacts()
        scope.setdefault("state", {})[STATE_KEY] = facts
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            code = facts.code if facts.code is not None else code_of(status)
            if facts.code == "OK" and status >= 400:
                code = code_of(status)
            metrics_of(scope["app"]).record(
                route=route_of(scope),
                facts=facts,
                code=code,
                seconds=time.perf_counter() - started,
            )
