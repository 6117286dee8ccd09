"""`minis refresh` on the hand-built world (tests/semantic/world.py), each test in a database
of its own: idempotent, incremental with late data, safe when killed, correct for readers
while it runs; and every measure answered from a rollup unless it is declared raw-only."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from gateway.schema.naming import camel
from semantic.compiler import metric_routes
from semantic.model import MeasureRef, Module, SemanticModel
from semantic.query import DateRange, FilterValue, MetricQuery, Scope
from semantic.rollups import bitmap_of, partials_of, plan_for, user_of
from tests.gateway.cli.test_serve import clean_environment, minis_command
from tests.gateway.storage.conftest import (
    CORE_MODULES,
    REPORTING_DAY,
    TODAY,
    Gateways,
    core_queries,
    current,
    derived_contents,
    gateways_over,
    late_launch,
    launch_modules,
    load_launches,
    module_queries,
    rebuilt,
    refreshed,
    row_versions,
)
from tests.semantic import world

G1, D1, G0 = world.APP, world.DRAMA, world.UNRELEASED
OCT = dt.date(2026, 10, 1)


def day(n: int) -> dt.date:
    return OCT.replace(day=n)


# Late rows of g1: one long before the late window (10-18..10-20), one inside it, one between.
LATE = [
    late_launch("x01", "u2", day(3), os="android", region="GB"),  # u2's first day moves back
    late_launch("x02", "u6", day(19), os="ios", region="US"),  # a new user, in the window
    late_launch("x03", "u7", day(13), os="android", region="BR", entry_source="search"),
]
EARLIEST_LATE = day(3)


async def test_a_second_refresh_finds_every_app_up_to_date_and_changes_nothing(
    world_db: asyncpg.Connection, model: SemanticModel
) -> None:
    first = await refreshed(world_db, model)
    assert {a.app_id: a.full for a in first.apps} == {D1: True, G0: True, G1: True}
    built = await derived_contents(world_db)
    assert built["minis_rollup_cells"] and built["minis_rollup_bitmaps"]
    for late_days in (3, 30):  # however wide the late window
        again = await refreshed(world_db, model, late_days=late_days)
        assert rebuilt(again) == {D1: None, G0: None, G1: None}
        assert again.describe().count("up to date") == 3
        assert await derived_contents(world_db) == built


async def test_loading_rows_already_stored_keeps_the_derived_tables_current(
    world_db: asyncpg.Connection, model: SemanticModel, tmp_path: Path
) -> None:
    await load_launches(world_db, tmp_path, LATE)
    await refreshed(world_db, model)
    built = await derived_contents(world_db)
    report = await load_launches(world_db, tmp_path, LATE)  # the same rows again
    assert sum(f.inserted for f in report.files) == 0 and report.stale_apps == ()
    assert rebuilt(await refreshed(world_db, model)) == {D1: None, G0: None, G1: None}
    assert await derived_contents(world_db) == built


async def test_late_data_is_answered_from_raw_rows_until_a_refresh_rebuilds_from_its_day(
    world_db: asyncpg.Connection,
    model: SemanticModel,
    gateways: Gateways,
    tmp_path: Path,
) -> None:
    await refreshed(world_db, model)
    queries = core_queries(model)
    before = [await gateways.derived(query) for query in queries]
    assert all(current(a, G1 if '"g1"' in q else D1) for a, q in zip(before, queries, strict=True))

    report = await load_launches(world_db, tmp_path, LATE)
    assert report.stale_apps == (G1,)
    stale = await gateways.agree(queries)
    for answer, query in zip(stale, queries, strict=True):
        if '"g1"' in query:  # every measure of g1 from raw rows, until the refresh
            assert not current(answer, G1) and answer.derived["measures"]["derived"] == 0
        else:
            assert current(answer, D1)
    assert [a.data for a in stale] != [a.data for a in before]  # the late rows count

    summary = await refreshed(world_db, model)
    assert rebuilt(summary) == {D1: None, G0: None, G1: EARLIEST_LATE}
    assert f"from {EARLIEST_LATE.isoformat()}" in summary.describe()
    # every module of g1 that reads launches, in every variant
    sweep = module_queries(model, kinds=("game",), modules=launch_modules(model, G1))
    answers = await gateways.agree(sweep)
    assert all(current(a, G1) for a in answers)
    assert sum(a.derived["measures"]["derived"] for a in answers) > 0

    # the incremental rebuild stored what a rebuild of every day stores
    incremental = await derived_contents(world_db)
    await world_db.execute("DELETE FROM minis_rollup_state WHERE app_id = $1", G1)
    full = await refreshed(world_db, model)
    assert [(a.app_id, a.full) for a in full.apps if a.rebuilt_from] == [(G1, True)]
    again = await derived_contents(world_db)
    for table in ("minis_rollup_cells", "minis_rollup_bitmaps", "minis_user_ordinals"):
        assert again[table] == incremental[table], table


async def test_a_new_reporting_day_rebuilds_only_the_late_window(
    world_db: asyncpg.Connection, model: SemanticModel, database_url: str, tmp_path: Path
) -> None:
    await refreshed(world_db, model)
    window = REPORTING_DAY + dt.timedelta(days=1 - 3)  # 10-18: the 3 late days
    untouched = await row_versions(world_db, before=window)
    old = await derived_contents(world_db)
    new_day = REPORTING_DAY + dt.timedelta(days=1)
    await load_launches(
        world_db,
        tmp_path,
        [
            late_launch("y01", "u1", new_day, os="ios", region="US"),
            late_launch("y02", "u8", new_day, os="android", region="GB"),
        ],
    )

    summary = await refreshed(world_db, model, reporting_day=new_day)
    assert rebuilt(summary) == {D1: window, G0: window, G1: window}
    assert not any(a.full for a in summary.apps)
    assert await row_versions(world_db, before=window) == untouched  # not even rewritten
    states = await world_db.fetch("SELECT app_id, built_through FROM minis_rollup_state")
    assert {r["app_id"]: r["built_through"] for r in states} == {
        D1: new_day,
        G0: new_day,
        G1: new_day,
    }
    new = await derived_contents(world_db)
    for table in ("minis_rollup_cells", "minis_rollup_bitmaps"):
        kept = [row for row in new[table] if row[DAY_COLUMN[table]] < window]
        assert kept == [row for row in old[table] if row[DAY_COLUMN[table]] < window], table
        assert any(row[DAY_COLUMN[table]] == new_day for row in new[table]), table

    async with gateways_over(database_url, model, today=new_day + dt.timedelta(days=1)) as both:
        # the presets end on the new day
        queries = module_queries(model, variants=(2, 3), modules=CORE_MODULES)
        answers = await both.agree(queries)
        assert all(
            a.derived["apps"][app]["builtThrough"] == new_day.isoformat()
            for a in answers
            for app in a.derived["apps"]
        )
        assert sum(a.derived["measures"]["derived"] for a in answers) > 0


DAY_COLUMN = {"minis_rollup_cells": 3, "minis_rollup_bitmaps": 5}  # in DERIVED_CONTENTS order


@contextlib.asynccontextmanager
async def share_locked(url: str, table: str) -> AsyncIterator[None]:
    """`table` locked in SHARE mode (rows can be read, not written) until the block ends."""
    blocker = await asyncpg.connect(url)
    try:
        async with blocker.transaction():
            await blocker.execute(f"LOCK TABLE {table} IN SHARE MODE")
            yield
    finally:
        await blocker.close()


async def _lock_waiter(
    conn: asyncpg.Connection, database: str, table: str, process: subprocess.Popen[bytes]
) -> int:
    """The backend of `process` once it waits for a lock on `table`, inside its transaction."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        pid = await conn.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'"
            " AND xact_start IS NOT NULL AND query LIKE '%' || $2 || '%'",
            database,
            table,
        )
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.05)
    output = process.communicate()[0].decode() if process.poll() is not None else ""
    raise AssertionError(f"the refresh never waited for {table}: {output}")


async def _gone(conn: asyncpg.Connection, pid: int) -> None:
    deadline = time.monotonic() + 30
    while await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
        assert time.monotonic() < deadline, "the killed refresh's backend stayed"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    "table",
    [
        "minis_user_ordinals",  # numbering the new users, before any rollup row is deleted
        "minis_rollup_bitmaps",  # the app's cells deleted, its bitmaps about to be
        "minis_rollup_frontier",  # every new cell and bitmap written, the frontier not yet
        "minis_rollup_state",  # the frontier written too, the state not yet
    ],
)
async def test_a_refresh_killed_midway_leaves_everything_as_it_was(
    world_db: asyncpg.Connection,
    model: SemanticModel,
    gateways: Gateways,
    database_url: str,
    tmp_path: Path,
    table: str,
) -> None:
    await refreshed(world_db, model)
    await load_launches(world_db, tmp_path, LATE)
    before = await derived_contents(world_db)
    queries = core_queries(model, variants=(0,))
    expected = await gateways.agree(queries)

    # hold `minis refresh` at a point inside its transaction: a lock it must wait for
    async with share_locked(database_url, table):
        command = ["--database-url", database_url, "--today", TODAY.isoformat(), "refresh"]
        process = subprocess.Popen(
            [*minis_command(), *command],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=clean_environment(),
        )
        try:
            name = urlsplit(database_url).path.lstrip("/")
            pid = await _lock_waiter(world_db, name, table, process)
            process.kill()  # SIGKILL: no cleanup of any kind
            process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    await _gone(world_db, pid)  # its backend finds the client gone and rolls back

    assert await derived_contents(world_db) == before
    answers = await gateways.answer_as(queries, expected)
    assert [a.derived for a in answers] == [a.derived for a in expected]  # g1 still raw

    summary = await asyncio.wait_for(refreshed(world_db, model), timeout=120)
    assert rebuilt(summary) == {D1: None, G0: None, G1: EARLIEST_LATE}
    answers = await gateways.answer_as(queries, expected)
    assert all(current(a, G1) for a, q in zip(answers, queries, strict=True) if '"g1"' in q)
    # the frontier it started from was whole: a new day from it stores what a rebuild does
    new_day = REPORTING_DAY + dt.timedelta(days=1)
    await load_launches(world_db, tmp_path, [late_launch("k01", "u9", new_day, region="GB")])
    summary = await refreshed(world_db, model, reporting_day=new_day)
    assert rebuilt(summary)[G1] == REPORTING_DAY - dt.timedelta(days=2)
    incremental = await derived_contents(world_db)
    await world_db.execute("DELETE FROM minis_rollup_state")
    await refreshed(world_db, model, reporting_day=new_day)
    again = await derived_contents(world_db)
    for table in ("minis_rollup_cells", "minis_rollup_bitmaps", "minis_rollup_frontier"):
        assert again[table] == incremental[table], table


async def test_answers_stay_correct_while_a_refresh_runs(
    world_db: asyncpg.Connection, model: SemanticModel, gateways: Gateways, database_url: str
) -> None:
    await refreshed(world_db, model)
    queries = core_queries(model, variants=(0,))
    expected = [a.data for a in await gateways.agree(queries)]

    async def answers_agree() -> None:
        for query, data in zip(queries, expected, strict=True):
            derived = await gateways.derived(query)
            assert derived.data == data, query
            assert all(state["current"] for state in derived.derived["apps"].values())

    refresher = await asyncpg.connect(database_url)
    try:
        async with share_locked(database_url, "minis_rollup_state"):
            # a new reporting day and a wide late window: most cells read are rewritten
            new_day = REPORTING_DAY + dt.timedelta(days=1)
            task = asyncio.create_task(
                refreshed(refresher, model, reporting_day=new_day, late_days=10)
            )
            await _wait_for_lock(world_db, refresher)
            await answers_agree()  # its first app's rollups rewritten, not committed
        rounds = 0
        while not task.done() or rounds == 0:  # while it runs on, and once more after
            await answers_agree()
            rounds += 1
        summary = await task
        assert all(a.rebuilt_from == REPORTING_DAY - dt.timedelta(days=9) for a in summary.apps)
        await answers_agree()
    finally:
        await refresher.close()


async def _wait_for_lock(conn: asyncpg.Connection, waiter: asyncpg.Connection) -> None:
    deadline = time.monotonic() + 60
    while not await conn.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'",
        waiter.get_server_pid(),
    ):
        assert time.monotonic() < deadline, "the refresh never waited"
        await asyncio.sleep(0.05)


async def test_rows_loaded_while_a_refresh_runs_are_not_taken_for_built(
    world_db: asyncpg.Connection,
    model: SemanticModel,
    gateways: Gateways,
    database_url: str,
    tmp_path: Path,
) -> None:
    await refreshed(world_db, model)
    await load_launches(world_db, tmp_path, LATE[:1])
    refresher = await asyncpg.connect(database_url)
    try:
        async with share_locked(database_url, "minis_rollup_state"):
            task = asyncio.create_task(refreshed(refresher, model))
            await _wait_for_lock(world_db, refresher)  # g1 rebuilt, not committed
            report = await load_launches(world_db, tmp_path, LATE[1:])  # commits meanwhile
            assert report.stale_apps == (G1,)
        assert rebuilt(await task) == {D1: None, G0: None, G1: EARLIEST_LATE}
    finally:
        await refresher.close()

    # built from the data before the second load: not current, so g1 is answered raw
    queries = core_queries(model, variants=(0,))
    answers = await gateways.agree(queries)
    assert not any(current(a, G1) for a, q in zip(answers, queries, strict=True) if '"g1"' in q)
    summary = await refreshed(world_db, model)
    assert rebuilt(summary) == {D1: None, G0: None, G1: EARLIEST_LATE}  # from the first load's day
    fresh = await gateways.answer_as(queries, answers)
    assert all(current(a, G1) for a, q in zip(fresh, queries, strict=True) if '"g1"' in q)


ROUTED_FILTERS: list[dict[str, FilterValue]] = [
    {},
    {"regions": ("GB",)},
    {"os": "ios"},
    {"regions": ("GB",), "os": "ios"},
]


def _scopes(model: SemanticModel) -> list[tuple[Module, Scope]]:
    """A scope for every module with metric cards and each filter of ROUTED_FILTERS it has,
    with derived tables current through the reporting day."""
    found = []
    for (kind, name), module in sorted(model.modules.items()):
        offered = {ref.name for ref in module.filters}
        for filters in ROUTED_FILTERS:
            if not module.metrics or not set(filters) <= offered:
                continue
            scope = Scope(
                app_id=G1 if kind.value == "game" else D1,
                kind=kind,
                module=name,
                range=DateRange(start=day(11), end=day(14)),
                reporting_day=REPORTING_DAY,
                filters=filters,
                derived_through=REPORTING_DAY,
            )
            found.append((module, scope))
    return found


def test_every_measure_is_answered_from_a_rollup_unless_declared_raw_only(
    model: SemanticModel,
) -> None:
    plan = plan_for(model)
    scopes = _scopes(model)
    assert len({(s.kind, s.module) for _, s in scopes}) >= 20
    raw_only: dict[str, MeasureRef] = {}
    for module, scope in scopes:
        query = MetricQuery(scope=scope, metrics=tuple(m.name for m in module.metrics))
        for route in metric_routes(model, query, plan):
            measure = model.measure(route.ref)
            where = (scope.module, dict(scope.filters), route.ref.name, route.reason)
            if measure.raw_only:
                assert route.rollup is None, where
                raw_only[route.ref.name] = route.ref
            else:
                assert route.rollup is not None, where
    assert raw_only  # medians and segment members
    for name, ref in raw_only.items():  # no rollup could answer them
        measure, source = model.measure(ref), model.sources[ref.source]
        user = user_of(model, source)
        single = user if source.first_of is not None else None
        assert partials_of(measure, one_row_per_user=single) is None, name
        assert bitmap_of(measure, user) is None, name


def test_a_raw_only_measure_is_explained_by_its_declared_reason(model: SemanticModel) -> None:
    plan = plan_for(model)
    for module, scope in _scopes(model):
        query = MetricQuery(scope=scope, metrics=tuple(m.name for m in module.metrics))
        for route in metric_routes(model, query, plan):
            declared = model.measure(route.ref).raw_only
            if declared:
                assert route.reason == f"declared raw-only: {declared}", route.ref.name


async def test_answers_say_how_many_measures_each_path_answered(
    world_db: asyncpg.Connection, model: SemanticModel, gateways: Gateways
) -> None:
    await refreshed(world_db, model)
    plan = plan_for(model)
    for module, scope in _scopes(model):
        if scope.filters:
            continue
        query = MetricQuery(scope=scope, metrics=tuple(m.name for m in module.metrics))
        routes = metric_routes(model, query, plan)
        raw = sum(1 for r in routes if model.measure(r.ref).raw_only)
        cards = " ".join(f"{camel(name)} {{ value }}" for name in query.metrics)
        answer = await gateways.derived(
            f'{{ app: {scope.kind.value}(id: "{scope.app_id}") {{ m: {camel(scope.module)}'
            f'(filter: {{range: {{start: "2026-10-11", end: "2026-10-14"}}}}) {{ {cards} }} }} }}'
        )
        assert answer.derived == {
            "apps": {scope.app_id: {"builtThrough": REPORTING_DAY.isoformat(), "current": True}},
            "measures": {"derived": len(routes) - raw, "raw": raw},
        }, scope.module
