"""The fair queue: bounds, round robin between tokens, deadlines. No clock is asserted."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from gateway.serving.fairness import FairQueue, QueueTimeout


def far() -> float:
    return asyncio.get_running_loop().time() + 3600


class Holder:
    """Takes turns and keeps them until told to let go."""

    def __init__(self, queue: FairQueue) -> None:
        self.queue = queue
        self.order: list[str] = []
        self.release: dict[str, asyncio.Event] = {}
        self.tasks: list[asyncio.Task[None]] = []

    def start(self, name: str, *, token: str, heavy: bool = False) -> None:
        self.release[name] = asyncio.Event()

        async def hold() -> None:
            async with self.queue.turn(token=token, heavy=heavy, deadline=far()):
                self.order.append(name)
                await self.release[name].wait()

        self.tasks.append(asyncio.create_task(hold()))

    async def settle(self) -> None:
        for _ in range(5):
            await asyncio.sleep(0)

    def let_go(self, name: str) -> None:
        self.release[name].set()


@contextlib.asynccontextmanager
async def holder(queue: FairQueue) -> AsyncIterator[Holder]:
    held = Holder(queue)
    try:
        yield held
    finally:
        for event in held.release.values():
            event.set()
        await asyncio.gather(*held.tasks, return_exceptions=True)


async def test_no_more_than_capacity_run_and_a_freed_turn_goes_to_the_next() -> None:
    queue = FairQueue(capacity=2, per_token=5, heavy_capacity=2)
    async with holder(queue) as held:
        for name in ("a1", "b1", "c1"):
            held.start(name, token=name[0])
        await held.settle()
        assert held.order == ["a1", "b1"]
        assert (queue.stats.running, queue.stats.waiting) == (2, 1)
        held.let_go("a1")
        await held.settle()
        assert held.order == ["a1", "b1", "c1"]


async def test_one_tokens_burst_waits_behind_itself_not_in_front_of_others() -> None:
    queue = FairQueue(capacity=1, per_token=1, heavy_capacity=1)
    async with holder(queue) as held:
        held.start("first", token="busy")
        await held.settle()
        for i in range(5):  # a burst of one token
            held.start(f"burst{i}", token="busy")
        await held.settle()
        held.start("light", token="light")  # another token's request comes after the burst
        await held.settle()
        for name in ("first", "burst0", "light", "burst1"):
            held.let_go(name)
            await held.settle()
        assert held.order[:4] == ["first", "burst0", "light", "burst1"]


async def test_a_token_runs_at_most_its_share_even_with_turns_free() -> None:
    queue = FairQueue(capacity=8, per_token=2, heavy_capacity=8)
    async with holder(queue) as held:
        for i in range(4):
            held.start(f"t{i}", token="one")
        held.start("other", token="two")
        await held.settle()
        assert sorted(held.order) == ["other", "t0", "t1"]


async def test_heavy_requests_share_their_own_smaller_bound() -> None:
    queue = FairQueue(capacity=4, per_token=4, heavy_capacity=1)
    async with holder(queue) as held:
        held.start("h1", token="h", heavy=True)
        held.start("h2", token="g", heavy=True)
        held.start("light", token="l")
        await held.settle()
        assert sorted(held.order) == ["h1", "light"]
        held.let_go("h1")
        await held.settle()
        assert "h2" in held.order


async def test_a_wait_past_its_deadline_is_refused_with_a_retry_after() -> None:
    queue = FairQueue(capacity=1, per_token=1, heavy_capacity=1)
    async with holder(queue) as held:
        held.start("running", token="a")
        await held.settle()
        past = asyncio.get_running_loop().time() - 1
        with pytest.raises(QueueTimeout) as refused:
            async with queue.turn(token="b", heavy=False, deadline=past):
                pytest.fail("granted a turn past its deadline")
        assert refused.value.retry_after >= 1
        assert queue.stats.timed_out == 1
        assert queue.stats.waiting == 0
        held.let_go("running")
        await held.settle()
    # nothing leaked: the next turn is granted at once
    async with queue.turn(token="b", heavy=False, deadline=far()):
        assert queue.stats.running == 1
    assert queue.stats.running == 0


async def test_a_cancelled_waiter_gives_up_its_place() -> None:
    queue = FairQueue(capacity=1, per_token=1, heavy_capacity=1)
    async with holder(queue) as held:
        held.start("running", token="a")
        held.start("gone", token="b")
        held.start("next", token="c")
        await held.settle()
        held.tasks[1].cancel()
        await held.settle()
        held.let_go("running")
        await held.settle()
        assert held.order == ["running", "next"]


async def test_a_turn_freed_just_as_a_waiter_is_cancelled_goes_to_the_next() -> None:
    queue = FairQueue(capacity=1, per_token=1, heavy_capacity=1)
    entered: list[str] = []

    async def wait(token: str) -> None:
        async with queue.turn(token=token, heavy=False, deadline=far()):
            entered.append(token)

    async with queue.turn(token="a", heavy=False, deadline=far()):
        gone = asyncio.create_task(wait("b"))
        after = asyncio.create_task(wait("c"))
        for _ in range(3):
            await asyncio.sleep(0)
        gone.cancel()  # its wait ends now; it forgets its place only when it runs next
    # the turn freed in the same step goes past the cancelled waiter
    await after
    assert entered == ["c"]
    assert gone.cancelled()
    assert queue.stats.running == 0
