"""Queries minis cannot answer get Cube's `{"error"}` with HTTP 400 saying why; GraphQL's
refusals (range, limits) come through with GraphQL's message and code."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

CUBE = "game_user_behavior"
APP = {"member": f"{CUBE}.app_id", "operator": "equals", "values": ["g1"]}


def query(**parts: Any) -> dict[str, Any]:
    return {"measures": [f"{CUBE}.active_users"], "filters": [APP], **parts}


@pytest.mark.parametrize(
    ("sent", "why", "code"),
    [
        (
            query(
                timeDimensions=[
                    {"dimension": f"{CUBE}.date", "dateRange": ["2026-06-01", "2026-10-20"]}
                ]
            ),
            "at most 90 are allowed",
            "BAD_USER_INPUT",
        ),
        (
            query(timeDimensions=[{"dimension": f"{CUBE}.date", "dateRange": "today"}]),
            "after the reporting day 2026-10-20",
            "BAD_USER_INPUT",
        ),
        (query(measures=[f"{CUBE}.nope"]), "unknown measure", "BAD_USER_INPUT"),
        (
            query(measures=[f"{CUBE}.active_users", "game_overview.new_users"]),
            "cannot be joined",
            "BAD_USER_INPUT",
        ),
        (
            query(dimensions=[f"{CUBE}.region", f"{CUBE}.os"]),
            "one dimension at a time",
            "BAD_USER_INPUT",
        ),
        (
            query(timeDimensions=[{"dimension": f"{CUBE}.date", "granularity": "hour"}]),
            "by UTC day",
            "BAD_USER_INPUT",
        ),
        (
            query(
                filters=[
                    APP,
                    {"member": f"{CUBE}.region", "operator": "notEquals", "values": ["US"]},
                ]
            ),
            "no fixed list of values",
            "BAD_USER_INPUT",
        ),
        (
            query(
                filters=[
                    APP,
                    {
                        "or": [
                            {"member": f"{CUBE}.os", "operator": "equals", "values": ["ios"]},
                            {"member": f"{CUBE}.region", "operator": "equals", "values": ["GB"]},
                        ]
                    },
                ]
            ),
            "an `or` is answered only",
            "BAD_USER_INPUT",
        ),
        (query(filters=[]), "covers 2 games", "BAD_USER_INPUT"),
        (query(filters=[{**APP, "values": ["nope"]}]), "no game nope", "NOT_FOUND"),
        (query(timezone="Europe/Paris"), "UTC", "BAD_USER_INPUT"),
    ],
)
async def test_refused_with_the_reason(
    http: httpx.AsyncClient, sent: dict[str, Any], why: str, code: str
) -> None:
    response = await http.post("/v1/load", json={"query": sent, "queryType": "multi"})
    assert response.status_code == 400, response.text
    body = response.json()
    assert why in body["error"] and body["code"] == code


async def test_compare_date_range_needs_multi(http: httpx.AsyncClient) -> None:
    sent = query(
        timeDimensions=[
            {"dimension": f"{CUBE}.date", "compareDateRange": ["last 7 days", "yesterday"]}
        ]
    )
    response = await http.post("/v1/load", json={"query": sent})
    assert response.status_code == 400
    assert (
        "'compareDateRangeQuery' query type is not supported by the client"
        in (response.json()["error"])
    )
    multi = await http.post("/v1/load", json={"query": sent, "queryType": "multi"})
    assert multi.status_code == 200 and len(multi.json()["results"]) == 2


async def test_a_list_of_queries_is_a_blending_query(http: httpx.AsyncClient) -> None:
    other = {
        "measures": ["game_overview.new_users"],
        "filters": [{"member": "game_overview.app_id", "operator": "equals", "values": ["g1"]}],
    }
    response = await http.post("/v1/load", json={"query": [query(), other], "queryType": "multi"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["queryType"] == "blendingQuery" and len(body["results"]) == 2
