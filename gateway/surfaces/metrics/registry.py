"""The gateway's Prometheus metrics, one registry per application."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from gateway.surfaces.metrics.facts import RequestFacts

LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
STATEMENT_BUCKETS = (0, 1, 2, 3, 5, 8, 13, 21, 34, 55)


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "minis_requests",
            "HTTP requests by route template, operation and outcome code",
            ["route", "operation", "code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "minis_request_duration_seconds",
            "Time from a request's arrival to the end of its answer",
            ["route", "operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.statements = Histogram(
            "minis_sql_statements_per_request",
            "SQL statements one request ran (cache hits not included)",
            ["route"],
            buckets=STATEMENT_BUCKETS,
            registry=self.registry,
        )
        self.suppressions = Counter(
            "minis_privacy_suppressions",
            "Metric answers withheld (null, suppressed: PRIVACY_THRESHOLD) by the privacy rule",
            registry=self.registry,
        )

    def record(self, *, route: str, facts: RequestFacts, code: str, seconds: float) -> None:
        operation = facts.operation or "none"
        self.requests.labels(route=route, operation=operation, code=code).inc()
        self.latency.labels(route=route, operation=operation).observe(seconds)
        if facts.operation is not None:
            self.statements.labels(route=route).observe(facts.statements)
        if facts.suppressions:
            self.suppressions.inc(facts.suppressions)


def metrics_of(app: Any) -> GatewayMetrics:
    """The metrics of a Starlette application, made on first use."""
    found = getattr(app.state, "metrics", None)
    if not isinstance(found, GatewayMetrics):
        found = GatewayMetrics()
        app.state.metrics = found
    return found
