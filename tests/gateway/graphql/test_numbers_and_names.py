"""Numbers look like what they are, and names are GraphQL's wherever a client sees them: counts
are whole numbers in CSV and have an Int form in GraphQL (`valueInt` beside the Float
`value`); CSV headers and file names are camelCase like the URL and the catalog."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx

from tests.gateway.graphql.conftest import GraphQLClient

RANGE = '{range: {start: "2026-10-11", end: "2026-10-14"}}'
PARAMS = "start=2026-10-11&end=2026-10-14"
CAMEL = re.compile(r"^[a-z][a-zA-Z0-9]*$")
WHOLE = re.compile(r"^-?\d+$")


def table(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text)))


async def test_a_count_has_an_int_form_and_a_ratio_has_none(gql: GraphQLClient) -> None:
    data = await gql.data(
        f'{{ game(id: "g1") {{ userBehavior(filter: {RANGE}) {{ '
        "activeUsers { value valueInt previous previousInt series { value valueInt } "
        "breakdown(by: REGION) { value valueInt series { value valueInt } } } "
        "avgLaunchedSessions { value valueInt previousInt series { valueInt } } } } "
        "catalog { metrics { id integer } } }"
    )
    counted = data["game"]["userBehavior"]["activeUsers"]
    assert counted["value"] > 0 and counted["valueInt"] == counted["value"]
    assert isinstance(counted["valueInt"], int)
    assert counted["previousInt"] == counted["previous"]
    points = counted["series"] + [p for row in counted["breakdown"] for p in row["series"]]
    assert [p["valueInt"] for p in points] == [p["value"] for p in points]
    assert [r["valueInt"] for r in counted["breakdown"]] == [
        r["value"] for r in counted["breakdown"]
    ]
    ratio = data["game"]["userBehavior"]["avgLaunchedSessions"]
    assert ratio["value"] is not None
    assert ratio["valueInt"] is None and ratio["previousInt"] is None
    assert {p["valueInt"] for p in ratio["series"]} == {None}
    integer = {m["id"]: m["integer"] for m in data["catalog"]["metrics"]}
    assert integer["activeUsers"] and integer["launchedSessions"] and integer["adClicks"]
    assert not integer["avgLaunchedSessions"] and not integer["ecpm"]
    assert not integer["avgLaunchMs"] and not integer["gmv"]  # an average, a sum of beans


async def test_counts_are_whole_numbers_in_csv_and_other_numbers_keep_their_fraction(
    gql: GraphQLClient,
) -> None:
    series = table(await gql.http.get(f"/csv/game/g1/userBehavior/launchedSessions?{PARAMS}"))
    assert series[0] == ["date", "launchedSessions"]
    assert series[1:] and all(WHOLE.match(value) for _, value in series[1:]), series
    breakdown = table(
        await gql.http.get(f"/csv/game/g1/userBehavior/activeUsers?{PARAMS}&by=REGION")
    )
    assert breakdown[0] == ["key", "activeUsers", "share"]
    assert breakdown[1:] and all(WHOLE.match(row[1]) for row in breakdown[1:]), breakdown
    ratio = table(await gql.http.get(f"/csv/game/g1/userBehavior/avgLaunchedSessions?{PARAMS}"))
    assert any("." in value for _, value in ratio[1:]), ratio


def _downloads(module: dict[str, Any]) -> list[str]:
    """Every item of a module one can download, with the parameters it needs."""
    items = list(module["metrics"])
    if module["metrics"] and "region" in module["dimensions"]:
        items.append(f"{module['metrics'][0]}?by=REGION")
    views = {"retention": "cohorts", "funnel": "steps"}  # the GraphQL field of the view
    return items + [views.get(view, view) for view in module["views"]]


async def test_every_download_is_named_as_graphql_names_it(gql: GraphQLClient) -> None:
    query = "{ catalog { modules { kind id metrics dimensions views } } }"
    catalog = (await gql.data(query))["catalog"]
    app = {"game": "g1", "drama": "d1"}
    checked = 0
    for module in catalog["modules"]:
        assert CAMEL.match(module["id"]), module["id"]
        for item in _downloads(module):
            name, _, extra = item.partition("?")
            url = f"/csv/{module['kind']}/{app[module['kind']]}/{module['id']}/{name}?{PARAMS}"
            response = await gql.http.get(f"{url}&{extra}" if extra else url)
            header = table(response)[0]
            assert all(CAMEL.match(column) for column in header), (url, header)
            disposition = response.headers["content-disposition"]
            filename = f"{app[module['kind']]}-{module['id']}-{name}.csv"
            assert disposition == f'attachment; filename="{filename}"', url
            checked += 1
    assert checked > 60
