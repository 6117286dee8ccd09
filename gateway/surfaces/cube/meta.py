"""`GET /cubejs-api/v1/meta`: the cubes, their measures, dimensions and segments."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway.surfaces.cube.members import Cube, CubeDimension, CubeMeasure, cubes_for
from gateway.surfaces.metrics.facts import facts_of


def measure_meta(cube: Cube, measure: CubeMeasure) -> dict[str, Any]:
    described: dict[str, Any] = {
        "name": cube.member(measure.name),
        "title": f"{cube.title} {measure.title}",
        "shortTitle": measure.title,
        "description": measure.description,
        "type": measure.type,
        "aggType": measure.type,
        "cumulative": measure.cumulative,
        "cumulativeTotal": measure.cumulative,
        "drillMembers": [],
        "drillMembersGrouped": {"measures": [], "dimensions": []},
        "isVisible": True,
        "public": True,
        "meta": {
            "unit": measure.unit,
            "direction": "higher_is_better" if measure.higher_is_better else "lower_is_better",
        },
    }
    if measure.format:
        described["format"] = measure.format
    return described


def dimension_meta(cube: Cube, dimension: CubeDimension) -> dict[str, Any]:
    return {
        "name": cube.member(dimension.name),
        "title": f"{cube.title} {dimension.title}",
        "shortTitle": dimension.title,
        "description": dimension.description,
        "type": dimension.type,
        "suggestFilterValues": True,
        "isVisible": True,
        "public": True,
        "meta": {
            "groupable": not dimension.filter_only,
            "values": list(dimension.filter.values)
            if dimension.filter is not None and dimension.filter.values
            else None,
        },
    }


def cube_meta(cube: Cube) -> dict[str, Any]:
    return {
        "name": cube.name,
        "type": "cube",
        "title": cube.title,
        "description": cube.description,
        "isVisible": True,
        "public": True,
        "connectedComponent": 1,
        "meta": {"kind": cube.kind.value, "module": cube.module.id},
        "measures": [measure_meta(cube, m) for m in cube.measures.values()],
        "dimensions": [dimension_meta(cube, d) for d in cube.dimensions.values()],
        "segments": [
            {
                "name": cube.member(s.name),
                "title": f"{cube.title} {s.title}",
                "shortTitle": s.title,
                "description": s.description,
                "isVisible": True,
                "public": True,
            }
            for s in cube.segments.values()
        ],
        "hierarchies": [],
        "folders": [],
    }


async def meta(request: Request) -> JSONResponse:
    cubes = cubes_for(request.app.state.model)
    facts = facts_of(request.state)
    if facts is not None:
        facts.named("cube.meta")
    return JSONResponse({"cubes": [cube_meta(c) for c in cubes.values()]})
