"""A game's pages in Chromium: the numbers a person reads are the GraphQL answers."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.gateway.portal.conftest import Portal
from tests.gateway.portal.pages import after, cards, visit

GAME = "tile_kingdom"
CARD = "value previous change suppressed unit series { date value }"
DASH = "\N{EN DASH}"  # as the page writes ranges
BETTER_FIELDS = ("direction", "better", "goodDirection", "desiredDirection", "polarity")


async def module_answer(portal: Portal, module: str, metrics: list[str], **filter: Any) -> Any:
    selection = " ".join(f"{m} {{ {CARD} }}" for m in metrics)
    data = await portal.data(
        f"query($f: Game{module[0].upper()}{module[1:]}Filter) "
        f'{{ game(id: "{GAME}") {{ m: {module}(filter: $f) {{ {selection} }} }} }}',
        f=filter,
    )
    return data["game"]["m"]


async def lower_is_better(portal: Portal) -> set[str]:
    """Metrics whose fall is good news, where the catalog says so (else none)."""
    fields = await portal.data('{ __type(name: "CatalogMetric") { fields { name } } }')
    names = {f["name"] for f in fields["__type"]["fields"]}
    field = next((f for f in BETTER_FIELDS if f in names), None)
    if field is None:
        return set()
    catalog = await portal.data(f"{{ catalog {{ metrics {{ id {field} }} }} }}")
    return {m["id"] for m in catalog["catalog"]["metrics"] if "lower" in str(m[field]).lower()}


def shown_count(value: float) -> str:
    return f"{round(value):,}"


async def test_cards_show_the_graphql_answers(portal: Portal, page: Any, artifacts: Path) -> None:
    await visit(page, portal, f"game/{GAME}/userBehavior?preset=LAST_30_DAYS")
    shown = await cards(page)
    metrics = list(shown)
    answer = await module_answer(portal, "userBehavior", metrics, range={"preset": "LAST_30_DAYS"})
    lower = await lower_is_better(portal)
    assert metrics[:3] == ["totalUsers", "newUsers", "activeUsers"]
    for metric, card in shown.items():
        expected = answer[metric]
        assert float(card["value"]) == expected["value"], metric
        assert float(card["change"]) == expected["change"], metric
        good = (expected["change"] > 0) != (metric in lower)
        assert card["tone"] == ("good" if good else "bad"), metric
        if expected["unit"] == "users":
            assert card["text"] == shown_count(expected["value"]), metric
    assert shown["totalUsers"]["selected"] == "true"
    await page.screenshot(path=artifacts / "game-user-behavior.png", full_page=True)


async def test_clicking_a_card_switches_the_chart_and_hover_shows_the_point(
    portal: Portal, page: Any
) -> None:
    await visit(page, portal, f"game/{GAME}/userBehavior?preset=LAST_7_DAYS")
    trend = page.locator(".panel.trend")
    assert (await trend.locator("h2").inner_text()).startswith("Total users")
    await after(page, lambda: page.click(".card[data-metric=activeUsers]"))
    assert (await trend.locator("h2").inner_text()).startswith("Active users")
    assert (await cards(page))["activeUsers"]["selected"] == "true"
    series = (await module_answer(portal, "userBehavior", ["activeUsers"]))["activeUsers"]
    # hover the right edge of the chart: the tooltip shows the last day and its value
    box = await trend.locator("svg").bounding_box()
    await page.mouse.move(box["x"] + box["width"] - 20, box["y"] + box["height"] / 2)
    tip = trend.locator(".tooltip")
    await tip.wait_for(state="visible")
    last = series["series"][-1]
    assert await tip.inner_text() == f"{last['date']}\n{shown_count(last['value'])}"


async def test_a_filter_change_reloads_the_cards(portal: Portal, page: Any) -> None:
    await visit(page, portal, f"game/{GAME}/userBehavior?preset=LAST_7_DAYS")
    before = await cards(page)
    await after(page, lambda: page.select_option("select[name=os]", "IOS"))
    assert "os=IOS" in page.url
    shown = await cards(page)
    answer = await module_answer(portal, "userBehavior", list(shown), os="IOS")
    for metric, card in shown.items():
        assert float(card["value"]) == answer[metric]["value"], metric
    assert shown["activeUsers"]["value"] != before["activeUsers"]["value"]
    # then regions, typed as a person types them
    await page.fill("input[name=regions]", "gb, br")
    await after(page, lambda: page.press("input[name=regions]", "Enter"))
    assert "regions=GB%2CBR" in page.url
    shown = await cards(page)
    answer = await module_answer(
        portal, "userBehavior", ["activeUsers"], os="IOS", regions=["GB", "BR"]
    )
    assert float(shown["activeUsers"]["value"]) == answer["activeUsers"]["value"]


async def test_a_custom_range_is_checked_before_it_is_asked(portal: Portal, page: Any) -> None:
    await visit(page, portal, f"game/{GAME}/overview")
    await page.fill("input[name=start]", "2026-07-01")
    await page.fill("input[name=end]", "2026-11-21")
    await page.click("button.apply")
    message = page.locator(".filter-message")
    assert await message.inner_text() == "a custom range spans at most 90 days, not 144"
    await page.fill("input[name=start]", "2026-11-01")
    await after(page, lambda: page.click("button.apply"))
    assert "start=2026-11-01&end=2026-11-21" in page.url
    assert await page.inner_text(".range-note") == f"2026-11-01 {DASH} 2026-11-21"
    shown = await cards(page)
    data = await portal.data(
        f'{{ game(id: "{GAME}") {{ overview(filter: {{range: {{start: "2026-11-01", '
        f'end: "2026-11-21"}}}}) {{ activeUsers {{ value }} }} }} }}'
    )
    assert float(shown["activeUsers"]["value"]) == data["game"]["overview"]["activeUsers"]["value"]


async def test_downloads_return_the_csv(portal: Portal, page: Any) -> None:
    await visit(page, portal, f"game/{GAME}/userBehavior?preset=LAST_7_DAYS&os=ANDROID")
    async with page.expect_download() as download_info:
        await page.click(".panel.trend button.csv")
    download = await download_info.value
    assert download.suggested_filename == f"{GAME}-userBehavior-totalUsers.csv"
    rows = list(csv.reader(io.StringIO(Path(await download.path()).read_text())))
    answer = await module_answer(portal, "userBehavior", ["totalUsers"], os="ANDROID")
    series = answer["totalUsers"]["series"]
    assert rows[0] == ["date", "totalUsers"]
    assert [(r[0], float(r[1])) for r in rows[1:]] == [(p["date"], p["value"]) for p in series]
    async with page.expect_download() as download_info:
        await page.click(".panel.breakdown button.csv")
    breakdown = await download_info.value
    text = Path(await breakdown.path()).read_text()
    assert text.splitlines()[0] == "key,totalUsers,share"
    assert {line.split(",")[0] for line in text.splitlines()[1:]} == {"android"}


async def test_the_network_error_table_pages(portal: Portal, page: Any) -> None:
    await visit(page, portal, f"game/{GAME}/network?preset=LAST_30_DAYS")
    # latencies and error rates are better when they fall, where the catalog says so
    lower = await lower_is_better(portal)
    for metric, card in (await cards(page)).items():
        if card["change"]:
            good = (float(card["change"]) > 0) != (metric in lower)
            assert card["tone"] == ("good" if good else "bad"), metric
    table = page.locator(".panel.errors")
    query = (
        f'query($o: Int!) {{ game(id: "{GAME}") {{ network(filter: {{range: {{preset: '
        "LAST_30_DAYS}}) { errors(limit: 10, offset: $o) { totalCount rows { api domain "
        "errorCode count } } } } }"
    )
    first = (await portal.data(query, o=0))["game"]["network"]["errors"]
    second = (await portal.data(query, o=10))["game"]["network"]["errors"]
    assert first["totalCount"] > 10

    async def shown_rows() -> list[list[str]]:
        rows: list[list[str]] = await table.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => [...r.cells].slice(0, 4).map(c => c.textContent))"
        )
        return rows

    def expected(page_: dict[str, Any]) -> list[list[str]]:
        return [[r["api"], r["domain"], r["errorCode"], str(r["count"])] for r in page_["rows"]]

    assert await shown_rows() == expected(first)
    assert await table.locator(".position").inner_text() == f"1{DASH}10 of {first['totalCount']}"
    await after(page, lambda: table.locator("button.next").click())
    table = page.locator(".panel.errors")
    assert await shown_rows() == expected(second)
    assert (await table.locator(".position").inner_text()).startswith(f"11{DASH}")


async def test_block_presets_and_the_days_a_card_includes_us_for(
    portal: Portal, page: Any
) -> None:
    # LAST_WEEK: the last ISO week whose privacy cells are decided, as the gateway resolves it
    await visit(page, portal, f"game/{GAME}/userBehavior?preset=LAST_WEEK&regions=US")
    answer = await portal.data(
        f'{{ game(id: "{GAME}") {{ userBehavior(filter: {{range: {{preset: LAST_WEEK}},'
        ' regions: ["US"]}) { activeUsers { value protected { included { start end } } } } } }'
    )
    metric = answer["game"]["userBehavior"]["activeUsers"]
    (week,) = metric["protected"]["included"]
    assert await page.locator(".range-note").inner_text() == f"{week['start']} {DASH} {week['end']}"
    assert float((await cards(page))["activeUsers"]["value"]) == metric["value"]
    # LAST_30_DAYS includes US data for the shown weeks inside it only: the card says which
    await visit(page, portal, f"game/{GAME}/userBehavior?preset=LAST_30_DAYS")
    answer = await portal.data(
        f'{{ game(id: "{GAME}") {{ userBehavior(filter: {{range: {{preset: LAST_30_DAYS}}}})'
        " { activeUsers { protected { included { start end } complete } } } } }"
    )
    protected = answer["game"]["userBehavior"]["activeUsers"]["protected"]
    assert protected["included"] and not protected["complete"]
    spans = ", ".join(f"{s['start']} {DASH} {s['end']}" for s in protected["included"])
    note = page.locator('.card[data-metric="activeUsers"] .included')
    assert await note.inner_text() == f"US included for {spans}"
