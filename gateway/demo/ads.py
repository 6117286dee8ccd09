"""In-app ads of mini games: requests, loads, impressions with revenue, clicks and failures."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from gateway.demo.calendar import Calendar, lognormal_factors
from gateway.demo.pick import Weighted
from gateway.demo.sessions import Activity, Row

AD_COLUMNS = (
    "event_id", "app_id", "user_id", "occurred_at", "os", "region", "placement_id",
    "placement_type", "event", "revenue_usd", "error_code",
)
# placement key, type, share of requests, chance a loaded ad is shown, chance of a click
PLACEMENTS: tuple[tuple[str, str, float, float, float], ...] = (
    ("rv_extra_life", "rewarded_video", 0.25, 0.75, 0.035),
    ("rv_double_reward", "rewarded_video", 0.2, 0.7, 0.03),
    ("int_level_end", "interstitial", 0.22, 0.9, 0.06),
    ("int_resume", "interstitial", 0.13, 0.85, 0.05),
    ("banner_home", "banner", 0.12, 0.95, 0.012),
    ("banner_shop", "banner", 0.08, 0.95, 0.008),
)
ECPM_USD = {"rewarded_video": 14.0, "interstitial": 8.0, "banner": 0.8}
REGION_VALUE = {"US": 1.0, "CA": 0.85, "GB": 0.8, "DE": 0.75, "JP": 0.7, "FR": 0.65,
                "TR": 0.25, "BR": 0.25, "MX": 0.25, "PH": 0.15, "ID": 0.15}
LOAD_ERRORS = Weighted.of((("no_fill", 0.5), ("network_error", 0.2), ("timeout", 0.15),
                           ("internal_error", 0.1), ("invalid_request", 0.05)))
DISPLAY_ERRORS = Weighted.of((("ad_expired", 0.35), ("not_ready", 0.25), ("render_error", 0.25),
                              ("show_interrupted", 0.15)))
SESSION_WITH_ADS = 0.2
LOAD_FAILURE = 0.06
DISPLAY_FAILURE = 0.04
ZERO = Decimal(0)
_VARIANTS = 64


def _revenues() -> dict[tuple[str, str], tuple[Decimal, ...]]:
    """Revenue of one impression by (placement type, region): a spread around the eCPM."""
    spread = lognormal_factors(0.5, size=_VARIANTS)
    return {
        (kind, region): tuple(Decimal(f"{ecpm * value * factor / 1000:.6f}") for factor in spread)
        for kind, ecpm in ECPM_USD.items() for region, value in REGION_VALUE.items()
    }


_REVENUE = _revenues()


class AdEvents:
    """The in-app ad events of one game, part by part of its activity."""

    def __init__(self, calendar: Calendar, *, seed: int, prefix: str, app_id: str):
        self.draw = random.Random(f"{seed}:{app_id}:ads").random
        self.placements = Weighted.of(((f"{prefix}_{key}", kind, shown, clicked), share)
                                      for key, kind, share, shown, clicked in PLACEMENTS)
        self.closing = calendar.closing
        self.count = 0

    def add(self, activity: Activity) -> list[Row]:
        draw, placements, closing = self.draw, self.placements, self.closing
        members, prefix, app_id = activity.members, activity.spec.prefix, activity.spec.app_id
        ms = dt.timedelta(milliseconds=1)
        rows: list[Row] = []
        base = self.count

        def add(*row: object) -> None:
            rows.append((f"{prefix}-a{base + len(rows):07d}", *row))

        for _launch, member_index, started, duration, os, region, _day, _tier in activity.sessions:
            if not duration or draw() >= SESSION_WITH_ADS:
                continue
            user_id = members[member_index].user_id
            for _ in range(1 + (draw() < 0.3)):
                placement_id, kind, shown, clicked = placements.pick(draw)
                at = min(closing, started + ms * int(duration * draw()))
                add(app_id, user_id, at, os, region, placement_id, kind, "request", ZERO, None)
                if draw() < LOAD_FAILURE:
                    at = min(closing, at + ms * (200 + int(draw() * 2800)))
                    add(app_id, user_id, at, os, region, placement_id, kind, "load_failure",
                        ZERO, LOAD_ERRORS.pick(draw))
                    continue
                if draw() >= shown:
                    continue
                at = min(closing, at + ms * (2000 + int(draw() * 58_000)))
                if draw() < DISPLAY_FAILURE:
                    add(app_id, user_id, at, os, region, placement_id, kind, "display_failure",
                        ZERO, DISPLAY_ERRORS.pick(draw))
                    continue
                revenue = _REVENUE[kind, region][int(draw() * _VARIANTS)]
                add(app_id, user_id, at, os, region, placement_id, kind, "impression", revenue,
                    None)
                if draw() < clicked:
                    at = min(closing, at + ms * (1000 + int(draw() * 29_000)))
                    add(app_id, user_id, at, os, region, placement_id, kind, "click", ZERO, None)
        self.count += len(rows)
        return rows
