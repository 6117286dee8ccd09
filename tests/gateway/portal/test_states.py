"""What a person sees when there is nothing to show, or it may not be shown, and signing in."""

from __future__ import annotations

from typing import Any

from tests.gateway.portal.conftest import Portal
from tests.gateway.portal.pages import after, cards, visit


async def test_an_unreleased_app_says_so(
    portal: Portal, page: Any, console_errors: list[str]
) -> None:
    await visit(page, portal, "game/galaxy_farm/overview")
    notice = await page.inner_text(".notice.unreleased")
    assert notice.startswith("Galaxy Farm is not released yet.")
    assert await page.inner_text("#app-status") == "unreleased"
    for card in (await cards(page)).values():
        assert (card["text"], card["suppressed"]) == ("—", "Not launched")


async def test_us_data_left_out_is_said_on_every_card(
    portal: Portal, page: Any, console_errors: list[str]
) -> None:
    query = (
        '{ game(id: "word_sprint") { overview(filter: {range: {preset: YESTERDAY}, '
        'regions: ["US"]}) { activeUsers { value suppressed } } } }'
    )
    answer = (await portal.data(query))["game"]["overview"]["activeUsers"]
    assert answer == {"value": None, "suppressed": "PRIVACY_THRESHOLD"}
    await visit(page, portal, "game/word_sprint/overview?preset=YESTERDAY&regions=US")
    assert (await page.inner_text(".notice.privacy")).startswith("US data left out.")
    for card in (await cards(page)).values():
        assert (card["text"], card["suppressed"]) == ("—", "US data left out")
    assert await page.inner_text(".panel.trend .chart.empty") == "US data left out"


async def test_a_range_without_data_says_so(
    portal: Portal, page: Any, console_errors: list[str]
) -> None:
    # tile_kingdom launched on 2026-06-25
    await visit(page, portal, "game/tile_kingdom/network?start=2026-06-01&end=2026-06-10")
    assert (await page.inner_text(".notice.empty-range")).startswith("No data in this range.")
    assert await page.inner_text(".panel.errors .empty") == "No rows for these filters"
    assert await page.locator(".panel.errors .pager").count() == 0


async def test_the_token_is_asked_once_per_session(
    portal: Portal, page: Any, console_errors: list[str]
) -> None:
    await page.goto(f"{portal.base_url}/")
    dialog = page.locator("#token-dialog")
    await dialog.wait_for()
    await page.fill("#token", "minis_00000000_not-a-token")
    await page.click("#token-form button[type=submit]")
    error = page.locator("#token-error")
    await error.filter(has_text="unknown or revoked").wait_for()
    assert await dialog.is_visible()
    # the browser logs the refused request itself; that is what was asked for
    console_errors.clear()
    await page.fill("#token", portal.token)
    await page.click("#token-form button[type=submit]")
    await page.wait_for_selector("main[data-status=ready]")
    games = (await portal.data("{ games { id status } }"))["games"]
    first = next(g["id"] for g in games if g["status"] == "LAUNCHED")
    assert page.url.endswith(f"#/game/{first}/overview")  # the first launched game
    stored = await page.evaluate("sessionStorage.getItem('minis.token')")
    assert stored == portal.token
    await page.reload()
    await page.wait_for_selector("main[data-status=ready]")
    assert not await dialog.is_visible()
    await after(page, lambda: page.click("nav a:text('Retention')"))
    assert not await dialog.is_visible()
    await visit(page, portal, "game/no_such_game/overview")
    unknown = "There is no app no_such_game that this token may see."
    assert await page.inner_text("main") == unknown
