"""Cancel what nobody waits for: an ASGI request whose client went away is stopped."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def run_until_disconnect(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, *, on_disconnect: Callable[[], None]
) -> None:
    """Run `app` for one HTTP request; when the client disconnects before it has answered,
    call `on_disconnect` (which cancels the request's statements) and cancel `app`.

    The body is read first and replayed to `app`; from then on this listens for the
    `http.disconnect` the server sends when the client closes the connection.
    """
    body: list[Message] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            on_disconnect()
            return
        body.append(message)
        if not message.get("more_body", False):
            break
    gone = asyncio.Event()

    async def replay() -> Message:
        if body:
            return body.pop(0)
        await gone.wait()
        return {"type": "http.disconnect"}

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()

    async def answer() -> None:
        await app(scope, replay, send)

    inner = asyncio.create_task(answer())
    watcher = asyncio.create_task(watch())
    try:
        await asyncio.wait({inner, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not inner.done():
            on_disconnect()
            inner.cancel()
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        with contextlib.suppress(asyncio.CancelledError):
            await inner
    if not inner.cancelled():
        inner.result()  # an error of the app goes on to the server's error handling
