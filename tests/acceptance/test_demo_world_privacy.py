"""Issue 10's attacker, on the demo world with the real threshold (1,000 US users).

Through GraphQL and the CSV downloads only, each test asks what an attacker would (series
points, ranges a day apart, `previous`, os slices and breakdowns, cohort rows, till-date steps,
tables, funnel steps, downloads) of the three apps that ever show US data, and compares every
figure that comes out with the raw tables (privacy_attacks.py: read in SQL, summed in Python),
keeping US rows only of the days the independent reference of the rule
(privacy_reference.py) lets that answer include. An answer that carries a hidden day's or a
hidden os slice's US rows differs from that figure; the failure message gives the hidden
cell's true value.

Every test runs from the derived tables (stored cells) and from raw rows only (cells decided in
the statement). A raw statement decides every cell of its app, which takes seconds (at scale 1,
2 to 5 s each): the raw path asks the same questions of one app (RAW_APPS), fewer of them
(`Gateway.fewer`), and of tile_kingdom only in the tests that are about it.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from gateway.database import create_pool
from gateway.settings import Settings
from semantic.loader import load_model
from tests.acceptance.conftest import demo_gateway
from tests.acceptance.privacy_attacks import (
    LATE_DAYS,
    OS_VALUES,
    PROTECTED,
    PROTECTED_FIELDS,
    REPORTING_DAY,
    SUMS,
    THRESHOLD,
    THROUGH,
    World,
    atoms,
    day_range,
    filter_text,
    in_span,
    load_world,
    pieces_of,
    previous_of,
    shift,
    span_days,
)
from tests.acceptance.privacy_reference import ALL, spans
from tests.conftest import DEMO_TODAY
from tests.gateway.graphql.conftest import GraphQLClient, client_of, gateway_app

D = dt.date
MODEL = load_model()  # the packaged model: threshold 1000, US protected


@dataclass(frozen=True)
class Target:
    app_id: str
    kind: str
    shown: tuple[D, D]  # an every-os cell the stored decisions show (checked by the reference)
    preset: str  # the block-aligned preset that asks for exactly that cell
    sessions: str  # the user behaviour module's session count
    pair: tuple[D, int]  # a start and a length: ranges (start, length) and (start, length - 1)
    twin: str  # another module with activeUsers (and no os filter)
    alt: tuple[str, tuple[str, ...]]  # another module with an os filter, and its metrics
    hidden: tuple[D, D]  # a range inside `shown` that no shown cell lies in


TARGETS = {
    t.app_id: t
    for t in (
        # ISO weeks shown for every os (16 of them), 4-week blocks for each os too
        Target(
            app_id="tile_kingdom",
            kind="game",
            shown=(D(2026, 10, 5), D(2026, 11, 1)),
            preset="LAST_4_WEEKS",
            sessions="launchedSessions",
            pair=(D(2026, 11, 2), 14),  # previous: the shown weeks Oct 19 - Nov 1, less a day
            twin="overview",
            alt=("userSource", ("newUsers", "launchedSessions")),
            hidden=(D(2026, 10, 13), D(2026, 10, 18)),
        ),
        # three 4-week blocks shown for every os; nothing per os, no week
        Target(
            app_id="midnight_heiress",
            kind="drama",
            shown=(D(2026, 10, 5), D(2026, 11, 1)),
            preset="LAST_4_WEEKS",
            sessions="visitCount",
            pair=(D(2026, 10, 5), 28),  # previous: the shown Sep 7 - Oct 4, less a day
            twin="dashboard",
            alt=("entryPoint", ("activeUsers", "newUsers", "launchedSessions")),
            hidden=(D(2026, 10, 6), D(2026, 11, 1)),
        ),
        # one 12-week block shown for every os, nothing else
        Target(
            app_id="bubble_pop_saga",
            kind="game",
            shown=(D(2026, 7, 13), D(2026, 10, 4)),
            preset="LAST_12_WEEKS",
            sessions="launchedSessions",
            pair=(D(2026, 10, 5), 48),  # previous: hidden both
            twin="overview",
            alt=("userSource", ("newUsers", "launchedSessions")),
            hidden=(D(2026, 7, 14), D(2026, 10, 4)),
        ),
    )
}
RAW_APPS = ("midnight_heiress",)


def cases(raw_apps: Sequence[str] = RAW_APPS) -> list[Any]:
    return [pytest.param("derived", a, id=f"derived-{a}") for a in TARGETS] + [
        pytest.param("raw", a, id=f"raw-{a}") for a in raw_apps
    ]


PATHS = [pytest.param("derived", id="derived"), pytest.param("raw", id="raw")]


@dataclass
class Gateway:
    client: GraphQLClient
    path: str

    @property
    def fewer(self) -> bool:
        return self.path == "raw"


@pytest.fixture(scope="module")
async def gateway(request: pytest.FixtureRequest, demo_world_url: str) -> AsyncIterator[Gateway]:
    async with demo_gateway(demo_world_url, MODEL, derived=request.param == "derived") as (
        _,
        client,
    ):
        yield Gateway(client, request.param)


@pytest.fixture(scope="module")
async def worlds(demo_world_url: str) -> dict[str, World]:
    conn = await asyncpg.connect(demo_world_url)
    try:
        return {a: await load_world(conn, a, t.kind) for a, t in TARGETS.items()}
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def db(demo_world_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(demo_world_url)
    yield conn
    await conn.close()


async def ask(
    gw: Gateway, world: World | Target, aliases: Mapping[str, str], *, per_request: int = 10
) -> dict[str, Any]:
    """Every aliased module of `aliases` asked of the app, a few to a request (the limits on
    statements, cost and tokens)."""
    answers: dict[str, Any] = {}
    items = list(aliases.items())
    for i in range(0, len(items), per_request):
        body = " ".join(f"{alias}: {text}" for alias, text in items[i : i + per_request])
        data = await gw.client.data(f'{{ app: {world.kind}(id: "{world.app_id}") {{ {body} }} }}')
        answers.update(data["app"])
    return answers


def target_of(app: str, world: World) -> Target:
    """The app's target, after checking in the reference's cells that its cell is shown."""
    target = TARGETS[app]
    lo, hi = target.shown
    assert world.covered(lo, hi) == set(day_range(lo, hi)), f"{app}: {lo}..{hi} is not shown"
    assert not world.covered(*target.hidden), f"{app}: {target.hidden} includes US"
    return target


def by_date(series: Iterable[Mapping[str, Any]]) -> dict[D, Any]:
    return {D.fromisoformat(p["date"]): p["value"] for p in series}


def wrong(shown: bool, got: Any, expected: Any) -> bool:
    """A piece of an answer whose slice includes US rows (`shown`) must be `expected`; one
    whose slice includes none is absent, null or 0 (a US-only slice) or `expected`."""
    return got != expected if shown else got not in (None, 0, expected)


def show(days: Iterable[D]) -> str:
    """Days as the spans they make: 2026-10-05..2026-10-11, ..."""
    return ", ".join(f"{a}..{b}" for a, b in spans(days)) or "none"


# -- the rule as the API describes it -------------------------------------------------------


@pytest.mark.parametrize("gateway", PATHS, indirect=True)
async def test_catalog_and_app_privacy_fields_list_the_stored_cells(
    gateway: Gateway, worlds: dict[str, World], db: asyncpg.Connection
) -> None:
    lo, hi = D(2026, 4, 20), REPORTING_DAY  # from the first 12-week block with US rows
    apps = " ".join(
        f'{a.split("_")[0]}: {t.kind}(id: "{a}") {{ privacy(start: "{lo}", end: "{hi}") {{'
        " decidedThrough stored cells { level start end os shown } } }"
        for a, t in TARGETS.items()
    )
    data = await gateway.client.data(
        "{ catalog { privacy { threshold protectedRegions osDimension epoch lateDays"
        f" decidedThrough levels {{ level days name }} }} }} {apps}"
        ' rule: __type(name: "CatalogPrivacy") { description } }'
    )
    rule = data["catalog"]["privacy"]
    assert "remainder" in data["rule"]["description"]
    assert rule["lateDays"] == LATE_DAYS
    assert rule["decidedThrough"] == str(THROUGH)
    assert rule["threshold"] == THRESHOLD == 1000
    assert rule["protectedRegions"] == PROTECTED == ["US"]
    assert rule["osDimension"] == "os"
    assert rule["epoch"] == "2024-01-01"
    assert [(v["level"], v["days"]) for v in rule["levels"]] == [(0, 1), (1, 7), (2, 28), (3, 84)]
    for app, target in TARGETS.items():
        privacy = data[app.split("_")[0]]["privacy"]
        state = await db.fetchval(
            "SELECT decided_through FROM minis_privacy_state WHERE app_id = $1", app
        )
        assert privacy["decidedThrough"] == str(THROUGH) == str(state)
        if gateway.path == "derived":
            assert privacy["stored"] is True
        stored = await db.fetch(
            "SELECT level, lo, hi, os, shown FROM minis_privacy_cells"
            " WHERE app_id = $1 AND lo >= $2 AND hi <= $3",
            app,
            lo,
            hi,
        )
        expected = {
            (
                r["level"],
                str(r["lo"]),
                str(r["hi"]),
                None if r["os"] == ALL else r["os"],
                r["shown"],
            )
            for r in stored
        }
        got = [(c["level"], c["start"], c["end"], c["os"], c["shown"]) for c in privacy["cells"]]
        assert len(got) == len(set(got))
        assert [c[0] for c in got] == sorted(c[0] for c in got), "smallest first"
        assert set(got) == expected, f"{app}: cells differ from minis_privacy_cells"
        reference = {
            (c.level, str(c.lo), str(c.hi), None if c.os == ALL else c.os, c.shown)
            for c in worlds[app].cells
            if c.lo >= lo and c.hi <= hi
        }
        assert expected == reference, f"{app}: stored cells differ from the reference's"
        assert any(c[4] for c in got), f"{app} shows no cell: {target.shown} should be"


@pytest.mark.parametrize("gateway", PATHS, indirect=True)
async def test_tile_kingdom_shows_its_weekly_us_totals(
    gateway: Gateway, db: asyncpg.Connection
) -> None:
    weeks = await db.fetch(
        "SELECT lo, hi FROM minis_privacy_cells WHERE app_id = 'tile_kingdom' AND level = 1"
        " AND os = '*' AND shown ORDER BY lo"
    )
    assert len(weeks) >= 2, "tile_kingdom should show ISO weeks of US data"
    last = weeks[-1]
    # LAST_WEEK is the last complete ISO week decided: 2026-11-09..15, and it is shown
    assert (last["lo"], last["hi"]) == (D(2026, 11, 9), D(2026, 11, 15))
    asked = [(w["lo"], w["hi"]) for w in weeks[-1 if gateway.fewer else -8 :]]
    aliases: dict[str, str] = {}
    for i, (lo, hi) in enumerate(asked):
        text = (
            filter_text(preset="LAST_WEEK", regions=PROTECTED)
            if i == len(asked) - 1
            else filter_text(lo, hi, regions=PROTECTED)
        )
        aliases[f"u{i}"] = (
            f"userBehavior(filter: {text}) {{ activeUsers {{ value previous suppressed"
            f" {PROTECTED_FIELDS}"
            " series { date } } launchedSessions { value suppressed } newUsers { value } }"
        )
        aliases[f"g{i}"] = f"iapOrders(filter: {text}) {{ gmv {{ value suppressed }} }}"
    answers = await ask(gateway, TARGETS["tile_kingdom"], aliases)
    shown = {(w["lo"], w["hi"]) for w in weeks}
    us_sessions = (
        "SELECT count(DISTINCT user_id), count(*) FROM launches WHERE app_id = 'tile_kingdom'"
        " AND success AND region = 'US' AND (started_at AT TIME ZONE 'UTC')::date"
        " BETWEEN $1 AND $2"
    )
    for i, (lo, hi) in enumerate(asked):
        users, sessions = await db.fetchrow(us_sessions, lo, hi)
        before = (shift(lo, -7), shift(hi, -7))
        previous = (await db.fetchrow(us_sessions, *before))[0] if before in shown else None
        new = await db.fetchval(
            "SELECT count(*) FROM (SELECT DISTINCT ON (user_id) * FROM launches"
            " WHERE app_id = 'tile_kingdom' AND success ORDER BY user_id, started_at, launch_id"
            ") f WHERE region = 'US' AND (started_at AT TIME ZONE 'UTC')::date BETWEEN $1 AND $2",
            lo,
            hi,
        )
        gmv = await db.fetchval(
            "SELECT sum(beans) FROM orders WHERE app_id = 'tile_kingdom' AND region = 'US'"
            " AND order_type IN ('purchase', 'recharge') AND (created_at AT TIME ZONE 'UTC')::date"
            " BETWEEN $1 AND $2",
            lo,
            hi,
        )
        ub, iap = answers[f"u{i}"], answers[f"g{i}"]
        assert users >= THRESHOLD
        assert ub["activeUsers"]["value"] == users, (lo, hi)
        assert ub["activeUsers"]["suppressed"] is None
        assert ub["activeUsers"]["previous"] == previous, before
        assert ub["launchedSessions"]["value"] == sessions, (lo, hi)
        assert ub["newUsers"]["value"] == new, (lo, hi)
        assert iap["gmv"]["value"] == gmv and gmv > 0, (lo, hi)
        protected = ub["activeUsers"]["protected"]
        assert protected["included"] == [{"start": str(lo), "end": str(hi)}]
        assert protected["complete"] is True
        assert protected["comparable"] is (previous is not None)
        if previous is not None:
            assert protected["previousIncluded"] == [
                {"start": str(before[0]), "end": str(before[1])}
            ]
        assert [p["date"] for p in ub["activeUsers"]["series"]] == [
            str(d) for d in day_range(lo, hi)
        ]


# -- 1. series points ---------------------------------------------------------------------


def module_metrics(target: Target) -> dict[str, tuple[str, ...]]:
    return {"userBehavior": ("activeUsers", target.sessions, "newUsers"), "iapOrders": ("gmv",)}


@pytest.mark.parametrize(("gateway", "app"), cases(), indirect=["gateway"])
async def test_series_points_of_a_shown_answer_carry_no_hidden_days_us_rows(
    gateway: Gateway, app: str, worlds: dict[str, World]
) -> None:
    w = worlds[app]
    t = target_of(app, w)
    lo, hi = t.shown
    cov = w.covered(lo, hi)
    modules = module_metrics(t)
    if gateway.fewer:
        modules = {"userBehavior": modules["userBehavior"][:2]}
    aliases: dict[str, str] = {}
    for module, metrics in modules.items():
        us = " ".join(
            f"{m} {{ value suppressed {PROTECTED_FIELDS} series {{ date value }} }}"
            for m in metrics
        )
        everyone = " ".join(
            f"{m} {{ value series {{ date value }} byRegion: breakdown(by: REGION, limit: 20)"
            " { key value series { date value } } }"
            for m in metrics
        )
        other = " ".join(f"{m} {{ value series {{ date value }} }}" for m in metrics)
        aliases[f"{module}_us"] = (
            f"{module}(filter: {filter_text(preset=t.preset, regions=PROTECTED)}) {{ {us} }}"
        )
        aliases[f"{module}_all"] = f"{module}(filter: {filter_text(lo, hi)}) {{ {everyone} }}"
        if not gateway.fewer:
            aliases[f"{module}_other"] = (
                f"{module}(filter: {filter_text(lo, hi, regions=w.others)}) {{ {other} }}"
            )
    answers = await ask(gateway, w, aliases)
    problems: list[str] = []
    teeth = 0
    for module, metrics in modules.items():
        for m in metrics:
            us = answers[f"{module}_us"][m]
            assert us["value"] == w.figure(m, lo, hi, included=cov, regions="us"), m
            assert us["value"], f"{m}: the shown US answer should be shown"
            assert span_days(us["protected"]["included"]) == cov
            everyone = answers[f"{module}_all"][m]
            other = answers.get(f"{module}_other", {}).get(m)
            assert everyone["value"] == w.figure(m, lo, hi, included=cov), m
            us_row = next(r for r in everyone["byRegion"] if r["key"] == "US")
            assert us_row["value"] == us["value"], f"{m}: the region breakdown's US row"
            points = {
                "US-only series": by_date(us["series"]),
                "US row of the region breakdown": by_date(us_row["series"]),
            }
            assert set(points["US-only series"]) == set(day_range(lo, hi))
            all_points = by_date(everyone["series"])
            other_points = by_date(other["series"]) if other else {}
            for d in day_range(lo, hi):
                day_cov = w.covered(d, d)
                hidden = w.figure(m, d, d, included={d}, regions="us")
                teeth += hidden > 0
                expected = w.figure(m, d, d, included=day_cov, regions="us")
                for name, series in points.items():
                    got = series[d]
                    if wrong(bool(day_cov), got, expected):
                        problems.append(
                            f"{m} {name} {d}: got {got}, the day's true US figure is {hidden}"
                        )
                if all_points[d] != w.figure(m, d, d, included=day_cov):
                    problems.append(
                        f"{m} all-regions point {d}: got {all_points[d]}, expected "
                        f"{w.figure(m, d, d, included=day_cov)} (hidden US: {hidden})"
                    )
                if not other:
                    continue
                assert other_points[d] == w.figure(m, d, d, regions="other"), (m, d)
                if m in SUMS:
                    derived = all_points[d] - other_points[d]
                    if derived != expected:
                        problems.append(
                            f"{m} all-regions minus other regions on {d}: {derived}, the "
                            f"day's true US figure is {hidden}"
                        )
    assert teeth, "no day had US rows to hide"
    assert not problems, "\n".join(problems)


BUCKET_RANGES = {  # ranges holding the shown cell, with weeks and months clipped at both ends
    "tile_kingdom": (D(2026, 10, 1), D(2026, 11, 17)),
    "midnight_heiress": (D(2026, 9, 1), D(2026, 11, 17)),
    "bubble_pop_saga": (D(2026, 7, 10), D(2026, 10, 6)),
}


def buckets(lo: D, hi: D, granularity: str) -> list[tuple[D, D]]:
    """ISO weeks or calendar months of [lo, hi], clipped to it."""
    found: list[tuple[D, D]] = []
    for d in day_range(lo, hi):
        start = shift(d, -d.weekday()) if granularity == "WEEK" else d.replace(day=1)
        start = max(start, lo)
        if found and found[-1][0] == start:
            found[-1] = (start, d)
        else:
            found.append((start, d))
    return found


@pytest.mark.parametrize(("gateway", "app"), cases(), indirect=["gateway"])
async def test_weekly_and_monthly_points_include_only_cells_inside_their_bucket(
    gateway: Gateway, app: str, worlds: dict[str, World]
) -> None:
    w = worlds[app]
    t = target_of(app, w)
    lo, hi = BUCKET_RANGES[app]
    metrics = ("activeUsers", t.sessions)
    series = (
        "w: series(granularity: WEEK) { date value } m: series(granularity: MONTH) { date value }"
    )
    fields = " ".join(f"{m} {{ value {series} }}" for m in metrics)
    filters = (
        {"us": PROTECTED} if gateway.fewer else {"us": PROTECTED, "all": None, "other": w.others}
    )
    aliases = {
        who: f"userBehavior(filter: {filter_text(lo, hi, regions=regions)}) {{ {fields} }}"
        for who, regions in filters.items()
    }
    answers = await ask(gateway, w, aliases)
    problems: list[str] = []
    teeth = 0
    for m in metrics:
        assert answers["us"][m]["value"] == w.figure(
            m, lo, hi, included=w.covered(lo, hi), regions="us"
        )
        for alias, granularity in (("w", "WEEK"), ("m", "MONTH")):
            expected_buckets = buckets(lo, hi, granularity)
            points = {who: by_date(answers[who][m][alias]) for who in filters}
            assert list(points["us"]) == [a for a, _ in expected_buckets], granularity
            for a, b in expected_buckets:
                days = w.covered(a, b)
                hidden = w.figure(m, a, b, included=day_range(a, b), regions="us")
                teeth += not days and hidden > 0
                expected = {
                    "us": w.figure(m, a, b, included=days, regions="us") if days else None,
                    "all": w.figure(m, a, b, included=days),
                    "other": w.figure(m, a, b, regions="other"),
                }
                for who in filters:
                    if points[who][a] != expected[who]:
                        problems.append(
                            f"{m} {granularity} {a}..{b} ({who}): got {points[who][a]}, "
                            f"expected {expected[who]} (the bucket's true US: {hidden})"
                        )
    assert teeth, "no bucket had US rows to hide"
    assert not problems, "\n".join(problems)


# -- 2. ranges a day apart, previous, shifted ranges, YESTERDAY ------------------------------


def range_attacks(t: Target, fewer: bool) -> dict[str, tuple[D, D]]:
    c0, c1 = t.shown
    start, days = t.pair
    ranges = {
        "A": (c0, c1),
        "A less its first day": (shift(c0, 1), c1),
        "A less its last day": (c0, shift(c1, -1)),
        "A shifted a day later": (shift(c0, 1), shift(c1, 1)),
        "A shifted a day earlier": (shift(c0, -1), shift(c1, -1)),
        "B": (start, shift(start, days - 1)),
        "B less its last day": (start, shift(start, days - 2)),
    }
    if fewer:
        for name in ("A less its last day", "A shifted a day earlier", "A shifted a day later"):
            del ranges[name]
    return ranges


DIFFERENCES = [
    ("A", "A less its first day", "value"),
    ("A", "A less its last day", "value"),
    ("A", "A shifted a day later", "value"),
    ("A", "A shifted a day earlier", "value"),
    ("B", "B less its last day", "previous"),
]


@pytest.mark.parametrize(("gateway", "app"), cases(), indirect=["gateway"])
async def test_ranges_a_day_apart_and_their_previous_isolate_no_hidden_day(
    gateway: Gateway, app: str, worlds: dict[str, World]
) -> None:
    w = worlds[app]
    t = target_of(app, w)
    ranges = range_attacks(t, gateway.fewer)
    modules = module_metrics(t)
    modules["userBehavior"] = modules["userBehavior"][:2]
    if gateway.fewer:
        del modules["iapOrders"]
    aliases: dict[str, str] = {}
    for i, (lo, hi) in enumerate(ranges.values()):
        for module, metrics in modules.items():
            fields = " ".join(f"{m} {{ value previous {PROTECTED_FIELDS} }}" for m in metrics)
            plain = " ".join(f"{m} {{ value previous }}" for m in metrics)
            aliases[f"{module}_all_{i}"] = f"{module}(filter: {filter_text(lo, hi)}) {{ {fields} }}"
            aliases[f"{module}_other_{i}"] = (
                f"{module}(filter: {filter_text(lo, hi, regions=w.others)}) {{ {plain} }}"
            )
            if not gateway.fewer:
                aliases[f"{module}_us_{i}"] = (
                    f"{module}(filter: {filter_text(lo, hi, regions=PROTECTED)}) {{ {fields} }}"
                )
    # a hidden answer beside a shown one: YESTERDAY, and the same day's point in LAST_7_DAYS
    aliases["yesterday"] = (
        "userBehavior(filter: {range: {preset: YESTERDAY}}) { activeUsers { value } }"
    )
    if not gateway.fewer:
        aliases["yesterday_us"] = (
            f"userBehavior(filter: {filter_text(preset='YESTERDAY', regions=PROTECTED)}) "
            "{ activeUsers { value suppressed } }"
        )
    aliases["week"] = (
        "userBehavior(filter: {range: {preset: LAST_7_DAYS}}) { activeUsers { value "
        "series { date value } } }"
    )
    answers = await ask(gateway, w, aliases, per_request=9)
    problems: list[str] = []
    us_parts: dict[tuple[str, str, str], float] = {}
    for i, (name, (lo, hi)) in enumerate(ranges.items()):
        plo, phi = previous_of(lo, hi)
        cov, pcov = w.covered(lo, hi), w.covered(plo, phi)
        for module, metrics in modules.items():
            for m in metrics:
                everyone = answers[f"{module}_all_{i}"][m]
                other = answers[f"{module}_other_{i}"][m]
                us = answers.get(f"{module}_us_{i}", {}).get(m)
                for got in (everyone, us):
                    if got is not None:
                        assert span_days(got["protected"]["included"]) == cov, (name, m, got)
                        assert span_days(got["protected"]["previousIncluded"]) == pcov, (name, m)
                for period, (a, b), days in (
                    ("value", (lo, hi), cov),
                    ("previous", (plo, phi), pcov),
                ):
                    expected = {
                        "all regions": w.figure(m, a, b, included=days),
                        "other regions": w.figure(m, a, b, regions="other"),
                        "US only": w.figure(m, a, b, included=days, regions="us") if days else None,
                    }
                    hidden = w.figure(m, a, b, included=day_range(a, b), regions="us")
                    for who, answer in (
                        ("all regions", everyone),
                        ("other regions", other),
                        ("US only", us),
                    ):
                        if answer is not None and answer[period] != expected[who]:
                            problems.append(
                                f"{name} {a}..{b} {m}.{period} ({who}): got {answer[period]},"
                                f" expected {expected[who]} (all its US: {hidden})"
                            )
                    if m in SUMS:
                        us_parts[(name, m, period)] = everyone[period] - other[period]
    for first, second, period in DIFFERENCES:
        if first not in ranges or second not in ranges:
            continue
        (alo, ahi), (blo, bhi) = ranges[first], ranges[second]
        if period == "previous":
            (alo, ahi), (blo, bhi) = previous_of(alo, ahi), previous_of(blo, bhi)
        apart = set(day_range(alo, ahi)) ^ set(day_range(blo, bhi))
        for metrics in modules.values():
            for m in metrics:
                if m not in SUMS:
                    continue
                derived = us_parts[(first, m, period)] - us_parts[(second, m, period)]
                allowed = w.figure(m, alo, ahi, included=w.covered(alo, ahi), regions="us") - (
                    w.figure(m, blo, bhi, included=w.covered(blo, bhi), regions="us")
                )
                hidden = sum(
                    w.figure(m, d, d, included={d}, regions="us") * (1 if alo <= d <= ahi else -1)
                    for d in apart
                )
                if derived != allowed or (
                    derived == hidden != 0 and not all(w.covered(d, d) for d in apart)
                ):
                    problems.append(
                        f"{m}.{period}: ({first}) minus ({second}), all regions minus the "
                        f"others, gives {derived}: the days {sorted(apart)} have {hidden} US, "
                        f"expected {allowed}"
                    )
    day = REPORTING_DAY
    point = by_date(answers["week"]["activeUsers"]["series"])[day]
    kept = w.figure("activeUsers", day, day, included=w.covered(day, day))
    hidden = w.figure("activeUsers", day, day, included={day}, regions="us")
    assert hidden > 0
    if not (answers["yesterday"]["activeUsers"]["value"] == point == kept):
        problems.append(
            f"YESTERDAY activeUsers {answers['yesterday']['activeUsers']['value']}, its point in"
            f" LAST_7_DAYS {point}, expected {kept} (the day has {hidden} US users)"
        )
    if "yesterday_us" in answers:
        assert answers["yesterday_us"]["activeUsers"] == {
            "value": None,
            "suppressed": "PRIVACY_THRESHOLD",
        }
    assert not problems, "\n".join(problems)


# -- 3. os slices ---------------------------------------------------------------------------


def os_ranges(t: Target, fewer: bool) -> list[tuple[D, D]]:
    if t.app_id == "tile_kingdom":  # the last week (every os only) and the 4 weeks (each os)
        return [(D(2026, 11, 9), D(2026, 11, 15)), t.shown][: 1 if fewer else 2]
    return [t.shown]


@pytest.mark.parametrize(("gateway", "app"), cases(), indirect=["gateway"])
async def test_os_slices_and_other_modules_isolate_no_hidden_os(
    gateway: Gateway, app: str, worlds: dict[str, World]
) -> None:
    w = worlds[app]
    t = target_of(app, w)
    s = t.sessions
    alt_module, alt_metrics = t.alt
    aliases: dict[str, str] = {}
    ranges = os_ranges(t, gateway.fewer)
    for i, (lo, hi) in enumerate(ranges):
        aliases[f"us_{i}"] = (
            f"userBehavior(filter: {filter_text(lo, hi, regions=PROTECTED)}) {{"
            " activeUsers { value byOs: breakdown(by: OS) { key value } }"
            f" {s} {{ value byOs: breakdown(by: OS) {{ key value }} }} }}"
        )
        aliases[f"twin_{i}"] = (
            f"{t.twin}(filter: {filter_text(lo, hi, regions=PROTECTED)}) {{"
            " activeUsers { value } }"
        )
        for os in OS_VALUES[:1] if gateway.fewer else OS_VALUES:
            text = filter_text(lo, hi, os=os, regions=PROTECTED)
            aliases[f"us_{os}_{i}"] = (
                f"userBehavior(filter: {text}) {{"
                f" activeUsers {{ value suppressed {PROTECTED_FIELDS} }} {s} {{ value }} }}"
            )
            fields = " ".join(f"{m} {{ value suppressed }}" for m in alt_metrics)
            aliases[f"alt_{os}_{i}"] = f"{alt_module}(filter: {text}) {{ {fields} }}"
        if gateway.fewer:
            continue
        aliases[f"all_ios_{i}"] = (
            f"userBehavior(filter: {filter_text(lo, hi, os='ios')}) {{"
            f" activeUsers {{ value }} {s} {{ value }} }}"
        )
        aliases[f"other_ios_{i}"] = (
            f"userBehavior(filter: {filter_text(lo, hi, os='ios', regions=w.others)}) {{"
            f" activeUsers {{ value }} {s} {{ value }} }}"
        )
        aliases[f"gmv_{i}"] = (
            f"iapOrders(filter: {filter_text(lo, hi, regions=PROTECTED)}) {{"
            " gmv { value byOs: breakdown(by: OS) { key value } } }"
        )
    answers = await ask(gateway, w, aliases, per_request=10)
    problems: list[str] = []
    for i, (lo, hi) in enumerate(ranges):
        cov = w.covered(lo, hi)
        assert cov, f"{lo}..{hi} should be shown for every os"
        assert answers[f"twin_{i}"]["activeUsers"]["value"] == w.figure(
            "activeUsers", lo, hi, included=cov, regions="us"
        ), t.twin
        for alias, metric in (("us", "activeUsers"), ("us", s), ("gmv", "gmv")):
            if f"{alias}_{i}" not in answers:
                continue
            answer = answers[f"{alias}_{i}"][metric]
            assert answer["value"] == w.figure(metric, lo, hi, included=cov, regions="us")
            rows = {r["key"]: r["value"] for r in answer["byOs"]}
            for os in OS_VALUES:
                os_cov = w.covered(lo, hi, os)
                hidden = w.figure(metric, lo, hi, os=os, included=cov, regions="us")
                expected = w.figure(metric, lo, hi, os=os, included=os_cov, regions="us")
                got = rows.get(os)
                if wrong(bool(os_cov), got, expected):
                    problems.append(
                        f"{lo}..{hi} US {metric} breakdown(by: OS) row {os}: got {got}, "
                        f"its true US figure is {hidden}"
                    )
        for os in OS_VALUES:
            if f"us_{os}_{i}" not in answers:
                continue
            os_cov = w.covered(lo, hi, os)
            mine = answers[f"us_{os}_{i}"]
            alt = answers[f"alt_{os}_{i}"]
            assert span_days(mine["activeUsers"]["protected"]["included"]) == os_cov
            for metric, got in (
                ("activeUsers", mine["activeUsers"]),
                (s, mine[s]),
                *((m, alt[m]) for m in alt_metrics),
            ):
                expected = (
                    w.figure(metric, lo, hi, os=os, included=os_cov, regions="us")
                    if os_cov
                    else None
                )
                hidden = w.figure(metric, lo, hi, os=os, included=cov, regions="us")
                if got["value"] != expected:
                    problems.append(
                        f"{lo}..{hi} US on {os} {metric}: got {got['value']}, expected "
                        f"{expected} (its true figure: {hidden})"
                    )
            if not os_cov:
                assert mine["activeUsers"]["suppressed"] == "PRIVACY_THRESHOLD"
                assert {alt[m]["suppressed"] for m in alt_metrics} == {"PRIVACY_THRESHOLD"}
            # US minus US-on-os, the two taken from different modules
            full = answers[f"us_{i}"][s]["value"]
            part = alt["launchedSessions"]["value"]
            if part is not None:
                rest = full - part
                others = [o for o in OS_VALUES if o != os]
                allowed = sum(
                    w.figure(s, lo, hi, os=o, included=w.covered(lo, hi, o), regions="us")
                    for o in others
                )
                shown_rest = all(w.covered(lo, hi, o) == cov for o in others)
                if rest != allowed or not shown_rest:
                    problems.append(
                        f"{lo}..{hi} US {s} minus US on {os} ({alt_module}) gives {rest}:"
                        f" {others} are not all shown"
                    )
        if f"all_ios_{i}" not in answers:
            continue
        ios_cov = w.covered(lo, hi, "ios")
        for metric in ("activeUsers", s):
            everyone = answers[f"all_ios_{i}"][metric]["value"]
            other = answers[f"other_ios_{i}"][metric]["value"]
            expected = w.figure(metric, lo, hi, os="ios", included=ios_cov)
            hidden = w.figure(metric, lo, hi, os="ios", included=cov, regions="us")
            if everyone != expected:
                problems.append(
                    f"{lo}..{hi} {metric} on ios: got {everyone}, expected {expected}"
                    f" (its US: {hidden})"
                )
            assert other == w.figure(metric, lo, hi, os="ios", regions="other")
            if metric in SUMS and everyone - other != w.figure(
                metric, lo, hi, os="ios", included=ios_cov, regions="us"
            ):
                problems.append(
                    f"{lo}..{hi} {metric} on ios, all regions minus the others: "
                    f"{everyone - other}, its true US figure is {hidden}"
                )
    assert not problems, "\n".join(problems)


# -- 4. retention cohort rows and till-date steps -------------------------------------------


@pytest.mark.parametrize(("gateway", "app"), cases(), indirect=["gateway"])
async def test_cohort_rows_and_till_date_steps_isolate_no_hidden_day(
    gateway: Gateway, app: str, worlds: dict[str, World]
) -> None:
    w = worlds[app]
    t = target_of(app, w)
    hi = t.shown[1]
    lo = shift(hi, -13)
    # no shown cell of one or two days: each cohort row (and its return day) is hidden
    assert not any(w.covered(d, shift(d, 1)) for d in day_range(lo, hi))
    filters = {"all": None, "other": w.others, "us": PROTECTED}
    aliases = {
        f"{cohort}_{name}": (
            "userRetention(filter: "
            f"{filter_text(lo, hi, regions=regions, extra=f'cohort: {cohort}')})"
            " { cohorts(period: DAY_1) { date cohortSize retained } }"
        )
        for cohort in ("ACTIVE", "NEW")
        for name, regions in filters.items()
        if not (gateway.fewer and cohort == "NEW" and name == "us")
    }
    aliases["total"] = (
        f"userBehavior(filter: {filter_text(lo, hi)}) {{ totalUsers {{ value series"
        " { date value } } }"
    )
    answers = await ask(gateway, w, aliases, per_request=7)
    problems: list[str] = []
    for cohort in ("ACTIVE", "NEW"):
        rows = {
            name: {r["date"]: r for r in answers[f"{cohort}_{name}"]["cohorts"]}
            for name in filters
            if f"{cohort}_{name}" in answers
        }
        assert list(rows["all"]) == [str(d) for d in day_range(lo, hi)]
        for d in day_range(lo, hi):
            row, other = rows["all"][str(d)], rows["other"][str(d)]
            back = shift(d, 1)
            if cohort == "ACTIVE":
                members = kept_users(w, d)
                us_members = us_mask(w, d)
                size = members.bit_count()
                retained = (members & kept_users(w, back)).bit_count()
                hidden = (us_members & ~members_of_other(w, d)).bit_count()
                returns = (members & us_mask(w, back) & ~kept_users(w, back)).bit_count()
            else:
                size = w.figure("newUsers", d, d)
                retained = None
                hidden = w.figure("newUsers", d, d, included={d}, regions="us")
                returns = 0
            if row["cohortSize"] != size or (retained is not None and row["retained"] != retained):
                problems.append(
                    f"{cohort} cohort {d}: got {row['cohortSize']} / {row['retained']}, "
                    f"expected {size} / {retained}: the day's US members are {hidden} and "
                    f"{returns} members return only in the US"
                )
            if (row["cohortSize"], row["retained"]) != (other["cohortSize"], other["retained"]):
                problems.append(
                    f"{cohort} cohort {d}: all regions {row} minus the other regions {other} "
                    f"(the day's US members: {hidden})"
                )
            if "us" in rows:
                us = rows["us"][str(d)]
                if us["cohortSize"] not in (None, 0) or us["retained"] not in (None, 0):
                    problems.append(f"{cohort} cohort {d} of US only: {us} ({hidden} US)")
    total = answers["total"]["totalUsers"]
    points = by_date(total["series"])
    teeth = 0
    for d in day_range(lo, hi):
        expected = w.figure("totalUsers", None, d, included=w.covered(None, d))
        with_day = w.figure("totalUsers", None, d, included=w.covered(None, d) | {d})
        teeth += with_day > expected
        if points[d] != expected:
            problems.append(
                f"totalUsers on {d}: got {points[d]}, expected {expected} (with the day's US"
                f" rows it would be {with_day})"
            )
    assert teeth, "no day had US users to hide from the till-date total"
    assert total["value"] == points[hi]
    assert not problems, "\n".join(problems)


def kept_users(w: World, day: D) -> int:
    """Users with a session of the day that an answer of that day alone keeps."""
    mask = 0
    covered = w.covered(day, day)
    for os in OS_VALUES:
        mask |= w.users.get((day, os, False), 0)
        if day in covered:
            mask |= w.users.get((day, os, True), 0)
    return mask


def us_mask(w: World, day: D) -> int:
    mask = 0
    for os in OS_VALUES:
        mask |= w.users.get((day, os, True), 0)
    return mask


def members_of_other(w: World, day: D) -> int:
    mask = 0
    for os in OS_VALUES:
        mask |= w.users.get((day, os, False), 0)
    return mask


DISTRIBUTION_SQL = """
SELECT v AS key, count(*) AS users FROM (
    SELECT DISTINCT ON (user_id) user_id, {column} AS v FROM launches
    WHERE app_id = $1 AND success AND (started_at AT TIME ZONE 'UTC')::date BETWEEN $2 AND $3
      AND (NOT region = ANY($4::text[])
           OR (started_at AT TIME ZONE 'UTC')::date = ANY($5::date[]))
      AND ($6::text[] IS NULL OR region = ANY($6::text[]))
    ORDER BY user_id, started_at DESC, launch_id DESC
) latest GROUP BY v
"""


@contextlib.asynccontextmanager
async def timed_gateway(url: str, path: str) -> AsyncIterator[Gateway]:
    """The gateway as it is served: every statement cancelled after the default
    MINIS_STATEMENT_TIMEOUT_MS (10 s)."""
    settings = Settings(derived=path == "derived")
    pool = await create_pool(url, max_size=4, statement_timeout_ms=settings.statement_timeout_ms)
    try:
        app = gateway_app(pool=pool, model=MODEL, settings=settings, today=DEMO_TODAY)
        async with client_of(app) as client:
            yield Gateway(client, path)
    finally:
        await pool.close()


@pytest.mark.parametrize(("path", "app"), cases())
async def test_distributions_count_no_hidden_days_us_users(
    path: str, app: str, worlds: dict[str, World], db: asyncpg.Connection, demo_world_url: str
) -> None:
    """Users under the value of their latest session: a hidden day's US session is no
    session, neither for the US row of the region distribution nor for the gender of its
    user. Asked with the served statement timeout: from raw rows, a distribution's statement
    decides the cells again for every day of its range."""
    w = worlds[app]
    t = target_of(app, w)
    fewer = path == "raw"
    ranges = [t.hidden] if fewer else [t.shown, t.hidden]
    dimensions = {"REGION": "region", "GENDER": "gender"}
    aliases = {
        f"{by}_{who}_{i}": (
            f"userProfile(filter: {filter_text(lo, hi, regions=regions)}) "
            f"{{ distribution(by: {by}) {{ key users }} }}"
        )
        for i, (lo, hi) in enumerate(ranges)
        for by in dimensions
        for who, regions in (("all", None), ("us", PROTECTED))
        if not (who == "us" and by == "REGION") and not (fewer and (who, by) != ("all", "REGION"))
    }
    async with timed_gateway(demo_world_url, path) as gateway:
        answers = await ask(gateway, w, aliases)
    problems: list[str] = []
    for i, (lo, hi) in enumerate(ranges):
        cov = sorted(w.covered(lo, hi))
        for by, column in dimensions.items():
            sql = DISTRIBUTION_SQL.format(column=column)
            for who, regions in (("all", None), ("us", PROTECTED)):
                if f"{by}_{who}_{i}" not in answers:
                    continue
                got = {r["key"]: r["users"] for r in answers[f"{by}_{who}_{i}"]["distribution"]}
                rows = await db.fetch(sql, app, lo, hi, PROTECTED, cov, regions)
                expected = {r["key"]: r["users"] for r in rows}
                rows = await db.fetch(sql, app, lo, hi, PROTECTED, day_range(lo, hi), regions)
                with_us = {r["key"]: r["users"] for r in rows}
                if got != expected:
                    problems.append(
                        f"{lo}..{hi} distribution by {by} ({who}): got {got}, expected "
                        f"{expected} (with every US session: {with_us})"
                    )
        if not cov:
            assert "US" not in {r["key"] for r in answers[f"REGION_all_{i}"]["distribution"]}
            assert answers.get(f"GENDER_us_{i}", {}).get("distribution", []) == []
    assert not problems, "\n".join(problems)


# -- 5. tables, funnel steps and CSV downloads ----------------------------------------------

PRODUCTS_SQL = """
SELECT product_name AS key, count(*) AS orders, sum(beans) AS beans FROM orders
WHERE app_id = $1 AND order_type = 'purchase'
  AND (created_at AT TIME ZONE 'UTC')::date BETWEEN $2 AND $3
  AND (NOT region = ANY($4::text[]) OR (created_at AT TIME ZONE 'UTC')::date = ANY($5::date[]))
GROUP BY product_id, product_name
"""
ERRORS_SQL = """
SELECT api || ' ' || domain || ' ' || error_code AS key, count(*) AS count FROM network_calls
WHERE app_id = $1 AND NOT ok AND (occurred_at AT TIME ZONE 'UTC')::date BETWEEN $2 AND $3
  AND (NOT region = ANY($4::text[]) OR (occurred_at AT TIME ZONE 'UTC')::date = ANY($5::date[]))
GROUP BY api, domain, error_code
"""
STEPS_SQL = """
SELECT step AS key, count(*) AS pv FROM funnel_events
WHERE app_id = $1 AND (step <> 'order' OR order_type = 'consumption')
  AND (occurred_at AT TIME ZONE 'UTC')::date BETWEEN $2 AND $3
  AND (NOT region = ANY($4::text[]) OR (occurred_at AT TIME ZONE 'UTC')::date = ANY($5::date[]))
GROUP BY step
"""


async def truth(
    db: asyncpg.Connection, sql: str, app: str, lo: D, hi: D, days: Iterable[D]
) -> dict[str, dict[str, Any]]:
    rows = await db.fetch(sql, app, lo, hi, PROTECTED, sorted(days))
    return {r["key"]: {k: v for k, v in r.items() if k != "key"} for r in rows}


@pytest.mark.parametrize(("gateway", "app"), cases(), indirect=["gateway"])
async def test_tables_and_funnel_steps_over_shifted_ranges_isolate_no_hidden_day(
    gateway: Gateway, app: str, worlds: dict[str, World], db: asyncpg.Connection
) -> None:
    w = worlds[app]
    t = target_of(app, w)
    ranges = range_attacks(t, fewer=True)
    del ranges["B"], ranges["B less its last day"]
    if t.kind == "game":
        tables = {
            "products": (
                "iapOrders",
                "topProducts { rows { productName orders beans } }",
                PRODUCTS_SQL,
            ),
            "errors": (
                "network",
                "errors(limit: 100) { totalCount rows { api domain errorCode count } }",
                ERRORS_SQL,
            ),
        }
    else:
        tables = {
            "steps": ("conversionFunnel", "steps { step pv suppressed }", STEPS_SQL),
        }
    extra = {"conversionFunnel": "orderType: CONSUMPTION"}
    aliases: dict[str, str] = {}
    for i, (lo, hi) in enumerate(ranges.values()):
        for name, (module, fields, _) in tables.items():
            aliases[f"{name}_{i}"] = (
                f"{module}(filter: {filter_text(lo, hi, extra=extra.get(module, ''))}) "
                f"{{ {fields} }}"
            )
    hidden_range = t.hidden
    for name, (module, fields, _) in tables.items():
        text = filter_text(*hidden_range, regions=PROTECTED, extra=extra.get(module, ""))
        aliases[f"{name}_us"] = f"{module}(filter: {text}) {{ {fields} }}"
    answers = await ask(gateway, w, aliases)
    problems: list[str] = []
    hides: list[bool] = []
    for i, (range_name, (lo, hi)) in enumerate(ranges.items()):
        cov = w.covered(lo, hi)
        for name, (_, _, sql) in tables.items():
            expected = await truth(db, sql, app, lo, hi, cov)
            with_us = await truth(db, sql, app, lo, hi, day_range(lo, hi))
            got = table_rows(name, answers[f"{name}_{i}"])
            for key, figures in got.items():
                if figures != expected.get(key):
                    problems.append(
                        f"{name} {range_name} {lo}..{hi} {key}: got {figures}, expected "
                        f"{expected.get(key)} (with all its US rows: {with_us.get(key)})"
                    )
            if name == "errors":
                assert set(got) == set(expected)
                assert answers[f"{name}_{i}"]["errors"]["totalCount"] == len(expected)
            elif name == "steps":
                assert set(got) == set(expected)
            else:  # the ten best sellers by orders
                assert len(got) == min(10, len(expected))
                least = min(f["orders"] for f in got.values())
                assert all(f["orders"] <= least for k, f in expected.items() if k not in got)
            hides.append(with_us != expected)
    assert any(hides), "no US rows to hide"
    for name in tables:
        got = table_rows(name, answers[f"{name}_us"])
        if any(v is not None and v != 0 for figures in got.values() for v in figures.values()):
            problems.append(f"{name} of US only over {hidden_range}, hidden: {got}")
    assert not problems, "\n".join(problems)


def table_rows(name: str, answer: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    if name == "products":
        return {
            r["productName"]: {"orders": r["orders"], "beans": r["beans"]}
            for r in answer["topProducts"]["rows"]
        }
    if name == "errors":
        return {
            f"{r['api']} {r['domain']} {r['errorCode']}": {"count": r["count"]}
            for r in answer["errors"]["rows"]
        }
    return {r["step"]: {"pv": r["pv"]} for r in answer["steps"]}


def csv_rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text)))


def number(text: str) -> float | None:
    return float(text) if text else None


@pytest.mark.parametrize(("gateway", "app"), cases(), indirect=["gateway"])
async def test_csv_downloads_carry_no_hidden_figure(
    gateway: Gateway, app: str, worlds: dict[str, World]
) -> None:
    w = worlds[app]
    t = target_of(app, w)
    lo, hi = t.shown
    cov = w.covered(lo, hi)
    base = f"/csv/{t.kind}/{app}/userBehavior"
    http = gateway.client.http
    problems: list[str] = []
    # a shown US answer's series: each line judged by its own day
    series = csv_rows(await http.get(f"{base}/{t.sessions}?start={lo}&end={hi}&regions=US"))
    assert series[0] == ["date", t.sessions]
    assert [r[0] for r in series[1:]] == [str(d) for d in day_range(lo, hi)]
    for date, value in series[1:]:
        d = D.fromisoformat(date)
        day_cov = w.covered(d, d)
        expected = w.figure(t.sessions, d, d, included=day_cov, regions="us") if day_cov else None
        if number(value) != expected:
            hidden = w.figure(t.sessions, d, d, included={d}, regions="us")
            problems.append(f"series CSV {d}: {value!r}, the day's true US figure is {hidden}")
    # region breakdowns of the shown range, and of a hidden range
    for a, b in [] if gateway.fewer else [(lo, hi), t.hidden]:
        days = w.covered(a, b)
        table = csv_rows(await http.get(f"{base}/activeUsers?start={a}&end={b}&by=REGION&limit=20"))
        assert table[0] == ["key", "activeUsers", "share"]
        us = {r[0]: number(r[1]) for r in table[1:]}.get("US")
        hidden = w.figure("activeUsers", a, b, included=day_range(a, b), regions="us")
        expected = w.figure("activeUsers", a, b, included=days, regions="us") if days else None
        if us != expected and not (expected is None and us == 0):
            problems.append(f"region breakdown CSV {a}..{b}: US line {us}, its true US {hidden}")
    # the OS breakdown of the shown US answer: a line only for os slices shown
    table = (
        csv_rows(await http.get(f"{base}/{t.sessions}?start={lo}&end={hi}&by=OS&regions=US"))
        if not gateway.fewer
        else [[]]
    )
    for key, value, *_ in table[1:]:
        os_cov = w.covered(lo, hi, key)
        expected = w.figure(t.sessions, lo, hi, os=key, included=os_cov, regions="us")
        if number(value) != (expected if os_cov else None) and not (
            not os_cov and number(value) == 0
        ):
            hidden = w.figure(t.sessions, lo, hi, os=key, included=cov, regions="us")
            problems.append(f"OS breakdown CSV of US, {key}: {value!r}, its true US {hidden}")
    # a table and the funnel of US only over a hidden range
    a, b = t.hidden
    if t.kind == "game":
        table = csv_rows(
            await http.get(f"/csv/game/{app}/iapOrders/topProducts?start={a}&end={b}&regions=US")
        )
        header = table[0]
        figures = [header.index("orders"), header.index("beans")]
        lines = [r for r in table[1:] if any(r[i] not in ("", "0") for i in figures)]
    else:
        table = csv_rows(
            await http.get(
                f"/csv/drama/{app}/conversionFunnel/steps?start={a}&end={b}"
                "&regions=US&orderType=CONSUMPTION"
            )
        )
        assert table[1:], "the funnel lists its steps"
        header = table[0]
        lines = [r for r in table[1:] if r[header.index("pv")] not in ("", "0")]
    if lines:
        problems.append(f"{table[0]} of US only over {a}..{b} (hidden): {lines}")
    assert not problems, "\n".join(problems)


# -- the generic form: many ranges, several os filters --------------------------------------

WINDOW = (shift(REPORTING_DAY, -34), REPORTING_DAY)  # the ends: 5 weeks
GENERIC_APP = "tile_kingdom"
GENERIC = {"userBehavior": ("activeUsers", "launchedSessions"), "iapOrders": ("gmv",)}
Answer = tuple[D, D, str | None, str]  # (start, end, os, module)


def generic_ranges(fewer: bool) -> list[tuple[D, D, str | None]]:
    """Ranges ending in WINDOW: for every os, on each Sunday (a week's last day) and on three
    Saturdays (the day before), for one os on three Sundays; each starting on every Monday and
    Tuesday (a block's first day and the day after it) within 90 days. The raw path: a
    shown 4-week block of every os, and the same block of one os (whose cell the rule hides
    beside the shown weeks inside it)."""
    if fewer:
        return [(D(2026, 10, 5), D(2026, 11, 1), None), (D(2026, 10, 5), D(2026, 11, 1), "android")]
    found: list[tuple[D, D, str | None]] = []
    sundays = [d for d in day_range(*WINDOW) if d.weekday() == 6]
    saturdays = [d for d in day_range(*WINDOW) if d.weekday() == 5]
    for os, ends in (
        (None, sorted([*sundays, *saturdays[::2]])),
        *((os, sundays[1:4]) for os in OS_VALUES),
    ):
        for end in ends:
            starts = [d for d in day_range(shift(end, -89), end) if d.weekday() in (0, 1)]
            found.extend((start, end, os) for start in starts)
    return found


def asks_gmv(lo: D, hi: D, os: str | None, fewer: bool) -> bool:
    """GMV is asked of every-os ranges ending on a Sunday (on the derived path)."""
    return not fewer and os is None and hi.weekday() == 6


@pytest.fixture(scope="module")
def generic_answers() -> dict[str, dict[Answer, dict[str, Any]]]:
    """The generic form's answers, asked once per path (the tests below share them)."""
    return {}


async def collect(
    gw: Gateway, w: World, cache: dict[str, dict[Answer, dict[str, Any]]]
) -> dict[Answer, dict[str, Any]]:
    if gw.path in cache:
        return cache[gw.path]
    aliases: dict[str, str] = {}
    keys: dict[str, Answer] = {}
    for lo, hi, os in generic_ranges(gw.fewer):
        for module, metrics in GENERIC.items():
            if module == "iapOrders" and not asks_gmv(lo, hi, os, gw.fewer):
                continue
            fields = " ".join(f"{m} {{ value previous {PROTECTED_FIELDS} }}" for m in metrics)
            plain = " ".join(f"{m} {{ value previous }}" for m in metrics)
            n = len(keys)
            aliases[f"a{n}"] = f"{module}(filter: {filter_text(lo, hi, os=os)}) {{ {fields} }}"
            aliases[f"o{n}"] = (
                f"{module}(filter: {filter_text(lo, hi, os=os, regions=w.others)}) {{ {plain} }}"
            )
            keys[f"a{n}"] = (lo, hi, os, module)
    got = await ask(gw, w, aliases, per_request=12)
    cache[gw.path] = {
        key: {"all": got[alias], "other": got["o" + alias[1:]]} for alias, key in keys.items()
    }
    return cache[gw.path]


@pytest.fixture
async def generic(
    gateway: Gateway,
    worlds: dict[str, World],
    generic_answers: dict[str, dict[Answer, dict[str, Any]]],
) -> tuple[World, dict[Answer, dict[str, Any]]]:
    """The generic form's app and its answers on the gateway's path."""
    w = worlds[GENERIC_APP]
    return w, await collect(gateway, w, generic_answers)


@pytest.mark.parametrize("gateway", PATHS, indirect=True)
async def test_many_ranges_include_exactly_the_reference_days(
    generic: tuple[World, dict[Answer, dict[str, Any]]],
) -> None:
    w, answers = generic
    problems: list[str] = []
    for (lo, hi, os, module), answer in answers.items():
        plo, phi = previous_of(lo, hi)
        cov, pcov = w.covered(lo, hi, os), w.covered(plo, phi, os)
        days = (hi - lo).days + 1
        for m in GENERIC[module]:
            protected = answer["all"][m]["protected"]
            got, pgot = span_days(protected["included"]), span_days(protected["previousIncluded"])
            if got != cov or pgot != pcov:
                problems.append(
                    f"{lo}..{hi} os {os} {m}: included {show(got)} previous {show(pgot)}, "
                    f"expected {show(cov)} and {show(pcov)}"
                )
            assert protected["complete"] == (len(cov) == days), (lo, hi, os, m)
            comparable = {shift(d, days) for d in pcov} == cov
            assert protected["comparable"] == comparable, (lo, hi, os, m)
    assert any(w.covered(lo, hi, os) for lo, hi, os, _ in answers), "no answer includes US"
    assert not problems, f"{len(problems)} answers:\n" + "\n".join(problems[:20])


@pytest.mark.parametrize("gateway", PATHS, indirect=True)
async def test_many_ranges_all_regions_minus_the_others_are_the_included_us_rows(
    generic: tuple[World, dict[Answer, dict[str, Any]]],
) -> None:
    w, answers = generic
    problems: list[str] = []
    for (lo, hi, os, module), answer in answers.items():
        plo, phi = previous_of(lo, hi)
        for m in GENERIC[module]:
            for period, (a, b) in (("value", (lo, hi)), ("previous", (plo, phi))):
                days = w.covered(a, b, os)
                everyone = answer["all"][m][period]
                other = answer["other"][m][period]
                hidden = w.figure(m, a, b, os=os, included=day_range(a, b), regions="us")
                expected = w.figure(m, a, b, os=os, included=days)
                if other != w.figure(m, a, b, os=os, regions="other"):
                    problems.append(f"{a}..{b} os {os} {m} of the other regions: {other}")
                if everyone != expected:
                    problems.append(
                        f"{a}..{b} os {os} {m}: {everyone}, expected {expected} "
                        f"(US of {show(days)}; all its US: {hidden})"
                    )
                us = w.figure(m, a, b, os=os, included=days, regions="us")
                if m in SUMS and everyone - other != us:
                    problems.append(
                        f"{a}..{b} os {os} {m}: all regions minus the others is "
                        f"{everyone - other}, the US rows of {show(days)} are {us} (all its "
                        f"US: {hidden})"
                    )
    assert not problems, f"{len(problems)} figures:\n" + "\n".join(problems[:20])


Contents = dict[frozenset[tuple[D, str]], str]  # an answer's US pieces, and which answer


def generated_atoms(
    answers: Mapping[Answer, Mapping[str, Any]],
) -> tuple[Contents, list[frozenset[tuple[D, str]]]]:
    """The US contents of the answers (as pieces: day, os), each with the first answer (value
    or previous) that has it, and the atoms they generate."""
    contents: Contents = {}
    for (lo, hi, os, module), answer in answers.items():
        for m in GENERIC[module]:
            protected = answer["all"][m]["protected"]
            for key, (a, b) in (("included", (lo, hi)), ("previousIncluded", previous_of(lo, hi))):
                pieces = pieces_of(span_days(protected[key]), os)
                contents.setdefault(pieces, f"{a}..{b} os {os or 'all'}")
    return contents, atoms(contents)


@pytest.mark.parametrize("gateway", PATHS, indirect=True)
async def test_many_ranges_generate_no_atom_below_the_threshold(
    generic: tuple[World, dict[Answer, dict[str, Any]]],
) -> None:
    """The issue's condition: every atom of the partition that the answers' US contents
    generate (pieces of US rows, by day and os, lying in exactly the same answers) has no US
    user or at least the threshold. Each atom below it is listed with the smallest answer of
    every os and the smallest of one os that hold it."""
    w, answers = generic
    contents, found = generated_atoms(answers)
    assert len(found) > 1
    small = []
    for atom in found:
        users = w.us_users(atom)
        if 0 < users < THRESHOLD:
            holders = sorted(
                (len(s), label, show({d for d, _ in s}))
                for s, label in contents.items()
                if atom <= s
            )
            every = next((h for h in holders if h[1].endswith("os all")), None)
            one = next((h for h in holders if not h[1].endswith("os all")), None)
            oses = sorted({o for _, o in atom})
            small.append(
                f"US of {show({d for d, _ in atom})} on {oses}: {users} users, where the "
                + " and the ".join(f"{h[1]} answer (US of {h[2]})" for h in (every, one) if h)
                + " meet"
            )
    assert not small, (
        f"{len(small)} of {len(found)} atoms generated by {len(contents)} distinct US"
        " contents are below the threshold:\n" + "\n".join(sorted(small))
    )


@pytest.mark.parametrize("gateway", PATHS, indirect=True)
async def test_many_ranges_sum_to_no_atom_below_the_threshold(
    generic: tuple[World, dict[Answer, dict[str, Any]]],
) -> None:
    """For sums (sessions, GMV), what differences of answers give exactly: no atom below the
    threshold is a linear combination of the answers' US contents."""
    w, answers = generic
    contents, found = generated_atoms(answers)
    vectors = [[1 if atom <= s else 0 for atom in found] for s in contents]
    isolated = []
    for i, atom in enumerate(found):
        users = w.us_users(atom)
        if 0 < users < THRESHOLD and in_span(vectors, [int(j == i) for j in range(len(found))]):
            isolated.append(
                f"{show({d for d, _ in atom})} {sorted({o for _, o in atom})}: {users} US users"
            )
    assert not isolated, "sums of answers isolate:\n" + "\n".join(isolated)
