"""Schema extensions: limits, error codes and masking, and the statement count."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import (
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from gateway.errors import ErrorCode, is_client_error
from gateway.limits import Limits

# Messages of the limiters, and what to tell the client to change.
_TOO_COMPLEX: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"exceeds maximum operation depth of (\d+)"),
        "the query nests fields deeper than {0} levels; ask for fewer nested fields",
    ),
    (
        re.compile(r"(\d+) aliases found\. Allowed: (\d+)"),
        "the query uses {0} aliases, more than the {1} allowed; split it into several requests",
    ),
    (
        re.compile(r"Document contains more than (\d+) tokens"),
        "the query is longer than {0} tokens; split it into several requests",
    ),
]


def limiters(limits: Limits) -> list[Callable[[], SchemaExtension]]:
    return [
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: QueryDepthLimiter(max_depth=limits.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=limits.max_aliases),
    ]


def too_complex_advice(message: str) -> str | None:
    """What to change, when `message` is a limiter's refusal."""
    for pattern, advice in _TOO_COMPLEX:
        match = pattern.search(message)
        if match:
            return advice.format(*match.groups())
    return None


def _too_complex(error: GraphQLError) -> GraphQLError | None:
    advice = too_complex_advice(error.message)
    if advice is None:
        return None
    return GraphQLError(
        advice,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        extensions={"code": ErrorCode.QUERY_TOO_COMPLEX.value},
    )


# Where graphql-core says which value of a document or of its variables is wrong.
_ARGUMENT = [
    re.compile(r"Variable '\$\w+' got invalid value .*? at '(?P<at>[^']+)'"),
    re.compile(r"Variable '\$(?P<at>\w+)'"),
    re.compile(r"Argument '(?P<at>[^']+)'"),
    re.compile(r"[Ff]ield '(?P<at>[^']+)'"),
]


def _bad_document(error: GraphQLError, code: ErrorCode) -> GraphQLError:
    """An error of the document (GRAPHQL_VALIDATION_FAILED) or of its variables
    (BAD_USER_INPUT), naming what it can."""
    extensions: dict[str, Any] = {"code": code.value}
    for pattern in _ARGUMENT:
        match = pattern.search(error.message)
        if match:
            extensions["argument"] = match["at"]
            break
    return GraphQLError(
        error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def _tagged(error: GraphQLError, *, invalid: bool) -> GraphQLError:
    complex_ = _too_complex(error)
    if complex_ is not None:
        return complex_
    if of_the_document(error) and not (error.extensions or {}).get("code"):
        code = ErrorCode.GRAPHQL_VALIDATION_FAILED if invalid else ErrorCode.BAD_USER_INPUT
        return _bad_document(error, code)
    return error


def of_the_document(error: GraphQLError) -> bool:
    """Errors of the document or of the values it passes (unknown fields, a value that does
    not fit its type) carry no original error, or graphql-core's own."""
    original = error.original_error
    return original is None or (
        isinstance(original, GraphQLError) and not is_client_error(original)
    )


class ClientErrors(MaskErrors):
    """Internal errors become "internal error" (strawberry has logged them in full before);
    limit errors get QUERY_TOO_COMPLEX; errors of the document or its variables get
    BAD_USER_INPUT; client errors pass as they are."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_internal, error_message="internal error")
        self._invalid: set[int] = set()  # ids of the errors validation found

    def on_validate(self) -> Iterator[None]:
        yield
        self._invalid = {id(e) for e in self.execution_context.pre_execution_errors or ()}

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        tagged = [_tagged(error, invalid=id(error) in self._invalid) for error in errors]
        return super()._process_errors(tagged)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": ErrorCode.INTERNAL_SERVER_ERROR.value}
        return masked


def _internal(error: GraphQLError) -> bool:
    return not of_the_document(error) and not is_client_error(error.original_error)


class StatementCount(SchemaExtension):
    """Reports in `extensions.statements` how many SQL statements the request ran."""

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        runner = getattr(context, "runner", None)
        request = getattr(context, "request", None)
        if request is not None:  # for the request's log line (gateway/logs.py)
            request.state.graphql = {
                "operation": self.execution_context.operation_name,
                "statements": runner.statements if runner is not None else 0,
            }
        return {"statements": runner.statements} if runner is not None else {}


class DerivedReport(SchemaExtension):
    """Reports in `extensions.derived`, per app the request answered, up to which day its
    derived tables are built (null when they are not current, so answers came from the raw
    rows), and how many measures each path answered."""

    def get_results(self) -> dict[str, Any]:
        loaders = getattr(self.execution_context.context, "loaders", None)
        report = getattr(loaders, "derived", None)
        if not report:
            return {}
        return {"derived": report.as_json()}
