"""Turning raw values into column values: one parser per column, chosen once per table from a
dispatch table by type, with the column's own rules (CHECKs on that column alone, the set of
known apps) folded in. Parsers raise BadValue with the reason.

Absence: a NULL in JSON, a missing key, a column missing from a CSV header, and an empty string
(CSV has no other way to say NULL) all mean "no value", which is NULL in a nullable column, the
column's default when it has a constant one, and otherwise an error. The exception is a
NOT NULL text column without a default, where an empty string is the value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from gateway.loading.catalog import Column, LoadError
from gateway.loading.constraints import Const, Unsupported, Value, parse_expression
from gateway.loading.issues import BadValue, show
from gateway.loading.rules import Rule

Convert = Callable[[Any], Any]
Check = Callable[[Any], None]

_TEXT_TYPES = {"text", "character varying"}
_REAL_LIMITS = {"real": 3.4028234663852886e38, "double precision": math.inf}


@dataclass(frozen=True, kw_only=True)
class Membership:
    """A hand-written rule: the value must be in `values` (such as the app ids in apps)."""

    values: Collection[str]
    reason: Callable[[str], str]


@dataclass(frozen=True, kw_only=True)
class ColumnParser:
    name: str
    text: Convert  # a CSV field (str)
    json: Convert  # a JSON value (str, int, float, bool or None)
    absent: Callable[[], Any]  # the column is not in the file


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


def _integer(bits: int) -> Callable[[Column], Convert]:
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def factory(column: Column) -> Convert:
        type_name = column.type

        def integer(raw: str) -> int:
            try:
                number = int(raw)
            except ValueError:
                raise BadValue(f"{raw!r} is not an integer") from None
            if low <= number <= high:
                return number
            raise BadValue(f"{number} is out of range for {type_name}")

        return integer

    return factory


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
                rounded = None
            if rounded != number:
                raise BadValue(f"{raw} has more than {scale} decimal places")
            number = rounded
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


_BOOLEANS = {
    spelling: truth
    for words, truth in ((("true", "t", "1"), True), (("false", "f", "0"), False))
    for word in words
    for spelling in (word, word.upper(), word.capitalize())
}


def _boolean(column: Column) -> Convert:
    def boolean(raw: str) -> bool:
        truth = _BOOLEANS.get(raw)
        if truth is None:
            truth = _BOOLEANS.get(raw.strip().lower())
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
    "smallint": _integer(16),
    "integer": _integer(32),
    "bigint": _integer(64),
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


def _boolean_json(raw: Any) -> str | None:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw) if raw in (0, 1) and isinstance(raw, int) else None


FROM_JSON: dict[str, Callable[[Convert], Convert]] = {
    "text": _json_kind("a string", _integral),
    "character varying": _json_kind("a string", _integral),
    "smallint": _json_kind("an integer", _integral),
    "integer": _json_kind("an integer", _integral),
    "bigint": _json_kind("an integer", _integral),
    "numeric": _json_kind("a number", lambda raw: repr(raw) if _is_number(raw) else None),
    "real": _json_kind("a number", lambda raw: repr(raw) if _is_number(raw) else None),
    "double precision": _json_kind("a number", lambda raw: repr(raw) if _is_number(raw) else None),
    "boolean": _json_kind("a boolean", _boolean_json),
    "date": _json_kind("a date string", lambda raw: None),
    "timestamp with time zone": _json_kind("a timestamp string", lambda raw: None),
}


# --- putting a column together ----------------------------------------------------------------


def _rule_check(name: str, rule: Rule) -> Check:
    predicate = rule.predicate

    def check(value: Any) -> None:
        try:
            truth = predicate(value)
        except TypeError:  # a constraint comparing across types: the database decides
            return
        if truth is False:
            raise BadValue(rule.explain({name: value})[1])

    return check


def _membership_check(membership: Membership) -> Check:
    values, reason = membership.values, membership.reason

    def check(value: Any) -> None:
        if value is not None and value not in values:
            raise BadValue(reason(value))

    return check


def _combine(checks: Sequence[Check]) -> Check | None:
    if not checks:
        return None
    if len(checks) == 1:
        return checks[0]

    def check(value: Any) -> None:
        for one in checks:
            one(value)

    return check


def _default(column: Column, convert: Convert, check: Check | None) -> tuple[bool, Any]:
    """(True, value) for a constant default, (False, None) for none or one computed per row."""
    if column.default is None:
        return False, None
    try:
        expr = parse_expression(column.default)
        if not isinstance(expr, Const):
            return False, None
        raw = expr.value
        value = None if raw is None else convert(raw if isinstance(raw, str) else show(raw))
        if check is not None:
            check(value)
    except (Unsupported, BadValue):
        return False, None
    return True, value


def _absent(column: Column, convert: Convert, check: Check | None) -> Callable[[], Any]:
    has_default, default = _default(column, convert, check)
    if has_default:
        return lambda: default
    if column.nullable and column.default is None:
        try:
            if check is not None:
                check(None)
        except BadValue as exc:
            problem = exc.message
        else:
            return lambda: None
    else:
        problem = "a value is required"

    def absent() -> Any:
        raise BadValue(problem)

    return absent


def column_parser(column: Column, *, rules: Sequence[Rule] = (),
                  membership: Membership | None = None) -> ColumnParser:
    factory = FROM_TEXT.get(column.type)
    if factory is None:
        raise LoadError(f"column {column.name} has type {column.type}, which loading cannot fill")
    convert = factory(column)
    checks = [_rule_check(column.name, rule) for rule in rules]
    if membership is not None:
        checks.append(_membership_check(membership))
    check = _combine(checks)
    absent = _absent(column, convert, check)
    empty_is_value = column.type in _TEXT_TYPES and not column.nullable and column.default is None
    text = _from_text(convert, check, absent, empty_is_value=empty_is_value)
    if empty_is_value and not rules and membership is not None and column.max_length is None:
        text = _member(membership)
    return ColumnParser(
        name=column.name,
        text=text,
        json=_from_json(text, FROM_JSON[column.type](convert), check, absent),
        absent=absent,
    )


def _member(membership: Membership) -> Convert:
    values, reason = membership.values, membership.reason

    def member(raw: str) -> str:
        if raw in values:
            return raw
        raise BadValue(reason(raw))

    return member


def _from_text(convert: Convert, check: Check | None, absent: Callable[[], Any], *,
               empty_is_value: bool) -> Convert:
    if empty_is_value:
        if check is None:
            return convert

        def parse_present(raw: str) -> Any:
            value = convert(raw)
            check(value)
            return value

        return parse_present
    if check is None:

        def parse_or_absent(raw: str) -> Any:
            return absent() if raw == "" else convert(raw)

        return parse_or_absent

    def parse_checked(raw: str) -> Any:
        if raw == "":
            return absent()
        value = convert(raw)
        check(value)
        return value

    return parse_checked


def _from_json(text: Convert, convert: Convert, check: Check | None,
               absent: Callable[[], Any]) -> Convert:
    def parse(raw: Any) -> Any:
        if type(raw) is str:
            return text(raw)
        if raw is None:
            return absent()
        value = convert(raw)
        if check is not None:
            check(value)
        return value

    return parse


def enum_values(rules: Sequence[Rule]) -> tuple[Value, ...] | None:
    """The allowed values when a column's only rule is a list of them (for display)."""
    from gateway.loading.constraints import AnyOf

    if len(rules) == 1 and isinstance(rules[0].expr, AnyOf):
        return rules[0].expr.values
    return None
