"""`previous` is the metric over the previous period: checked by hand where the period is
shorter than the range (where retention's `previous` used to miss return days), and for every
card and retention rate against asking for the previous period directly, over ranges and
filters chosen so that a comparison that reads the wrong days shows. Both paths (derived
tables and raw rows) run every test (see conftest's `world_app`)."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.schema.naming import camel
from semantic.model import SemanticModel
from tests.gateway.graphql.conftest import GraphQLClient
from tests.semantic.world import APP, DRAMA

# ranges: long with a short period, short, one day, one ending on the reporting day
RANGES = [("2026-10-13", "2026-10-20"), ("2026-10-11", "2026-10-14"), ("2026-10-12", "2026-10-12")]
FILTERS = ["", "os: IOS", 'regions: ["GB", "BR"]']


def _previous(start: str, end: str) -> tuple[str, str]:
    lo, hi = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    days = (hi - lo).days + 1
    previous_end = lo - dt.timedelta(days=1)
    return str(previous_end - dt.timedelta(days=days - 1)), str(previous_end)


async def test_retention_previous_counts_returns_before_the_range(gql: GraphQLClient) -> None:
    # ACTIVE, DAY_7 over 10-13..20: the previous period 10-05..12 has cohorts 10-05 {u1},
    # 10-08 {u1}, 10-09 {u4}, 10-11 {u2}, 10-12 {u1, u3}; u1 returns on 10-12 (10-05 + 7,
    # before the range starts) and u3 on 10-19: 2 of 6.
    data = await gql.data(
        '{ game(id: "g1") { userRetention(filter: {range: {start: "2026-10-13", '
        'end: "2026-10-20"}, cohort: ACTIVE}) { rate(period: DAY_7) { value previous } } } }'
    )
    rate = data["game"]["userRetention"]["rate"]
    assert rate["previous"] == pytest.approx(2 / 6)


@pytest.mark.parametrize(("start", "end"), RANGES)
@pytest.mark.parametrize("filter_", FILTERS)
@pytest.mark.parametrize("cohort", ["NEW", "ACTIVE"])
@pytest.mark.parametrize("period", ["DAY_1", "DAY_7"])
async def test_retention_previous_is_the_previous_period_asked_directly(
    gql: GraphQLClient, start: str, end: str, filter_: str, cohort: str, period: str
) -> None:
    def query(lo: str, hi: str) -> str:
        extra = f", {filter_}" if filter_ else ""
        return (
            f'{{ game(id: "{APP}") {{ userRetention(filter: {{range: {{start: "{lo}", '
            f'end: "{hi}"}}, cohort: {cohort}{extra}}}) {{ rate(period: {period}) '
            "{ value previous } } } }"
        )

    now = (await gql.data(query(start, end)))["game"]["userRetention"]["rate"]
    before = (await gql.data(query(*_previous(start, end))))["game"]["userRetention"]["rate"]
    assert now["previous"] == before["value"]


@pytest.mark.parametrize(("start", "end"), RANGES)
@pytest.mark.parametrize("filter_", FILTERS)
async def test_every_cards_previous_is_the_previous_period_asked_directly(
    gql: GraphQLClient, semantic_model: SemanticModel, start: str, end: str, filter_: str
) -> None:
    for (kind, module_id), module in sorted(semantic_model.modules.items()):
        offered = {camel(f.name) for f in module.filters}
        if not module.metrics or (filter_ and filter_.split(":")[0] not in offered):
            continue
        app = APP if kind.value == "game" else DRAMA
        cards = " ".join(f"{camel(m.name)} {{ value previous }}" for m in module.metrics)

        extra = f", {filter_}" if filter_ else ""
        head = f'{{ app: {kind.value}(id: "{app}") {{ m: {camel(module_id)}(filter: {{range: '
        tail = f"{extra}}}) {{ {cards} }} }} }}"
        now = (await gql.data(f'{head}{{start: "{start}", end: "{end}"}}{tail}'))["app"]["m"]
        lo, hi = _previous(start, end)
        before = (await gql.data(f'{head}{{start: "{lo}", end: "{hi}"}}{tail}'))["app"]["m"]
        for ref in module.metrics:
            name = camel(ref.name)
            assert now[name]["previous"] == pytest.approx(before[name]["value"]), (
                f"{kind.value} {module_id}.{name} {start}..{end} {filter_}"
            )
