"""Logs a person can read: one line per client mistake, tracebacks only for internal errors,
and with MINIS_LOG_FORMAT=json one JSON object per line (each request one line, with its id)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOG_FORMATS = ("text", "json")
REQUEST_ID_HEADER = "X-Request-Id"

log = logging.getLogger("gateway.requests")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the request's fields, and the
    traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(*, log_format: str, verbose: bool) -> None:
    """Text lines (INFO with `verbose`, else WARNING), or JSON lines at INFO: a JSON log is
    read by machines, so every request is in it."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
        level = logging.INFO
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        level = logging.INFO if verbose else logging.WARNING
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _request_id(scope: Scope) -> str:
    """The client's X-Request-Id when it is a sane one, else a new id."""
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if 0 < len(text) <= 64 and all(c.isalnum() or c in "-_." for c in text):
                return text
    return uuid.uuid4().hex[:16]


def _token_id(scope: Scope) -> str | None:
    """The id part of an authenticated `minis_<id>_<secret>` token; never the secret."""
    state = scope.get("state", {})
    if state.get("caller") is None:
        return None
    if state.get("token_id"):  # set by BearerAuth, also for a signed download link
        return str(state["token_id"])
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            token = value.decode("latin-1").split()[-1] if value.strip() else ""
            parts = token.split("_")
            return parts[1] if len(parts) >= 3 and parts[0] == "minis" else None
    return None


class RequestLog:
    """Gives every request an id (answered in X-Request-Id) and logs it on one line when it is
    answered: method, path, status, duration, token id, GraphQL operation and statements."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            graphql = state.get("graphql") or {}
            fields = {
                "request_id": request_id,
                "method": scope.get("method"),
                "path": scope.get("path"),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "token_id": _token_id(scope),
                "operation": graphql.get("operation"),
                "statements": graphql.get("statements"),
            }
            log.info(
                "%s %s %s in %.1f ms (request %s)",
                fields["method"],
                fields["path"],
                status,
                fields["duration_ms"],
                request_id,
                extra={"fields": fields},
            )
