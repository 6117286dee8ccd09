from __future__ import annotations

from pathlib import Path

import click


@click.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False,
                                                                   path_type=Path))
@click.option("--table", "-t", required=True, help="Event table the files hold.")
@click.pass_context
def load_command(ctx: click.Context, paths: tuple[Path, ...], table: str) -> None:
    """Load CSV (with header) or JSON Lines files into an event table."""
    raise click.ClickException("not implemented yet")
