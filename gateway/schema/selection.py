"""What a resolver's field asks for, so that one statement can answer all of it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def _fields(selections: Iterable[Selection]) -> Iterable[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def selects(info: Info, name: str) -> bool:
    """Does the field being resolved select `name` among its direct subfields?"""
    return any(
        child.name == name for field in info.selected_fields for child in _fields(field.selections)
    )


def arguments_of(info: Info, name: str) -> list[dict[str, Any]]:
    """The arguments of each `name` among the direct subfields of the field being resolved
    (each alias once), variables resolved."""
    return [
        dict(child.arguments)
        for field in info.selected_fields
        for child in _fields(field.selections)
        if child.name == name
    ]
