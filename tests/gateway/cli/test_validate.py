from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from gateway.cli import main
from tests.gateway.cli.test_migrate import UNSET


def test_the_built_in_model_is_valid() -> None:
    result = CliRunner().invoke(main, ["validate"], env=UNSET)
    assert result.exit_code == 0, result.output
    assert result.output == "valid: 15 sources, 61 metrics, 27 modules (17 game, 10 drama)\n"


def test_problems_are_printed_as_file_line_message(tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "bad.yml").write_text("dimensions:\n  os: {lable: OS}\n")
    result = CliRunner().invoke(main, ["validate", str(models)], env=UNSET)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "<model>:0: config privacy (by default) uses unknown source sessions",
        "<model>:0: config privacy (by default) uses unknown dimension region",
        "models/bad.yml:2: dimension os has no label",
        "models/bad.yml:2: dimension os: unknown key lable; did you mean label?",
    ]
    assert result.stderr == "4 problems found\n"


def test_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nowhere")], env=UNSET)
    assert result.exit_code == 2
    assert "does not exist" in result.output
