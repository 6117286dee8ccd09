"""`minis validate`: check the YAML of the semantic layer."""

from __future__ import annotations

from pathlib import Path

import click

from semantic.loader import MODELS_DIR, validate_directory
from semantic.model import AppKind


@click.command("validate")
@click.argument(
    "directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
def validate_command(directory: Path | None) -> None:
    """Check the semantic model in DIRECTORY (default: the built-in models) and print every
    problem as file:line: message; exit 1 when there is any."""
    result = validate_directory(directory or MODELS_DIR)
    for line in result.lines():
        click.echo(line)
    if result.issues:
        count = len(result.issues)
        click.echo(f"{count} problem{'' if count == 1 else 's'} found", err=True)
        raise SystemExit(1)
    model = result.model
    kinds = ", ".join(f"{len(model.modules_of(kind))} {kind}" for kind in AppKind)
    click.echo(
        f"valid: {len(model.sources)} sources, {len(model.metrics)} metrics, "
        f"{len(model.modules)} modules ({kinds})"
    )
