"""The cache of statement results: keys, bounds, least recently used first out."""

from __future__ import annotations

import asyncio
import datetime as dt

from gateway.serving.cache import ResultCache, cache_key


def test_the_key_tells_apart_versions_and_parameters_of_other_types() -> None:
    sql = "SELECT $1"
    assert cache_key(sql, [1], 1) == cache_key(sql, [1], 1)
    assert cache_key(sql, [1], 1) != cache_key(sql, [1], 2)
    assert cache_key(sql, [1], 1) != cache_key(sql, [True], 1)
    assert cache_key(sql, [1], 1) != cache_key(sql, [1.0], 1)
    assert cache_key(sql, [["a", "b"]], 1) == cache_key(sql, [("a", "b")], 1)
    assert cache_key(sql, [dt.date(2026, 1, 1)], 1) != cache_key(sql, ["2026-01-01"], 1)


def test_hits_and_misses_are_counted() -> None:
    cache = ResultCache(max_entries=10, max_rows=100)
    key = cache_key("SELECT 1", [], 1)
    assert cache.get(key) is None
    cache.put(key, [("row",)])
    assert cache.get(key) == (("row",),)
    assert (cache.stats.hits, cache.stats.misses, cache.stats.entries) == (1, 1, 1)


def test_it_keeps_at_most_its_entries_dropping_the_least_recently_used() -> None:
    cache = ResultCache(max_entries=2, max_rows=100)
    a, b, c = (cache_key(s, [], 1) for s in ("a", "b", "c"))
    cache.put(a, [1])
    cache.put(b, [2])
    cache.get(a)
    cache.put(c, [3])
    assert cache.get(b) is None
    assert cache.get(a) is not None and cache.get(c) is not None
    assert cache.stats.evictions == 1


def test_it_keeps_at_most_its_rows_and_never_a_result_too_big() -> None:
    cache = ResultCache(max_entries=100, max_rows=40)
    cache.put(cache_key("big", [], 1), list(range(11)))
    assert cache.stats.entries == 0
    for i in range(5):
        cache.put(cache_key(str(i), [], 1), list(range(10)))
    assert cache.stats.rows <= 40
    assert cache.get(cache_key("0", [], 1)) is None
    assert cache.get(cache_key("4", [], 1)) is not None


async def test_a_statement_asked_by_many_at_once_runs_once() -> None:
    cache = ResultCache(max_entries=10, max_rows=100)
    key = cache_key("SELECT 1", [], 1)
    runs = 0
    release = asyncio.Event()

    async def run() -> list[int]:
        nonlocal runs
        runs += 1
        await release.wait()
        return [1]

    waiting = [asyncio.create_task(cache.once(key, run)) for _ in range(5)]
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting) == [(1,)] * 5
    assert (runs, cache.stats.shared) == (1, 4)
    assert cache.get(key) == (1,)


async def test_it_runs_while_anyone_waits_and_is_cancelled_when_nobody_does() -> None:
    cache = ResultCache(max_entries=10, max_rows=100)
    key = cache_key("SELECT 1", [], 1)
    runs: list[asyncio.Task[object] | None] = []
    release = asyncio.Event()

    async def run() -> list[int]:
        runs.append(asyncio.current_task())
        await release.wait()
        return [len(runs)]

    first = asyncio.create_task(cache.once(key, run))
    second = asyncio.create_task(cache.once(key, run))
    await asyncio.sleep(0)
    first.cancel()  # one client goes away; the other still waits
    await asyncio.sleep(0)
    release.set()
    assert await second == (1,)
    assert first.cancelled()

    other = cache_key("SELECT 2", [], 1)
    release.clear()
    alone = asyncio.create_task(cache.once(other, run))
    for _ in range(3):
        await asyncio.sleep(0)
    alone.cancel()  # the only one waiting goes away: the statement is cancelled
    for _ in range(3):
        await asyncio.sleep(0)
    assert runs[-1] is not None and runs[-1].cancelled()
    assert cache.get(other) is None


async def test_each_waits_until_its_own_deadline() -> None:
    cache = ResultCache(max_entries=10, max_rows=100)
    release = asyncio.Event()

    async def run() -> list[int]:
        await release.wait()
        return [1]

    past = asyncio.get_running_loop().time() - 1
    try:
        await cache.once(cache_key("x", [], 1), run, deadline=past)
    except TimeoutError:
        pass
    else:
        raise AssertionError("waited past its deadline")
