from __future__ import annotations

from click.testing import CliRunner

from gateway.cli import main
from tests.gateway.cli.test_migrate import UNSET
from tests.ports import free_port as closed_port


def unreachable_url() -> str:
    return f"postgresql://minis:s3cret@127.0.0.1:{closed_port()}/minis"


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("migrate", "serve", "load", "demo"):
        assert command in result.output


def test_an_unusable_today_flag_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["--today", "tomorrow", "migrate"], env=UNSET)
    assert result.exit_code == 2
    assert "must be a date like 2026-11-01, not 'tomorrow'" in result.output


def test_an_unusable_variable_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["migrate"], env={**UNSET, "MINIS_PORT": "http"})
    assert result.exit_code == 2
    assert "MINIS_PORT" in result.output


def test_a_flag_overrides_its_unusable_variable() -> None:
    env = {**UNSET, "MINIS_TODAY": "tomorrow"}
    result = CliRunner().invoke(
        main, ["--today", "2026-11-01", "--database-url", unreachable_url(), "migrate"], env=env
    )
    # past the settings, on to the database
    assert result.exit_code == 1
    assert "cannot reach the database" in result.output


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    url = unreachable_url()
    result = CliRunner().invoke(main, ["--database-url", url, "migrate"], env=UNSET)
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot reach the database at postgresql://minis:***@")
    assert "ConnectionRefusedError" in result.output
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output
