"""The privacy cells the statement decides equal the independent reference's decisions
(tests/acceptance/privacy_reference.py), on random small worlds with several calendars."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import asyncpg

from semantic.loader import load_model
from semantic.model import AppKind, SemanticModel
from semantic.privacy_cells import compile_decisions
from tests.acceptance.privacy_reference import decide
from tests.semantic.conftest import with_privacy

EPOCH = dt.date(2024, 1, 1)
LAUNCH = (
    "INSERT INTO launches VALUES ($1, $2, $3, $4, true, 900, 1000, $5, $6, 'male', '18-24',"
    " 'Apple', 'iPhone 15', '37.4.0', 'search')"
)


def model_with(threshold: int, blocks: tuple[int, ...]) -> SemanticModel:
    model = with_privacy(load_model(), threshold=threshold, regions=("US",))
    privacy = dataclasses.replace(model.config.privacy, blocks=blocks)
    return dataclasses.replace(model, config=dataclasses.replace(model.config, privacy=privacy))


def world(rng: random.Random) -> list[tuple[str, dt.date, str, str]]:
    """(user, day, os, region) sessions over a few weeks around the epoch's 4-week blocks."""
    users = [f"u{i}" for i in range(rng.randint(2, 9))]
    first = EPOCH + dt.timedelta(days=rng.randint(-10, 40))
    span = rng.randint(3, 60)
    sessions = []
    for _ in range(rng.randint(1, 60)):
        day = first + dt.timedelta(days=rng.randint(0, span))
        os = rng.choice(["ios", "android"])
        region = rng.choice(["US", "US", "US", "GB"])
        sessions.append((rng.choice(users), day, os, region))
    return sessions


async def test_the_statement_decides_as_the_reference_does(db: asyncpg.Connection) -> None:
    rng = random.Random(20261201)
    compared = shown = 0
    for case in range(60):
        threshold = rng.choice([1, 2, 3])
        blocks = rng.choice([(1, 7, 28, 84), (1, 7), (1, 7, 14)])
        model = model_with(threshold, blocks)
        app = f"p{case}"
        sessions = world(rng)
        await db.execute(
            "INSERT INTO apps VALUES ($1, 'game', $1, 'launched', '2024-01-01', 'o')", app
        )
        await db.executemany(
            LAUNCH,
            [
                (f"{app}-{i}", app, user, dt.datetime.combine(day, dt.time(12), dt.UTC), os, r)
                for i, (user, day, os, r) in enumerate(sessions)
            ],
        )
        last = max(day for _, day, _, _ in sessions)
        reporting_day = last + dt.timedelta(days=rng.randint(-5, 10))
        compiled = compile_decisions(
            model, app_id=app, kind=AppKind.GAME, reporting_day=reporting_day, late_days=3
        )
        got = {
            (r["level"], r["lo"], r["os"]): (r["hi"], r["users"], r["remainder"], r["shown"])
            for r in await db.fetch(compiled.sql, *compiled.params)
        }
        expected: dict[tuple[int, dt.date, str], tuple[dt.date, int, int | None, bool]] = {
            (c.level, c.lo, c.os): (c.hi, c.users, c.remainder, c.shown)
            for c in decide(
                [(u, d, os) for u, d, os, region in sessions if region == "US"],
                threshold=threshold,
                through=reporting_day - dt.timedelta(days=3),
                levels=blocks,
            )
        }
        assert got == expected, (case, threshold, blocks, sessions)
        compared += len(expected)
        shown += sum(1 for c in expected.values() if c[3])
    # the worlds exercise both decisions, at every level
    assert compared > 300 and 0 < shown < compared

