"""Admission by cost: priced from the document alone, refused before any SQL."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import asyncpg
import pytest
from graphql import parse

from gateway.database import create_pool
from gateway.limits import Limits
from gateway.serving.admission import estimate_cost, refusal
from gateway.settings import Settings
from semantic.loader import load_model
from semantic.model import SemanticModel
from tests.gateway.graphql.conftest import client_of, gateway_app
from tests.ports import free_port

CARDS = "activeUsers { value previous change series { value } }"


def game(selection: str, app: str = "g") -> str:
    return f'{{ game(id: "{app}") {{ {selection} }} }}'


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    return load_model()


def price(model: SemanticModel, document: str, **variables: object) -> tuple[int, int]:
    estimate = estimate_cost(parse(document), model=model, variables=variables)
    return estimate.statements, estimate.cost


def test_a_module_costs_its_days_twice_and_its_cards_share_one_statement(
    model: SemanticModel,
) -> None:
    def one(cards: str) -> str:
        return game(f"userBehavior(filter: {{range: {{preset: LAST_30_DAYS}}}}) {{ {cards} }}")

    assert price(model, one(CARDS)) == (1, 60)
    assert price(model, one(CARDS + " newUsers { value }")) == (1, 60)
    assert price(model, game(f"userBehavior {{ {CARDS} }}")) == (1, 14)
    span = '{range: {start: "2026-01-01", end: "2026-03-31"}}'
    assert price(model, game(f"userBehavior(filter: {span}) {{ {CARDS} }}")) == (1, 180)


def test_breakdowns_views_and_retention_add_statements(model: SemanticModel) -> None:
    document = """{ game(id: "g") {
        userBehavior { activeUsers { value breakdown(by: REGION) { key } }
                       newUsers { breakdown(by: OS) { key } } }
        userRetention { rate(period: DAY_30) { value } cohorts(period: DAY_30) { date } }
        userProfile { distribution(by: GENDER) { key } }
        network { errors(limit: 10) { totalCount } } } }"""
    # metrics 14 + two breakdowns 28 + retention 14 + 30 + distribution 7 + table 7
    assert price(model, document) == (6, 14 + 28 + 44 + 7 + 7)


def test_each_series_granularity_is_a_statement(model: SemanticModel) -> None:
    week = "series(granularity: WEEK) { value }"
    document = game(
        "userBehavior { activeUsers { value d: series { value } w: " + week + " }"
        " newUsers { value } launchedSessions { m: series(granularity: MONTH) { value } }"
        " repeatUsers { breakdown(by: REGION) { key " + week + " } }"
        " totalUsers { breakdown(by: REGION) { key } } }"
        " userRetention { rate(period: DAY_1) { " + week + " } cohorts(period: DAY_1) { date } }"
    )
    # cards by day, week and month (newUsers rides along); the region breakdown by week
    # (totalUsers' rides along); the rate by week and the cohort rows by day
    assert price(model, document) == (6, 3 * 14 + 14 + 2 * (14 + 1))
    variable = game("userBehavior { activeUsers { series(granularity: $g) { value } } }")
    assert price(model, variable, g="MONTH") == (1, 14)


def test_aliases_of_the_same_question_are_asked_once_and_others_each(
    model: SemanticModel,
) -> None:
    same = " ".join(f"a{i}: userBehavior {{ {CARDS} }}" for i in range(5))
    assert price(model, game(same)) == (1, 14)
    other = " ".join(
        f'a{i}: userBehavior(filter: {{range: {{start: "2026-01-{i + 1:02}", '
        f'end: "2026-03-31"}}}}) {{ {CARDS} }}'
        for i in range(5)
    )
    statements, cost = price(model, game(other))
    assert statements == 5
    assert cost == 2 * sum(90 - i for i in range(5))


def test_variables_fragments_and_lists_of_apps_are_priced(model: SemanticModel) -> None:
    document = """query Q($f: GameUserBehaviorFilter) { games { ...m } }
        fragment m on Game { userBehavior(filter: $f) { activeUsers { value } } }"""
    estimate = estimate_cost(
        parse(document),
        model=model,
        variables={"f": {"range": {"preset": "LAST_30_DAYS"}}},
        apps={"game": 4, "drama": 9},
    )
    assert (estimate.statements, estimate.cost) == (4, 240)


def test_a_refusal_says_what_to_change_and_where(model: SemanticModel) -> None:
    modules = " ".join(
        f'a{i}: userBehavior(filter: {{range: {{start: "2026-01-{i + 1:02}", end: "2026-03-31"}}}})'
        f" {{ {CARDS} }}"
        for i in range(20)
    )
    estimate = estimate_cost(parse(game(modules)), model=model)
    message = refusal(estimate, max_cost=2400, max_statements=24)
    assert message is not None
    assert "more than the 2400 allowed" in message
    assert "shorter ranges" in message
    assert "game.a0: userBehavior (90 days" in message
    message = refusal(estimate, max_cost=10_000, max_statements=10)
    assert message is not None and "20 SQL statements, more than the 10" in message
    assert refusal(estimate, max_cost=10_000, max_statements=24) is None


@pytest.fixture
async def dead_pool() -> AsyncIterator[asyncpg.Pool]:
    """A pool of a server that is not there: anything that waits for it fails."""
    pool = await create_pool(f"postgresql://nobody@127.0.0.1:{free_port()}/none", max_size=1)
    yield pool
    await pool.close()


async def test_a_request_over_budget_is_refused_without_the_database(
    dead_pool: asyncpg.Pool, model: SemanticModel
) -> None:
    settings = dataclasses.replace(Settings(), limits=Limits(max_cost=100))
    app = gateway_app(pool=dead_pool, model=model, settings=settings)
    modules = " ".join(
        f"a{i}: userBehavior(filter: {{range: {{preset: LAST_30_DAYS}}, os: {os}}}) {{ {CARDS} }}"
        for i, os in enumerate(("IOS", "ANDROID"))
    )
    async with client_of(app) as gql:
        body = await gql(game(modules, app="g1"))
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "120 days of events" in error["message"]
