from __future__ import annotations

from click.testing import CliRunner

from gateway.cli import main
from tests.gateway.cli.test_migrate import UNSET


def test_demo_builds_and_describes_the_world(database_url: str) -> None:
    result = CliRunner().invoke(
        main,
        [
            "--database-url",
            database_url,
            "--today",
            "2026-11-22",
            "demo",
            "--seed",
            "3",
            "--scale",
            "0.05",
        ],
        env=UNSET,
    )
    assert result.exit_code == 0, result.output
    assert "demo world (seed 3, scale 0.05)" in result.output
    assert "2026-11-21 (150 days)" in result.output
    assert "duplicates skipped; built in" in result.output


def test_demo_refuses_a_scale_of_zero() -> None:
    result = CliRunner().invoke(main, ["demo", "--scale", "0"], env=UNSET)
    assert result.exit_code == 2
    assert "--scale" in result.output
