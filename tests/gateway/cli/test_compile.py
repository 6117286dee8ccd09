"""`minis compile` prints a script an analyst can run in psql as it is."""

from __future__ import annotations

import ast
import datetime as dt

import asyncpg
import pytest
from click.testing import CliRunner

from gateway.cli import main
from gateway.storage.clickhouse.client import connect
from gateway.storage.clickhouse.copy import copy_events
from gateway.storage.clickhouse.migrate import migrate
from gateway.storage.refresh import refresh
from semantic.engines.clickhouse import SETTINGS
from semantic.loader import load_model
from tests.semantic import world


def compile_script(*args: str) -> str:
    result = CliRunner().invoke(
        main,
        ["--today", "2026-10-21", "compile", "--app", "g1", *args],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.output


ACTIVE_USERS_AND_SESSIONS = (
    "--module",
    "user_behavior",
    "--kind",
    "game",
    "--range",
    "2026-10-11:2026-10-14",
    "--metrics",
    "active_users,launched_sessions",
)


async def test_the_printed_script_runs_and_gives_the_metrics(db: asyncpg.Connection) -> None:
    await world.build(db)
    await refresh(db, model=load_model(), reporting_day=dt.date(2026, 10, 20))
    query = (*ACTIVE_USERS_AND_SESSIONS, "--regions", "gb,br", "--no-series")
    derived, raw = compile_script(*query), compile_script(*query, "--raw")
    assert derived == compile_script(*query, "--derived")  # the default
    assert "minis_rollup" in derived and "minis_rollup" not in raw
    for script in (derived, raw):
        current = await _run_script(db, script)
        assert (current["active_users"], current["launched_sessions"]) == (3, 4)  # l04-l06 l08


async def _run_script(db: asyncpg.Connection, script: str) -> asyncpg.Record:
    """Run the script's statements one by one, as psql does; the current-range row."""
    prepare, execute, deallocate = (s.strip() for s in script.strip().split(";\n"))
    assert prepare.startswith("PREPARE minis_") and execute.startswith("EXECUTE minis_")
    assert deallocate.startswith("DEALLOCATE minis_")
    await db.execute(prepare)
    rows = await db.fetch(execute)
    await db.execute(deallocate.rstrip(";"))
    return next(r for r in rows if r["grain_id"] == 0)


async def test_scripts_pasted_one_after_another_each_run_their_own_query(
    db: asyncpg.Connection,
) -> None:
    await world.build(db)
    common = ["--module", "user_behavior", "--kind", "game", "--no-series"]
    first = compile_script(*common, "--range", "2026-10-11:2026-10-14", "--metrics", "active_users")
    second = compile_script(*common, "--range", "2026-10-11:2026-10-11", "--metrics", "new_users")
    assert first.split()[1] != second.split()[1]  # the statements' names differ
    for script in (first, second, first):  # one session, and the same script again
        current = await _run_script(db, script)
        assert set(current.keys()) >= ({"active_users"} if script is first else {"new_users"})


def test_views_compile() -> None:
    for args in (
        ["--module", "user_retention", "--kind", "game", "--view", "retention"],
        ["--module", "network", "--view", "table:errors"],
        ["--module", "conversion_funnel", "--view", "funnel"],
    ):
        app = ["--app", "d1"] if "conversion_funnel" in args else []
        script = compile_script(*args, *app, "--range", "2026-10-11:2026-10-14")
        assert "\nEXECUTE minis_" in script and "\nDEALLOCATE minis_" in script


@pytest.mark.parametrize("explain", [[], ["--explain"]], ids=["sql", "explain"])
def test_an_unknown_metric_is_a_clear_error(explain: list[str]) -> None:
    result = CliRunner().invoke(
        main,
        [
            "compile",
            "--app",
            "g1",
            "--module",
            "launch",
            "--kind",
            "game",
            "--range",
            "2026-10-11:2026-10-14",
            "--metrics",
            "gmv",
            *explain,
        ],
    )
    assert result.exit_code == 1 and "module launch has no metric gmv" in result.output


def test_names_are_taken_in_snake_case_or_as_graphql_writes_them() -> None:
    days = ("--kind", "game", "--range", "2026-10-11:2026-10-14")
    for snake, camel in (
        (
            ["--module", "ad_performance", "--metrics", "load_failure_rate,display_failures"],
            ["--module", "adPerformance", "--metrics", "loadFailureRate,displayFailures"],
        ),
        (
            ["--module", "iap_orders", "--view", "table:top_products"],
            ["--module", "iapOrders", "--view", "table:topProducts"],
        ),
        (
            ["--module", "user_source", "--breakdown", "entry_source"],
            ["--module", "userSource", "--breakdown", "entrySource"],
        ),
    ):
        scripts = [compile_script(*names, *days) for names in (camel, snake)]
        # (the first command of a process may print sqlglot's warnings first)
        assert len({s[s.index("PREPARE") :] for s in scripts}) == 1


def explained(*args: str) -> list[list[str]]:
    """The rows of `minis compile --explain`, split into their columns (two spaces or more
    apart), without the header and the last line; also checks those."""
    lines = compile_script(*args, "--explain").splitlines()
    lines = lines[next(i for i, line in enumerate(lines) if line.startswith("measure ")) :]
    assert lines[0].split() == ["measure", "table", "grouping", "set", "reason"]
    rows = [[cell.strip() for cell in line.split("  ") if cell.strip()] for line in lines[1:-1]]
    derived = sum(1 for row in rows if row[1] != "raw rows")
    assert lines[-1] == f"{derived} of {len(rows)} measures from derived tables"
    return rows


def test_explain_says_which_table_answers_each_measure() -> None:
    rows = explained(
        "--module", "userBehavior", "--kind", "drama", "--range", "2026-10-11:2026-10-14"
    )
    by_measure = {row[0]: row[1:] for row in rows}
    assert by_measure["sessions.sessions"] == ["minis_rollup_cells", "all", "rollup"]
    assert by_measure["sessions.users"] == ["minis_rollup_bitmaps", "all", "rollup"]
    median = by_measure["sessions.median_duration_per_user"]
    assert median[:2] == ["raw rows", "-"] and median[2].startswith("declared raw-only: ")
    assert len(rows) == len(by_measure)  # each measure once


def test_explain_names_the_grouping_set_the_filters_and_breakdown_need() -> None:
    rows = explained(*ACTIVE_USERS_AND_SESSIONS, "--regions", "GB", "--breakdown", "os")
    assert {row[0]: tuple(row[1:]) for row in rows} == {
        "sessions.users": ("minis_rollup_bitmaps", "os, region", "rollup"),
        "sessions.sessions": ("minis_rollup_cells", "os, region", "rollup"),
    }


def test_explain_with_raw_reads_only_raw_rows() -> None:
    rows = explained(
        "--module", "overview", "--kind", "game", "--range", "2026-10-11:2026-10-14", "--raw"
    )
    assert rows and all(
        row[1:] == ["raw rows", "-", "derived tables are not current for this app"] for row in rows
    )


def test_explain_matches_the_routes_the_gateway_takes() -> None:
    """Every module's explanation is the compiler's routing, measure by measure."""
    from semantic.compiler import metric_routes
    from semantic.query import DateRange, MetricQuery, Scope
    from semantic.rollups import plan_for

    model = load_model()
    span = DateRange(start=dt.date(2026, 10, 11), end=dt.date(2026, 10, 14))
    for (kind, name), module in model.modules.items():
        if not module.metrics:
            continue
        scope = Scope(
            app_id="g1",
            kind=kind,
            module=name,
            range=span,
            reporting_day=dt.date(2026, 10, 20),
            derived_through=span.end,
        )
        query = MetricQuery(scope=scope, metrics=tuple(m.name for m in module.metrics))
        expected = [
            [r.ref.name, r.table, (", ".join(r.grouped) or "all") if r.rollup else "-", r.reason]
            for r in metric_routes(model, query, plan_for(model))
        ]
        got = explained("--module", name, "--kind", kind.value, "--range", "2026-10-11:2026-10-14")
        assert got == expected, name


def test_explain_of_retention_names_the_bitmaps_and_of_a_funnel_raw_rows() -> None:
    output = compile_script(
        "--module",
        "user_retention",
        "--kind",
        "game",
        "--view",
        "retention",
        "--range",
        "2026-10-11:2026-10-14",
        "--explain",
    )
    assert output.splitlines()[-1] == (
        "retention: minis_rollup_bitmaps (cohorts of first_sessions by all; returns of "
        "sessions, all)"
    )
    funnel = compile_script(
        "--module",
        "conversion_funnel",
        "--kind",
        "drama",
        "--view",
        "funnel",
        "--range",
        "2026-10-11:2026-10-14",
        "--explain",
    )
    assert funnel.splitlines()[-1] == (
        "funnel: raw rows (distributions, funnels and tables are read from the raw rows)"
    )


async def test_the_clickhouse_script_runs_on_clickhouse_and_gives_the_metrics(
    db: asyncpg.Connection,
) -> None:
    await world.build(db)
    query = (*ACTIVE_USERS_AND_SESSIONS, "--regions", "gb,br", "--no-series")
    script = compile_script(*query, "--engine", "clickhouse")
    statement, _, rest = script.partition("\nSETTINGS ")
    assert "FINAL" in statement and "$1" not in statement
    params = {}
    for line in rest.splitlines()[1:]:
        name, _, value = line.removeprefix("-- --param_").partition("=")
        params[name] = ast.literal_eval(value)
    client = await connect("chdb://")
    try:
        await migrate(client)
        await copy_events(db, client)
        rows = await client.query(statement, params, settings=SETTINGS)
    finally:
        await client.close()
    current = next(r for r in rows if r["grain_id"] == 0)
    assert (current["active_users"], current["launched_sessions"]) == (3, 4)  # l04-l06 l08
