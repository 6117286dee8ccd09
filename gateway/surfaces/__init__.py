"""Surfaces besides GraphQL that serve the same answers: the Cube REST API, /metrics."""
