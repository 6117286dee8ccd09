"""`GET /metrics`: the Prometheus text format."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from gateway.surfaces.metrics.gauges import ScrapeTime, latest_refreshed_day
from gateway.surfaces.metrics.registry import metrics_of


async def metrics_endpoint(request: Request) -> Response:
    app = request.app
    metrics = metrics_of(app)
    collector = getattr(app.state, "scrape_collector", None)
    if not isinstance(collector, ScrapeTime):
        collector = ScrapeTime(app)
        metrics.registry.register(collector)
        app.state.scrape_collector = collector
    pool = getattr(app.state, "pool", None)
    latest = await latest_refreshed_day(pool) if pool is not None else None
    reporting_day = app.state.settings.reporting_day()
    collector.refreshed_age = (reporting_day - latest).days if latest is not None else None
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
