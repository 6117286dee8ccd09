"""The hand-built world served in process (as an admin), shared with the GraphQL tests."""

from __future__ import annotations

from tests.gateway.graphql.conftest import (
    gql,
    semantic_model,
    world_app,
    world_pool,
    world_url,
)

__all__ = ["gql", "semantic_model", "world_app", "world_pool", "world_url"]
