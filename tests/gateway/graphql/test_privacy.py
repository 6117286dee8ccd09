"""The attacker's view of the US privacy threshold, on the hand-built world (world.py).

With a threshold of 2 US users, no day has enough US users (one each), and the only shown cell
is the ISO week 10-05..11 (u1 and u4); the week 10-12..18 is not decided yet (reporting day
10-20, late-data window 3 days). R = 10-11..14 holds no shown cell, nor does its previous
period 10-07..10: no answer about R or its previous period may carry US data.
US rows of R: session l03 (u1, 300 ms), orders o1 o2 (u1), ad events a3 a4, call n1 n6,
runtime report r1, card impression f1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import asyncpg
import pytest

from semantic.model import SemanticModel
from tests.gateway.graphql.conftest import GraphQLClient, client_of, gateway_app
from tests.semantic.conftest import with_privacy

R = '{start: "2026-10-11", end: "2026-10-14"}'


@pytest.fixture(scope="module")
async def attacker(
    world_pool: asyncpg.Pool, semantic_model: SemanticModel
) -> AsyncIterator[GraphQLClient]:
    model = with_privacy(semantic_model, threshold=2, regions=("US",))
    app = gateway_app(pool=world_pool, model=model)
    async with client_of(app) as client:
        yield client


async def sessions(gql: GraphQLClient, filter_: str, extra: str = "") -> dict[str, object]:
    data = await gql.data(
        f'{{ game(id: "g1") {{ userBehavior(filter: {{{filter_}}}) {{ launchedSessions {{'
        f" value previous suppressed {extra} }} }} }} }}"
    )
    result: dict[str, object] = data["game"]["userBehavior"]["launchedSessions"]
    return result


async def test_totals_are_totals_of_the_other_regions(attacker: GraphQLClient) -> None:
    total = await sessions(attacker, f"range: {R}")
    parts = [await sessions(attacker, f'range: {R}, regions: ["{r}"]') for r in ("GB", "BR")]
    assert total["value"] == 4  # l04 l05 l06 l08: l03 (US) left out
    assert sum(p["value"] for p in parts) == total["value"]  # type: ignore[misc]
    everything_but_us = await sessions(attacker, f'range: {R}, regions: ["GB", "BR", "US"]')
    assert everything_but_us["value"] == 4


async def test_a_us_only_filter_is_suppressed_and_the_previous_period_judged_alone(
    attacker: GraphQLClient,
) -> None:
    us = await sessions(attacker, f'range: {R}, regions: ["US"]', "series { value }")
    assert us["value"] is None and us["suppressed"] == "PRIVACY_THRESHOLD"
    assert {p["value"] for p in us["series"]} == {None}  # type: ignore[attr-defined]
    # 10-07..10 has two US users (u1, u4), but no shown cell: its days have one each, and the
    # week 10-05..11 that passes does not lie inside it
    assert us["previous"] is None


async def test_breakdowns_carry_no_us_data(attacker: GraphQLClient) -> None:
    data = await attacker.data(
        f'{{ game(id: "g1") {{ userBehavior(filter: {{range: {R}}}) {{ launchedSessions {{'
        " byRegion: breakdown(by: REGION) { key value series { value } }"
        " byOs: breakdown(by: OS) { key value } } } } }"
    )
    metric = data["game"]["userBehavior"]["launchedSessions"]
    assert {r["key"]: r["value"] for r in metric["byRegion"]} == {"GB": 3, "BR": 1}
    assert {r["key"]: r["value"] for r in metric["byOs"]} == {"ios": 2, "android": 2}


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-10-11", "2026-10-13", 4),  # l04 l05 l06 l08
        ("2026-10-12", "2026-10-14", 2),  # l04 l08
        ("2026-10-12", "2026-10-12", 2),
        ("2026-10-10", "2026-10-12", 4),  # US users u1 only (u4 was on 10-09)
    ],
)
async def test_shifted_and_overlapping_ranges_below_the_threshold_hide_us(
    attacker: GraphQLClient, start: str, end: str, expected: int
) -> None:
    answer = await sessions(attacker, f'range: {{start: "{start}", end: "{end}"}}')
    assert answer["value"] == expected


async def test_other_modules_leave_us_out(attacker: GraphQLClient) -> None:
    data = await attacker.data(
        f'{{ game(id: "g1") {{'
        f" iapOrders(filter: {{range: {R}}}) {{ gmv {{ value }}"
        "   topProducts { rows { productName orders beans } } }"
        f" adInsights(filter: {{range: {R}}}) {{ adRevenue {{ value }} adClicks {{ value }} }}"
        f" network(filter: {{range: {R}}}) {{ networkFailures {{ value }}"
        "   errors { rows { api domain errorCode count } } }"
        f" runtime(filter: {{range: {R}}}) {{ fps {{ value }} }}"
        f" feedCards(filter: {{range: {R}}}) {{ cardImpressions {{ value }} }}"
        f" userProfile(filter: {{range: {R}}}) {{ distribution(by: REGION) {{ key users }} }}"
        f" userRetention(filter: {{range: {R}, cohort: ACTIVE}}) {{"
        "   cohorts(period: DAY_7) { date cohortSize } }"
        " } }"
    )
    game = data["game"]
    assert game["iapOrders"]["gmv"]["value"] == 30  # o3 only
    assert game["iapOrders"]["topProducts"]["rows"] == [
        {"productName": "Gems", "orders": 1, "beans": 30.0}
    ]
    assert game["adInsights"]["adRevenue"]["value"] == 0.75  # a3 (US) left out
    assert game["adInsights"]["adClicks"]["value"] == 0  # a4 was the only click, in the US
    assert game["network"]["networkFailures"]["value"] == 3  # n2 n3 n4
    assert {(r["errorCode"], r["count"]) for r in game["network"]["errors"]["rows"]} == {
        ("404", 1),
        ("timeout", 1),
        ("503", 1),
    }
    assert game["runtime"]["fps"]["value"] == 30  # r2 only
    assert game["feedCards"]["cardImpressions"]["value"] == 2
    assert {r["key"] for r in game["userProfile"]["distribution"]} == {"GB", "BR"}
    sizes = {c["date"]: c["cohortSize"] for c in game["userRetention"]["cohorts"]}
    assert sizes["2026-10-12"] == 2  # u1 still through GB, u3; the US session adds nobody


async def test_csv_downloads_leave_us_out(attacker: GraphQLClient) -> None:
    base = "start=2026-10-11&end=2026-10-14"
    series = await attacker.http.get(f"/csv/game/g1/userBehavior/launchedSessions?{base}")
    rows = list(csv.reader(io.StringIO(series.text)))[1:]
    assert sum(float(v) for _, v in rows) == 4
    breakdown = await attacker.http.get(
        f"/csv/game/g1/userBehavior/launchedSessions?{base}&by=REGION"
    )
    assert "US" not in {r[0] for r in csv.reader(io.StringIO(breakdown.text))}
    us_only = await attacker.http.get(
        f"/csv/game/g1/userBehavior/launchedSessions?{base}&regions=US"
    )
    values = [r[1] for r in list(csv.reader(io.StringIO(us_only.text)))[1:]]
    assert values == ["", "", "", ""]


async def test_the_threshold_and_regions_are_configuration(
    world_pool: asyncpg.Pool, semantic_model: SemanticModel
) -> None:
    for model, expected in (
        (with_privacy(semantic_model, threshold=1, regions=("US",)), 5),  # 10-12 shown
        (with_privacy(semantic_model, threshold=2, regions=("BR",)), 4),  # BR (u3) left out
        (with_privacy(semantic_model, threshold=2, regions=()), 5),  # nothing protected
    ):
        app = gateway_app(pool=world_pool, model=model)
        async with client_of(app) as client:
            answer = await sessions(client, f"range: {R}")
        assert answer["value"] == expected


async def test_a_funnel_of_only_a_hidden_region_is_withheld_not_zero(
    attacker: GraphQLClient,
) -> None:
    # d1 in 10-11..14 has one US user (v1): below the threshold of 2
    data = await attacker.data(
        f'{{ drama(id: "d1") {{ conversionFunnel(filter: {{range: {R}, regions: ["US"]}}) {{'
        " steps { step pv conversionFromFirst suppressed } } } }"
    )
    steps = data["drama"]["conversionFunnel"]["steps"]
    assert steps and all(s["pv"] is None and s["conversionFromFirst"] is None for s in steps)
    assert {s["suppressed"] for s in steps} == {"PRIVACY_THRESHOLD"}
