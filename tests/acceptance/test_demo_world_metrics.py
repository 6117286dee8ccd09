"""On the demo world, every metric of every module answered by the gateway equals an
independent computation written directly from metrics.md (tests/acceptance/reference.py),
for a day, 7 days and 30 days, with several filter combinations, current and previous."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest

from gateway.schema.naming import camel
from semantic.compiler import metric_measures
from semantic.model import AppKind, Module, SemanticModel
from tests.acceptance.conftest import MODEL
from tests.acceptance.reference import METRICS
from tests.conftest import DEMO_TODAY
from tests.gateway.graphql.conftest import GraphQLClient

REPORTING_DAY = DEMO_TODAY - dt.timedelta(days=1)
APPS = {AppKind.GAME: "bubble_pop_saga", AppKind.DRAMA: "ceo_secret_twin"}
RANGES = {"day": 1, "7 days": 7, "30 days": 30}
COUNT_UNITS = {"users", "sessions", "launches", "orders", "events", "reports", "calls"}

# Filter combinations: GraphQL filter text, and the reference's ($5 os, $6 regions, $7, $8, $9)
Combo = tuple[str, tuple[Any, ...]]
COMMON: dict[str, Combo] = {
    "all": ("", (None, None, None, None, True)),
    "ios+US,GB": ('os: IOS, regions: ["US", "GB"]', ("ios", ["US", "GB"], None, None, True)),
    "BR": ('regions: ["BR"]', (None, ["BR"], None, None, True)),
}
EXTRA: dict[str, dict[str, Combo]] = {
    "ad_insights": {
        "rewarded": ("placementType: REWARDED_VIDEO", (None, None, "rewarded_video", None, True))
    },
    "iap_orders": {"returning": ("payerType: RETURNING", (None, None, "RETURNING", None, True))},
    "feed_ads_history": {
        "no-first-day": ("includeFirstDay: false", (None, None, None, None, False))
    },
}


def supported(model: SemanticModel, module: Module, text: str) -> bool:
    offered = {camel(f.name) for f in module.filters}
    return all(part.split(":")[0].strip() in offered for part in text.split(", ") if part)


def cases(model: SemanticModel) -> list[tuple[AppKind, str, str, str]]:
    found = []
    for (kind, module_id), module in sorted(model.modules.items()):
        if not module.metrics:
            continue
        combos = {**COMMON, **EXTRA.get(module_id, {})}
        for combo, (text, _) in combos.items():
            if not supported(model, module, text):
                continue
            for range_name in RANGES:
                found.append((kind, module_id, range_name, combo))
    return found


def raw_only(model: SemanticModel, metric: str) -> bool:
    """Does every measure of the metric say why no derived table answers it?"""
    refs = metric_measures(model, (metric,))
    return all(model.measure(ref).raw_only for ref in refs)


def close(got: float | None, expected: float | None, *, exact: bool) -> bool:
    if got is None or expected is None:
        return got is expected
    if exact:
        return got == expected
    return got == pytest.approx(expected, rel=1e-9, abs=1e-12)


@dataclass(frozen=True, kw_only=True)
class Ask:
    """One case: the app, module and filter combination, and the range with its previous."""

    kind: AppKind
    module_id: str
    combo: str
    start: dt.date
    previous_start: dt.date
    previous_end: dt.date

    @classmethod
    def of(cls, kind: AppKind, module_id: str, range_name: str, combo: str) -> Ask:
        days = RANGES[range_name]
        start = REPORTING_DAY - dt.timedelta(days=days - 1)
        previous_end = start - dt.timedelta(days=1)
        return cls(
            kind=kind,
            module_id=module_id,
            combo=combo,
            start=start,
            previous_start=previous_end - dt.timedelta(days=days - 1),
            previous_end=previous_end,
        )

    @property
    def module(self) -> Module:
        return MODEL.module(self.kind, self.module_id)

    @property
    def app_id(self) -> str:
        return APPS[self.kind]

    @property
    def filter_text(self) -> str:
        return {**COMMON, **EXTRA.get(self.module_id, {})}[self.combo][0]

    def document(self) -> str:
        text = self.filter_text
        filter_ = f'range: {{start: "{self.start}", end: "{REPORTING_DAY}"}}' + (
            f", {text}" if text else ""
        )
        fields = " ".join(f"{camel(m.name)} {{ value previous }}" for m in self.module.metrics)
        return (
            f'{{ app: {self.kind.value}(id: "{self.app_id}") {{ m: {camel(self.module_id)}'
            f"(filter: {{{filter_}}}) {{ {fields} }} }} }}"
        )

    async def mismatches(self, pool: asyncpg.Pool, answer: dict[str, Any]) -> list[str]:
        """Where `answer` (the module's metrics, value and previous) differs from the
        reference computation."""
        params = {**COMMON, **EXTRA.get(self.module_id, {})}[self.combo][1]
        found = []
        async with pool.acquire() as conn:
            for ref in self.module.metrics:
                exact = MODEL.metrics[ref.name].unit.value in COUNT_UNITS
                for period, (lo, hi) in (
                    ("value", (self.start, REPORTING_DAY)),
                    ("previous", (self.previous_start, self.previous_end)),
                ):
                    expected = await conn.fetchval(
                        METRICS[ref.name], self.app_id, lo, hi, REPORTING_DAY, *params
                    )
                    got = answer[camel(ref.name)][period]
                    if not close(got, expected, exact=exact):
                        found.append(f"{ref.name}.{period}: gateway {got}, reference {expected}")
        return found


@pytest.mark.parametrize(("kind", "module_id", "range_name", "combo"), cases(MODEL))
async def test_gateway_equals_independent_sql(
    both_paths: tuple[asyncpg.Pool, GraphQLClient, str],
    kind: AppKind,
    module_id: str,
    range_name: str,
    combo: str,
) -> None:
    pool, gql, path = both_paths
    ask = Ask.of(kind, module_id, range_name, combo)
    body = await gql(ask.document())
    assert "errors" not in body, body["errors"]
    derived = body["extensions"]["derived"]
    assert derived["apps"][ask.app_id]["current"] is True  # the demo world is refreshed
    if path == "raw":
        assert derived["measures"]["derived"] == 0
    elif "payerType" not in ask.filter_text and not all(
        raw_only(MODEL, m.name) for m in ask.module.metrics
    ):
        # (a user type filter judges each user by their first row: raw rows only)
        assert derived["measures"]["derived"] > 0
    mismatches = await ask.mismatches(pool, body["data"]["app"]["m"])
    assert not mismatches, "\n".join(mismatches)


# On ClickHouse: every module and filter combination over 30 days, and every module over a day
CLICKHOUSE_CASES = [
    c for c in cases(MODEL) if c[2] == "30 days" or (c[2] == "day" and c[3] == "all")
]


@pytest.mark.parametrize(("kind", "module_id", "range_name", "combo"), CLICKHOUSE_CASES)
async def test_clickhouse_gateway_equals_independent_sql(
    clickhouse_gateway: tuple[asyncpg.Pool, GraphQLClient],
    kind: AppKind,
    module_id: str,
    range_name: str,
    combo: str,
) -> None:
    pool, gql = clickhouse_gateway
    ask = Ask.of(kind, module_id, range_name, combo)
    body = await gql(ask.document())
    assert "errors" not in body, body["errors"]
    mismatches = await ask.mismatches(pool, body["data"]["app"]["m"])
    assert not mismatches, "\n".join(mismatches)


def test_every_metric_has_a_reference() -> None:
    assert set(MODEL.metrics) <= set(METRICS)
