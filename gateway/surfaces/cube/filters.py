"""Cube filters: those on module filters become the GraphQL filter input (narrowing the rows
every number is computed from); those on measures and on grouped dimensions are applied to
the answer's rows (as Cube applies measure filters after grouping). Anything else is refused
with the reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.surfaces.cube.dates import date_range
from gateway.surfaces.cube.errors import CubeError
from gateway.surfaces.cube.members import APP_ID, DATE, Cube, CubeDimension
from semantic.query import FilterValue

Row = Mapping[str, Any]  # member name -> value (float, str, date or None)
Predicate = Callable[[Row], bool]

OPERATORS = [
    "equals",
    "notEquals",
    "contains",
    "notContains",
    "startsWith",
    "notStartsWith",
    "endsWith",
    "notEndsWith",
    "gt",
    "gte",
    "lt",
    "lte",
    "set",
    "notSet",
    "inDateRange",
]
_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}
_TEXT: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda a, b: b.lower() in a.lower(),
    "startsWith": lambda a, b: a.lower().startswith(b.lower()),
    "endsWith": lambda a, b: a.lower().endswith(b.lower()),
}


@dataclass(frozen=True, kw_only=True)
class Leaf:
    member: str
    name: str  # the member's name within the cube
    operator: str
    values: tuple[str, ...]


@dataclass(kw_only=True)
class Filters:
    """What a query's filters and segments ask, split by where it is applied."""

    allowed: dict[str, set[str]] = field(default_factory=dict)  # pushed-down dimension values
    apps: set[str] | None = None  # app ids, None for every app the caller sees
    excluded_apps: set[str] = field(default_factory=set)
    date_range: tuple[dt.date, dt.date] | None = None
    predicates: list[Predicate] = field(default_factory=list)

    def keep(self, row: Row) -> bool:
        return all(predicate(row) for predicate in self.predicates)


class FilterPlanner:
    def __init__(self, cube: Cube, *, grouped: set[str], reporting_day: dt.date) -> None:
        self.cube = cube
        self.grouped = grouped  # dimension names the answer's rows carry
        self.reporting_day = reporting_day
        self.result = Filters()

    # -- parsing ----------------------------------------------------------------------
    def _leaf(self, item: Mapping[str, Any]) -> Leaf:
        member = item.get("member", item.get("dimension"))
        operator = item.get("operator")
        if not isinstance(member, str) or operator not in OPERATORS:
            raise CubeError(
                f"a filter needs a member and one of the operators {', '.join(OPERATORS)}; "
                f"got {dict(item)!r}"
            )
        cube, _, name = member.partition(".")
        if cube != self.cube.name or (
            name not in self.cube.measures and name not in self.cube.dimensions
        ):
            raise CubeError(f"filter on {member}: {self.cube.name} has no member {name!r}")
        values = item.get("values") or []
        if not isinstance(values, list) or not all(
            isinstance(v, str | int | float) for v in values
        ):
            raise CubeError(f"filter on {member}: values are a list of strings")
        if operator not in ("set", "notSet") and not values:
            raise CubeError(f"filter on {member}: operator {operator} needs values")
        return Leaf(member=member, name=name, operator=operator, values=tuple(map(str, values)))

    def _leaves(self, items: Iterable[Any]) -> list[Leaf]:
        leaves: list[Leaf] = []
        for item in items:
            if not isinstance(item, Mapping):
                raise CubeError(f"a filter is an object, not {item!r}")
            nested = item.get("or", item.get("and"))
            leaves += self._leaves(nested) if nested is not None else [self._leaf(item)]
        return leaves

    # -- conjunctions -----------------------------------------------------------------
    def add(self, items: Sequence[Any]) -> None:
        for item in items:
            if not isinstance(item, Mapping):
                raise CubeError(f"a filter is an object, not {item!r}")
            if "and" in item:
                self.add(item["and"])
            elif "or" in item:
                self._disjunction(item["or"])
            else:
                self._conjunct(self._leaf(item))

    def add_segment(self, member: Any) -> None:
        cube, _, name = str(member).partition(".")
        segment = self.cube.segments.get(name) if cube == self.cube.name else None
        if segment is None:
            known = ", ".join(self.cube.member(s) for s in self.cube.segments) or "none"
            raise CubeError(f"unknown segment {member!r}; {self.cube.name} has: {known}")
        self._conjunct(
            Leaf(
                member=self.cube.member(segment.dimension),
                name=segment.dimension,
                operator="equals",
                values=(segment.value,),
            )
        )

    def _conjunct(self, leaf: Leaf) -> None:
        if leaf.name in self.cube.measures or (
            leaf.name in self.grouped and self.cube.dimensions[leaf.name].filter is None
        ):
            self.result.predicates.append(self._predicate(leaf))
        elif leaf.name == DATE:
            if leaf.operator != "inDateRange":
                raise CubeError(
                    f"filter on {leaf.member}: the date is filtered with inDateRange (or a "
                    "timeDimension's dateRange)"
                )
            self.result.date_range = date_range(
                list(leaf.values), reporting_day=self.reporting_day, where=leaf.member
            )
        elif leaf.name == APP_ID:
            self._apps(leaf)
        else:
            dimension = self.cube.dimensions[leaf.name]
            try:
                allowed = self._pushed_down(dimension, leaf)
            except CubeError:
                if leaf.name not in self.grouped:
                    raise
                self.result.predicates.append(self._predicate(leaf))
                return
            before = self.result.allowed.get(leaf.name)
            self.result.allowed[leaf.name] = allowed if before is None else before & allowed

    def _disjunction(self, items: Sequence[Any]) -> None:
        leaves = self._leaves(items)
        if all(self._on_rows(leaf) for leaf in leaves):
            predicates = [self._predicate(leaf) for leaf in leaves]
            self.result.predicates.append(lambda row: any(p(row) for p in predicates))
            return
        names = {leaf.name for leaf in leaves}
        if len(names) == 1 and all(leaf.operator == "equals" for leaf in leaves):
            self._conjunct(
                Leaf(
                    member=leaves[0].member,
                    name=leaves[0].name,
                    operator="equals",
                    values=tuple(v for leaf in leaves for v in leaf.values),
                )
            )
            return
        raise CubeError(
            "an `or` is answered only over measures and grouped dimensions, or as `equals` on "
            f"one dimension; this one mixes {', '.join(sorted(names))}"
        )

    def _on_rows(self, leaf: Leaf) -> bool:
        return leaf.name in self.cube.measures or leaf.name in self.grouped

    # -- where each filter goes -------------------------------------------------------
    def _apps(self, leaf: Leaf) -> None:
        if leaf.operator == "equals":
            wanted = set(leaf.values)
            self.result.apps = wanted if self.result.apps is None else self.result.apps & wanted
        elif leaf.operator == "notEquals":
            self.result.excluded_apps |= set(leaf.values)
        elif leaf.operator != "set":
            raise CubeError(f"filter on {leaf.member}: use equals or notEquals")

    def _pushed_down(self, dimension: CubeDimension, leaf: Leaf) -> set[str]:
        target = dimension.filter
        if target is None:
            raise CubeError(
                f"filter on {leaf.member}: the {self.cube.module.id} module does not filter by "
                f"{dimension.name}; group by it to filter its rows"
            )
        values = tuple(_canonical(dimension, v, leaf.member) for v in leaf.values)
        closed = set(target.values) if target.values else None
        if leaf.operator == "equals":
            return set(values)
        if leaf.operator == "notEquals" and closed is not None:
            return closed - set(values)
        if leaf.operator == "set" and closed is not None:
            return closed
        if leaf.operator == "notEquals":
            raise CubeError(
                f"filter on {leaf.member}: {dimension.name} has no fixed list of values, so "
                "notEquals cannot be turned into the values to keep; list them with equals"
            )
        raise CubeError(
            f"filter on {leaf.member}: {dimension.name} is filtered with equals or notEquals, "
            f"not {leaf.operator}"
        )

    def _predicate(self, leaf: Leaf) -> Predicate:
        member, operator = leaf.member, leaf.operator
        if operator == "set":
            return lambda row: row.get(member) is not None
        if operator == "notSet":
            return lambda row: row.get(member) is None
        if leaf.name in self.cube.measures:
            try:
                numbers = [float(v) for v in leaf.values]
            except ValueError:
                raise CubeError(f"filter on {member}: values of a measure are numbers") from None
            if operator == "equals":
                return lambda row: row.get(member) in numbers
            if operator == "notEquals":
                return lambda row: row.get(member) is not None and row[member] not in numbers
            if operator in _NUMERIC:
                compare, bound = _NUMERIC[operator], numbers[0]
                return lambda row: row.get(member) is not None and compare(row[member], bound)
            raise CubeError(f"filter on {member}: a measure takes equals, gt, gte, lt, lte or set")
        dimension = self.cube.dimensions[leaf.name]
        values = {_canonical(dimension, v, member) for v in leaf.values}
        if operator == "equals":
            return lambda row: row.get(member) in values
        if operator == "notEquals":
            return lambda row: row.get(member) not in values
        negated = operator.startswith("not")
        test = _TEXT.get(operator[3].lower() + operator[4:] if negated else operator)
        if test is None:
            raise CubeError(f"filter on {member}: {operator} does not apply to a text dimension")

        def matches(row: Row) -> bool:
            value = row.get(member)
            hit = value is not None and any(test(str(value), v) for v in values)
            return hit != negated

        return matches

    # -- the GraphQL filter input -----------------------------------------------------
    def variables(self) -> dict[str, FilterValue]:
        """The module filter's fields for what was pushed down."""
        variables: dict[str, FilterValue] = {}
        for name, allowed in self.result.allowed.items():
            dimension = self.cube.dimensions[name]
            target = dimension.filter
            assert target is not None
            if not allowed:
                raise CubeError(f"the filters on {self.cube.member(name)} leave no value to keep")
            if target.values and allowed >= set(target.values):
                continue
            member = self.cube.member(name)
            if target.multiple:
                variables[target.variable] = tuple(sorted(allowed))
            elif len(allowed) == 1:
                variables[target.variable] = target.graphql_value(next(iter(allowed)))
            elif name in self.grouped:
                self.result.predicates.append(_one_of(member, set(allowed)))
            else:
                raise CubeError(
                    f"filter on {member}: the {self.cube.module.id} module filters by one "
                    f"{name} at a time, not {len(allowed)}; group by {name} or pick one"
                )
        return variables


def _one_of(member: str, values: set[str]) -> Predicate:
    return lambda row: row.get(member) in values


def _canonical(dimension: CubeDimension, value: str, member: str) -> str:
    """A value as the data writes it: closed lists match case-insensitively."""
    target = dimension.filter
    closed = target.values if target is not None else None
    if not closed:
        return value
    for known in closed:
        if known.lower() == value.lower():
            return known
    raise CubeError(f"filter on {member}: {value!r} is not one of {', '.join(closed)}")
