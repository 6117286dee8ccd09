"""The Cube REST API's routes."""

from __future__ import annotations

from starlette.routing import Route

from gateway.surfaces.cube.load import load
from gateway.surfaces.cube.meta import meta


def cube_routes() -> list[Route]:
    return [
        Route("/cubejs-api/v1/meta", meta, methods=["GET"]),
        Route("/cubejs-api/v1/load", load, methods=["GET", "POST"]),
    ]
