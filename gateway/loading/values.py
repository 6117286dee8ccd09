"""Converting one raw value to a value of a column's type, by type: from CSV text, and from
JSON values other than strings and null. Converters raise BadValue with the reason.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.loading.catalog import Column
from gateway.loading.issues import BadValue, show

Convert = Callable[[Any], Any]

_REAL_LIMITS = {"real": 3.4028234663852886e38, "double precision": math.inf}


# --- from text ------------------------------------------------------------------------------


def _text(column: Column) -> Convert:
    limit = column.max_length

    def text(raw: str) -> str:
        if "\x00" in raw:
            raise BadValue("contains a NUL character, which PostgreSQL cannot store")
        if limit is not None and len(raw) > limit:
            raise BadValue(f"is longer than {limit} characters")
        return raw

    return text


INTEGER_RANGES = {
    type_name: (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    for type_name, bits in (("smallint", 16), ("integer", 32), ("bigint", 64))
}


def _integer(column: Column) -> Convert:
    type_name = column.type
    low, high = INTEGER_RANGES[type_name]

    def integer(raw: str) -> int:
        try:
            number = int(raw)
        except ValueError:
            raise BadValue(f"{raw!r} is not an integer") from None
        if low <= number <= high:
            return number
        raise BadValue(f"{number} is out of range for {type_name}")

    return integer


def _numeric(column: Column) -> Convert:
    precision, scale = column.precision, column.scale
    step = Decimal(1).scaleb(-scale) if scale is not None else None
    integer_digits = None if precision is None or scale is None else precision - scale

    def numeric(raw: str) -> Decimal:
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise BadValue(f"{raw!r} is not a number") from None
        if not number.is_finite():
            raise BadValue(f"{raw!r} is not a finite number")
        if step is not None:
            try:
                rounded = number.quantize(step)
            except InvalidOperation:
                raise BadValue(f"{raw} is too large for numeric({precision},{scale})") from None
            if rounded != number:
                raise BadValue(f"{raw} has more than {scale} decimal places")
        if integer_digits is not None and number and number.adjusted() >= integer_digits:
            raise BadValue(f"{raw} is too large for numeric({precision},{scale})")
        return number

    return numeric


def _real(column: Column) -> Convert:
    limit, type_name = _REAL_LIMITS[column.type], column.type

    def real(raw: str) -> float:
        try:
            number = float(raw)
        except ValueError:
            raise BadValue(f"{raw!r} is not a number") from None
        if not math.isfinite(number):
            raise BadValue(f"{raw!r} is not a finite number")
        if abs(number) > limit:
            raise BadValue(f"{raw} is out of range for {type_name}")
        return number

    return real


BOOLEANS = {  # the spellings of true and false a file may use
    spelling: truth
    for words, truth in ((("true", "t", "1"), True), (("false", "f", "0"), False))
    for word in words
    for spelling in (word, word.upper(), word.capitalize())
}


def _boolean(column: Column) -> Convert:
    def boolean(raw: str) -> bool:
        truth = BOOLEANS.get(raw)
        if truth is None:
            truth = BOOLEANS.get(raw.strip().lower())
            if truth is None:
                raise BadValue(f"{raw!r} is not a boolean (true/false, t/f or 1/0)")
        return truth

    return boolean


def _date(column: Column) -> Convert:
    def date(raw: str) -> dt.date:
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise BadValue(f"{raw!r} is not a date (YYYY-MM-DD)") from None

    return date


def _timestamptz(column: Column) -> Convert:
    parse = dt.datetime.fromisoformat

    def timestamptz(raw: str) -> dt.datetime:
        try:
            moment = parse(raw)
        except ValueError:
            raise BadValue(f"{raw!r} is not an ISO-8601 timestamp") from None
        if moment.tzinfo is None:
            raise BadValue(f"{raw!r} has no UTC offset; add Z or +HH:MM")
        return moment

    return timestamptz


FROM_TEXT: dict[str, Callable[[Column], Convert]] = {
    "text": _text,
    "character varying": _text,
    "smallint": _integer,
    "integer": _integer,
    "bigint": _integer,
    "numeric": _numeric,
    "real": _real,
    "double precision": _real,
    "boolean": _boolean,
    "date": _date,
    "timestamp with time zone": _timestamptz,
}


# --- from JSON values other than strings and null -----------------------------------------------


def _json_kind(kind: str, accept: Callable[[Any], str | None]) -> Callable[[Convert], Convert]:
    """A converter for non-string JSON values: `accept` gives the text to parse, or None."""

    def wrap(from_text: Convert) -> Convert:
        def convert(raw: Any) -> Any:
            text = accept(raw)
            if text is None:
                raise BadValue(f"{show(raw)} is not {kind}")
            return from_text(text)

        return convert

    return wrap


def _is_number(raw: Any) -> bool:
    return isinstance(raw, int | float) and not isinstance(raw, bool)


def _integral(raw: Any) -> str | None:
    if _is_number(raw) and (isinstance(raw, int) or raw.is_integer()):
        return str(int(raw))
    return None


def _numeral(raw: Any) -> str | None:
    return repr(raw) if _is_number(raw) else None


def _only_strings(raw: Any) -> str | None:
    return None


def _whole(raw: Any) -> str | None:
    """An integer where text is expected (ids sent as numbers) is that text."""
    return str(raw) if type(raw) is int else None


def _boolean_json(raw: Any) -> str | None:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw) if raw in (0, 1) and isinstance(raw, int) else None


FROM_JSON: dict[str, Callable[[Convert], Convert]] = {
    "text": _json_kind("a string", _whole),
    "character varying": _json_kind("a string", _whole),
    "smallint": _json_kind("an integer", _integral),
    "integer": _json_kind("an integer", _integral),
    "bigint": _json_kind("an integer", _integral),
    "numeric": _json_kind("a number", _numeral),
    "real": _json_kind("a number", _numeral),
    "double precision": _json_kind("a number", _numeral),
    "boolean": _json_kind("a boolean", _boolean_json),
    "date": _json_kind("a date string", _only_strings),
    "timestamp with time zone": _json_kind("a timestamp string", _only_strings),
}
