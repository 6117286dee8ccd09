"""The GraphQL schema, generated from the semantic model at start-up."""

from gateway.schema.build import build_schema

__all__ = ["build_schema"]
