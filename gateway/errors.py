"""Errors a client can act on: each carries `extensions.code` and says what to change."""

from __future__ import annotations

from enum import StrEnum

from graphql import GraphQLError
from starlette.responses import JSONResponse


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    # the codes Apollo servers use for a document that does not parse or does not validate,
    # and for an HTTP request that is not a GraphQL request at all
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    BAD_REQUEST = "BAD_REQUEST"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    TIMEOUT = "TIMEOUT"
    QUEUE_TIMEOUT = "QUEUE_TIMEOUT"  # waited for its turn past its deadline (Retry-After)
    RATE_LIMITED = "RATE_LIMITED"  # too many requests of one token (HTTP 429, Retry-After)
    NOT_FOUND = "NOT_FOUND"  # CSV downloads of an app that does not exist (or is not yours)
    FORBIDDEN = "FORBIDDEN"  # a download link expired, altered, or of a revoked token (403)
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"  # masked; the details are in the log


class ClientError(GraphQLError):
    """An error whose message is meant for the client; never masked."""

    def __init__(self, message: str, *, code: ErrorCode, argument: str | None = None) -> None:
        extensions: dict[str, object] = {"code": code.value}
        if argument is not None:
            extensions["argument"] = argument
        super().__init__(message, extensions=extensions)
        self.code = code


def bad_input(message: str, *, argument: str | None = None) -> ClientError:
    return ClientError(message, code=ErrorCode.BAD_USER_INPUT, argument=argument)


def too_complex(message: str, *, argument: str | None = None) -> ClientError:
    return ClientError(message, code=ErrorCode.QUERY_TOO_COMPLEX, argument=argument)


def database_unavailable() -> ClientError:
    return ClientError(
        "the database is unavailable; retry in a moment",
        code=ErrorCode.DATABASE_UNAVAILABLE,
    )


def timed_out() -> ClientError:
    return ClientError(
        "the query took too long; ask for a shorter range, fewer modules or no series",
        code=ErrorCode.TIMEOUT,
    )


def error_response(
    message: str,
    *,
    code: ErrorCode,
    status: int,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A refusal outside GraphQL (auth, CSV downloads), shaped like a GraphQL error."""
    body = {"errors": [{"message": message, "extensions": {"code": code.value}}]}
    return JSONResponse(body, status_code=status, headers=headers)


def is_client_error(error: BaseException | None) -> bool:
    return isinstance(error, ClientError)
