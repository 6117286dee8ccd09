"""One module is one statement, whatever it asks for; the app itself is one more."""

from __future__ import annotations

import pytest

from tests.gateway.graphql.conftest import GraphQLClient

R = 'range: {start: "2026-10-11", end: "2026-10-14"}'
EVERY_CARD = """
    totalUsers { value previous change series { date value } }
    newUsers { value previous series { date value } }
    activeUsers { value previous change direction series { date value } }
    repeatUsers { value }
    launchedSessions { value previous series { date value } }
    avgLaunchedSessions { value change }
    avgDurationPerUser { value previous }
    avgDurationPerSession { value series { date value } }
"""


@pytest.mark.parametrize(
    ("query", "statements"),
    [
        # the app, then one statement for every card with comparison and series
        (f'{{ game(id: "g1") {{ userBehavior(filter: {{{R}}}) {{ {EVERY_CARD} }} }} }}', 2),
        # two aliases of the same module and filter share the statement
        (
            f'{{ game(id: "g1") {{ a: userBehavior(filter: {{{R}}}) {{ activeUsers {{ value }} }}'
            f" b: userBehavior(filter: {{{R}}}) {{ newUsers {{ value }} }} }} }}",
            2,
        ),
        # a second module is one more statement
        (
            f'{{ game(id: "g1") {{ userBehavior(filter: {{{R}}}) {{ activeUsers {{ value }} }}'
            f" launch(filter: {{{R}}}) {{ avgLaunchMs {{ value }} launchSuccessRate {{ value }} }}"
            " } }",
            3,
        ),
        # breakdowns by one dimension, of any number of metrics, are one more statement
        (
            f'{{ game(id: "g1") {{ userBehavior(filter: {{{R}}}) {{'
            " activeUsers { value breakdown(by: REGION) { key value } }"
            " newUsers { breakdown(by: REGION) { key value } }"
            " launchedSessions { breakdown(by: REGION, limit: 2) { key value series { value } } }"
            " } } }",
            3,
        ),
    ],
    ids=["every-card", "aliases", "two-modules", "breakdowns"],
)
async def test_statements_per_request(gql: GraphQLClient, query: str, statements: int) -> None:
    body = await gql(query)
    assert "errors" not in body, body.get("errors")
    assert body["extensions"]["statements"] == statements
