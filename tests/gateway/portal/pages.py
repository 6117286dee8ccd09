"""Opening the portal's pages in the browser and reading what a person sees."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from tests.gateway.portal.conftest import Portal

NEWER_RENDER = """([last]) => {
  const main = document.querySelector("main");
  return Number(main.dataset.render || 0) > last && main.dataset.status !== "loading";
}"""


@contextlib.asynccontextmanager
async def browser_page(browser: Any, errors: list[str]) -> AsyncIterator[Any]:
    """A page in a fresh browser context (its own session storage); console errors and
    uncaught exceptions go to `errors`."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(60_000)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        yield page
    finally:
        await context.close()


async def render_count(page: Any) -> int:
    return int(await page.get_attribute("main", "data-render") or 0)


async def settle(page: Any, last: int) -> None:
    """Waits for a render newer than `last` to finish, and checks it ended well."""
    await page.wait_for_function(NEWER_RENDER, arg=[last])
    status = await page.get_attribute("main", "data-status")
    assert status == "ready", await page.inner_text("main")


async def after(page: Any, action: Any) -> None:
    """Does `action` (a coroutine function) and waits for the page it leads to."""
    last = await render_count(page)
    await action()
    await settle(page, last)


async def visit(page: Any, portal: Portal, route: str) -> None:
    """Opens `route` (e.g. game/tile_kingdom/overview?preset=LAST_30_DAYS), signing in with
    the portal's token when the page asks for one."""
    last = await render_count(page) if page.url.startswith(portal.base_url) else 0
    await page.goto(f"{portal.base_url}/#/{route}")
    dialog = page.locator("#token-dialog")
    signed_in = page.locator("main[data-render]")
    await dialog.or_(signed_in).first.wait_for()
    if await dialog.is_visible():
        await page.fill("#token", portal.token)
        await page.click("#token-form button[type=submit]")
    await settle(page, last)


async def cards(page: Any) -> dict[str, dict[str, str]]:
    """Each metric card: its shown text, raw value, change and the change's colour class."""
    found: dict[str, dict[str, str]] = await page.eval_on_selector_all(
        ".card",
        """cards => Object.fromEntries(cards.map(c => [c.dataset.metric, {
            label: c.querySelector(".label").textContent,
            text: c.querySelector(".value").textContent,
            value: c.querySelector(".value").dataset.value,
            change: c.querySelector(".change")?.dataset.change ?? null,
            tone: c.querySelector(".change")?.classList[1] ?? null,
            suppressed: c.querySelector(".suppressed")?.textContent ?? null,
            selected: c.getAttribute("aria-pressed"),
        }]))""",
    )
    return found
