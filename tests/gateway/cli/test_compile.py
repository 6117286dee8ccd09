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
    assert script.startswith("PREPARE minis_query AS") and "EXECUTE minis_query(" in script
    prepare, _, execute = script.rpartition("EXECUTE ")
    await db.execute(prepare)
    rows = await db.fetch("EXECUTE " + execute.strip().rstrip(";"))
    current = next(r for r in rows if r["grain_id"] == 0)
    assert (current["active_users"], current["launched_sessions"]) == (3, 4)  # l04 l05 l06 l08


def test_views_compile() -> None:
    for args in (
        ["--module", "user_retention", "--kind", "game", "--view", "retention"],
        ["--module", "network", "--view", "table:errors"],
        ["--module", "conversion_funnel", "--view", "funnel"],
    ):
        app = ["--app", "d1"] if "conversion_funnel" in args else []
        script = compile_script(*args, *app, "--range", "2026-10-11:2026-10-14")
        assert "EXECUTE minis_query(" in script


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
