"""`/` serves the portal's page and `/portal/...` its modules, styles and icon.

Neither needs a token: the page asks for one and sends it with every GraphQL request.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
PUBLIC_PREFIX = "/portal/"

# Everything the page loads comes from the gateway itself: no CDN, no inline script.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)


async def index(request: Request) -> Response:
    return FileResponse(
        STATIC / "index.html",
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": POLICY, "Cache-Control": "no-cache"},
    )


def portal_routes() -> list[BaseRoute]:
    return [
        Route("/", index, methods=["GET", "HEAD"]),
        Mount(PUBLIC_PREFIX.rstrip("/"), app=StaticFiles(directory=STATIC), name="portal"),
    ]
