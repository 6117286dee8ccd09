"""Reading CHECK constraints as PostgreSQL prints them (pg_get_constraintdef) into a small
expression tree, so that the loader applies the same domain rules as the database.

Only the forms simple column constraints take are understood: comparisons, `= ANY (ARRAY[..])`,
`~`, `IS [NOT] NULL`, AND, OR, NOT, column references and literals with casts. Anything else
raises Unsupported, and the database alone enforces that constraint.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

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

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<number>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+")
    | (?P<symbol>::|<=|>=|<>|!=|!~|[=<>~(),\[\]-])
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"AND", "OR", "NOT", "IS", "NULL", "ANY", "ARRAY", "TRUE", "FALSE", "CHECK"}
_COMPARISONS = {"=", "<>", "!=", "<", "<=", ">", ">="}


@dataclass(frozen=True)
class _Token:
    kind: str  # string, number, word, keyword, symbol, end
    text: str


def _tokens(source: str) -> list[_Token]:
    tokens, position = [], 0
    source = source.rstrip()
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            raise Unsupported(f"cannot read {source[position:]!r}")
        kind = match.lastgroup or ""
        text = match[kind]
        if kind == "word" and text.upper() in _KEYWORDS:
            kind, text = "keyword", text.upper()
        elif kind == "word" and text.startswith('"'):
            text = text[1:-1].replace('""', '"')
        tokens.append(_Token(kind, text))
        position = match.end()
    tokens.append(_Token("end", ""))
    return tokens


def _text(value: Value) -> str:
    return value if isinstance(value, str) else str(value)


def _boolean(value: Value) -> bool:
    text = _text(value).lower()
    if text in {"true", "t"}:
        return True
    if text in {"false", "f"}:
        return False
    raise Unsupported(f"{value!r} is not a boolean")


_CASTS: dict[str, Callable[[Value], Value]] = {
    "text": _text,
    "character varying": _text,
    "bpchar": _text,
    "integer": lambda value: int(_text(value)),
    "bigint": lambda value: int(_text(value)),
    "smallint": lambda value: int(_text(value)),
    "numeric": lambda value: Decimal(_text(value)),
    "real": lambda value: float(_text(value)),
    "double precision": lambda value: float(_text(value)),
    "boolean": _boolean,
    "date": lambda value: dt.date.fromisoformat(_text(value)),
    "timestamp with time zone": lambda value: dt.datetime.fromisoformat(_text(value)),
}


class _Parser:
    def __init__(self, source: str) -> None:
        self._tokens = _tokens(source)
        self._at = 0

    def _peek(self) -> _Token:
        return self._tokens[self._at]

    def _take(self) -> _Token:
        token = self._tokens[self._at]
        self._at += 1
        return token

    def _accept(self, text: str) -> bool:
        if self._peek().text == text and self._peek().kind in {"keyword", "symbol"}:
            self._at += 1
            return True
        return False

    def _expect(self, text: str) -> None:
        if not self._accept(text):
            raise Unsupported(f"expected {text} at {self._peek().text!r}")

    def parse(self, *, check: bool) -> Expr:
        if check:
            self._expect("CHECK")
        expr = self._or()
        if self._peek().kind != "end":
            raise Unsupported(f"unexpected {self._peek().text!r}")
        return expr

    def _or(self) -> Expr:
        items = [self._and()]
        while self._accept("OR"):
            items.append(self._and())
        return items[0] if len(items) == 1 else BoolOp("OR", tuple(items))

    def _and(self) -> Expr:
        items = [self._not()]
        while self._accept("AND"):
            items.append(self._not())
        return items[0] if len(items) == 1 else BoolOp("AND", tuple(items))

    def _not(self) -> Expr:
        if self._accept("NOT"):
            return Not(self._not())
        return self._predicate()

    def _predicate(self) -> Expr:
        left = self._operand()
        token = self._peek()
        if token.kind == "symbol" and token.text in _COMPARISONS:
            self._take()
            op = "<>" if token.text == "!=" else token.text
            if self._accept("ANY"):
                if op != "=":
                    raise Unsupported(f"{op} ANY")
                self._expect("(")
                values = self._array()
                self._expect(")")
                return AnyOf(left, values)
            return Compare(op, left, self._operand())
        if token.kind == "symbol" and token.text in {"~", "!~"}:
            self._take()
            pattern = self._operand()
            if not isinstance(pattern, Const) or not isinstance(pattern.value, str):
                raise Unsupported("a pattern that is not a literal")
            return Match(left, pattern.value, negated=token.text == "!~")
        if self._accept("IS"):
            negated = self._accept("NOT")
            self._expect("NULL")
            return IsNull(left, negated)
        return left

    def _array(self) -> tuple[Value, ...]:
        self._expect("ARRAY")
        self._expect("[")
        values = []
        while True:
            item = self._operand()
            if not isinstance(item, Const):
                raise Unsupported("an array of non-literals")
            values.append(item.value)
            if not self._accept(","):
                break
        self._expect("]")
        return tuple(values)

    def _operand(self) -> Expr:
        expr = self._primary()
        while self._accept("::"):
            expr = self._cast(expr, self._type_name())
        return expr

    def _type_name(self) -> str:
        words = []
        while self._peek().kind == "word":
            words.append(self._take().text.lower())
        if not words:
            raise Unsupported("a cast without a type")
        if self._accept("("):  # type modifiers such as numeric(12,2)
            while not self._accept(")"):
                if self._take().kind == "end":
                    raise Unsupported("an unclosed type modifier")
        if self._accept("["):
            self._expect("]")
            words.append("[]")
        return " ".join(words)

    def _cast(self, expr: Expr, type_name: str) -> Expr:
        if isinstance(expr, Col):
            return expr
        if not isinstance(expr, Const):
            raise Unsupported(f"a cast of an expression to {type_name}")
        cast = _CASTS.get(type_name)
        if cast is None:
            raise Unsupported(f"a literal of type {type_name}")
        try:
            return Const(None if expr.value is None else cast(expr.value))
        except (ValueError, ArithmeticError) as exc:
            raise Unsupported(str(exc)) from None

    def _primary(self) -> Expr:
        token = self._take()
        if token.kind == "symbol" and token.text == "(":
            expr = self._or()
            self._expect(")")
            return expr
        if token.kind == "symbol" and token.text == "-" and self._peek().kind == "number":
            return Const(-_number(self._take().text))
        if token.kind == "string":
            return Const(token.text[1:-1].replace("''", "'"))
        if token.kind == "number":
            return Const(_number(token.text))
        if token.kind == "keyword" and token.text in {"TRUE", "FALSE", "NULL"}:
            return Const({"TRUE": True, "FALSE": False, "NULL": None}[token.text])
        if token.kind == "word" and self._peek().text != "(":
            return Col(token.text)
        raise Unsupported(f"unexpected {token.text!r}")


def _number(text: str) -> int | Decimal:
    return int(text) if text.isdigit() else Decimal(text)


def parse_check(definition: str) -> Expr:
    """The expression of a CHECK constraint, e.g. "CHECK ((beans > 0))"."""
    return _Parser(definition).parse(check=True)


def parse_expression(source: str) -> Expr:
    """An expression such as a column default, e.g. "0" or "'x'::text"."""
    return _Parser(source).parse(check=False)


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
