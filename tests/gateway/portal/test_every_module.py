"""Every module of a game and of a drama draws in the browser without an error."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gateway.portal.conftest import Portal
from tests.gateway.portal.pages import after, visit

APPS = {"game": "tile_kingdom", "drama": "midnight_heiress"}


@pytest.mark.parametrize("kind", sorted(APPS))
async def test_every_module_draws(portal: Portal, page: Any, kind: str) -> None:
    catalog = await portal.data("{ catalog { modules { kind id label metrics views } } }")
    modules = [m for m in catalog["catalog"]["modules"] if m["kind"] == kind]
    await visit(page, portal, f"{kind}/{APPS[kind]}/{modules[0]['id']}")
    links = await page.locator("nav a").all_inner_texts()
    assert sorted(links) == sorted(m["label"] for m in modules)
    for module in modules:
        await after(page, lambda m=module: page.click(f"nav a:text-is('{m['label']}')"))
        assert await page.inner_text("main h1") == module["label"]
        shown = await page.eval_on_selector_all(".card", "cs => cs.map(c => c.dataset.metric)")
        assert shown == module["metrics"] or module["views"] == ["retention"], module["id"]
        assert await page.locator(".panel").count() >= 1, module["id"]
        assert await page.locator(".panel button.csv").count() >= 1, module["id"]
