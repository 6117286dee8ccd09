from __future__ import annotations

import pytest

from semantic.loader import validate_directory
from semantic.model import AppKind, SemanticModel

# The modules table of the product's metrics spec: module ids per app kind.
MODULES = {
    AppKind.GAME: {
        "overview",
        "user_behavior",
        "user_retention",
        "user_profile",
        "user_device",
        "user_source",
        "launch",
        "runtime",
        "network",
        "iap_users",
        "iap_orders",
        "ad_insights",
        "ad_performance",
        "feed_ads_overview",
        "feed_ads_first_day",
        "feed_ads_history",
        "feed_cards",
    },
    AppKind.DRAMA: {
        "dashboard",
        "iap_users",
        "iap_orders",
        "user_behavior",
        "user_retention",
        "user_profile",
        "user_device",
        "entry_point",
        "conversion_funnel",
        "launch",
    },
}


@pytest.fixture(scope="module")
def real_model() -> SemanticModel:
    result = validate_directory()
    assert result.lines() == []
    return result.model


@pytest.mark.parametrize("kind", list(AppKind))
def test_every_module_of_the_spec_is_defined(real_model: SemanticModel, kind: AppKind) -> None:
    assert {module.id for module in real_model.modules_of(kind)} == MODULES[kind]


def test_every_object_points_at_its_file(real_model: SemanticModel) -> None:
    locations = [o.location for o in real_model.sources.values()]
    locations += [o.location for o in real_model.metrics.values()]
    locations += [o.location for o in real_model.modules.values()]
    assert all(at.file.startswith("models/") and at.line > 0 for at in locations)
