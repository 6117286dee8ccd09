"""In the demo world, every metric and view of every module of a launched app above the
privacy threshold has a non-null, non-trivial value for LAST_30_DAYS (real privacy rules)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from gateway.schema.naming import camel
from semantic.loader import load_model
from semantic.model import AppKind, Module
from tests.acceptance.conftest import demo_gateway
from tests.gateway.graphql.conftest import GraphQLClient

MODEL = load_model()
APPS = {AppKind.GAME: "tile_kingdom", AppKind.DRAMA: "midnight_heiress"}


@pytest.fixture(scope="module")
async def gql(demo_world_url: str) -> AsyncIterator[GraphQLClient]:
    async with demo_gateway(demo_world_url, MODEL) as (_, client):
        yield client


def selection(module: Module) -> str:
    parts = [f"{camel(m.name)} {{ value previous suppressed }}" for m in module.metrics]
    if module.retention:
        parts.append("rate(period: DAY_7) { value } cohorts(period: DAY_1) { retained }")
    if module.distribution:
        for dimension in module.distribution.dimensions:
            parts.append(
                f"{dimension.name}: distribution(by: {dimension.name.upper()}) {{ users }}"
            )
    if module.funnel:
        parts.append(f"{camel(module.funnel.name)} {{ pv }}")
    for table in module.tables:
        parts.append(f"{camel(table.name)} {{ totalCount }}")
    return " ".join(parts)


@pytest.mark.parametrize(
    ("kind", "module_id"), [(k, m) for (k, m) in sorted(MODEL.modules)], ids=str
)
async def test_every_figure_is_non_trivial(
    gql: GraphQLClient, kind: AppKind, module_id: str
) -> None:
    module = MODEL.module(kind, module_id)
    data = await gql.data(
        f'{{ app: {kind.value}(id: "{APPS[kind]}") {{ m: {camel(module_id)}'
        f"(filter: {{range: {{preset: LAST_30_DAYS}}}}) {{ {selection(module)} }} }} }}"
    )
    answer = data["app"]["m"]
    for ref in module.metrics:
        figure = answer[camel(ref.name)]
        assert figure["suppressed"] is None, ref.name
        assert figure["value"] not in (None, 0), ref.name
        assert figure["previous"] is not None, ref.name
    if module.retention:
        assert answer["rate"]["value"] not in (None, 0)
        assert any(c["retained"] for c in answer["cohorts"])
    if module.distribution:
        for dimension in module.distribution.dimensions:
            assert len(answer[dimension.name]) >= 2, dimension.name
    if module.funnel:
        assert all(step["pv"] for step in answer[camel(module.funnel.name)])
    for table in module.tables:
        assert answer[camel(table.name)]["totalCount"] >= 2, table.name


async def test_catalog_explains_every_error_code_of_the_demo(
    gql: GraphQLClient, demo_world_url: str
) -> None:
    data = await gql.data("{ catalog { errorCodes { family code } } }")
    known = {(e["family"], e["code"]) for e in data["catalog"]["errorCodes"]}
    conn = await asyncpg.connect(demo_world_url)
    try:
        network = await conn.fetch("SELECT DISTINCT error_code FROM network_calls WHERE NOT ok")
        ads = await conn.fetch("SELECT DISTINCT error_code FROM ad_events WHERE error_code <> ''")
    finally:
        await conn.close()
    used = {("network", r[0]) for r in network} | {("ads", r[0]) for r in ads}
    assert used - known == set()
