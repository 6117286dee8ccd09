"""What the gateway knows of one request while it is served: whose it is, its deadline, its
price, and the statements it has running, so that they can be cancelled together."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # admission reads the schema's names, which need this module
    from gateway.serving.admission import Estimate


def token_key(authorization: str) -> str | None:
    """Who a request counts against: a digest of its bearer token (None without one).

    It is known before the token is checked, so that limits answer without the database.
    """
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return hashlib.sha256(token.encode()).hexdigest()[:24]


@dataclass(eq=False, kw_only=True)
class Ticket:
    token: str
    deadline: float  # on the event loop's clock (loop.time())
    heavy: bool = False  # set by admission
    estimate: Estimate | None = None
    hits: int = 0  # statements answered from the cache
    misses: int = 0  # statements the cache did not have
    cancelled: bool = False
    _tasks: set[asyncio.Task[object]] = field(default_factory=set)

    def remaining(self) -> float:
        return self.deadline - asyncio.get_running_loop().time()

    @contextlib.contextmanager
    def statement(self) -> Iterator[None]:
        """Marks the current task as running a statement of this request."""
        task = asyncio.current_task()
        if task is None:
            yield
            return
        if self.cancelled:
            raise asyncio.CancelledError
        self._tasks.add(task)
        try:
            yield
        finally:
            self._tasks.discard(task)

    def cancel(self) -> None:
        """Cancel every statement of the request (asyncpg then cancels it in PostgreSQL)."""
        self.cancelled = True
        for task in list(self._tasks):
            task.cancel()
