"""Reading CHECK constraints as PostgreSQL prints them (pg_get_constraintdef) into a small
expression tree, so that the loader applies the same domain rules as the database.

sqlglot parses the PostgreSQL text; only the forms simple column constraints take are kept:
comparisons, `= ANY (ARRAY[..])`, `~` and `!~`, `IS [NOT] NULL`, AND, OR, NOT, column references
and literals with casts. Anything else raises Unsupported, and the database alone enforces that
constraint.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

Value = str | int | float | bool | Decimal | dt.date | dt.datetime | None


class Unsupported(ValueError):
    pass


@dataclass(frozen=True)
class Col:
    name: str


@dataclass(frozen=True)
class Const:
    value: Value


@dataclass(frozen=True)
class Compare:
    op: str  # = <> < <= > >=
    left: Expr
    right: Expr


@dataclass(frozen=True)
class AnyOf:
    operand: Expr
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Match:
    operand: Expr
    pattern: str
    negated: bool


@dataclass(frozen=True)
class IsNull:
    operand: Expr
    negated: bool  # IS NOT NULL


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND, OR
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Not:
    item: Expr


Expr = Col | Const | Compare | AnyOf | Match | IsNull | BoolOp | Not

_CHECK = re.compile(r"^\s*CHECK\b", re.IGNORECASE)
_COMPARISONS: dict[type[exp.Expr], str] = {
    exp.EQ: "=",
    exp.NEQ: "<>",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.GT: ">",
    exp.GTE: ">=",
}


def _text(value: Value) -> str:
    return value if isinstance(value, str) else str(value)


def _boolean(value: Value) -> bool:
    text = _text(value).lower()
    if text in {"true", "t"}:
        return True
    if text in {"false", "f"}:
        return False
    raise Unsupported(f"{value!r} is not a boolean")


_T = exp.DType
_CASTS: dict[exp.DType, Callable[[Value], Value]] = {
    _T.TEXT: _text,
    _T.VARCHAR: _text,
    _T.CHAR: _text,
    _T.BPCHAR: _text,
    _T.INT: lambda value: int(_text(value)),
    _T.BIGINT: lambda value: int(_text(value)),
    _T.SMALLINT: lambda value: int(_text(value)),
    _T.DECIMAL: lambda value: Decimal(_text(value)),
    _T.FLOAT: lambda value: float(_text(value)),
    _T.DOUBLE: lambda value: float(_text(value)),
    _T.BOOLEAN: _boolean,
    _T.DATE: lambda value: dt.date.fromisoformat(_text(value)),
    _T.TIMESTAMPTZ: lambda value: dt.datetime.fromisoformat(_text(value)),
}


def _number(text: str) -> int | Decimal:
    return int(text) if text.isdigit() else Decimal(text)


def _unwrapped(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _items(node: exp.Expr, kind: type[exp.Connector]) -> list[exp.Expr]:
    """The operands of a chain `a AND b AND c` (a parenthesized chain stays one operand)."""
    if isinstance(node, kind):
        return _items(node.this, kind) + _items(node.expression, kind)
    return [node]


def _literal(node: exp.Expr) -> Const:
    converted = _convert(node)
    if not isinstance(converted, Const):
        raise Unsupported(f"{node.sql(dialect='postgres')} is not a literal")
    return converted


def _cast(node: exp.Cast) -> Expr:
    inner = _convert(node.this)
    if isinstance(inner, Col):
        return inner
    target = node.to
    if not isinstance(inner, Const):
        raise Unsupported(f"a cast of an expression to {target.sql(dialect='postgres')}")
    cast = _CASTS.get(target.this) if not target.expressions or target.this is _T.DECIMAL else None
    if cast is None:
        raise Unsupported(f"a literal of type {target.sql(dialect='postgres')}")
    try:
        return Const(None if inner.value is None else cast(inner.value))
    except (ValueError, ArithmeticError) as exc:
        raise Unsupported(str(exc)) from None


def _any_of(operand: Expr, node: exp.Any) -> AnyOf:
    array = _unwrapped(node.this)
    if isinstance(array, exp.Cast) and array.to.is_type(_T.ARRAY):  # (ARRAY[...])::text[]
        array = _unwrapped(array.this)
    if not isinstance(array, exp.Array):
        raise Unsupported(f"= ANY of {array.sql(dialect='postgres')}")
    return AnyOf(operand, tuple(_literal(item).value for item in array.expressions))


def _convert(node: exp.Expr) -> Expr:
    node = _unwrapped(node)
    if isinstance(node, exp.Column) and not node.table:
        return Col(node.name)
    if isinstance(node, exp.Literal):
        return Const(node.this if node.is_string else _number(node.this))
    if isinstance(node, exp.Boolean):
        return Const(bool(node.this))
    if isinstance(node, exp.Null):
        return Const(None)
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal) and node.this.is_number:
        return Const(-_number(node.this.this))
    if isinstance(node, exp.Cast):
        return _cast(node)
    if isinstance(node, exp.And | exp.Or):
        kind = type(node)
        op = "AND" if kind is exp.And else "OR"
        return BoolOp(op, tuple(_convert(item) for item in _items(node, kind)))
    if isinstance(node, exp.Not):
        if isinstance(node.this, exp.RegexpLike):  # `a !~ b`, not `NOT (a ~ b)`
            return _match(node.this, negated=True)
        return Not(_convert(node.this))
    if isinstance(node, exp.RegexpLike):
        return _match(node, negated=False)
    if isinstance(node, exp.Is):
        if not isinstance(node.expression, exp.Null):
            raise Unsupported(f"IS {node.expression.sql(dialect='postgres')}")
        return IsNull(_convert(node.this), negated=bool(node.args.get("negate")))
    comparison = _COMPARISONS.get(type(node))
    if comparison is not None and isinstance(node, exp.Binary):
        left = _convert(node.this)
        if isinstance(node.expression, exp.Any):
            if comparison != "=":
                raise Unsupported(f"{comparison} ANY")
            return _any_of(left, node.expression)
        return Compare(comparison, left, _convert(node.expression))
    raise Unsupported(f"cannot read {node.sql(dialect='postgres')!r}")


def _match(node: exp.RegexpLike, *, negated: bool) -> Match:
    pattern = _convert(node.expression)
    if not isinstance(pattern, Const) or not isinstance(pattern.value, str):
        raise Unsupported("a pattern that is not a literal")
    return Match(_convert(node.this), pattern.value, negated=negated)


def parse_expression(source: str) -> Expr:
    """An expression such as a column default, e.g. "0" or "'x'::text"."""
    try:
        parsed = sqlglot.parse_one(source, read="postgres")
    except SqlglotError as exc:
        raise Unsupported(f"cannot read {source!r}: {exc}") from None
    return _convert(parsed)


def parse_check(definition: str) -> Expr:
    """The expression of a CHECK constraint, e.g. "CHECK ((beans > 0))"."""
    match = _CHECK.match(definition)
    if match is None:
        raise Unsupported(f"not a CHECK constraint: {definition!r}")
    return parse_expression(definition[match.end() :])


def conjuncts(expr: Expr) -> tuple[Expr, ...]:
    """The parts of a top-level AND, each of which must hold on its own."""
    if isinstance(expr, BoolOp) and expr.op == "AND":
        return tuple(part for item in expr.items for part in conjuncts(item))
    return (expr,)


def columns_of(expr: Expr) -> tuple[str, ...]:
    """The columns `expr` refers to, in order of first appearance."""
    match expr:
        case Col(name):
            return (name,)
        case Const():
            return ()
        case Compare(_, left, right):
            found = columns_of(left) + columns_of(right)
        case AnyOf(operand, _) | Match(operand, _, _) | IsNull(operand, _) | Not(operand):
            found = columns_of(operand)
        case BoolOp(_, items):
            found = tuple(name for item in items for name in columns_of(item))
    return tuple(dict.fromkeys(found))
