"""Random and hostile values in every argument of every module: never a 500, never an SQL
error reaching the client, every refusal a BAD_USER_INPUT naming the argument."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.database import create_pool
from gateway.schema.naming import camel, pascal
from semantic.loader import load_model
from semantic.model import FilterKind, Module, SemanticModel
from tests.gateway.graphql.conftest import GraphQLClient, gateway_app
from tests.semantic.conftest import with_privacy

MODEL = load_model()
HOSTILE = [
    "'; DROP TABLE launches; --",
    "US' OR '1'='1",
    "\x00",
    "%s",
    "$1",
    ":order_type",
    "😀",
    "\uff35\uff33",
    "",
    " ",
    "a" * 5000,
    "NULL",
    "ios\u202e",
    "\\",
    '"',
    "1e309",
    "-1",
]
texts = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
dates = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(str),
    st.sampled_from(["2026-02-30", "0000-00-00", "yesterday", "2026-10-11T00:00:00Z"]),
    texts,
)
integers = st.one_of(
    st.integers(min_value=-(2**40), max_value=2**40), st.sampled_from([0, -1, 2**31 - 1, 2**31])
)


def values_for(model: SemanticModel, module: Module) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "range": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {},
                optional={
                    "preset": st.one_of(
                        st.sampled_from(["YESTERDAY", "LAST_7_DAYS", "LAST_30_DAYS"]), texts
                    )
                },
            ),
            st.fixed_dictionaries({}, optional={"start": dates, "end": dates}),
        )
    }
    for ref in module.filters:
        definition = model.filters[ref.name]
        one: st.SearchStrategy[Any]
        if definition.kind is FilterKind.PARAMETER and not definition.values:
            one = st.one_of(st.booleans(), texts, integers)
        elif definition.multiple:
            one = st.one_of(st.lists(texts, max_size=60), texts)
        else:
            one = st.one_of(
                texts,
                st.sampled_from(["IOS", "ANDROID", "NEW", "RETURNING", "ALL", "TOPUP", "BANNER"]),
                integers,
            )
        fields[camel(definition.name)] = st.one_of(st.none(), one)
    if module.retention:
        fields["cohort"] = st.one_of(st.none(), st.sampled_from(["NEW", "ACTIVE"]), texts)
    return st.fixed_dictionaries({}, optional=fields)


def selection(module: Module) -> tuple[str, str]:
    """(variable declarations, selection) reaching every argument of the module."""
    declarations: list[str] = []
    parts = [f"{camel(m.name)} {{ value previous series {{ value }} }}" for m in module.metrics]
    if module.dimensions:
        first = camel(module.metrics[0].name)
        parts.append(
            f"b: {first} {{ breakdown(by: {module.dimensions[0].name.upper()},"
            " limit: $blimit) { key value } }"
        )
        declarations.append("$blimit: Int!")
    if module.retention:
        parts.append("rate(period: DAY_7) { value } cohorts { cohortSize }")
    if module.distribution:
        parts.append(
            f"distribution(by: {module.distribution.dimensions[0].name.upper()}) {{ key users }}"
        )
    if module.funnel:
        parts.append(f"{camel(module.funnel.name)} {{ pv }}")
    for table in module.tables:
        paging = "limit: $limit, offset: $offset" if table.paged else "limit: $limit"
        parts.append(f"{camel(table.name)}({paging}) {{ totalCount }}")
    if module.tables:  # declared only where used: an unused variable fails validation
        declarations.append("$limit: Int")
    if any(table.paged for table in module.tables):
        declarations.append("$offset: Int!")
    return "".join(f", {d}" for d in declarations), " ".join(parts)


ALLOWED = {"BAD_USER_INPUT", "QUERY_TOO_COMPLEX"}


@pytest.fixture(scope="module")
def hostile_client(world_url: str) -> Iterator[tuple[asyncio.AbstractEventLoop, GraphQLClient]]:
    """A gateway on the hand-built world, driven from a loop of its own, so that hypothesis
    (which runs plain functions) can send one request per example."""
    loop = asyncio.new_event_loop()
    model = with_privacy(MODEL, threshold=1, regions=())
    pool = loop.run_until_complete(create_pool(world_url, min_size=1, max_size=2))
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gateway_app(pool=pool, model=model)),
        base_url="http://test",
    )
    try:
        yield loop, GraphQLClient(client)
    finally:
        loop.run_until_complete(client.aclose())
        loop.run_until_complete(pool.close())
        loop.close()


@pytest.mark.parametrize(("kind", "module_id"), sorted(MODEL.modules), ids=str)
def test_hostile_values_are_refused_cleanly(
    hostile_client: tuple[asyncio.AbstractEventLoop, GraphQLClient], kind: Any, module_id: str
) -> None:
    loop, gql = hostile_client
    module = MODEL.module(kind, module_id)
    declarations, fields = selection(module)
    prefix = pascal(kind.value) + pascal(module_id)
    query = (
        f"query Q($id: ID!, $filter: {prefix}Filter{declarations}) {{"
        f" app: {kind.value}(id: $id) {{ m: {camel(module_id)}(filter: $filter) {{ {fields} }}"
        " } }"
    )

    @settings(
        max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(
        app_id=st.one_of(st.just("g1" if kind.value == "game" else "d1"), texts),
        filter_=st.one_of(st.none(), values_for(MODEL, module)),
        limit=st.one_of(st.none(), integers),
        offset=integers,
        blimit=integers,
    )
    def check(app_id: str, filter_: Any, limit: Any, offset: Any, blimit: Any) -> None:
        response = loop.run_until_complete(
            gql.http.post(
                "/graphql",
                json={
                    "query": query,
                    "variables": {
                        "id": app_id,
                        "filter": filter_,
                        "limit": limit,
                        "offset": offset,
                        "blimit": blimit,
                    },
                },
            )
        )
        assert response.status_code == 200, response.text
        body = response.json()
        for error in body.get("errors", []):
            extensions = error.get("extensions") or {}
            assert extensions.get("code") in ALLOWED, error
            assert extensions.get("argument"), error
            text = error["message"].lower()
            assert "sql" not in text and "asyncpg" not in text and "syntax" not in text, error

    check()
