"""One parser per column, built once per table: the type's converter (values.py) with the
column's own rules folded in (CHECKs on that column alone, the set of known apps).

Absence: a JSON null, a missing key, a column missing from a CSV header, and an empty string
(CSV has no other way to say NULL) all mean "no value", which is NULL in a nullable column, the
column's default when it has a constant one, and otherwise an error. The exception is a
NOT NULL text column without a default, where an empty string is the value.

Each column gets a general parser, which handles every input, and, for the common types, a
fast path that accepts the usual valid input in one call and hands anything else to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.loading.catalog import Column, LoadError
from gateway.loading.constraints import Col, Compare, Const, Unsupported, parse_expression
from gateway.loading.issues import BadValue, show
from gateway.loading.rules import Rule
from gateway.loading.values import BOOLEANS, FROM_JSON, FROM_TEXT, INTEGER_RANGES, Convert

Check = Callable[[Any], None]
_TEXT_TYPES = {"text", "character varying"}
_MEMO_LIMIT = 10_000  # distinct valid values remembered per column


@dataclass(frozen=True, kw_only=True)
class Membership:
    """A hand-written rule: the value must be in `values` (such as the app ids in apps)."""

    values: Collection[str]
    reason: Callable[[str], str]


@dataclass(frozen=True, kw_only=True)
class ColumnParser:
    name: str
    text: Convert  # a CSV field (str)
    json: Convert  # a JSON value (str, int, float, bool, None, or anything else to refuse)
    absent: Callable[[], Any]  # the column is not in the file


@dataclass(frozen=True, kw_only=True)
class _Parts:
    column: Column
    rules: Sequence[Rule]
    membership: Membership | None
    text: Convert  # the general parsers
    json: Convert
    empty_is_value: bool


def column_parser(
    column: Column, *, rules: Sequence[Rule] = (), membership: Membership | None = None
) -> ColumnParser:
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
    parts = _Parts(
        column=column,
        rules=rules,
        membership=membership,
        text=text,
        json=_from_json(text, FROM_JSON[column.type](convert), check, absent),
        empty_is_value=empty_is_value,
    )
    fast = _FAST.get(column.type)
    text, json = fast(parts) if fast is not None else (parts.text, parts.json)
    return ColumnParser(name=column.name, text=text, json=json, absent=absent)


# --- the general parsers ----------------------------------------------------------------------


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
    problem = "a value is required"
    if column.nullable and column.default is None:
        try:
            if check is not None:
                check(None)
        except BadValue as exc:
            problem = exc.message
        else:
            return lambda: None

    def absent() -> Any:
        raise BadValue(problem)

    return absent


def _from_text(
    convert: Convert, check: Check | None, absent: Callable[[], Any], *, empty_is_value: bool
) -> Convert:
    def parse(raw: str) -> Any:
        if raw == "" and not empty_is_value:
            return absent()
        value = convert(raw)
        if check is not None:
            check(value)
        return value

    return parse


def _from_json(
    text: Convert, convert: Convert, check: Check | None, absent: Callable[[], Any]
) -> Convert:
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


# --- fast paths -------------------------------------------------------------------------------


def _fast_text(parts: _Parts) -> tuple[Convert, Convert]:
    if parts.column.max_length is not None:
        return parts.text, parts.json
    if parts.rules or parts.membership is not None:
        # the value is the text itself, and its rules depend on it alone: remember good ones
        return _remembering(parts.text), _remembering(parts.json)
    text, json, empty_is_value = parts.text, parts.json, parts.empty_is_value

    def from_text(raw: str) -> Any:
        if "\x00" in raw or (not raw and not empty_is_value):
            return text(raw)
        return raw

    def from_json(raw: Any) -> Any:
        if type(raw) is not str or "\x00" in raw or (not raw and not empty_is_value):
            return json(raw)
        return raw

    return from_text, from_json


def _remembering(general: Convert) -> Convert:
    good: set[str] = set()

    def parse(raw: Any) -> Any:
        try:
            if raw in good:
                return raw
        except TypeError:  # an unhashable JSON value, which general() refuses
            pass
        value = general(raw)
        if value is raw and len(good) < _MEMO_LIMIT:
            good.add(raw)
        return value

    return parse


def _integer_bounds(parts: _Parts) -> tuple[int, int] | None:
    """The type's range narrowed by the column's rules, when all are bounds like `x >= 0`."""
    low, high = INTEGER_RANGES[parts.column.type]
    if parts.membership is not None:
        return None
    for rule in parts.rules:
        match rule.expr:
            case Compare(op, Col(), Const(bound)) if type(bound) is int:
                pass
            case _:
                return None
        if op in {">", ">="}:
            low = max(low, bound + (op == ">"))
        elif op in {"<", "<="}:
            high = min(high, bound - (op == "<"))
        else:
            return None
    return low, high


def _fast_integer(parts: _Parts) -> tuple[Convert, Convert]:
    bounds = _integer_bounds(parts)
    if bounds is None:
        return parts.text, parts.json
    low, high = bounds
    text, json = parts.text, parts.json

    def from_text(raw: str) -> Any:
        if raw:
            try:
                number = int(raw)
            except ValueError:
                return text(raw)
            if low <= number <= high:
                return number
        return text(raw)

    def from_json(raw: Any) -> Any:
        if type(raw) is int and low <= raw <= high:
            return raw
        return json(raw)

    return from_text, from_json


def _fast_boolean(parts: _Parts) -> tuple[Convert, Convert]:
    if parts.rules:
        return parts.text, parts.json
    text, json = parts.text, parts.json

    def from_text(raw: str) -> Any:
        try:
            return BOOLEANS[raw]
        except KeyError:
            return text(raw)

    def from_json(raw: Any) -> Any:
        return raw if raw is True or raw is False else json(raw)

    return from_text, from_json


def _fast_iso(
    parse: Callable[[str], Any], *, needs_offset: bool
) -> Callable[[_Parts], tuple[Convert, Convert]]:
    def fast(parts: _Parts) -> tuple[Convert, Convert]:
        if parts.rules:
            return parts.text, parts.json

        def parser(general: Convert) -> Convert:
            def parse_iso(raw: Any) -> Any:
                try:
                    value = parse(raw)
                except (ValueError, TypeError):
                    return general(raw)
                if needs_offset and value.tzinfo is None:
                    return general(raw)
                return value

            return parse_iso

        return parser(parts.text), parser(parts.json)

    return fast


_FAST: dict[str, Callable[[_Parts], tuple[Convert, Convert]]] = {
    "text": _fast_text,
    "character varying": _fast_text,
    "smallint": _fast_integer,
    "integer": _fast_integer,
    "bigint": _fast_integer,
    "boolean": _fast_boolean,
    "date": _fast_iso(dt.date.fromisoformat, needs_offset=False),
    "timestamp with time zone": _fast_iso(dt.datetime.fromisoformat, needs_offset=True),
}
