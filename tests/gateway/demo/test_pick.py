from __future__ import annotations

import random
from collections import Counter

import pytest

from gateway.demo.pick import Weighted, zipf


def test_values_come_in_proportion_to_their_weights() -> None:
    draw = random.Random(1).random
    choice = Weighted.of((("a", 1.0), ("b", 3.0), ("never", 0.0)))
    counts = Counter(choice.pick(draw) for _ in range(20_000))
    assert set(counts) == {"a", "b"}
    assert 0.72 < counts["b"] / 20_000 < 0.78


def test_the_same_stream_picks_the_same_values() -> None:
    choice = zipf(range(12))
    first, second = random.Random(5).random, random.Random(5).random
    assert [choice.pick(first) for _ in range(100)] == [choice.pick(second) for _ in range(100)]


def test_zipf_makes_earlier_values_more_popular() -> None:
    draw = random.Random(2).random
    counts = Counter(zipf("abcdef").pick(draw) for _ in range(30_000))
    ranked = [value for value, _ in counts.most_common()]
    assert ranked[:3] == ["a", "b", "c"]


def test_a_choice_needs_a_positive_weight() -> None:
    with pytest.raises(ValueError, match="positive weight"):
        Weighted.of((("a", 0.0),))
