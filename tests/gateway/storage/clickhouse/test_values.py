"""The text forms of values: format_parameter and format_literal (what ClickHouse reads),
and the decoder of its JSON output. Whether ClickHouse reads them so is in test_client."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
import zoneinfo
from typing import Any

import pytest

from gateway.storage.clickhouse import values
from gateway.storage.clickhouse.values import (
    decoder,
    format_literal,
    format_parameter,
    split_arguments,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "\\N"),
        ("US", "US"),
        ("it's", "it's"),  # a quote stays: the parameter's text is not a literal
        ("a\\b", "a\\\\b"),
        ("\\N", "\\\\N"),  # the text \N, not NULL
        ("tab\there\nnew\rline\0", "tab\\there\\nnew\\rline\\0"),
        ("", ""),
        ("名前", "名前"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-(2**63), "-9223372036854775808"),
        (2**64 - 1, "18446744073709551615"),
        (0.1, "0.1"),
        (-2.5e-300, "-2.5e-300"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (float("nan"), "nan"),
        (decimal.Decimal("1.250000"), "1.250000"),
        (decimal.Decimal("1E+2"), "100"),  # positional: ClickHouse reads no exponent
        (decimal.Decimal("-0.000001"), "-0.000001"),
        (dt.date(2026, 1, 2), "2026-01-02"),
        (dt.datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC), "2026-01-02 03:04:05.000006"),
        (  # another zone: the same moment in UTC
            dt.datetime(2026, 1, 2, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")),
            "2026-01-02 00:00:00.000000",
        ),
        (["US", "GB"], "['US', 'GB']"),
        (["G'B", "a\\b", "t\tn\n"], "['G\\'B', 'a\\\\b', 't\\tn\\n']"),
        ([], "[]"),
        ([None, "x"], "[NULL, 'x']"),
        ([1, 2.5, True], "[1, 2.5, true]"),
        ([dt.date(2026, 1, 2)], "['2026-01-02']"),
        ([["a"], []], "[['a'], []]"),
        (("a", 1), "('a', 1)"),
        ({"a": 1, "b's": None}, "{'a': 1, 'b\\'s': NULL}"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
    ],
)
def test_format_parameter(value: Any, text: str) -> None:
    assert format_parameter(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "NULL"),
        ("it's", "'it\\'s'"),
        ("a\\b\tc", "'a\\\\b\\tc'"),
        ("\\N", "'\\\\N'"),
        (dt.date(2026, 1, 2), "'2026-01-02'"),
        (7, "7"),
        (False, "false"),
        (["x"], "['x']"),
    ],
)
def test_format_literal(value: Any, text: str) -> None:
    assert format_literal(value) == text


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (dt.datetime(2026, 1, 2), ValueError),  # naive: no moment
        (decimal.Decimal("NaN"), ValueError),
        ([decimal.Decimal("Infinity")], ValueError),
        (b"bytes", TypeError),
        (object(), TypeError),
        ({1, 2}, TypeError),
    ],
)
def test_format_parameter_refuses(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        format_parameter(value)


def test_split_arguments() -> None:
    assert split_arguments("String, Array(Int32)") == ["String", "Array(Int32)"]
    assert split_arguments("'a,b' = 1, 'c)' = 2") == ["'a,b' = 1", "'c)' = 2"]
    assert split_arguments("6, 'UTC'") == ["6", "'UTC'"]
    assert split_arguments("") == []


UTC_NOON = dt.datetime(2026, 1, 2, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("type_name", "json", "value"),
    [
        ("String", "a\tb", "a\tb"),
        ("LowCardinality(String)", "ios", "ios"),
        ("LowCardinality(Nullable(String))", None, None),
        ("Nullable(Int32)", None, None),
        ("Nullable(Int32)", 5, 5),
        ("Int64", "-9223372036854775808", -(2**63)),
        ("UInt64", "18446744073709551615", 2**64 - 1),
        ("Bool", True, True),
        ("Float64", "inf", float("inf")),
        ("Float64", 0.1, 0.1),
        ("Float32", 59.9, 59.900001525878906),  # the float32's own value
        ("Decimal(12, 6)", "1.5", decimal.Decimal("1.500000")),
        ("Decimal(18, 2)", "-0.5", decimal.Decimal("-0.50")),
        ("Decimal(76, 40)", "1." + "0" * 39 + "1", decimal.Decimal("1." + "0" * 39 + "1")),
        ("Nullable(Decimal(12, 2))", None, None),
        ("Date", "2026-01-02", dt.date(2026, 1, 2)),
        ("Date32", "1900-01-01", dt.date(1900, 1, 1)),
        ("DateTime", "2026-01-02 12:00:00", UTC_NOON),  # no zone: the session's, UTC
        ("DateTime('UTC')", "2026-01-02 12:00:00", UTC_NOON),
        ("DateTime64(6, 'UTC')", "2026-01-02 12:00:00.000001", UTC_NOON.replace(microsecond=1)),
        (
            "DateTime64(3, 'Asia/Tokyo')",
            "2026-01-02 21:00:00.500",
            UTC_NOON.replace(microsecond=500000),
        ),
        (
            "DateTime64(9, 'UTC')",
            "2026-01-02 12:00:00.123456789",
            UTC_NOON.replace(microsecond=123456),
        ),
        ("Array(Nullable(String))", ["a", None], ["a", None]),
        ("Array(Array(Date))", [["2026-01-02"], []], [[dt.date(2026, 1, 2)], []]),
        ("Tuple(UInt8, String)", [1, "a"], (1, "a")),
        ("Tuple(x Int32, y Decimal(9, 2))", [1, "2"], (1, decimal.Decimal("2.00"))),
        ("Tuple(DateTime64(6, 'UTC'), String)", ["2026-01-02 12:00:00", "a"], (UTC_NOON, "a")),
        ("Map(String, Array(Int64))", {"a": ["1", "2"]}, {"a": [1, 2]}),
        ("Map(UInt8, UInt8)", {"1": 2}, {1: 2}),
        ("UUID", "00000000-0000-0000-0000-000000000001", uuid.UUID(int=1)),
        ("Enum8('a,b' = 1, 'c' = 2)", "a,b", "a,b"),
        ("Nullable(Nothing)", None, None),
        ("SimpleAggregateFunction(sum, UInt64)", "7", 7),
    ],
)
def test_decoder(type_name: str, json: Any, value: Any) -> None:
    decoded = decoder(type_name)(json)
    assert decoded == value
    assert type(decoded) is type(value)
    if isinstance(value, dt.datetime):
        assert decoded.tzinfo is dt.UTC


@pytest.mark.parametrize(
    "value",
    [
        "it's \\ \t\n\r\0\b\f x",
        "",
        True,
        False,
        0,
        -(2**63),
        dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 1, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    ],
)
def test_the_fast_literals_write_what_the_general_form_writes(value: object) -> None:
    assert format_literal(value) == values._literal(value, quoted=True)
