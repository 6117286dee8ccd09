"""Series by ISO week and calendar month (`series(granularity: WEEK|MONTH)`): each point is the
metric over its whole bucket, clipped to the range and dated by its first day in it; on the
hand-built world (tests/semantic/world.py), from the derived tables and from the raw rows.

Calendar: 2026-10-01 is a Thursday; ISO weeks start on Mondays 09-28, 10-05, 10-12, 10-19.
MID = 10-08 (a Thursday) .. 10-20: the weeks [10-08..11] (clipped), [10-12..18], [10-19..20]
(clipped); its previous period is 09-25..10-07 (u1's l01 of 10-05 only).
WIDE = 09-24 (a Thursday) .. 10-20: the weeks [09-24..27], [09-28..10-04] (across the month
end, one week), [10-05..11], [10-12..18], [10-19..20]; the months [09-24..30], [10-01..20].
Sessions in these ranges: 10-05 u1 | 10-08 u1 | 10-09 u4 | 10-11 u2 u2 | 10-12 u1 u1 u3 |
10-19 u3 | 10-20 u3 (u1's 10-12 sessions: l03 US, l04 GB).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from graphql import parse

from gateway.serving.admission import estimate_cost
from semantic.model import SemanticModel
from tests.gateway.graphql.conftest import GraphQLClient

MID = 'range: {start: "2026-10-08", end: "2026-10-20"}'
WIDE = 'range: {start: "2026-09-24", end: "2026-10-20"}'
WEEKS = ["2026-10-08", "2026-10-12", "2026-10-19"]  # MID's weeks, by their first day in MID


def game(module: str, filter_: str, selection: str, app: str = "g1") -> str:
    return f'{{ game(id: "{app}") {{ {module}(filter: {{{filter_}}}) {{ {selection} }} }} }}'


async def behavior(gql: GraphQLClient, filter_: str, selection: str) -> dict[str, Any]:
    data = await gql.data(game("userBehavior", filter_, selection))
    found: dict[str, Any] = data["game"]["userBehavior"]
    return found


def points(series: list[dict[str, Any]], value: str = "value") -> list[tuple[str, Any]]:
    return [(p["date"], p[value]) for p in series]


async def test_week_points_are_the_metric_over_each_whole_week(gql: GraphQLClient) -> None:
    weekly = "value previous series(granularity: WEEK) { date value valueInt }"
    cards = ("activeUsers", "launchedSessions", "repeatUsers", "avgLaunchedSessions")
    cards += ("newUsers", "totalUsers")
    found = await behavior(gql, MID, " ".join(f"{c} {{ {weekly} }}" for c in cards))
    series = {c: points(found[c]["series"]) for c in cards}
    # distinct over the week: 10-08..11 has u1, u4, u2 (one a day on three days, and u2 twice
    # on 10-11); 10-19..20 has u3 on both days: 1 user, not 2
    assert series["activeUsers"] == list(zip(WEEKS, [3, 2, 1], strict=True))
    assert points(found["activeUsers"]["series"], "valueInt") == list(
        zip(WEEKS, [3, 2, 1], strict=True)
    )
    # clipped: 10-08..11 holds l02 l11 l05 l06, not u1's l01 of 10-05 (the week's Monday)
    assert series["launchedSessions"] == list(zip(WEEKS, [4, 3, 2], strict=True))
    # two sessions in the week: u2 | u1 | u3 (no day of 10-19..20 has a repeat user; u1 does
    # not repeat in 10-08..11, whose 10-05 is outside the range)
    assert series["repeatUsers"] == list(zip(WEEKS, [1, 1, 1], strict=True))
    # a ratio per week, of the week's sums: 4/3, 3/2, 2/1 (the days of 10-19..20 are 1 and 1)
    assert series["avgLaunchedSessions"] == list(zip(WEEKS, [4 / 3, 1.5, 2.0], strict=True))
    # first days in the week: u4 10-09, u2 10-11 | u3 10-12 | none
    assert series["newUsers"] == list(zip(WEEKS, [2, 1, 0], strict=True))
    # till date, to each week's last day: u1 u4 u2 | and u3 | the same 4
    assert series["totalUsers"] == list(zip(WEEKS, [3, 4, 4], strict=True))
    # value and previous are the range's and the previous period's, as without a series
    daily = await behavior(gql, MID, " ".join(f"{c} {{ value previous }}" for c in cards))
    assert {c: (found[c]["value"], found[c]["previous"]) for c in cards} == {
        c: (daily[c]["value"], daily[c]["previous"]) for c in cards
    }
    assert (found["activeUsers"]["value"], found["activeUsers"]["previous"]) == (4, 1)
    assert (found["avgLaunchedSessions"]["value"], found["avgLaunchedSessions"]["previous"]) == (
        9 / 4,
        1.0,
    )


async def test_months_and_weeks_across_a_month_end(gql: GraphQLClient) -> None:
    found = await behavior(
        gql,
        WIDE,
        "activeUsers { value d: series { date value } w: series(granularity: WEEK) { date value }"
        " m: series(granularity: MONTH) { date value } }"
        " launchedSessions { m: series(granularity: MONTH) { date value } }",
    )
    users = found["activeUsers"]
    assert users["value"] == 4
    assert len(users["d"]) == 27 and users["d"][0]["date"] == "2026-09-24"
    # 09-28..10-04 is one week, though September ends inside it
    assert points(users["w"]) == [
        ("2026-09-24", 0),
        ("2026-09-28", 0),
        ("2026-10-05", 3),  # u1 u4 u2
        ("2026-10-12", 2),  # u1 u3
        ("2026-10-19", 1),  # u3
    ]
    # September's days of the range, then October's 10-01..20: u1..u4 (the days' users add
    # up to 8, the weeks' to 6)
    assert points(users["m"]) == [("2026-09-24", 0), ("2026-10-01", 4)]
    assert points(found["launchedSessions"]["m"]) == [("2026-09-24", 0), ("2026-10-01", 10)]


async def test_breakdown_rows_have_weekly_series(gql: GraphQLClient) -> None:
    found = await behavior(
        gql,
        MID,
        "activeUsers { breakdown(by: REGION) { key value"
        " w: series(granularity: WEEK) { date value } d: series { date value } } }",
    )
    rows = {r["key"]: r for r in found["activeUsers"]["breakdown"]}
    assert {k: (r["value"], points(r["w"])) for k, r in rows.items()} == {
        # l02 u1, l11 u4 | l03 u1 | none
        "US": (2, list(zip(WEEKS, [2, 1, 0], strict=True))),
        # u2 | u1's l04 | none
        "GB": (2, list(zip(WEEKS, [1, 1, 0], strict=True))),
        # none | u3 | u3 on both days: once
        "BR": (1, list(zip(WEEKS, [0, 1, 1], strict=True))),
    }
    assert [p["value"] for p in rows["BR"]["d"][-2:]] == [1, 1]  # 10-19 and 10-20
    assert len(rows["US"]["d"]) == 13


async def test_retention_rate_by_week(gql: GraphQLClient) -> None:
    data = await gql.data(
        game(
            "userRetention",
            f"{MID}, cohort: ACTIVE",
            "rate(period: DAY_1) { value series(granularity: WEEK) { date value }"
            " d: series { date value } } cohorts(period: DAY_1) { date retained }",
        )
    )
    retention = data["game"]["userRetention"]
    rate = retention["rate"]
    # ACTIVE cohorts: 10-08 u1, 10-09 u4, 10-11 u2, 10-12 u1 u3, 10-19 u3, 10-20 u3; only u3
    # of 10-19 returns the next day; 10-20's return day is after the reporting day, so it
    # is not counted: 1 retained of 6 counted
    assert rate["value"] == 1 / 6
    # each week over its counted cohort days: 0/3, 0/2, and 1/1 (10-19; 10-20 not yet)
    assert points(rate["series"]) == list(zip(WEEKS, [0.0, 0.0, 1.0], strict=True))
    assert points(rate["d"])[-2:] == [("2026-10-19", 1.0), ("2026-10-20", None)]
    # the cohort table stays one row a day
    assert len(retention["cohorts"]) == 13


async def test_csv_has_a_line_per_bucket(gql: GraphQLClient) -> None:
    async def lines(query: str) -> list[list[str]]:
        response = await gql.http.get(f"/csv/game/g1/userBehavior/activeUsers?{query}")
        assert response.status_code == 200, response.text
        return list(csv.reader(io.StringIO(response.text)))

    span = "start=2026-10-08&end=2026-10-20"
    assert await lines(f"{span}&granularity=WEEK") == [
        ["date", "activeUsers"],
        ["2026-10-08", "3"],
        ["2026-10-12", "2"],
        ["2026-10-19", "1"],
    ]
    assert await lines("start=2026-09-24&end=2026-10-20&granularity=MONTH") == [
        ["date", "activeUsers"],
        ["2026-09-24", "0"],
        ["2026-10-01", "4"],
    ]
    assert len(await lines(f"{span}&granularity=DAY")) == len(await lines(span)) == 14
    # the week's lines are GraphQL's points
    found = await behavior(
        gql, MID, "avgLaunchedSessions { series(granularity: WEEK) { date value } }"
    )
    response = await gql.http.get(
        f"/csv/game/g1/userBehavior/avgLaunchedSessions?{span}&granularity=WEEK"
    )
    table = list(csv.reader(io.StringIO(response.text)))[1:]
    assert [(d, float(v)) for d, v in table] == points(found["avgLaunchedSessions"]["series"])
    refused = await gql.http.get(f"/csv/game/g1/userBehavior/activeUsers?{span}&granularity=YEAR")
    assert refused.status_code == 400
    both = await gql.http.get(
        f"/csv/game/g1/userBehavior/activeUsers?{span}&by=REGION&granularity=WEEK"
    )
    assert both.status_code == 400 and "granularity" in both.text


async def test_an_unreleased_app_has_null_points_per_bucket(gql: GraphQLClient) -> None:
    data = await gql.data(
        game(
            "userBehavior",
            WIDE,
            "activeUsers { suppressed series(granularity: MONTH) { date value } }",
            app="g0",
        )
    )
    metric = data["game"]["userBehavior"]["activeUsers"]
    assert metric["suppressed"] == "APP_NOT_LAUNCHED"
    assert points(metric["series"]) == [("2026-09-24", None), ("2026-10-01", None)]


async def test_each_granularity_is_one_statement_as_estimated(
    gql: GraphQLClient, semantic_model: SemanticModel
) -> None:
    async def statements(document: str, **variables: Any) -> tuple[int, int]:
        body = await gql(document, **variables)
        assert "errors" not in body, body["errors"]
        estimate = estimate_cost(parse(document), model=semantic_model, variables=variables)
        return body["extensions"]["statements"] - 1, estimate.statements  # less the app's

    cards = (
        "activeUsers { value d: series { value } w: series(granularity: WEEK) { value } }"
        " m: activeUsers { series(granularity: MONTH) { value } }"
        " newUsers { value } launchedSessions { series(granularity: WEEK) { value } }"
    )
    # day, week and month: three statements; newUsers (no series) rides along with one
    assert await statements(game("userBehavior", MID, cards)) == (3, 3)
    # a breakdown: one per granularity of its rows' series
    breakdown = (
        "activeUsers { value breakdown(by: REGION) { key w: series(granularity: WEEK) { value }"
        " m: series(granularity: MONTH) { value } } } newUsers { breakdown(by: REGION) { key } }"
    )
    assert await statements(game("userBehavior", MID, breakdown)) == (3, 3)
    # a granularity from a variable is asked with the module's statement, not after it
    variable = (
        'query($g: Granularity!) { game(id: "g1") { userBehavior(filter: {'
        + MID
        + "}) { activeUsers { value series(granularity: $g) { date value } } } } }"
    )
    assert await statements(variable, g="MONTH") == (1, 1)
    found = await gql.data(variable, g="WEEK")
    assert points(found["game"]["userBehavior"]["activeUsers"]["series"]) == list(
        zip(WEEKS, [3, 2, 1], strict=True)
    )
    # retention: the rate by week is a statement; the cohort rows (days) another
    retention = game(
        "userRetention",
        MID,
        "rate(period: DAY_7) { series(granularity: WEEK) { value } }"
        " cohorts(period: DAY_7) { date }",
    )
    assert await statements(retention) == (2, 2)
