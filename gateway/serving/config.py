"""How the gateway shares itself between clients: configuration of gateway/serving/."""

from __future__ import annotations

from dataclasses import dataclass

# The environment variable of each field of ServingSettings (whole numbers of 1 or more).
SERVING_VARIABLES = {
    "pool_size": "MINIS_POOL_SIZE",
    "token_concurrency": "MINIS_TOKEN_CONCURRENCY",
    "queue_timeout_ms": "MINIS_QUEUE_TIMEOUT_MS",
    "request_timeout_ms": "MINIS_REQUEST_TIMEOUT_MS",
    "rate_limit": "MINIS_RATE_LIMIT",
    "rate_burst": "MINIS_RATE_BURST",
    "cache_entries": "MINIS_CACHE_ENTRIES",
    "cache_rows": "MINIS_CACHE_ROWS",
    "heavy_cost": "MINIS_HEAVY_COST",
}

# Connections of the pool that statements of requests never take: token checks, /healthz.
RESERVED_CONNECTIONS = 2


@dataclass(frozen=True, kw_only=True)
class ServingSettings:
    pool_size: int = 10  # connections of the gateway's pool
    token_concurrency: int = 4  # statements of one token running at once
    queue_timeout_ms: int = 5_000  # longest wait for a turn before QUEUE_TIMEOUT
    request_timeout_ms: int = 10_000  # a request's deadline: its statements are cancelled then
    rate_limit: int = 50  # requests per second of one token, on average
    rate_burst: int = 200  # requests one token may send at once
    cache_entries: int = 4_096  # answers kept
    cache_rows: int = 500_000  # rows kept across all answers
    heavy_cost: int = 540  # a request estimated dearer is heavy (three 90-day modules)

    @property
    def concurrency(self) -> int:
        """Statements of all requests running at once: the pool less its reserve."""
        return max(1, self.pool_size - RESERVED_CONNECTIONS)

    @property
    def heavy_concurrency(self) -> int:
        """Statements of heavy requests running at once (a quarter of `concurrency`)."""
        return max(1, self.concurrency // 4)
