"""The data version: raised in the writer's transaction, announced on commit only."""

from __future__ import annotations

import asyncio

import asyncpg

from gateway.serving.data_version import (
    DataVersionWatcher,
    bump_data_version,
    read_data_version,
)
from tests.gateway.serving.conftest import eventually


async def test_a_bump_counts_up_and_a_rolled_back_one_changes_nothing(
    db: asyncpg.Connection,
) -> None:
    start = await read_data_version(db)
    async with db.transaction():
        assert await bump_data_version(db) == start + 1
    assert await read_data_version(db) == start + 1

    class Killed(Exception):
        pass

    try:
        async with db.transaction():
            await bump_data_version(db)
            raise Killed
    except Killed:
        pass
    assert await read_data_version(db) == start + 1


async def test_the_watcher_hears_of_a_commit_and_knows_nothing_while_disconnected(
    database_url: str, db: asyncpg.Connection
) -> None:
    # a check period longer than any wait here: what it hears, it hears by NOTIFY
    watcher = DataVersionWatcher(database_url, check_seconds=3600)
    await watcher.start()
    try:

        async def known() -> bool:
            return watcher.version is not None

        await eventually(known)
        before = watcher.version
        assert before == await read_data_version(db)
        async with db.transaction():
            await bump_data_version(db)
            await asyncio.sleep(0.1)
            assert watcher.version == before  # nothing is announced before the commit

        async def heard() -> bool:
            return watcher.version == before + 1  # type: ignore[operator]

        await eventually(heard)
        assert watcher.changes == 1
        await db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = 'minis'"
        )

        async def reconnected() -> bool:
            return watcher.version == before + 1  # type: ignore[operator]

        await eventually(reconnected)
    finally:
        await watcher.stop()
    assert watcher.version is None


async def test_stopping_ends_a_watcher_that_swallowed_a_cancellation(database_url: str) -> None:
    # before Python 3.12, asyncio.wait_for may swallow a cancellation that arrives as what it
    # waits for completes; the watcher must still end when the app shuts down
    watcher = DataVersionWatcher(database_url, check_seconds=3600)
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while not watcher._stopping:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                swallowed += 1  # as a wait_for that lost it would
                if swallowed > 1:
                    raise

    watcher._run = stubborn  # type: ignore[method-assign]
    await watcher.start()
    await asyncio.sleep(0)
    await asyncio.wait_for(watcher.stop(), timeout=60)  # a hang guard, not a speed check
    assert swallowed >= 1 and watcher.version is None
