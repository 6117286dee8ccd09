"""The gateway's routes."""

from __future__ import annotations

from starlette.routing import Route

from gateway.downloads import csv_download
from gateway.graphql import GatewayGraphQL
from gateway.health import healthz


def routes(graphql: GatewayGraphQL) -> list[Route]:
    return [
        Route("/healthz", healthz),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/csv/{kind}/{app_id}/{module}/{item}", csv_download),
    ]
