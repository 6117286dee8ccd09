from __future__ import annotations

from click.testing import CliRunner

from gateway.cli import main
from gateway.cli.schema import ROOT_SCHEMA, schema_sdl


def test_committed_schema_matches_the_code() -> None:
    assert ROOT_SCHEMA.read_text(encoding="utf-8") == schema_sdl(), (
        "schema.graphql is stale: run `minis export-schema` and commit it"
    )


def test_export_schema_prints_the_sdl() -> None:
    result = CliRunner().invoke(main, ["export-schema", "--output", "-"])
    assert result.exit_code == 0, result.output
    assert "type Query {" in result.output and "userBehavior(filter:" in result.output
