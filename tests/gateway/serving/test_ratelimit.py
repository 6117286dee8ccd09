"""Rate limits per token: a bucket each, refusals with a time to retry."""

from __future__ import annotations

from gateway.serving.ratelimit import RateLimiter


def test_a_burst_is_allowed_then_refused_until_the_bucket_refills() -> None:
    limiter = RateLimiter(rate=2, burst=3)
    assert [limiter.admit("t", now=100.0) for _ in range(3)] == [None, None, None]
    assert limiter.admit("t", now=100.0) == 1
    assert limiter.admit("t", now=100.6) is None  # 0.6 s at 2 a second refills one
    assert limiter.admit("t", now=100.6) == 1
    assert (limiter.stats.allowed, limiter.stats.refused) == (4, 2)


def test_tokens_have_buckets_of_their_own() -> None:
    limiter = RateLimiter(rate=1, burst=1)
    assert limiter.admit("a", now=0.0) is None
    assert limiter.admit("a", now=0.0) is not None
    assert limiter.admit("b", now=0.0) is None


def test_the_wait_it_asks_for_is_long_enough() -> None:
    limiter = RateLimiter(rate=0.25, burst=1)
    assert limiter.admit("t", now=0.0) is None
    wait = limiter.admit("t", now=0.0)
    assert wait == 4
    assert limiter.admit("t", now=float(wait)) is None
