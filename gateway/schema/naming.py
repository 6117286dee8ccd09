"""Names: snake_case in YAML, camelCase fields and PascalCase types in GraphQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

import strawberry
from strawberry.types.field import StrawberryField


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\W]+", name) if part)


def enum_member(value: str) -> str:
    """An enum member name for a data value: `ios` -> IOS, `13-17` -> V_13_17."""
    member = re.sub(r"\W+", "_", value).strip("_").upper()
    return member if member and not member[0].isdigit() else f"V_{member}"


def resolved(
    resolver: Callable[..., Any], *, name: str, description: str | None = None
) -> StrawberryField:
    """A field computed by `resolver`, named for GraphQL."""
    field = strawberry.field(resolver=resolver, name=name, description=description)
    return cast(StrawberryField, field)
