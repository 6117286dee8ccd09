"""The mechanisms of serving, through a real server on loopback: the cache and its
invalidation by a load, cancellation on disconnect and at the deadline, queue timeouts and
rate limits. Waits are bounded; no test asserts how long anything took."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from gateway.loading.loader import load_files
from gateway.serving.data_version import read_data_version
from tests.gateway.loading.conftest import launch, write_csv
from tests.gateway.serving.conftest import MODULE, eventually, running, served


def active_users(data: dict[str, object]) -> float:
    return data["game"]["userBehavior"]["activeUsers"]["value"]  # type: ignore[index]


@contextlib.asynccontextmanager
async def locked(url: str, table: str) -> AsyncIterator[None]:
    """`table` locked against readers: the gateway's statements on it wait, running."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            yield
    finally:
        await conn.close()


async def test_a_second_view_runs_no_sql_and_a_load_makes_answers_fresh(
    world_db: str, tmp_path: Path
) -> None:
    async with served(world_db) as gateway:
        await eventually(lambda: _known(gateway))
        first, extensions = await gateway.data(MODULE)
        assert extensions["statements"] >= 1
        again, extensions = await gateway.data(MODULE)
        assert again == first
        assert extensions["statements"] == 0
        assert extensions["cache"]["misses"] == 0 and extensions["cache"]["hits"] >= 1

        version = gateway.app.state.serving.version()
        path = write_csv(
            tmp_path / "late.csv",
            [launch("late-1", app_id="g1", user_id="late", region="GB",
                    started_at="2026-10-12T08:00:00Z")],
        )
        conn = await asyncpg.connect(world_db)
        try:
            report = await load_files(conn, table="launches", paths=[path])
            assert report.loaded and report.inserted == 1
            assert await read_data_version(conn) == version + 1
        finally:
            await conn.close()

        async def noticed() -> bool:
            return bool(gateway.app.state.serving.version() == version + 1)

        await eventually(noticed)
        fresh, extensions = await gateway.data(MODULE)
        assert extensions["statements"] >= 1
        assert active_users(fresh) == active_users(first) + 1
        stats = gateway.app.state.serving.stats()
        assert stats["cache"]["hits"] >= 1 and stats["data_version"] == version + 1


async def _known(gateway: object) -> bool:
    return gateway.app.state.serving.version() is not None  # type: ignore[attr-defined]


async def test_a_client_that_goes_away_has_its_statement_cancelled(world_db: str) -> None:
    # neither the request's deadline nor the statement timeout comes before the wait ends
    slow = {"request_timeout_ms": 60_000}
    async with served(world_db, **slow) as gateway, locked(world_db, "launches"):
        request = asyncio.create_task(gateway.post(MODULE))

        async def blocked() -> bool:
            return await running(world_db, "launches") >= 1

        await eventually(blocked)
        request.cancel()  # the client closes its connection
        with contextlib.suppress(asyncio.CancelledError):
            await request

        async def cancelled() -> bool:
            return await running(world_db, "launches") == 0

        await eventually(cancelled)  # while the lock is still held: cancelled, not finished
        assert gateway.app.state.serving.queue.stats.running == 0


async def test_a_request_past_its_deadline_is_cancelled_in_the_database(world_db: str) -> None:
    async with served(world_db, request_timeout_ms=300) as gateway, locked(world_db, "launches"):
        response = await gateway.post(MODULE)
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "TIMEOUT"

        async def cancelled() -> bool:
            return await running(world_db, "launches") == 0

        await eventually(cancelled)  # while the lock is still held


@pytest.mark.parametrize("surface", ["graphql", "csv"])
async def test_a_wait_for_a_turn_past_its_deadline_answers_429_with_retry_after(
    world_db: str, surface: str
) -> None:
    # a pool of 3 leaves one turn for statements
    async with served(world_db, pool_size=3, queue_timeout_ms=200) as gateway:
        async with locked(world_db, "launches"):
            first = asyncio.create_task(gateway.post(MODULE))

            async def blocked() -> bool:
                return await running(world_db, "launches") >= 1

            await eventually(blocked)
            if surface == "csv":  # a download waits for its turn as the GraphQL answer does
                response = await gateway.http.get(
                    "/csv/game/g1/userBehavior/activeUsers?start=2026-10-11&end=2026-10-13",
                    headers={"Authorization": f"Bearer {gateway.token}"},
                )
            else:
                response = await gateway.post(MODULE.replace("2026-10-14", "2026-10-13"))
            assert response.status_code == 429
            assert int(response.headers["Retry-After"]) >= 1
            (error,) = response.json()["errors"]
            assert error["extensions"]["code"] == "QUEUE_TIMEOUT"
            assert "retry after" in error["message"]
        assert (await first).status_code == 200


async def test_a_token_over_its_rate_is_refused_429_without_the_database(
    world_db: str,
) -> None:
    async with served(world_db, rate_limit=1, rate_burst=2) as gateway:
        async with locked(world_db, "api_tokens"):  # checking a token would wait
            unknown = "minis_00000000_not-a-token"
            waiting = [asyncio.create_task(gateway.post(MODULE, token=unknown)) for _ in range(2)]

            async def checking() -> bool:
                return await running(world_db, "api_tokens") >= 1

            await eventually(checking)
            refused = await gateway.post(MODULE, token=unknown)
            assert refused.status_code == 429
            assert int(refused.headers["Retry-After"]) >= 1
            assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert [r.status_code for r in await asyncio.gather(*waiting)] == [401, 401]
        # another token has a bucket of its own
        assert (await gateway.post(MODULE)).status_code == 200
