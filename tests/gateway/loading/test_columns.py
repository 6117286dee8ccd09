from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from gateway.loading.catalog import read_table
from gateway.loading.columns import ColumnParser, Membership, column_parser
from gateway.loading.issues import BadValue
from gateway.loading.rules import table_rules


async def parsers(
    db: asyncpg.Connection, table: str, membership: Membership | None = None
) -> dict[str, ColumnParser]:
    schema = await read_table(db, table)
    rules = table_rules(schema)
    return {
        column.name: column_parser(
            column,
            rules=rules.by_column.get(column.name, ()),
            membership=membership if column.name == "app_id" else None,
        )
        for column in schema.columns
    }


def refused(parse: Any, raw: Any) -> str:
    with pytest.raises(BadValue) as caught:
        parse(raw)
    return caught.value.message


async def test_an_empty_field_is_null_in_a_nullable_column(db: asyncpg.Connection) -> None:
    launch_ms = (await parsers(db, "launches"))["launch_ms"]
    assert launch_ms.text("") is None
    assert launch_ms.json(None) is None
    assert launch_ms.absent() is None
    assert launch_ms.text("850") == 850
    assert launch_ms.json(850) == 850
    assert refused(launch_ms.text, "-5") == "must be >= 0, not -5"
    assert refused(launch_ms.json, -5) == "must be >= 0, not -5"
    assert refused(launch_ms.text, "x") == "'x' is not an integer"


async def test_an_empty_field_is_an_empty_string_in_a_not_null_text_column(
    db: asyncpg.Connection,
) -> None:
    model = (await parsers(db, "launches"))["device_model"]
    assert model.text("") == ""
    assert model.json("") == ""
    assert refused(model.json, None) == "a value is required"
    with pytest.raises(BadValue, match="a value is required"):
        model.absent()
    assert refused(model.text, "a\x00b") == (
        "contains a NUL character, which PostgreSQL cannot store"
    )


async def test_nothing_in_a_column_with_a_default_is_the_default(db: asyncpg.Connection) -> None:
    columns = await parsers(db, "ad_events")
    revenue = columns["revenue_usd"]
    assert revenue.absent() == Decimal(0)
    assert revenue.text("") == Decimal(0)
    assert revenue.json(None) == Decimal(0)
    assert revenue.text("0.5") == Decimal("0.5")
    assert columns["error_code"].text("") is None


async def test_a_required_value_of_another_type_is_missing_when_empty(
    db: asyncpg.Connection,
) -> None:
    columns = await parsers(db, "launches")
    assert refused(columns["started_at"].text, "") == "a value is required"
    assert refused(columns["success"].text, "") == "a value is required"
    assert refused(columns["duration_ms"].json, None) == "a value is required"


async def test_enumerations_and_known_apps(db: asyncpg.Connection) -> None:
    known = Membership(values=frozenset({"game1"}), reason=lambda app: f"unknown app {app!r}")
    columns = await parsers(db, "launches", known)
    for _ in range(2):  # the second time from what was remembered
        assert columns["os"].text("ios") == "ios"
        assert columns["app_id"].text("game1") == "game1"
        assert refused(columns["os"].text, "windows") == "'windows' is not one of android, ios"
        assert refused(columns["app_id"].text, "nope") == "unknown app 'nope'"
    assert refused(columns["os"].text, "") == "'' is not one of android, ios"
    assert refused(columns["os"].json, ["ios"]) == '["ios"] is not a string'
    assert refused(columns["region"].text, "us") == "'us' does not match ^[A-Z]{2}$"


@pytest.mark.parametrize(
    ("column", "raw", "value"),
    [
        ("duration_ms", " 7 ", 7),
        ("success", "TRUE", True),
        ("success", " t ", True),
        (
            "started_at",
            "2026-10-01T12:00:00.5+00:00",
            dt.datetime(2026, 10, 1, 12, 0, 0, 500000, tzinfo=dt.UTC),
        ),
    ],
)
async def test_unusual_but_valid_spellings(
    db: asyncpg.Connection, column: str, raw: str, value: Any
) -> None:
    assert (await parsers(db, "launches"))[column].text(raw) == value


async def test_json_values_of_the_wrong_kind(db: asyncpg.Connection) -> None:
    columns = await parsers(db, "launches")
    assert refused(columns["success"].json, "maybe") == (
        "'maybe' is not a boolean (true/false, t/f or 1/0)"
    )
    assert refused(columns["duration_ms"].json, True) == "true is not an integer"
    assert refused(columns["started_at"].json, 1700000000) == "1700000000 is not a timestamp string"
    assert refused(columns["started_at"].json, "2026-10-01T12:00:00") == (
        "'2026-10-01T12:00:00' has no UTC offset; add Z or +HH:MM"
    )
