"""Refusals carry extensions.code and say what to change; internal errors are masked."""

from __future__ import annotations

import logging

import pytest

from gateway.loaders import Loaders
from tests.gateway.graphql.conftest import GraphQLClient


def error_of(body: dict[str, object]) -> dict[str, object]:
    errors = body["errors"]
    assert isinstance(errors, list) and errors
    first: dict[str, object] = errors[0]
    return first


@pytest.mark.parametrize(
    ("filter_", "argument", "fragment"),
    [
        (
            '{range: {start: "2026-10-01", end: "2026-10-25"}}',
            "filter.range.end",
            "after the reporting day 2026-10-20",
        ),
        ('{range: {start: "2026-10-05", end: "2026-10-01"}}', "filter.range", "swap them"),
        ('{range: {start: "2026-01-01", end: "2026-10-01"}}', "filter.range", "at most 90"),
        ('{regions: ["USA"]}', "filter.regions", "ISO 3166-1 alpha-2"),
        ('{regions: ["U\'S"]}', "filter.regions", "ISO 3166-1 alpha-2"),
    ],
)
async def test_bad_input_names_the_argument(
    gql: GraphQLClient, filter_: str, argument: str, fragment: str
) -> None:
    body = await gql(
        f'{{ game(id: "g1") {{ userBehavior(filter: {filter_}) {{ activeUsers {{ value }} }} }} }}'
    )
    error = error_of(body)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": argument}
    assert fragment in str(error["message"])


async def test_breakdown_limit_is_bounded(gql: GraphQLClient) -> None:
    body = await gql(
        '{ game(id: "g1") { userBehavior { activeUsers { '
        "breakdown(by: REGION, limit: 1000) { key } } } } }"
    )
    error = error_of(body)
    assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "argument": "limit"}


async def test_document_errors_say_what_is_wrong(gql: GraphQLClient) -> None:
    body = await gql('{ game(id: "g1") { userBehavior { activeUser { value } } } }')
    assert "Did you mean 'activeUsers'" in str(error_of(body)["message"])


async def test_unknown_and_wrong_kind_apps_are_null(gql: GraphQLClient) -> None:
    data = await gql.data(
        '{ a: game(id: "nope") { id } b: game(id: "d1") { id } c: drama(id: "d1") { id } }'
    )
    assert data == {"a": None, "b": None, "c": {"id": "d1"}}


async def test_internal_errors_are_masked_and_logged(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(self: Loaders, keys: object) -> list[object]:
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr(Loaders, "_metrics", broken)
    with caplog.at_level(logging.ERROR):
        body = await gql('{ game(id: "g1") { userBehavior { activeUsers { value } } } }')
    error = error_of(body)
    assert error["message"] == "internal error"
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "secret detail" not in str(body)
    assert "secret detail of the failure" in caplog.text
