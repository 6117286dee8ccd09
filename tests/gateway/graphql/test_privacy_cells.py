"""The privacy cells on the hand-built privacy world (privacy_world.py, threshold 3): which
cells are shown, and what every kind of answer includes of the protected (US) rows.

Every test runs on the derived tables with the cells the refresh stored, and on the raw rows
with the cells decided in the statement."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from gateway.database import create_pool
from gateway.settings import Settings
from gateway.storage.refresh import refresh
from semantic.loader import load_model
from semantic.model import SemanticModel
from tests.conftest import fresh_database
from tests.gateway.graphql import privacy_world as world
from tests.gateway.graphql.conftest import GraphQLClient, client_of, gateway_app
from tests.semantic.conftest import with_privacy

WEEK_A = '{start: "2026-09-28", end: "2026-10-04"}'
WEEK_B = '{start: "2026-10-05", end: "2026-10-11"}'
ALL_OS = None


def model() -> SemanticModel:
    return with_privacy(load_model(), threshold=world.THRESHOLD, regions=("US",))


@pytest.fixture(scope="module")
async def privacy_url(server_url: str, template_name: str) -> AsyncIterator[str]:
    async with fresh_database(server_url, template_name) as url:
        conn = await asyncpg.connect(url)
        try:
            await world.build(conn)
            await refresh(
                conn, model=model(), reporting_day=world.TODAY - dt.timedelta(days=1)
            )
        finally:
            await conn.close()
        yield url


@pytest.fixture(scope="module", params=["derived", "raw"])
async def gql(request: pytest.FixtureRequest, privacy_url: str) -> AsyncIterator[GraphQLClient]:
    pool = await create_pool(privacy_url, min_size=1, max_size=2)
    try:
        settings = Settings(derived=request.param == "derived")
        app = gateway_app(pool=pool, model=model(), settings=settings, today=world.TODAY)
        async with client_of(app) as client:
            yield client
    finally:
        await pool.close()


async def behavior(gql: GraphQLClient, filter_: str, fields: str) -> dict[str, Any]:
    data = await gql.data(
        f'{{ game(id: "{world.APP}") {{ userBehavior(filter: {{{filter_}}}) {{ {fields} }} }} }}'
    )
    found: dict[str, Any] = data["game"]["userBehavior"]
    return found


def points(metric: dict[str, Any]) -> dict[str, Any]:
    return {p["date"]: p["value"] for p in metric["series"]}


def spans(protected: dict[str, Any], key: str = "included") -> list[tuple[str, str]]:
    return [(s["start"], s["end"]) for s in protected[key]]


PROTECTED = (
    "protected { included { start end } previousIncluded { start end } complete comparable }"
)


async def test_the_cells_are_decided_bottom_up_and_final(gql: GraphQLClient) -> None:
    data = await gql.data(
        f'{{ game(id: "{world.APP}") {{ privacy(start: "2026-07-01", end: "2026-10-20") {{'
        " decidedThrough cells { level start end os shown } } } }"
    )
    privacy = data["game"]["privacy"]
    assert privacy["decidedThrough"] == "2026-10-17"
    cells = {(c["level"], c["start"], c["os"]): c["shown"] for c in privacy["cells"]}
    assert {k for k, shown in cells.items() if shown} == {
        (0, "2026-09-28", ALL_OS),
        (0, "2026-10-05", ALL_OS),
        (0, "2026-10-05", "ios"),
        (0, "2026-10-05", "android"),
        (0, "2026-10-13", ALL_OS),
        (1, "2026-09-28", ALL_OS),
        (1, "2026-10-05", ALL_OS),
    }
    hidden = {k for k, shown in cells.items() if not shown}
    assert {
        (0, "2026-09-29", ALL_OS),  # a1 a4
        (0, "2026-09-28", "ios"),  # passes, but android has no cell: not a complete set
        (1, "2026-09-21", ALL_OS),  # c1 alone
        (1, "2026-09-28", "ios"),  # a1..a4, but its remainder a1 a4 fails
        (1, "2026-10-05", "android"),  # remainder b8
        (2, "2026-09-07", ALL_OS),  # remainder c1
        (3, "2026-07-13", ALL_OS),  # remainder c1
    } <= hidden
    # the open week 10-12..18 and 4-week period 10-05..11-01 are not decided at all
    assert (1, "2026-10-12", ALL_OS) not in cells and (2, "2026-10-05", ALL_OS) not in cells


async def test_a_us_answer_includes_the_shown_cells_inside_its_range(gql: GraphQLClient) -> None:
    async def us_users(range_: str) -> dict[str, Any]:
        found = await behavior(
            gql,
            f'range: {range_}, regions: ["US"]',
            f"activeUsers {{ value suppressed {PROTECTED} }}",
        )
        return dict(found["activeUsers"])

    week = await us_users(WEEK_A)
    assert week["value"] == 6  # a1..a6: the whole week is a shown cell
    assert spans(week["protected"]) == [("2026-09-28", "2026-10-04")]
    assert week["protected"]["complete"] is True
    # not aligned: only the shown day 09-28 lies inside; 09-29 and 09-30 stay out
    part = await us_users('{start: "2026-09-28", end: "2026-09-30"}')
    assert part["value"] == 3 and spans(part["protected"]) == [("2026-09-28", "2026-09-28")]
    assert part["protected"]["complete"] is False
    # no shown cell inside at all: withheld, not 0
    none = await us_users('{start: "2026-09-29", end: "2026-10-04"}')
    assert none["value"] is None and none["suppressed"] == "PRIVACY_THRESHOLD"
    # three weeks: A and B are shown, C (c1) is not
    three = await us_users('{start: "2026-09-21", end: "2026-10-11"}')
    assert three["value"] == 14 and spans(three["protected"]) == [("2026-09-28", "2026-10-11")]


async def test_a_series_point_includes_us_only_when_its_day_is_shown(gql: GraphQLClient) -> None:
    found = await behavior(
        gql,
        f"range: {WEEK_A}",
        "launchedSessions { value series { date value } }"
        ' us: activeUsers { value series { date value } }',
    )
    sessions = found["launchedSessions"]
    # the week: 7 US sessions (a shown week) and 3 GB; each day only its own shown cells
    assert sessions["value"] == 10
    assert points(sessions) == {
        "2026-09-28": 4,  # a1 a2 a3 (a shown day) and g1
        "2026-09-29": 1,  # g1 only: a1 a4 are a hidden day (their 2 sessions left out)
        "2026-09-30": 1,  # g2 only
        "2026-10-01": 0,
        "2026-10-02": 0,
        "2026-10-03": 0,
        "2026-10-04": 0,
    }
    us = await behavior(
        gql, f'range: {WEEK_A}, regions: ["US"]', "activeUsers { value series { date value } }"
    )
    assert us["activeUsers"]["value"] == 6
    assert points(us["activeUsers"])["2026-09-28"] == 3
    assert {d: v for d, v in points(us["activeUsers"]).items() if d != "2026-09-28"} == {
        d: None for d in ("2026-09-29", "2026-09-30", "2026-10-01", "2026-10-02")
    } | {"2026-10-03": None, "2026-10-04": None}


async def test_region_breakdown_rows_are_slices_of_their_own(gql: GraphQLClient) -> None:
    found = await behavior(
        gql,
        'range: {start: "2026-09-28", end: "2026-09-30"}',
        "activeUsers { value breakdown(by: REGION) { key value series { date value }"
        " protected { included { start end } } } }",
    )
    rows = {r["key"]: r for r in found["activeUsers"]["breakdown"]}
    assert found["activeUsers"]["value"] == 5  # a1 a2 a3, g1 g2
    assert rows["US"]["value"] == 3
    assert spans(rows["US"]["protected"]) == [("2026-09-28", "2026-09-28")]
    assert rows["GB"]["protected"] is None  # a row of an unprotected region holds none
    assert points(rows["US"]) == {"2026-09-28": 3, "2026-09-29": None, "2026-09-30": None}
    assert points(rows["GB"]) == {"2026-09-28": 1, "2026-09-29": 1, "2026-09-30": 1}
    hidden = await behavior(
        gql,
        'range: {start: "2026-09-29", end: "2026-09-30"}',
        "activeUsers { value breakdown(by: REGION) { key value } }",
    )
    assert [r["key"] for r in hidden["activeUsers"]["breakdown"]] == ["GB"]
    assert hidden["activeUsers"]["value"] == 2  # g1 g2: a1 a4 a5 a6 left out


async def test_os_slices_use_the_cells_of_their_os(gql: GraphQLClient) -> None:
    found = await behavior(
        gql,
        f'range: {WEEK_B}, regions: ["US"]',
        f"activeUsers {{ value {PROTECTED} breakdown(by: OS) {{ key value }} }}",
    )
    metric = found["activeUsers"]
    assert metric["value"] == 8  # the shown week B
    # per os only the shown pair of 10-05: b1 b2 b3 and b4 b5 b6 (not b7, b8, b1's 10-07)
    assert {r["key"]: r["value"] for r in metric["breakdown"]} == {"ios": 3, "android": 3}
    ios = await behavior(
        gql, f'range: {WEEK_B}, regions: ["US"], os: IOS', f"activeUsers {{ value {PROTECTED} }}"
    )
    assert ios["activeUsers"]["value"] == 3
    assert spans(ios["activeUsers"]["protected"]) == [("2026-10-05", "2026-10-05")]
    # week A has no shown per-os cell: an os slice of US is withheld
    android = await behavior(
        gql, f'range: {WEEK_A}, regions: ["US"], os: ANDROID', "activeUsers { value suppressed }"
    )
    assert android["activeUsers"] == {"value": None, "suppressed": "PRIVACY_THRESHOLD"}


async def test_previous_periods_are_judged_by_their_own_range(gql: GraphQLClient) -> None:
    aligned = await behavior(
        gql, f'range: {WEEK_B}, regions: ["US"]', f"activeUsers {{ value previous {PROTECTED} }}"
    )
    metric = aligned["activeUsers"]
    assert (metric["value"], metric["previous"]) == (8, 6)
    assert spans(metric["protected"], "previousIncluded") == [("2026-09-28", "2026-10-04")]
    assert metric["protected"]["comparable"] is True
    # one day later: the previous period 09-29..10-05 holds only the shown day 10-05
    shifted = await behavior(
        gql,
        'range: {start: "2026-10-06", end: "2026-10-12"}, regions: ["US"]',
        f"activeUsers {{ value previous {PROTECTED} }}",
    )
    metric = shifted["activeUsers"]
    assert metric["value"] is None  # 10-06..12 holds no shown cell
    assert metric["previous"] == 6  # b1..b6 of 10-05
    assert metric["protected"]["comparable"] is False


async def test_presets_aligned_to_blocks_include_us(gql: GraphQLClient) -> None:
    found = await behavior(
        gql,
        'range: {preset: LAST_WEEK}, regions: ["US"]',
        f"activeUsers {{ value previous {PROTECTED} }} launchedSessions {{ value }}",
    )
    metric = found["activeUsers"]
    # 10-12..18 is not decided by 10-20: the last decided week is B
    assert spans(metric["protected"]) == [("2026-10-05", "2026-10-11")]
    assert (metric["value"], metric["previous"]) == (8, 6)
    assert found["launchedSessions"]["value"] == 9  # b1 twice, b2..b8 once
    four = await behavior(gql, 'range: {preset: LAST_4_WEEKS}', f"activeUsers {{ {PROTECTED} }}")
    # 09-07..10-04: its shown cells are day 09-28 and week A (the period itself is hidden)
    assert spans(four["activeUsers"]["protected"]) == [("2026-09-28", "2026-10-04")]


async def test_till_date_totals_step_only_where_shown_cells_end(gql: GraphQLClient) -> None:
    found = await behavior(
        gql,
        'range: {start: "2026-09-27", end: "2026-10-11"}, regions: ["US"]',
        "totalUsers { value series { date value } }",
    )
    series = points(found["totalUsers"])
    # c1 (09-22) is never counted: week C is hidden. Each step is a shown cell ending.
    assert series["2026-09-27"] is None  # no shown cell ends by then
    assert {series[d] for d in ("2026-09-28", "2026-09-29", "2026-10-03")} == {3}  # day 09-28
    assert series["2026-10-04"] == 6  # week A ends
    assert {series[d] for d in ("2026-10-05", "2026-10-06", "2026-10-10")} == {12}  # day 10-05
    assert series["2026-10-11"] == 14 == found["totalUsers"]["value"]  # week B ends


async def test_rows_of_other_sources_follow_the_session_cells(gql: GraphQLClient) -> None:
    async def gmv(range_: str) -> Any:
        data = await gql.data(
            f'{{ game(id: "{world.APP}") {{ iapOrders(filter: {{range: {range_}}}) {{'
            " gmv { value series { date value } } } } }"
        )
        return data["game"]["iapOrders"]["gmv"]

    part = await gmv('{start: "2026-09-28", end: "2026-09-30"}')
    assert part["value"] == 20  # g1's order; a4's order is on a hidden day
    week = await gmv(WEEK_A)
    assert week["value"] == 70  # a4's order is inside the shown week
    assert points(week)["2026-09-29"] == 20  # but not on its day's point


async def test_retention_cohorts_and_returns_follow_the_cells(gql: GraphQLClient) -> None:
    data = await gql.data(
        f'{{ game(id: "{world.APP}") {{ userRetention(filter: {{range:'
        ' {start: "2026-09-28", end: "2026-09-30"}, cohort: ACTIVE}) {'
        " cohorts(period: DAY_1) { date cohortSize retained } } } }"
    )
    cohorts = {c["date"]: c for c in data["game"]["userRetention"]["cohorts"]}
    # 09-28: a1 a2 a3 g1 (a shown day); of them g1 returns on 09-29, and a1's return is on
    # the hidden day 09-29, which is left out
    assert (cohorts["2026-09-28"]["cohortSize"], cohorts["2026-09-28"]["retained"]) == (4, 1)
    # 09-29: g1 alone (a1 a4 hidden); 09-30: g2 alone (a5 a6 hidden)
    assert cohorts["2026-09-29"]["cohortSize"] == 1
    assert cohorts["2026-09-30"]["cohortSize"] == 1


async def test_csv_lines_are_series_points(gql: GraphQLClient) -> None:
    response = await gql.http.get(
        f"/csv/game/{world.APP}/userBehavior/activeUsers"
        "?start=2026-09-28&end=2026-09-30&regions=US"
    )
    lines = list(csv.reader(io.StringIO(response.text)))[1:]
    assert [(d, v) for d, v in lines] == [
        ("2026-09-28", "3"),
        ("2026-09-29", ""),
        ("2026-09-30", ""),
    ]


async def test_answers_on_every_range_include_only_what_the_rule_allows(
    gql: GraphQLClient, privacy_url: str
) -> None:
    """Each answer's included days are the shown cells inside its range, and no difference of
    answers isolates US sessions of fewer than 3 users: every atom of the partition that the
    answers' included days make has 0 or at least 3 US users."""
    first, last = dt.date(2026, 9, 21), dt.date(2026, 10, 14)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    included: list[frozenset[str]] = []
    for i, start in enumerate(days):
        query = " ".join(
            f'r{j}: userBehavior(filter: {{range: {{start: "{start}", end: "{end}"}},'
            f' regions: ["US"]}}) {{ launchedSessions {{ value protected {{ included'
            " { start end } } } }"
            for j, end in enumerate(days[i:])
        )
        data = await gql.data(f'{{ game(id: "{world.APP}") {{ {query} }} }}')
        for j, end in enumerate(days[i:]):
            metric = data["game"][f"r{j}"]["launchedSessions"]
            shown = frozenset(
                (dt.date.fromisoformat(s["start"]) + dt.timedelta(days=k)).isoformat()
                for s in metric["protected"]["included"]
                for k in range(
                    (dt.date.fromisoformat(s["end"]) - dt.date.fromisoformat(s["start"])).days
                    + 1
                )
            )
            assert all(start.isoformat() <= d <= end.isoformat() for d in shown)
            expected = sum(len(world.US_SESSIONS.get(d, [])) for d in shown)
            assert metric["value"] == (expected if shown else None), (start, end)
            included.append(shown)
    atoms: dict[tuple[bool, ...], set[str]] = {}
    for d in world.US_SESSIONS:
        atoms.setdefault(tuple(d in s for s in included), set()).add(d)
    for signature, atom in atoms.items():
        users = {u for d in atom for u, _ in world.US_SESSIONS[d]}
        if any(signature):  # some answer includes it: it must pass on its own
            assert len(users) >= world.THRESHOLD, sorted(atom)
    assert len(included) == len(days) * (len(days) + 1) // 2


def test_the_world_is_the_one_described() -> None:
    # the reference's decisions on the world's rows, as the module docstring works them out
    from tests.acceptance.privacy_reference import decide

    rows = [(u, world.day(d), os) for d, users in world.US_SESSIONS.items() for u, os in users]
    cells = decide(rows, threshold=world.THRESHOLD, through=dt.date(2026, 10, 17))
    shown = {(c.level, c.lo.isoformat(), c.os) for c in cells if c.shown}
    assert shown == {
        (0, "2026-09-28", "*"),
        (0, "2026-10-05", "*"),
        (0, "2026-10-05", "ios"),
        (0, "2026-10-05", "android"),
        (0, "2026-10-13", "*"),
        (1, "2026-09-28", "*"),
        (1, "2026-10-05", "*"),
    }


async def test_table_and_distribution_rows_follow_the_cells(gql: GraphQLClient) -> None:
    async def views(range_: str) -> Any:
        data = await gql.data(
            f'{{ game(id: "{world.APP}") {{ iapOrders(filter: {{range: {range_}}}) {{'
            " topProducts { rows { productName orders beans } } }"
            f" userProfile(filter: {{range: {range_}}}) {{ distribution(by: REGION) {{"
            " key users } } } }"
        )
        return data["game"]

    part = await views('{start: "2026-09-28", end: "2026-09-30"}')
    # a4's order (09-29) is on a hidden day: the product row has g1's order alone
    assert part["iapOrders"]["topProducts"]["rows"] == [
        {"productName": "Gems", "orders": 1, "beans": 20.0}
    ]
    # US users of the shown day 09-28 only: a1 a2 a3 (a4 a5 a6 are on hidden days)
    assert {r["key"]: r["users"] for r in part["userProfile"]["distribution"]} == {
        "US": 3,
        "GB": 2,
    }
    week = await views(WEEK_A)
    assert week["iapOrders"]["topProducts"]["rows"] == [
        {"productName": "Gems", "orders": 2, "beans": 70.0}
    ]
    assert {r["key"]: r["users"] for r in week["userProfile"]["distribution"]} == {
        "US": 6,
        "GB": 2,
    }


async def test_the_catalog_says_the_rule_and_its_calendar(gql: GraphQLClient) -> None:
    data = await gql.data(
        "{ catalog { privacy { threshold protectedRegions osDimension epoch lateDays"
        " decidedThrough levels { level days name } } } }"
    )
    privacy = data["catalog"]["privacy"]
    assert {k: v for k, v in privacy.items() if k != "levels"} == {
        "threshold": 3,
        "protectedRegions": ["US"],
        "osDimension": "os",
        "epoch": "2024-01-01",
        "lateDays": 3,
        "decidedThrough": "2026-10-17",
    }
    assert [(lv["days"], lv["name"]) for lv in privacy["levels"]] == [
        (1, "day"),
        (7, "ISO week"),
        (28, "4-week period"),
        (84, "12-week period"),
    ]


async def test_a_week_point_includes_the_shown_week(gql: GraphQLClient) -> None:
    """A week or month point is a grain of its own: US rows from the shown cells inside it."""
    series = (
        "w: series(granularity: WEEK) { date value } m: series(granularity: MONTH) { date value }"
    )
    us = await behavior(
        gql,
        'range: {start: "2026-09-28", end: "2026-10-11"}, regions: ["US"]',
        f"activeUsers {{ value series {{ date value }} {series} }}",
    )
    users = us["activeUsers"]
    # the shown weeks A (a1..a6) and B (b1..b8), though of A's days only 09-28 is shown
    assert users["value"] == 14
    assert [(p["date"], p["value"]) for p in users["w"]] == [("2026-09-28", 6), ("2026-10-05", 8)]
    assert points(users)["2026-09-28"] == 3 and points(users)["2026-09-29"] is None
    # September's 09-28..30 holds the shown day 09-28 but not week A (it ends in October);
    # October's 10-01..11 holds week B
    assert [(p["date"], p["value"]) for p in users["m"]] == [("2026-09-28", 3), ("2026-10-01", 8)]
    # from 09-29 the first week is clipped to 09-29..10-04: no shown cell inside, withheld
    late = await behavior(
        gql,
        'range: {start: "2026-09-29", end: "2026-10-11"}, regions: ["US"]',
        f"activeUsers {{ value {series} }}",
    )
    assert [(p["date"], p["value"]) for p in late["activeUsers"]["w"]] == [
        ("2026-09-29", None),
        ("2026-10-05", 8),
    ]
    # every region, week A as one point: its 7 US sessions and 3 GB, as the range's value
    # (the days' points add up to 6: 09-29's and 09-30's US sessions are left out of them);
    # its September part is the shown day 09-28's 3 US sessions and the 3 GB ones
    every = await behavior(gql, f"range: {WEEK_A}", f"launchedSessions {{ value {series} }}")
    sessions = every["launchedSessions"]
    assert sessions["value"] == 10
    assert sessions["w"] == [{"date": "2026-09-28", "value": 10}]
    assert sessions["m"] == [{"date": "2026-09-28", "value": 6}, {"date": "2026-10-01", "value": 0}]
