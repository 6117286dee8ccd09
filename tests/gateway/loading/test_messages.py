"""The loader says exactly what is wrong: required, not unknown; the real position in a cut-short
JSON line; every problem of a row that also has an unknown column."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg

from tests.gateway.loading.conftest import launch, write_csv, write_lines
from tests.gateway.loading.test_loader import load, messages


async def test_an_empty_app_id_is_required_not_unknown(
    apps_db: asyncpg.Connection, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "launches.csv", [launch("l1", app_id=""), launch("l2", app_id="x")])
    assert messages(await load(apps_db, path)) == [
        f"{path}:2: column app_id: a value is required",
        f"{path}:3: column app_id: unknown app 'x' (not in apps)",
    ]


async def test_a_cut_short_json_line_reports_where_it_ends(
    apps_db: asyncpg.Connection, tmp_path: Path
) -> None:
    whole = json.dumps({**launch("l1"), "success": True, "launch_ms": 850, "duration_ms": 1})
    path = write_lines(tmp_path / "launches.jsonl", [whole[:40], whole[:-1] + ', "x": tru}'])
    assert messages(await load(apps_db, path)) == [
        f"{path}:1: not valid JSON: Unterminated string starting at character 40",
        f"{path}:2: not valid JSON: Expecting value at character {len(whole) + 7}",
    ]
    path = write_lines(tmp_path / "cut.jsonl", [whole[: whole.index(', "user_id"')]])
    [message] = messages(await load(apps_db, path))
    assert message.endswith("at the end of the line (character 38); is it cut short?"), message


async def test_a_row_with_an_unknown_column_has_its_other_problems_reported(
    apps_db: asyncpg.Connection, tmp_path: Path
) -> None:
    row = {**launch("l1"), "success": True, "launch_ms": 850, "duration_ms": 1}
    row.pop("os")
    path = write_lines(
        tmp_path / "launches.jsonl", [{**row, "regoin": "GB", "region": "usa", "app_id": ""}]
    )
    assert messages(await load(apps_db, path)) == [
        f"{path}:1: column regoin: unknown column; did you mean region?",
        f"{path}:1: the object lacks required column os",
        f"{path}:1: column app_id: a value is required",
        f"{path}:1: column region: 'usa' does not match ^[A-Z]{{2}}$",
    ]
