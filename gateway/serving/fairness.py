"""Turns to run a statement: a global bound, a per-token bound, and a fair queue between tokens.

At most `capacity` statements run at once (sized to the pool, so that a turn granted is a
connection free), at most `per_token` of them for one token, and at most `heavy_capacity` for
requests that admission judged heavy. Waiting statements queue per token, and a freed turn
goes to the next token in round-robin order that may take it: a token's burst waits behind
itself, never in front of another token's first statement. A wait that outlasts its deadline
raises `QueueTimeout`, with a suggested `retry_after`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


class QueueTimeout(Exception):
    """A statement waited for its turn past its deadline."""

    def __init__(self, *, waited: float, retry_after: int) -> None:
        super().__init__(f"waited {waited:.1f} s for a turn")
        self.waited = waited
        self.retry_after = retry_after


@dataclass(kw_only=True)
class FairnessStats:
    granted: int = 0  # turns given
    queued: int = 0  # of them, turns that had to wait
    timed_out: int = 0  # waits given up at their deadline
    running: int = 0
    waiting: int = 0


@dataclass(eq=False, kw_only=True)
class _Waiter:
    token: str
    heavy: bool
    future: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class FairQueue:
    def __init__(self, *, capacity: int, per_token: int, heavy_capacity: int) -> None:
        self.capacity = capacity
        self.per_token = per_token
        self.heavy_capacity = heavy_capacity
        self.stats = FairnessStats()
        self._running = 0
        self._heavy = 0
        self._by_token: dict[str, int] = {}
        self._queues: OrderedDict[str, deque[_Waiter]] = OrderedDict()
        self._seconds = 0.05  # moving average of how long a turn lasts

    @contextlib.asynccontextmanager
    async def turn(self, *, token: str, heavy: bool, deadline: float) -> AsyncIterator[None]:
        """Hold one turn for the body; `deadline` is on the event loop's clock."""
        await self._acquire(token=token, heavy=heavy, deadline=deadline)
        began = time.monotonic()
        try:
            yield
        finally:
            self._seconds = 0.9 * self._seconds + 0.1 * (time.monotonic() - began)
            self._release(token=token, heavy=heavy)

    def _may_run(self, token: str, heavy: bool) -> bool:
        return (
            self._running < self.capacity
            and self._by_token.get(token, 0) < self.per_token
            and (not heavy or self._heavy < self.heavy_capacity)
        )

    def _take(self, token: str, heavy: bool) -> None:
        self._running += 1
        self._heavy += heavy
        self._by_token[token] = self._by_token.get(token, 0) + 1
        self.stats.granted += 1
        self.stats.running = self._running

    async def _acquire(self, *, token: str, heavy: bool, deadline: float) -> None:
        if token not in self._queues and self._may_run(token, heavy):
            self._take(token, heavy)
            return
        waiter = _Waiter(token=token, heavy=heavy)
        self._queues.setdefault(token, deque()).append(waiter)
        self.stats.queued += 1
        self.stats.waiting += 1
        began = time.monotonic()
        try:
            async with asyncio.timeout_at(deadline):
                await waiter.future
        except BaseException as exc:
            if waiter.future.done() and not waiter.future.cancelled():
                # granted just as the wait ended: hand the turn on
                self._release(token=token, heavy=heavy)
            else:
                self._forget(waiter)
            if isinstance(exc, TimeoutError):
                self.stats.timed_out += 1
                waited = time.monotonic() - began
                raise QueueTimeout(waited=waited, retry_after=self.retry_after()) from None
            raise
        finally:
            self.stats.waiting -= 1

    def retry_after(self) -> int:
        """Whole seconds after which the queue ahead has likely drained."""
        waiting = sum(len(q) for q in self._queues.values())
        return max(1, math.ceil((waiting + self._running) * self._seconds / self.capacity))

    def _forget(self, waiter: _Waiter) -> None:
        queue = self._queues.get(waiter.token)
        if queue is None:
            return
        with contextlib.suppress(ValueError):
            queue.remove(waiter)
        if not queue:
            del self._queues[waiter.token]
        self._dispatch()

    def _release(self, *, token: str, heavy: bool) -> None:
        self._running -= 1
        self._heavy -= heavy
        left = self._by_token[token] - 1
        if left:
            self._by_token[token] = left
        else:
            del self._by_token[token]
        self.stats.running = self._running
        self._dispatch()

    def _dispatch(self) -> None:
        """Grant turns, one per token in round-robin order, while any can be granted."""
        granted = True
        while granted and self._running < self.capacity and self._queues:
            granted = False
            for token in list(self._queues):
                queue = self._queues[token]
                while queue and queue[0].future.done():  # cancelled, not yet forgotten
                    queue.popleft()
                if not queue:
                    del self._queues[token]
                    continue
                head = queue[0]
                if not self._may_run(token, head.heavy):
                    continue
                queue.popleft()
                if queue:
                    self._queues.move_to_end(token)  # its next waits behind the others
                else:
                    del self._queues[token]
                self._take(token, head.heavy)
                head.future.set_result(None)
                granted = True
                if self._running >= self.capacity:
                    return
