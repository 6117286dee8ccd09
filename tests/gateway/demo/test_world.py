from __future__ import annotations

import datetime as dt

from gateway.demo.world import CAST

REPORTING_DAY = dt.date(2026, 11, 21)


def test_apps_and_their_keys_are_unique() -> None:
    assert len({spec.app_id for spec in CAST}) == len(CAST)
    assert len({spec.prefix for spec in CAST}) == len(CAST)


def test_launched_apps_have_120_days_of_data_from_different_days() -> None:
    launched = [spec for spec in CAST if spec.status == "launched"]
    days = [spec.launched_on(REPORTING_DAY) for spec in launched]
    assert len(set(days)) == len(days)
    assert all(d is not None and (REPORTING_DAY - d).days + 1 >= 120 for d in days)
    assert [spec for spec in CAST if spec.status == "unreleased"]


def test_region_mixes_add_up() -> None:
    for spec in CAST:
        mix = dict(spec.regions())
        assert abs(sum(mix.values()) - 1.0) < 1e-9
        assert mix["US"] == spec.us_share


def test_games_advertise_and_call_hosts_and_dramas_have_series() -> None:
    for spec in CAST:
        if spec.status != "launched":
            continue
        if spec.kind == "game":
            assert spec.campaigns and spec.request_hosts and spec.download_hosts
            assert 0 < spec.paid_share < 1
        else:
            assert spec.series and not spec.campaigns
