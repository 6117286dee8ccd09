"""A drama's pages in Chromium: dashboard, funnel, retention and profile as GraphQL answers them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.gateway.portal.conftest import Portal
from tests.gateway.portal.pages import after, cards, visit

DRAMA = "midnight_heiress"
LAST_30 = "(filter: {range: {preset: LAST_30_DAYS}})"


async def drama(portal: Portal, selection: str) -> Any:
    return (await portal.data(f'{{ drama(id: "{DRAMA}") {{ {selection} }} }}'))["drama"]


async def test_the_dashboard_cards_and_their_breakdown(
    portal: Portal, page: Any, artifacts: Path
) -> None:
    await visit(page, portal, f"drama/{DRAMA}/dashboard?preset=LAST_30_DAYS")
    shown = await cards(page)
    answer = (
        await drama(
            portal,
            f"dashboard{LAST_30} {{ totalUsers {{ value }} activeUsers {{ value }} "
            "newUsers { value } medianDurationPerUser { value } "
            "breakdown: totalUsers { breakdown(by: REGION, limit: 10) { key value } } }",
        )
    )["dashboard"]
    assert list(shown) == ["totalUsers", "activeUsers", "newUsers", "medianDurationPerUser"]
    for metric, card in shown.items():
        assert float(card["value"]) == answer[metric]["value"], metric
    keys = await page.locator(".panel.breakdown tbody tr td:first-child").all_inner_texts()
    assert keys == [r["key"] for r in answer["breakdown"]["breakdown"]]
    await page.screenshot(path=artifacts / "drama-dashboard.png", full_page=True)


async def test_the_funnel_shows_every_step(portal: Portal, page: Any, artifacts: Path) -> None:
    await visit(page, portal, f"drama/{DRAMA}/conversionFunnel?preset=LAST_30_DAYS")
    steps = (await drama(portal, f"conversionFunnel{LAST_30} {{ steps {{ step label pv }} }}"))[
        "conversionFunnel"
    ]["steps"]
    shown = await page.locator(".steps li").evaluate_all(
        "items => items.map(i => [i.dataset.step, i.querySelector('.label').textContent,"
        " i.querySelector('.num').textContent])"
    )
    assert len(steps) == 9
    assert shown == [[s["step"], s["label"], f"{s['pv']:,}"] for s in steps]
    await page.screenshot(path=artifacts / "drama-conversion-funnel.png", full_page=True)
    await after(page, lambda: page.select_option("select[name=orderType]", "TOPUP"))
    topup = await drama(
        portal,
        "conversionFunnel(filter: {range: {preset: LAST_30_DAYS}, orderType: TOPUP}) "
        "{ steps { pv } }",
    )
    last = page.locator(".steps li:last-child .num").first
    assert await last.inner_text() == f"{topup['conversionFunnel']['steps'][-1]['pv']:,}"


async def test_the_retention_table_follows_the_period(portal: Portal, page: Any) -> None:
    await visit(page, portal, f"drama/{DRAMA}/userRetention?preset=LAST_30_DAYS")
    await after(page, lambda: page.click(".tab[data-value=DAY_1]"))
    answer = (
        await drama(
            portal,
            f"userRetention{LAST_30} {{ rate(period: DAY_1) {{ value }} "
            "cohorts(period: DAY_1) { date cohortSize retained } }",
        )
    )["userRetention"]
    shown = await cards(page)
    assert float(shown["rate"]["value"]) == answer["rate"]["value"]
    rows = await page.locator(".cohort-table tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].slice(0, 3).map(c => c.textContent))"
    )
    assert rows == [
        [
            c["date"],
            f"{c['cohortSize']:,}",
            "pending" if c["retained"] is None else f"{c['retained']:,}",
        ]
        for c in answer["cohorts"]
    ]
    assert rows[-1][2] == "pending"  # the reporting day's cohort cannot have returned yet


async def test_the_profile_pies_cover_every_dimension(portal: Portal, page: Any) -> None:
    await visit(page, portal, f"drama/{DRAMA}/userProfile?preset=LAST_7_DAYS&userType=NEW")
    titles = await page.locator(".panel.distribution h2").all_inner_texts()
    assert titles == ["Users by gender", "Users by age", "Users by region"]
    answer = await drama(
        portal,
        "userProfile(filter: {userType: NEW}) { distribution(by: GENDER) { key users } }",
    )
    first = page.locator(".panel.distribution").first.locator("tbody tr")
    shown = await first.evaluate_all(
        "rows => rows.map(r => [...r.cells].slice(0, 2).map(c => c.textContent))"
    )
    rows = answer["userProfile"]["distribution"]
    assert shown == [[r["key"], f"{r['users']:,}"] for r in rows]
    assert await page.locator(".chart.pie svg").count() == 3
