"""The schema class: strawberry's, logging errors as a person can read them."""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry import Schema
from strawberry.types import ExecutionContext

from gateway.errors import is_client_error
from gateway.schema.extensions import of_the_document

log = logging.getLogger("gateway.graphql")


class LoggingSchema(Schema):
    """A client's mistake (a refused filter, a document that does not validate) is logged once,
    on one line at INFO; anything else at ERROR with its traceback."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if is_client_error(error.original_error) or of_the_document(error):
                code = (error.extensions or {}).get("code") or getattr(
                    error.original_error, "code", ""
                )
                path = ".".join(str(p) for p in error.path or ())
                where = f" at {path}" if path else ""
                log.info("refused %s%s: %s", code or "document", where, error.message)
            else:
                log.error("%s", error, exc_info=error.original_error)
