"""Requests per token: a token bucket each, refilled at `rate` a second, holding `burst`."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

MAX_BUCKETS = 10_000  # tokens remembered; a full bucket is forgotten first


@dataclass(kw_only=True)
class RateStats:
    allowed: int = 0
    refused: int = 0


class RateLimiter:
    def __init__(self, *, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.stats = RateStats()
        self._buckets: dict[str, tuple[float, float]] = {}  # token -> (level, when)

    def admit(self, token: str, *, now: float | None = None) -> int | None:
        """None when the request may go on; else whole seconds to wait before retrying."""
        now = time.monotonic() if now is None else now
        level, when = self._buckets.get(token, (float(self.burst), now))
        level = min(float(self.burst), level + (now - when) * self.rate)
        if level < 1.0:
            self._buckets[token] = (level, now)
            self.stats.refused += 1
            return max(1, math.ceil((1.0 - level) / self.rate))
        self._buckets[token] = (level - 1.0, now)
        self.stats.allowed += 1
        if len(self._buckets) > MAX_BUCKETS:
            self._forget_full(now)
        return None

    def _forget_full(self, now: float) -> None:
        full = [
            token
            for token, (level, when) in self._buckets.items()
            if level + (now - when) * self.rate >= self.burst
        ]
        for token in full:
            del self._buckets[token]
        if len(self._buckets) > MAX_BUCKETS:  # all busy: start again rather than grow
            self._buckets.clear()
