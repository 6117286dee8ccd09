"""The table's CHECK constraints as Python rules: fast predicates with SQL's three-valued logic
(a CHECK passes unless it is false) and, for a row that fails one, a message a person can act on.

Each CHECK is split at its top-level ANDs; a part on one column becomes a column rule (checked as
the value is parsed), a part on several columns a row rule (checked once the row is parsed).
"""

from __future__ import annotations

import logging
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.loading.catalog import Table
from gateway.loading.constraints import (
    AnyOf,
    BoolOp,
    Col,
    Compare,
    Const,
    Expr,
    IsNull,
    Match,
    Not,
    Unsupported,
    Value,
    columns_of,
    conjuncts,
    parse_check,
)
from gateway.loading.issues import show

log = logging.getLogger(__name__)

Truth = bool | None
Fn = Callable[[Any], Any]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_MEMO_LIMIT = 10_000


@dataclass(frozen=True, kw_only=True)
class Rule:
    constraint: str
    source: str  # the CHECK constraint's definition
    expr: Expr
    columns: tuple[str, ...]
    predicate: Callable[[Any], Truth]  # value (column rule) or row tuple (row rule)

    def explain(self, values: Mapping[str, Value]) -> tuple[str, str]:
        """The column to blame and the reason, for values on which the rule is false."""
        return explain(self, values)


@dataclass(frozen=True, kw_only=True)
class TableRules:
    by_column: Mapping[str, tuple[Rule, ...]]
    rows: tuple[Rule, ...]
    skipped: tuple[str, ...]  # constraints left to the database alone


def table_rules(table: Table) -> TableRules:
    position = {name: index for index, name in enumerate(table.column_names)}
    by_column: dict[str, list[Rule]] = {}
    rows: list[Rule] = []
    skipped: list[str] = []
    for check in table.checks:
        try:
            parts = conjuncts(parse_check(check.definition))
            compiled = []
            for part in parts:
                columns = columns_of(part)
                if not columns:
                    continue
                if any(name not in position for name in columns):
                    raise Unsupported("a column the loader does not fill")
                single = len(columns) == 1
                predicate = _compile(part, None if single else position)
                compiled.append(
                    Rule(
                        constraint=check.name,
                        source=check.definition,
                        expr=part,
                        columns=columns,
                        predicate=predicate,
                    )
                )
        except Unsupported as exc:
            log.info("check %s is left to the database: %s", check.name, exc)
            skipped.append(check.name)
            continue
        for rule in compiled:
            if len(rule.columns) == 1:
                by_column.setdefault(rule.columns[0], []).append(rule)
            else:
                rows.append(rule)
    return TableRules(
        by_column={name: tuple(rules) for name, rules in by_column.items()},
        rows=tuple(rows),
        skipped=tuple(skipped),
    )


# --- evaluation -------------------------------------------------------------------------------


def _identity(value: Any) -> Any:
    return value


def _compile(expr: Expr, position: Mapping[str, int] | None) -> Fn:
    """A function of the value (position None: a one-column rule) or of the row tuple."""
    match expr:
        case Col(name):
            return _identity if position is None else operator.itemgetter(position[name])
        case Const(value):
            return lambda _: value
        case Compare(op, Col(name), Const(value)) if value is not None:
            return _compare_constant(_OPS[op], value, None if position is None else position[name])
        case Compare(op, Const(value), Col(name)) if value is not None:
            index = None if position is None else position[name]
            return _compare_constant(_OPS[_FLIPPED[op]], value, index)
        case Compare(op, left, right):
            return _compare(_OPS[op], _compile(left, position), _compile(right, position))
        case AnyOf(operand, values):
            return _any_of(_compile(operand, position), values)
        case Match(operand, pattern, negated):
            return _match(_compile(operand, position), pattern, negated=negated)
        case IsNull(operand, negated):
            get = _compile(operand, position)
            if negated:
                return lambda subject: get(subject) is not None
            return lambda subject: get(subject) is None
        case BoolOp(op, items):
            parts = tuple(_compile(item, position) for item in items)
            return _all(parts) if op == "AND" else _any(parts)
        case Not(item):
            inner = _compile(item, position)
            return lambda subject: None if (truth := inner(subject)) is None else not truth
    raise Unsupported(f"cannot evaluate {expr!r}")


def _compare_constant(
    compare: Callable[[Any, Any], bool], constant: Value, index: int | None
) -> Fn:
    if index is None:
        return lambda value: None if value is None else compare(value, constant)

    def compare_in_row(row: Sequence[Any]) -> Truth:
        value = row[index]
        return None if value is None else compare(value, constant)

    return compare_in_row


def _compare(compare: Callable[[Any, Any], bool], left: Fn, right: Fn) -> Fn:
    def evaluate(subject: Any) -> Truth:
        a = left(subject)
        if a is None:
            return None
        b = right(subject)
        return None if b is None else compare(a, b)

    return evaluate


def _any_of(get: Fn, values: tuple[Value, ...]) -> Fn:
    allowed = frozenset(value for value in values if value is not None)
    miss: Truth = None if len(allowed) < len(values) else False  # x = ANY(.., NULL) is NULL

    def evaluate(subject: Any) -> Truth:
        value = get(subject)
        if value is None:
            return None
        return True if value in allowed else miss

    return evaluate


def _match(get: Fn, pattern: str, *, negated: bool) -> Fn:
    try:
        search = re.compile(pattern).search
    except re.error as exc:
        raise Unsupported(f"pattern {pattern!r}: {exc}") from None
    memo: dict[str, bool] = {}

    def evaluate(subject: Any) -> Truth:
        value = get(subject)
        if value is None:
            return None
        found = memo.get(value)
        if found is None:
            found = (search(value) is not None) != negated
            if len(memo) < _MEMO_LIMIT:
                memo[value] = found
        return found

    return evaluate


def _all(parts: tuple[Fn, ...]) -> Fn:
    def evaluate(subject: Any) -> Truth:
        result: Truth = True
        for part in parts:
            truth = part(subject)
            if truth is False:
                return False
            if truth is None:
                result = None
        return result

    return evaluate


def _any(parts: tuple[Fn, ...]) -> Fn:
    def evaluate(subject: Any) -> Truth:
        result: Truth = False
        for part in parts:
            truth = part(subject)
            if truth is True:
                return True
            if truth is None:
                result = None
        return result

    return evaluate


# --- messages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Requirement:
    column: str
    text: str  # "must be >= 0", "a value is required"
    actual: str | None  # the offending value, when showing it helps
    alone: str | None = None  # the phrasing when there is no condition


def _state(expr: Expr, values: Mapping[str, Value]) -> str:
    return " and ".join(f"{name} is {show(values.get(name))}" for name in columns_of(expr))


def _constant(value: Value) -> str:
    return show(value) if value is not None else "NULL"


def _requirement(expr: Expr, values: Mapping[str, Value]) -> _Requirement | None:
    match expr:
        case AnyOf(Col(name), options):
            listed = ", ".join(sorted(_constant(option).strip("'") for option in options))
            value = show(values.get(name))
            return _Requirement(
                name, f"must be one of {listed}", value, alone=f"{value} is not one of {listed}"
            )
        case Match(Col(name), pattern, negated):
            value = show(values.get(name))
            verb = "must not match" if negated else "must match"
            alone = f"{value} {'matches' if negated else 'does not match'} {pattern}"
            return _Requirement(name, f"{verb} {pattern}", value, alone=alone)
        case Compare("<>", Col(name), Const("")):
            return _Requirement(name, "must not be empty", None)
        case Compare(op, Col(name), Const(constant)):
            wording = {"=": "must be", "<>": "must not be"}.get(op, f"must be {op}")
            return _Requirement(name, f"{wording} {_constant(constant)}", show(values.get(name)))
        case Compare(op, Const(constant), Col(name)):
            return _requirement(Compare(_FLIPPED[op], Col(name), Const(constant)), values)
        case Compare(op, Col(name), Col(other)):
            wording = {"=": "must equal", "<>": "must differ from"}.get(op, f"must be {op}")
            return _Requirement(
                name, f"{wording} {other} ({show(values.get(other))})", show(values.get(name))
            )
        case IsNull(Col(name), negated):
            if negated:
                return _Requirement(name, "a value is required", None)
            return _Requirement(name, "must be empty", show(values.get(name)))
        case Col(name):
            return _Requirement(name, "must be true", show(values.get(name)))
        case Not(Col(name)):
            return _Requirement(name, "must be false", show(values.get(name)))
    return None


def _phrase(requirement: _Requirement, condition: str | None) -> str:
    if condition is None and requirement.alone is not None:
        return requirement.alone
    text = requirement.text if condition is None else f"{requirement.text} when {condition}"
    return text if requirement.actual is None else f"{text}, not {requirement.actual}"


def explain(rule: Rule, values: Mapping[str, Value]) -> tuple[str, str]:
    expr = rule.expr
    requirement = _requirement(expr, values)
    if requirement is not None:
        return requirement.column, _phrase(requirement, None)
    match expr:
        case Compare("=", IsNull(Col(name), negated), other) | Compare(
            "=", other, IsNull(Col(name), negated)
        ) if not isinstance(other, IsNull):
            del negated  # whichever way it is written, the value's presence is what is wrong
            present = values.get(name) is not None
            text = "must be empty" if present else "a value is required"
            actual = show(values.get(name)) if present else None
            return name, _phrase(_Requirement(name, text, actual), _state(other, values))
        case BoolOp("OR", items):
            consequence = _requirement(items[-1], values)
            if consequence is not None:
                condition = " and ".join(_state(item, values) for item in items[:-1])
                return consequence.column, _phrase(consequence, condition)
    definition = rule.source.removeprefix("CHECK ")
    return rule.columns[0], f"violates check constraint {rule.constraint}: {definition}"
