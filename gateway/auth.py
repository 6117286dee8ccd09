"""Every request for data carries a bearer token; /healthz, the GraphiQL page and the portal's
page and assets do not, and a CSV download may instead be a signed link (gateway/links.py)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.database import UNREACHABLE_ERRORS
from gateway.errors import ErrorCode, database_unavailable, error_response
from gateway.links import DownloadLinks, LinkError, is_link
from gateway.surfaces.cube.errors import cube_error_response, is_cube_path
from gateway.tokens import Queryable, caller_by_id, token_caller

PUBLIC_PATHS = frozenset({"/healthz", "/metrics", "/"})  # "/": the portal's page (asks for a token)
# the portal's scripts and styles, GraphiQL's
PUBLIC_PREFIXES = ("/portal/", "/graphiql/")
T = TypeVar("T")
CACHE_SECONDS = 10.0  # how long a token check is reused; revocations take effect within it


def _refusal(
    path: str, message: str, *, code: ErrorCode, status: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    """Shaped as the route's clients read refusals: Cube's `{"error"}` under /cubejs-api/."""
    shape = cube_error_response if is_cube_path(path) else error_response
    return shape(message, code=code, status=status, headers=headers)


def _unauthenticated(path: str, message: str) -> JSONResponse:
    return _refusal(
        path,
        message,
        code=ErrorCode.UNAUTHENTICATED,
        status=401,
        headers={"WWW-Authenticate": 'Bearer realm="minis"'},
    )


def _token(header: str) -> str | None:
    """`Bearer <token>`, or the token alone, as Cube clients send it."""
    scheme, _, rest = header.strip().partition(" ")
    if not rest:
        return scheme or None
    return rest.strip() or None if scheme.lower() == "bearer" else None


def _wants_graphiql(request: Request) -> bool:
    return (
        request.method == "GET"
        and request.url.path == "/graphql"
        and "text/html" in request.headers.get("accept", "")
        and "query" not in request.query_params
    )


class BearerAuth:
    """Sets `request.state.caller` from the Authorization header, or answers 401."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._cache: dict[tuple[str, str], tuple[float, object]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or _wants_graphiql(request):
            await self.app(scope, receive, send)
            return
        token = _token(request.headers.get("authorization", ""))
        if token is None and is_link(path, request.query_params.multi_items()):
            await self._follow_link(request, scope, receive, send)
            return
        if token is None:
            response = _unauthenticated(
                path,
                "send a token as `Authorization: Bearer <token>`; `minis token create` makes one",
            )
            await response(scope, receive, send)
            return
        try:
            found = await self._cached(request, token_caller, token)
        except (asyncpg.PostgresError, *UNREACHABLE_ERRORS):  # type: ignore[misc]
            await _unavailable(path)(scope, receive, send)
            return
        if found is None:
            await _unauthenticated(path, "the token is unknown or revoked")(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["token_id"], state["caller"] = found
        await self.app(scope, receive, send)

    async def _follow_link(
        self, request: Request, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """The download as the caller of a valid signed link, or its 403 (gateway/links.py)."""
        path = request.url.path
        links: DownloadLinks | None = getattr(request.app.state, "links", None)
        try:
            if links is None:
                raise LinkError("this gateway makes no download links")
            holder = links.check(path, request.query_params.multi_items())
            current = await self._cached(request, caller_by_id, holder.token_id)
            if current != holder.caller:
                raise LinkError(
                    "the token this download link was made with is revoked; ask for a new link "
                    "with a valid token"
                )
        except LinkError as refused:
            forbidden = _refusal(path, str(refused), code=ErrorCode.FORBIDDEN, status=403)
            await forbidden(scope, receive, send)
            return
        except (asyncpg.PostgresError, *UNREACHABLE_ERRORS):  # type: ignore[misc]
            await _unavailable(path)(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["token_id"], state["caller"] = holder.token_id, holder.caller
        await self.app(scope, receive, send)

    async def _cached(
        self, request: Request, fetch: Callable[[Queryable, str], Awaitable[T]], value: str
    ) -> T:
        """`fetch(conn, value)`, reused for CACHE_SECONDS (a revocation takes effect within it)."""
        key = (fetch.__name__, value)
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cast(T, cached[1])
        pool: asyncpg.Pool = request.app.state.pool
        async with pool.acquire(timeout=30) as conn:
            found = await fetch(conn, value)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (now, found)
        return found


def _unavailable(path: str) -> JSONResponse:
    return _refusal(
        path, database_unavailable().message, code=ErrorCode.DATABASE_UNAVAILABLE, status=503
    )
