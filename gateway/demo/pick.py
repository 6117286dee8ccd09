"""Weighted choices drawn from a caller's random stream (never the global one)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")
Draw = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Weighted(Generic[T]):
    values: tuple[T, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, pairs: Iterable[tuple[T, float]]) -> Weighted[T]:
        kept = [(value, weight) for value, weight in pairs if weight > 0]
        if not kept:
            raise ValueError("a weighted choice needs at least one positive weight")
        return cls(
            values=tuple(value for value, _ in kept),
            cumulative=tuple(accumulate(weight for _, weight in kept)),
        )

    def pick(self, draw: Draw) -> T:
        """One value, with probability proportional to its weight; `draw` is a bound
        `random.Random.random`."""
        return self.values[bisect_right(self.cumulative, draw() * self.cumulative[-1])]


def zipf(values: Iterable[T], *, exponent: float = 1.1) -> Weighted[T]:
    """The first value is the most popular, each next one less so."""
    return Weighted.of((value, 1.0 / (rank**exponent)) for rank, value in enumerate(values, 1))
