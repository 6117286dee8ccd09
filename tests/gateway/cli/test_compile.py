"""`minis compile` prints a script an analyst can run in psql as it is."""

from __future__ import annotations

import asyncpg
from click.testing import CliRunner

from gateway.cli import main
from tests.semantic import world


def compile_script(*args: str) -> str:
    result = CliRunner().invoke(
        main,
        ["--today", "2026-10-21", "compile", "--app", "g1", *args],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.output


async def test_the_printed_script_runs_and_gives_the_metrics(db: asyncpg.Connection) -> None:
    await world.build(db)
    script = compile_script(
        "--module",
        "user_behavior",
        "--kind",
        "game",
        "--range",
        "2026-10-11:2026-10-14",
        "--metrics",
        "active_users,launched_sessions",
        "--regions",
        "gb,br",
        "--no-series",
    )
    current = await _run_script(db, script)
    assert (current["active_users"], current["launched_sessions"]) == (3, 4)  # l04 l05 l06 l08


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


def test_an_unknown_metric_is_a_clear_error() -> None:
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
