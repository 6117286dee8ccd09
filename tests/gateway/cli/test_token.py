"""`minis token` and `minis psql` on the configured database."""

from __future__ import annotations

import subprocess

from click.testing import CliRunner

from gateway.cli import main
from tests.gateway.cli.test_serve import clean_environment, minis_command


def run(database_url: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--database-url", database_url, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_token_list_says_when_there_are_none_and_lists_what_create_made(
    database_url: str,
) -> None:
    assert run(database_url, "token", "list").strip() == (
        "no tokens yet; `minis token create --admin` makes one"
    )
    created = run(database_url, "token", "create", "--owner", "studio", "--label", "ci")
    token_id = created.split("token id ")[1].split(";")[0]
    listed = run(database_url, "token", "list")
    assert token_id in listed and "owner studio" in listed and "active" in listed
    assert created.split()[0] not in listed  # never the secret


def test_psql_runs_on_the_configured_database(database_url: str) -> None:
    run(database_url, "token", "create", "--admin")
    result = subprocess.run(
        [
            *minis_command(),
            "--database-url",
            database_url,
            "psql",
            "-tA",
            "-c",
            "SELECT count(*) FROM api_tokens",
        ],
        capture_output=True,
        text=True,
        env=clean_environment(),
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
    assert "psql on postgresql://" in result.stderr
