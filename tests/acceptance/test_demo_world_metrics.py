"""On the demo world, every metric of every module answered by the gateway equals an
independent computation written directly from metrics.md (tests/acceptance/reference.py),
for a day, 7 days and 30 days, with several filter combinations, current and previous."""

from __future__ import annotations

import datetime as dt
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


@pytest.mark.parametrize(("kind", "module_id", "range_name", "combo"), cases(MODEL))
async def test_gateway_equals_independent_sql(
    both_paths: tuple[asyncpg.Pool, GraphQLClient, str],
    kind: AppKind,
    module_id: str,
    range_name: str,
    combo: str,
) -> None:
    pool, gql, path = both_paths
    module = MODEL.module(kind, module_id)
    text, params = {**COMMON, **EXTRA.get(module_id, {})}[combo]
    days = RANGES[range_name]
    start = REPORTING_DAY - dt.timedelta(days=days - 1)
    previous_end = start - dt.timedelta(days=1)
    previous_start = previous_end - dt.timedelta(days=days - 1)
    filter_ = f'range: {{start: "{start}", end: "{REPORTING_DAY}"}}' + (f", {text}" if text else "")
    fields = " ".join(f"{camel(m.name)} {{ value previous }}" for m in module.metrics)
    app_id = APPS[kind]
    body = await gql(
        f'{{ app: {kind.value}(id: "{app_id}") {{ m: {camel(module_id)}(filter: {{{filter_}}}) '
        f"{{ {fields} }} }} }}"
    )
    assert "errors" not in body, body["errors"]
    answer = body["data"]["app"]["m"]
    derived = body["extensions"]["derived"]
    assert derived["apps"][app_id]["current"] is True  # the demo world is refreshed
    if path == "raw":
        assert derived["measures"]["derived"] == 0
    elif "payerType" not in text and not all(raw_only(MODEL, m.name) for m in module.metrics):
        # (a user type filter judges each user by their first row: raw rows only)
        assert derived["measures"]["derived"] > 0
    mismatches = []
    async with pool.acquire() as conn:
        for ref in module.metrics:
            metric = MODEL.metrics[ref.name]
            exact = metric.unit.value in COUNT_UNITS
            for period, (lo, hi) in (
                ("value", (start, REPORTING_DAY)),
                ("previous", (previous_start, previous_end)),
            ):
                expected = await conn.fetchval(
                    METRICS[ref.name], app_id, lo, hi, REPORTING_DAY, *params
                )
                got = answer[camel(ref.name)][period]
                if not close(got, expected, exact=exact):
                    mismatches.append(f"{ref.name}.{period}: gateway {got}, reference {expected}")
    assert not mismatches, "\n".join(mismatches)


def test_every_metric_has_a_reference() -> None:
    assert set(MODEL.metrics) <= set(METRICS)
