"""The `minis` command line: one module per family of commands."""

from __future__ import annotations

from gateway.cli.clickhouse import copy_events_command
from gateway.cli.common import main
from gateway.cli.compile import compile_command
from gateway.cli.database import migrate_command, psql_command
from gateway.cli.demo import demo_command
from gateway.cli.load import load_command
from gateway.cli.refresh import refresh_command
from gateway.cli.schema import export_schema_command
from gateway.cli.semantic import validate_command
from gateway.cli.serve import serve_command
from gateway.cli.token import token_group

for command in (
    migrate_command,
    psql_command,
    demo_command,
    load_command,
    copy_events_command,
    refresh_command,
    serve_command,
    validate_command,
    compile_command,
    export_schema_command,
    token_group,
):
    main.add_command(command)

__all__ = ["main"]
