"""The gateway's routes."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from gateway.downloads import csv_download
from gateway.graphql_http import GRAPHIQL_ASSETS, GRAPHIQL_ASSETS_PATH
from gateway.health import healthz
from gateway.portal import portal_routes
from gateway.surfaces.cube.routes import cube_routes
from gateway.surfaces.metrics.endpoint import metrics_endpoint


def routes(graphql: ASGIApp) -> list[BaseRoute]:
    """The routes, with `graphql` (a GatewayGraphQL, or the switch between the models a
    reloading gateway serves, gateway/reloading.py) at /graphql."""
    return [
        Route("/healthz", healthz),
        Route("/metrics", metrics_endpoint),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Mount(GRAPHIQL_ASSETS_PATH, StaticFiles(directory=GRAPHIQL_ASSETS), name="graphiql"),
        Route("/csv/{kind}/{app_id}/{module}/{item}", csv_download),
        *cube_routes(),
        *portal_routes(),
    ]
