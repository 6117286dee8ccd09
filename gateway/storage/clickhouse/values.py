"""ClickHouse's text forms of values: what goes in and what comes out.

In: `format_parameter` writes a Python value in ClickHouse's *escaped* text form, the form a
query parameter `{name:Type}` is parsed from; `format_literal` in its literal form, that of
an array parameter's elements and of an INSERT's `Values` rows. Out: `decoder` turns a
value of ClickHouse's JSON output, read by the column's ClickHouse type, into the Python value the
server client (clickhouse-connect) gives for that type.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import ipaddress
import math
import re
import struct
import uuid
import zoneinfo
from collections.abc import Callable, Mapping
from typing import Any

# TabSeparated escapes (backslash first): the form parameters and rows are parsed from
_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\0", "\b": "\\b", "\f": "\\f"}
)
_QUOTED_ESCAPES = str.maketrans({"'": "\\'"})
# both at once (one pass: the backslash a quote gets is not escaped again)
_QUOTED_TEXT = str.maketrans(
    {
        "\\": "\\\\",
        "\t": "\\t",
        "\n": "\\n",
        "\r": "\\r",
        "\0": "\\0",
        "\b": "\\b",
        "\f": "\\f",
        "'": "\\'",
    }
)

Decode = Callable[[Any], Any]


def format_parameter(value: Any) -> str:
    """`value` as ClickHouse text: the raw text of a query parameter's value.

    None is `\\N` (NULL, for a Nullable type); a string is its text with backslashes, tabs,
    newlines and the other control escapes written as backslash escapes (a quote stays as
    it is); bools are `true`/`false`; ints and floats as Python writes them (`inf`, `-inf`,
    `nan` included); a Decimal in positional notation; a date `YYYY-MM-DD`; an aware
    datetime in UTC, `YYYY-MM-DD HH:MM:SS.ffffff`. Lists and tuples are arrays and tuples,
    dicts maps, their strings, dates and times quoted (`['US', 'G\\'B']`) and their None
    `NULL`. A naive datetime, a Decimal that is not finite or another type: ValueError or
    TypeError, since ClickHouse would read it as something else or not at all.
    """
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return _literal(value, quoted=False)


def format_literal(value: Any) -> str:
    """`value` as a ClickHouse literal, as a `Values` row or an array holds it: None is
    NULL, strings, dates and times are quoted (`'it\\'s'`), the rest as `format_parameter`
    writes it."""
    fast = _FAST_LITERALS.get(type(value))
    return fast(value) if fast is not None else _literal(value, quoted=True)


def _quoted_text(value: str) -> str:
    return "'" + value.translate(_QUOTED_TEXT) + "'"


def _quoted_moment(value: dt.datetime) -> str:
    if value.utcoffset() is None:
        raise ValueError(f"a naive datetime names no moment; give it a zone: {value!r}")
    utc = value.astimezone(dt.UTC).replace(tzinfo=None)
    return "'" + utc.isoformat(" ", "microseconds") + "'"


# the literals of the commonest types, looked up by exact type (an INSERT's rows hold
# millions): the same text as `_literal` writes
_FAST_LITERALS: dict[type, Callable[[Any], str]] = {
    str: _quoted_text,
    bool: lambda value: "true" if value else "false",
    int: str,
    dt.datetime: _quoted_moment,
}


def _literal(value: Any, *, quoted: bool) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):  # before int: a bool is an int
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # round-trips; 'inf', '-inf' and 'nan' ClickHouse reads too
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"ClickHouse decimals are finite: {value!r}")
        return format(value, "f")
    if isinstance(value, (list, tuple, Mapping)):
        return _container(value)
    if isinstance(value, dt.datetime):  # before date: a datetime is a date
        if value.utcoffset() is None:
            raise ValueError(f"a naive datetime names no moment; give it a zone: {value!r}")
        text = value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value.translate(_ESCAPES)
    elif isinstance(value, (uuid.UUID, ipaddress.IPv4Address, ipaddress.IPv6Address)):
        text = str(value)
    else:
        raise TypeError(f"no ClickHouse text form for {type(value).__name__}: {value!r}")
    return f"'{text.translate(_QUOTED_ESCAPES)}'" if quoted else text


def _container(value: list[Any] | tuple[Any, ...] | Mapping[Any, Any]) -> str:
    if isinstance(value, Mapping):
        pairs = (
            f"{_literal(k, quoted=True)}: {_literal(v, quoted=True)}" for k, v in value.items()
        )
        return "{" + ", ".join(pairs) + "}"
    items = ", ".join(_literal(item, quoted=True) for item in value)
    return f"[{items}]" if isinstance(value, list) else f"({items})"


# ---- out: ClickHouse JSON output (64-bit integers, decimals and non-finite floats quoted,
# tuples as arrays) to Python values


def split_arguments(text: str) -> list[str]:
    """The top-level comma-separated arguments of a type's parentheses, e.g. of
    `Map(String, Array(Int32))` -> ['String', 'Array(Int32)'], quotes respected."""
    parts, depth, quote, start, i = [], 0, "", 0, 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'`\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
        i += 1
    parts.append(text[start:].strip())
    return [part for part in parts if part]


def _unquote(text: str) -> str:
    return text.strip()[1:-1].replace("\\'", "'").replace("\\\\", "\\")


def _float32(value: Any) -> float:
    number = float(value)
    return number if not math.isfinite(number) else struct.unpack("f", struct.pack("f", number))[0]


def _moment(zone: dt.tzinfo) -> Decode:
    def decode(value: Any) -> dt.datetime:
        moment = dt.datetime.fromisoformat(value)  # any digits of fraction (beyond 6 cut)
        return moment.replace(tzinfo=zone).astimezone(dt.UTC)

    return decode


_WIDE = decimal.Context(prec=80)  # Decimal256 holds 76 digits


def _decimal(scale: int) -> Decode:
    quantum = decimal.Decimal(1).scaleb(-scale)
    return lambda value: decimal.Decimal(str(value)).quantize(quantum, context=_WIDE)


def _element_type(argument: str) -> str:
    """A tuple element's type: `x Int32` names its element, `DateTime64(6, 'UTC')` not."""
    named = _NAMED_ELEMENT.match(argument)
    return named[1] if named else argument


def _nullable(inner: Decode) -> Decode:
    return lambda value: None if value is None else inner(value)


_SIMPLE: dict[str, Decode] = {
    "Bool": bool,
    "Float32": _float32,
    "Float64": float,
    "Date": dt.date.fromisoformat,
    "Date32": dt.date.fromisoformat,
    "UUID": uuid.UUID,
    "IPv4": ipaddress.IPv4Address,
    "IPv6": ipaddress.IPv6Address,
    "Nothing": lambda value: None,
}
_NAMED_ELEMENT = re.compile(r"^(?:[A-Za-z_]\w*|`[^`]*`)\s+(\S.*)$")
_INTEGERS = {f"{sign}Int{bits}" for sign in ("", "U") for bits in (8, 16, 32, 64, 128, 256)}


@functools.lru_cache(maxsize=512)
def decoder(type_name: str) -> Decode:
    """How to read a JSON value of the ClickHouse type `type_name` (as the output's meta
    names it): Nullable as None, arrays as lists, tuples as tuples, maps as dicts, dates
    as dates, DateTime and DateTime64 as aware UTC datetimes (a type without a zone in
    UTC, the session's zone), decimals as Decimal of the type's scale, integers as int,
    Float32 as the float32's value, UUID and IP addresses as their Python types; other
    types (strings, enums, aggregate states) as the JSON gives them."""
    name, _, rest = type_name.partition("(")
    args = split_arguments(rest[:-1]) if rest else []
    if name in _SIMPLE:
        return _SIMPLE[name]
    if name in _INTEGERS:
        return int
    if name == "Nullable":
        return _nullable(decoder(args[0]))
    if name in ("LowCardinality", "SimpleAggregateFunction"):
        return decoder(args[-1])
    if name == "Array":
        item = decoder(args[0])
        return lambda value: [item(v) for v in value]
    if name == "Tuple":
        items = [decoder(_element_type(arg)) for arg in args]
        return lambda value: tuple(f(v) for f, v in zip(items, value, strict=True))
    if name == "Map":
        key, val = decoder(args[0]), decoder(args[1])
        return lambda value: {key(k): val(v) for k, v in value.items()}
    if name.startswith("Decimal"):
        return _decimal(int(args[-1]))
    if name in ("DateTime", "DateTime64"):
        zones = [_unquote(arg) for arg in args if arg.startswith("'")]
        zone = dt.UTC if not zones or zones[0] == "UTC" else zoneinfo.ZoneInfo(zones[0])
        return _moment(zone)
    return lambda value: value
