"""Cube's refusals: `{"error": "..."}` with an HTTP status, plus the GraphQL error code."""

from __future__ import annotations

from starlette.responses import JSONResponse

from gateway.errors import ErrorCode

PREFIX = "/cubejs-api/"

_STATUS = {
    ErrorCode.BAD_USER_INPUT: 400,
    ErrorCode.QUERY_TOO_COMPLEX: 400,
    ErrorCode.NOT_FOUND: 400,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.DATABASE_UNAVAILABLE: 503,
    ErrorCode.TIMEOUT: 503,
    ErrorCode.INTERNAL_SERVER_ERROR: 500,
}


class CubeError(Exception):
    """A query minis cannot answer, and why."""

    def __init__(self, message: str, *, code: ErrorCode = ErrorCode.BAD_USER_INPUT) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def status(self) -> int:
        return _STATUS.get(self.code, 400)


def cube_error_response(
    message: str,
    *,
    code: ErrorCode,
    status: int | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Cube clients read `error`; `code` is the GraphQL `extensions.code` of the same refusal."""
    return JSONResponse(
        {"error": message, "code": code.value},
        status_code=status if status is not None else _STATUS.get(code, 400),
        headers=headers,
    )


def is_cube_path(path: str) -> bool:
    return path.startswith(PREFIX)
