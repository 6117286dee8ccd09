from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from gateway.loading.catalog import Column
from gateway.loading.issues import BadValue
from gateway.loading.values import FROM_JSON, FROM_TEXT


def column(
    type_name: str,
    *,
    precision: int | None = None,
    scale: int | None = None,
    max_length: int | None = None,
) -> Column:
    return Column(
        name="c",
        type=type_name,
        nullable=False,
        default=None,
        precision=precision,
        scale=scale,
        max_length=max_length,
    )


def from_text(type_name: str, raw: str, **shape: int) -> Any:
    return FROM_TEXT[type_name](column(type_name, **shape))(raw)


def from_json(type_name: str, raw: Any, **shape: int) -> Any:
    convert = FROM_TEXT[type_name](column(type_name, **shape))
    return FROM_JSON[type_name](convert)(raw)


def refused(convert: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(BadValue) as caught:
        convert(*args, **kwargs)
    return caught.value.message


@pytest.mark.parametrize(
    ("type_name", "raw", "value"),
    [
        ("integer", "12", 12),
        ("integer", "-2147483648", -2147483648),
        ("bigint", "9223372036854775807", 9223372036854775807),
        ("numeric", "0.123456", Decimal("0.123456")),
        ("numeric", "1.5000000", Decimal("1.500000")),
        ("real", "59.5", 59.5),
        ("boolean", "true", True),
        ("boolean", "F", False),
        ("boolean", "1", True),
        ("boolean", "0", False),
        ("date", "2026-10-01", dt.date(2026, 10, 1)),
        (
            "timestamp with time zone",
            "2026-10-01T12:00:00Z",
            dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC),
        ),
        (
            "timestamp with time zone",
            "2026-10-01 14:00:00+02:00",
            dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC),
        ),
        ("text", "", ""),
    ],
)
def test_good_text(type_name: str, raw: str, value: Any) -> None:
    assert (
        from_text(
            type_name, raw, **({"precision": 12, "scale": 6} if type_name == "numeric" else {})
        )
        == value
    )


@pytest.mark.parametrize(
    ("type_name", "raw", "message"),
    [
        ("integer", "abc", "'abc' is not an integer"),
        ("integer", "1.5", "'1.5' is not an integer"),
        ("integer", "2147483648", "2147483648 is out of range for integer"),
        ("smallint", "40000", "40000 is out of range for smallint"),
        ("numeric", "x", "'x' is not a number"),
        ("numeric", "NaN", "'NaN' is not a finite number"),
        ("numeric", "0.1234567", "0.1234567 has more than 6 decimal places"),
        ("numeric", "1234567", "1234567 is too large for numeric(12,6)"),
        ("real", "inf", "'inf' is not a finite number"),
        ("real", "1e39", "1e39 is out of range for real"),
        ("boolean", "yes", "'yes' is not a boolean (true/false, t/f or 1/0)"),
        ("date", "2026-13-01", "'2026-13-01' is not a date (YYYY-MM-DD)"),
        (
            "timestamp with time zone",
            "2026-10-01 12:00:00",
            "'2026-10-01 12:00:00' has no UTC offset; add Z or +HH:MM",
        ),
        ("timestamp with time zone", "yesterday", "'yesterday' is not an ISO-8601 timestamp"),
        ("text", "a\x00b", "contains a NUL character, which PostgreSQL cannot store"),
    ],
)
def test_bad_text(type_name: str, raw: str, message: str) -> None:
    shape = {"precision": 12, "scale": 6} if type_name == "numeric" else {}
    assert refused(from_text, type_name, raw, **shape) == message


def test_text_longer_than_its_column() -> None:
    assert refused(from_text, "character varying", "abcd", max_length=3) == (
        "is longer than 3 characters"
    )


@pytest.mark.parametrize(
    ("type_name", "raw", "value"),
    [
        ("integer", 7, 7),
        ("integer", 2.0, 2),
        ("text", 12345, "12345"),
        ("numeric", 0.25, Decimal("0.25")),
        ("real", 3, 3.0),
        ("boolean", True, True),
        ("boolean", 0, False),
    ],
)
def test_good_json(type_name: str, raw: Any, value: Any) -> None:
    shape = {"precision": 12, "scale": 6} if type_name == "numeric" else {}
    assert from_json(type_name, raw, **shape) == value


@pytest.mark.parametrize(
    ("type_name", "raw", "message"),
    [
        ("integer", True, "true is not an integer"),
        ("integer", 1.5, "1.5 is not an integer"),
        ("text", 1.5, "1.5 is not a string"),
        ("text", [1], "[1] is not a string"),
        ("boolean", 2, "2 is not a boolean"),
        ("timestamp with time zone", 5, "5 is not a timestamp string"),
        ("date", {"y": 1}, '{"y": 1} is not a date string'),
    ],
)
def test_bad_json(type_name: str, raw: Any, message: str) -> None:
    assert refused(from_json, type_name, raw) == message
