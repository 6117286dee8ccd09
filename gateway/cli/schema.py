from __future__ import annotations

from pathlib import Path

import click

ROOT_SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"


def schema_sdl(models: Path | None = None) -> str:
    """The GraphQL SDL the gateway serves for the model in `models` (default: packaged)."""
    from gateway.schema import build_schema
    from semantic.loader import load_model

    model = load_model(models) if models else load_model()
    return build_schema(model).as_str() + "\n"


@click.command("export-schema")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=ROOT_SCHEMA,
    show_default=True,
    help="File to write; '-' for stdout.",
)
@click.option(
    "--models",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Model directory (default: the packaged semantic/models).",
)
def export_schema_command(output: Path, models: Path | None) -> None:
    """Write the GraphQL schema (SDL) generated from the semantic model."""
    from semantic.issues import ModelError

    try:
        sdl = schema_sdl(models)
    except ModelError as error:
        raise click.ClickException(f"the model is invalid; run minis validate\n{error}") from None
    if str(output) == "-":
        click.echo(sdl, nl=False)
        return
    output.write_text(sdl, encoding="utf-8")
    click.echo(f"wrote {output}")
