"""What one request did, filled in while it runs (the GraphQL extension, the Cube API) and
recorded by the middleware when it ends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.errors import ErrorCode

STATE_KEY = "request_facts"
CODES = frozenset(code.value for code in ErrorCode) | {"OK", "RATE_LIMITED"}


@dataclass(kw_only=True)
class RequestFacts:
    operation: str | None = None  # e.g. game.userBehavior, cube.load.game_overview
    code: str | None = None  # OK or the error code the client got
    statements: int = 0
    suppressions: int = 0  # metric answers withheld by the privacy threshold

    def failed(self, code: str) -> None:
        if self.code in (None, "OK"):
            self.code = code if code in CODES else "OTHER"

    def named(self, operation: str) -> None:
        if self.operation is None:
            self.operation = operation


def facts_of(state: Any) -> RequestFacts | None:
    """The facts of the request whose `request.state` (or scope state dict) this is."""
    found = state.get(STATE_KEY) if isinstance(state, dict) else getattr(state, STATE_KEY, None)
    return found if isinstance(found, RequestFacts) else None
