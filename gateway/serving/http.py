"""HTTP status of a GraphQL answer that the busy gateway refused.

A wait for a turn past its deadline answers 429 with Retry-After, like a rate limit: the
client is to slow down and retry, and nothing failed (a 5xx would say the gateway did)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.errors import ErrorCode
from gateway.serving.errors import RETRY_AFTER


def busy_status(response_data: Mapping[str, Any] | list[Any]) -> tuple[int, int] | None:
    """(429, Retry-After seconds) when an error of the answer is QUEUE_TIMEOUT; else None."""
    answers = response_data if isinstance(response_data, list) else [response_data]
    waits = [
        int((error.get("extensions") or {}).get(RETRY_AFTER, 1))
        for answer in answers
        for error in answer.get("errors") or ()
        if (error.get("extensions") or {}).get("code") == ErrorCode.QUEUE_TIMEOUT.value
    ]
    return (429, max(waits)) if waits else None
