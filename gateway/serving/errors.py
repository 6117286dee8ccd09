"""Refusals of a busy gateway; each says when to retry (`extensions.retryAfter`, seconds)."""

from __future__ import annotations

from gateway.errors import ClientError, ErrorCode

RETRY_AFTER = "retryAfter"


def queue_timed_out(*, waited: float, retry_after: int) -> ClientError:
    error = ClientError(
        f"the gateway is busy: this request waited {waited:.1f} s for its turn to query the "
        f"database and gave up; retry after {retry_after} s, or send fewer requests at once",
        code=ErrorCode.QUEUE_TIMEOUT,
    )
    assert error.extensions is not None
    error.extensions[RETRY_AFTER] = retry_after
    return error


def rate_limited_message(*, rate: int, burst: int, retry_after: int) -> str:
    return (
        f"this token sent more than {burst} requests at once or {rate} a second on average; "
        f"retry after {retry_after} s"
    )
