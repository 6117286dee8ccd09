"""A Cube query read into a plan: which cube, measures, grouping, granularity, date ranges,
filters, order and page. Everything minis cannot answer is refused here, saying why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.surfaces.cube.dates import cube_range, date_range
from gateway.surfaces.cube.errors import CubeError
from gateway.surfaces.cube.filters import FilterPlanner, Filters
from gateway.surfaces.cube.members import APP_ID, DATE, Cube, CubeDimension
from semantic.query import FilterValue

DEFAULT_LIMIT = 10_000
MAX_LIMIT = 50_000
DEFAULT_DAYS = 7  # like GraphQL's default range, LAST_7_DAYS
GRANULARITIES = ("day", "week", "month")
UTC_NAMES = frozenset({"utc", "etc/utc", "gmt", "etc/gmt", "z"})


@dataclass(frozen=True, kw_only=True)
class Plan:
    cube: Cube
    measures: tuple[str, ...]  # names within the cube
    dimensions: tuple[str, ...]  # app_id and at most one breakdown dimension, in query order
    granularity: str | None
    ranges: tuple[tuple[dt.date, dt.date], ...]  # one, or several for compareDateRange
    compare: bool
    filters: Filters
    variables: Mapping[str, FilterValue]  # the module's GraphQL filter, without the range
    order: tuple[tuple[str, bool], ...]  # (member, descending)
    limit: int
    offset: int
    total: bool
    query: Mapping[str, Any]  # the query as given

    @property
    def breakdown(self) -> CubeDimension | None:
        names = [d for d in self.dimensions if d != APP_ID]
        return self.cube.dimensions[names[0]] if names else None

    @property
    def by_app(self) -> bool:
        return APP_ID in self.dimensions

    @property
    def time_member(self) -> str:
        return self.cube.member(DATE)

    def echo(self, date_range: tuple[dt.date, dt.date]) -> dict[str, Any]:
        """The query as answered for one date range, in Cube's normalized shape."""
        echoed = dict(self.query)
        time: dict[str, Any] = {"dimension": self.time_member, "dateRange": cube_range(*date_range)}
        if self.granularity:
            time["granularity"] = self.granularity
        echoed.update(
            measures=[self.cube.member(m) for m in self.measures],
            dimensions=[self.cube.member(d) for d in self.dimensions],
            timeDimensions=[time],
            order=[{"id": member, "desc": desc} for member, desc in self.order],
            limit=self.limit,
            offset=self.offset,
            timezone="UTC",
        )
        echoed.setdefault("filters", [])
        echoed.setdefault("segments", [])
        return echoed


def _names(value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CubeError(f"{what} is a list of member names such as game_overview.active_users")
    return list(value)


def _cube_of(query: Mapping[str, Any], cubes: Mapping[str, Cube]) -> Cube:
    members = _names(query.get("measures"), "measures") + _names(
        query.get("dimensions"), "dimensions"
    )
    members += [
        t.get("dimension", "") for t in query.get("timeDimensions") or [] if isinstance(t, Mapping)
    ]
    names = list(dict.fromkeys(m.partition(".")[0] for m in members if m))
    if not names:
        raise CubeError("ask for at least one measure, e.g. game_overview.active_users")
    unknown = [n for n in names if n not in cubes]
    if unknown:
        raise CubeError(
            f"unknown cube {unknown[0]!r}; /cubejs-api/v1/meta lists them "
            f"(e.g. {', '.join(list(cubes)[:3])})"
        )
    if len(names) > 1:
        raise CubeError(
            f"a query reads one cube (one module of one app kind); {', '.join(names)} cannot "
            "be joined: ask each in a query of its own (a list of queries, queryType=multi)"
        )
    return cubes[names[0]]


def _short(cube: Cube, member: str, pool: Mapping[str, Any], what: str) -> str:
    prefix, _, name = member.partition(".")
    if prefix != cube.name or name not in pool:
        known = ", ".join(cube.member(n) for n in pool)
        raise CubeError(f"unknown {what} {member!r}; {cube.name} has: {known}")
    return name


def _dimensions(cube: Cube, members: list[str]) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(_short(cube, m, cube.dimensions, "dimension") for m in members))
    for name in names:
        dimension = cube.dimensions[name]
        if name == DATE:
            raise CubeError(
                f"{cube.member(DATE)} is a time dimension: ask for it in timeDimensions with a "
                "granularity (day, week or month)"
            )
        if dimension.filter_only:
            raise CubeError(
                f"{cube.member(name)} can filter the answer but not group it; the "
                f"{cube.module.id} module breaks down by: "
                + (", ".join(d.name for d in cube.module.dimensions) or "nothing")
            )
    breakdowns = [n for n in names if n != APP_ID]
    if len(breakdowns) > 1:
        raise CubeError(
            "minis breaks a metric down by one dimension at a time, not by "
            + " and ".join(breakdowns)
        )
    return names


def _granularity(
    cube: Cube, times: list[Any], supported: frozenset[str]
) -> tuple[str | None, Any, Any]:
    if len(times) > 1:
        raise CubeError(f"give at most one time dimension ({cube.member(DATE)})")
    if not times:
        return None, None, None
    time = times[0]
    if not isinstance(time, Mapping) or time.get("dimension") != cube.member(DATE):
        raise CubeError(f"the time dimension of {cube.name} is {cube.member(DATE)}")
    granularity = time.get("granularity")
    if granularity is not None and granularity not in GRANULARITIES:
        raise CubeError(
            f"granularity {granularity!r} is not offered: minis data is by UTC day, so the "
            "granularity is day, week or month"
        )
    if granularity is not None and granularity not in supported:
        raise CubeError(
            f"granularity {granularity!r} is not supported yet; ask for day (or none for totals)"
        )
    return granularity, time.get("dateRange"), time.get("compareDateRange")


def _order(
    query: Mapping[str, Any], allowed: list[str], granularity: str | None, time: str
) -> tuple[tuple[str, bool], ...]:
    raw = query.get("order")
    pairs: list[tuple[Any, Any]]
    if raw is None or raw == {} or raw == []:
        return ()
    if isinstance(raw, Mapping):
        pairs = list(raw.items())
    elif isinstance(raw, list):
        pairs = [
            (p.get("id"), "desc" if p.get("desc") else "asc")
            if isinstance(p, Mapping)
            else (p[0], p[1] if len(p) > 1 else "asc")
            for p in raw
            if isinstance(p, Mapping | list) and p
        ]
    else:
        raise CubeError('order is an object such as {"cube.measure": "desc"}')
    order: list[tuple[str, bool]] = []
    for member, direction in pairs:
        name = f"{time}.{granularity}" if granularity and member == time else member
        if name not in allowed:
            raise CubeError(f"order by {member!r}: order by members the query asks for")
        if direction not in ("asc", "desc"):
            raise CubeError(f"order by {member!r}: the direction is asc or desc")
        order.append((name, direction == "desc"))
    return tuple(order)


def _default_order(
    plan_members: list[str], measures: list[str], granularity: str | None, time: str
) -> tuple[tuple[str, bool], ...]:
    """Cube's default: by time ascending, else the first measure descending."""
    if granularity:
        return ((f"{time}.{granularity}", False),)
    if measures:
        return ((measures[0], True),)
    return ((plan_members[0], False),) if plan_members else ()


def _whole(query: Mapping[str, Any], key: str, default: int, lo: int, hi: int) -> int:
    value = query.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise CubeError(f"{key} is a whole number from {lo} to {hi}, not {value!r}")
    return value


def plan_query(
    query: Any,
    *,
    cubes: Mapping[str, Cube],
    reporting_day: dt.date,
    granularities: frozenset[str],
) -> Plan:
    if not isinstance(query, Mapping):
        raise CubeError("a query is a JSON object with measures, dimensions, timeDimensions...")
    cube = _cube_of(query, cubes)
    measures = tuple(
        dict.fromkeys(
            _short(cube, m, cube.measures, "measure") for m in _names(query["measures"], "measures")
        )
        if query.get("measures")
        else ()
    )
    if not measures:
        raise CubeError(f"ask for at least one measure of {cube.name}")
    dimensions = _dimensions(cube, _names(query.get("dimensions"), "dimensions"))
    breakdown = [d for d in dimensions if d != APP_ID]
    flat = [m for m in measures if not cube.measures[m].breaks_down]
    if breakdown and flat:
        raise CubeError(f"{cube.member(flat[0])} does not break down by {breakdown[0]}")
    if query.get("ungrouped"):
        raise CubeError("minis answers aggregates only; ungrouped queries are not offered")
    timezone = query.get("timezone")
    if timezone is not None and str(timezone).lower() not in UTC_NAMES:
        raise CubeError(f"every day of minis is a UTC day; the timezone is UTC, not {timezone!r}")
    times = query.get("timeDimensions") or []
    if not isinstance(times, list):
        raise CubeError("timeDimensions is a list")
    granularity, range_value, compare_value = _granularity(cube, times, granularities)
    planner = FilterPlanner(cube, grouped=set(dimensions), reporting_day=reporting_day)
    filters = query.get("filters") or []
    if not isinstance(filters, list):
        raise CubeError("filters is a list of filter objects")
    planner.add(filters)
    for segment in _names(query.get("segments"), "segments"):
        planner.add_segment(segment)
    variables = planner.variables()
    ranges = _ranges(cube, range_value, compare_value, planner.result, reporting_day)
    time = cube.member(DATE)
    members = [cube.member(d) for d in dimensions]
    allowed = [cube.member(m) for m in measures] + members
    if granularity:
        allowed.append(f"{time}.{granularity}")
    order = _order(query, allowed, granularity, time) or _default_order(
        members, [cube.member(m) for m in measures], granularity, time
    )
    return Plan(
        cube=cube,
        measures=measures,
        dimensions=dimensions,
        granularity=granularity,
        ranges=ranges,
        compare=compare_value is not None,
        filters=planner.result,
        variables=variables,
        order=order,
        limit=_whole(query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=_whole(query, "offset", 0, 0, 10**9),
        total=bool(query.get("total")),
        query=query,
    )


def _ranges(
    cube: Cube, range_value: Any, compare_value: Any, filters: Filters, reporting_day: dt.date
) -> tuple[tuple[dt.date, dt.date], ...]:
    where = f"{cube.member(DATE)} dateRange"
    if compare_value is not None:
        if not isinstance(compare_value, list) or not compare_value:
            raise CubeError(f"{cube.member(DATE)} compareDateRange is a list of date ranges")
        return tuple(
            date_range(r, reporting_day=reporting_day, where=f"compareDateRange[{i}]")
            for i, r in enumerate(compare_value)
        )
    chosen = None
    if range_value is not None:
        chosen = date_range(range_value, reporting_day=reporting_day, where=where)
    if filters.date_range is not None:
        if chosen is not None and chosen != filters.date_range:
            raise CubeError(
                f"the dateRange of {cube.member(DATE)} and its inDateRange filter differ; give one"
            )
        chosen = filters.date_range
    if chosen is None:
        chosen = (reporting_day - dt.timedelta(days=DEFAULT_DAYS - 1), reporting_day)
    return (chosen,)
