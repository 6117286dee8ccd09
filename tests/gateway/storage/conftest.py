"""The hand-built world (tests/semantic/world.py) in a database of the test's own, what its
derived tables hold, rows loaded as `minis load` loads them, and the gateway's answers on
both paths (derived tables where current, raw rows only) to compare."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from gateway.database import create_pool
from gateway.loading import LoadReport, load_files
from gateway.schema.naming import camel
from gateway.settings import Settings
from gateway.storage.refresh import RefreshSummary, refresh
from semantic.compiler import metric_measures
from semantic.loader import load_model
from semantic.model import SemanticModel
from tests.gateway.graphql.conftest import GraphQLClient, client_of, gateway_app
from tests.gateway.loading.conftest import launch, write_csv
from tests.semantic import world
from tests.semantic.conftest import with_privacy

TODAY = dt.date(2026, 10, 21)
REPORTING_DAY = TODAY - dt.timedelta(days=1)  # 2026-10-20, as in the hand-built world

# What `minis refresh` writes, with a column order that sorts each table's rows fully.
DERIVED_CONTENTS = {
    "minis_rollup_cells": "app_id, source, gset, day, dims, sums",
    "minis_rollup_bitmaps": "app_id, source, key, twice, gset, day, dims, bits, ords",
    "minis_user_ordinals": "app_id, user_id, ordinal",
    "minis_rollup_frontier": "app_id, source, key, dims, bits",
    "minis_rollup_state": (
        "app_id, signature, protected, built_through, bitmap_length, data_version, refreshed_at,"
        " frontier_through"
    ),
    "minis_app_changes": "app_id, version, dirty_from",
}


@pytest.fixture(scope="session")
def model() -> SemanticModel:
    """The packaged model with no protected region, so that the tiny world shows all.
    (Its rollups, and so their signature, are the packaged model's.)"""
    return with_privacy(load_model(), threshold=1, regions=())


@pytest.fixture
async def world_db(db: asyncpg.Connection) -> asyncpg.Connection:
    """The test's own database holding the hand-built world, no derived tables built yet."""
    await world.build(db)
    return db


async def refreshed(
    conn: asyncpg.Connection,
    model: SemanticModel,
    *,
    reporting_day: dt.date = REPORTING_DAY,
    late_days: int = 3,
) -> RefreshSummary:
    return await refresh(conn, model=model, reporting_day=reporting_day, late_days=late_days)


def rebuilt(summary: RefreshSummary) -> dict[str, dt.date | None]:
    """Per app, the first day the refresh rebuilt (None: it was up to date)."""
    return {app.app_id: app.rebuilt_from for app in summary.apps}


async def derived_contents(conn: asyncpg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every derived table, in a fixed order."""
    contents = {}
    for table, columns in DERIVED_CONTENTS.items():
        rows = await conn.fetch(f"SELECT {columns} FROM {table} ORDER BY {columns}")
        contents[table] = [tuple(row) for row in rows]
    return contents


async def row_versions(conn: asyncpg.Connection, *, before: dt.date) -> set[tuple[Any, ...]]:
    """(table, physical place, writing transaction) of the rollup rows of days before
    `before`: the same set later means those rows were not written again."""
    found: set[tuple[Any, ...]] = set()
    for table in ("minis_rollup_cells", "minis_rollup_bitmaps"):
        rows = await conn.fetch(
            f"SELECT ctid::text, xmin::text FROM {table} WHERE day < $1", before
        )
        found |= {(table, row[0], row[1]) for row in rows}
    return found


def late_launch(launch_id: str, user: str, day: dt.date, **changes: str) -> dict[str, str]:
    """A successful launch of g1 at noon of `day`, as a CSV row."""
    return launch(
        launch_id,
        app_id=world.APP,
        user_id=user,
        started_at=f"{day.isoformat()}T12:00:00Z",
        **changes,
    )


async def load_launches(
    conn: asyncpg.Connection, directory: Path, rows: Iterable[dict[str, str]]
) -> LoadReport:
    """Load launches as `minis load --table launches` does (through a CSV file)."""
    index = len(list(directory.glob("launches-*.csv")))
    path = write_csv(directory / f"launches-{index}.csv", rows)
    report = await load_files(conn, table="launches", paths=[path])
    assert not report.issues, report.issues
    return report


# Filters of each variant, where the module has them: (GraphQL text, model filter names).
VARIANTS: list[tuple[str, tuple[str, ...]]] = [
    ('range: {start: "2026-10-11", end: "2026-10-14"}', ()),
    ('range: {start: "2026-10-01", end: "2026-10-20"}, os: IOS', ("os",)),
    ('range: {preset: LAST_7_DAYS}, regions: ["GB"]', ("regions",)),
    ('range: {preset: LAST_30_DAYS}, regions: ["US", "BR"], os: ANDROID', ("regions", "os")),
]


def module_queries(
    model: SemanticModel,
    *,
    variants: Sequence[int] = range(len(VARIANTS)),
    modules: Collection[str] | None = None,
    kinds: Collection[str] = ("game", "drama"),
) -> list[str]:
    """For every module with metric cards (of `kinds`, or only `modules`) and each variant
    its filters allow: every card's value, previous value and series, and in every other
    variant a breakdown (by each of the module's dimensions in turn)."""
    queries = []
    for (kind, name), module in sorted(model.modules.items()):
        if not module.metrics or kind.value not in kinds or name not in (modules or {name}):
            continue
        app = world.APP if kind.value == "game" else world.DRAMA
        filters = {ref.name for ref in module.filters}
        for index in variants:
            text, needs = VARIANTS[index]
            if not set(needs) <= filters:
                continue
            breakdown = ""
            if module.dimensions and index % 2 == 0:
                by = module.dimensions[index // 2 % len(module.dimensions)].name.upper()
                breakdown = f" breakdown(by: {by}, limit: 20) {{ key value share }}"
            fields = f"value previous suppressed series {{ date value }}{breakdown}"
            cards = " ".join(f"{camel(m.name)} {{ {fields} }}" for m in module.metrics)
            queries.append(
                f'{{ app: {kind.value}(id: "{app}") {{ m: {camel(module.id)}(filter: {{{text}}})'
                f" {{ {cards} }} }} }}"
            )
    return queries


CORE_MODULES = frozenset({"overview", "user_behavior", "user_source", "dashboard"})


def core_queries(model: SemanticModel, *, variants: Sequence[int] = (0, 3)) -> list[str]:
    """A few modules that the launches of g1 change (and one of d1)."""
    return module_queries(model, variants=variants, modules=CORE_MODULES)


def launch_modules(model: SemanticModel, app: str) -> set[str]:
    """The modules of the app's kind with a metric that reads launches."""
    kind = "game" if app == world.APP else "drama"
    found = set()
    for (module_kind, name), module in model.modules.items():
        refs = metric_measures(model, tuple(m.name for m in module.metrics))
        sources = [model.sources[ref.source] for ref in refs]
        for source in sources:
            while source.first_of is not None:
                source = model.sources[source.first_of.name]
            if module_kind.value == kind and source.table == "launches":
                found.add(name)
    return found


@dataclasses.dataclass(frozen=True, kw_only=True)
class Answer:
    data: dict[str, Any]
    derived: dict[str, Any]  # extensions.derived


class Gateways:
    """The gateway over the test's database twice: answering from the derived tables where
    they are current (`derived`) and from the raw rows only (`raw`)."""

    def __init__(self, derived: GraphQLClient, raw: GraphQLClient) -> None:
        self.derived_client = derived
        self.raw_client = raw

    @staticmethod
    async def _ask(client: GraphQLClient, query: str) -> Answer:
        body = await client(query)
        assert "errors" not in body, (query, body["errors"])
        return Answer(data=body["data"], derived=body.get("extensions", {}).get("derived", {}))

    async def derived(self, query: str) -> Answer:
        return await self._ask(self.derived_client, query)

    async def raw(self, query: str) -> Answer:
        return await self._ask(self.raw_client, query)

    async def answer_as(self, queries: Sequence[str], expected: Sequence[Answer]) -> list[Answer]:
        """Ask each query on the derived path only; each answer must be the expected one."""
        answers = []
        for query, want in zip(queries, expected, strict=True):
            answer = await self.derived(query)
            assert answer.data == want.data, query
            answers.append(answer)
        return answers

    async def agree(self, queries: Iterable[str]) -> list[Answer]:
        """Ask each query on both paths; each answer must be the same. The derived path's
        answers."""
        answers = []
        for query in queries:
            derived, raw = await self.derived(query), await self.raw(query)
            assert derived.data == raw.data, query
            answers.append(derived)
        return answers


@contextlib.asynccontextmanager
async def gateways_over(
    url: str, model: SemanticModel, *, today: dt.date = TODAY
) -> AsyncIterator[Gateways]:
    pool = await create_pool(url, min_size=1, max_size=4)
    try:
        apps = [
            gateway_app(pool=pool, model=model, settings=Settings(derived=d), today=today)
            for d in (True, False)
        ]
        async with client_of(apps[0]) as derived, client_of(apps[1]) as raw:
            yield Gateways(derived, raw)
    finally:
        await pool.close()


@pytest.fixture
async def gateways(database_url: str, model: SemanticModel) -> AsyncIterator[Gateways]:
    async with gateways_over(database_url, model) as both:
        yield both


def current(answer: Answer, app: str) -> bool:
    """Whether the answer says it read the app's derived tables as current."""
    state: bool = answer.derived["apps"][app]["current"]
    return state
