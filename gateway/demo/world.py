"""The cast of the demo world: owners, apps, their audiences and their ad campaigns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Kind = Literal["game", "drama"]

# Regions other than the US, with their weight in a typical audience.
WORLD_REGIONS: tuple[tuple[str, float], ...] = (
    ("GB", 0.11), ("BR", 0.16), ("ID", 0.15), ("DE", 0.09), ("JP", 0.08),
    ("MX", 0.12), ("FR", 0.07), ("CA", 0.06), ("PH", 0.10), ("TR", 0.06),
)


@dataclass(frozen=True, kw_only=True)
class Campaign:
    """A For You feed ad campaign, running from `starts` days after launch until `ends` days
    after launch (None: still running on the reporting day)."""

    campaign_id: str
    regions: tuple[str, ...]
    starts: int
    ends: int | None = None


@dataclass(frozen=True, kw_only=True)
class AppSpec:
    app_id: str
    kind: Kind
    name: str
    owner_id: str
    prefix: str  # short, unique; starts every key the app's events carry
    launched_days_ago: int | None  # before the reporting day; None: unreleased
    arrivals: float  # new users a day at scale 1
    us_share: float
    paid_share: float = 0.0  # of new users, acquired through a paid click
    campaigns: tuple[Campaign, ...] = ()
    request_hosts: tuple[str, ...] = ()  # games: hosts of tt.request()
    download_hosts: tuple[str, ...] = ()  # games: hosts of tt.downloadFile()
    series: tuple[str, ...] = ()  # dramas: the series whose episodes users unlock

    @property
    def status(self) -> str:
        return "unreleased" if self.launched_days_ago is None else "launched"

    def launched_on(self, reporting_day: dt.date) -> dt.date | None:
        if self.launched_days_ago is None:
            return None
        return reporting_day - dt.timedelta(days=self.launched_days_ago)

    def regions(self) -> tuple[tuple[str, float], ...]:
        others = sum(weight for _, weight in WORLD_REGIONS)
        rest = 1.0 - self.us_share
        return (("US", self.us_share),
                *((region, weight / others * rest) for region, weight in WORLD_REGIONS))


TIER1 = ("US", "GB", "DE", "FR", "CA", "JP")
EMERGING = ("BR", "MX", "ID", "PH", "TR")


def _campaigns(prefix: str) -> tuple[Campaign, ...]:
    return (
        Campaign(campaign_id=f"{prefix}_broad", regions=TIER1 + EMERGING, starts=2),
        Campaign(campaign_id=f"{prefix}_tier1_lookalike", regions=TIER1, starts=18),
        Campaign(campaign_id=f"{prefix}_emerging_launch", regions=EMERGING, starts=5, ends=75),
    )


CAST: tuple[AppSpec, ...] = (
    AppSpec(
        app_id="tile_kingdom", kind="game", name="Tile Kingdom", owner_id="owner_alpha",
        prefix="tk", launched_days_ago=149, arrivals=180.0, us_share=0.45, paid_share=0.2,
        campaigns=_campaigns("tk"),
        request_hosts=("api.tilekingdom.games", "leaderboard.tilekingdom.games",
                       "pay.tilekingdom.games"),
        download_hosts=("cdn.tilekingdom.games", "assets.minicdn.net"),
    ),
    AppSpec(
        app_id="bubble_pop_saga", kind="game", name="Bubble Pop Saga", owner_id="owner_alpha",
        prefix="bp", launched_days_ago=131, arrivals=55.0, us_share=0.3, paid_share=0.15,
        campaigns=_campaigns("bp"),
        request_hosts=("api.bubblepop.fun", "events.bubblepop.fun"),
        download_hosts=("cdn.bubblepop.fun", "assets.minicdn.net"),
    ),
    AppSpec(
        app_id="word_sprint", kind="game", name="Word Sprint", owner_id="owner_beta",
        prefix="ws", launched_days_ago=124, arrivals=22.0, us_share=0.12, paid_share=0.15,
        campaigns=_campaigns("ws"),
        request_hosts=("api.wordsprint.app", "dict.wordsprint.app"),
        download_hosts=("static.wordsprint.app",),
    ),
    AppSpec(
        app_id="midnight_heiress", kind="drama", name="The Midnight Heiress",
        owner_id="owner_alpha", prefix="mh", launched_days_ago=140, arrivals=68.0, us_share=0.5,
        series=("The Midnight Heiress", "Heiress Returns", "Diamonds at Dawn",
                "The Butler's Secret"),
    ),
    AppSpec(
        app_id="ceo_secret_twin", kind="drama", name="My CEO's Secret Twin",
        owner_id="owner_beta", prefix="ct", launched_days_ago=121, arrivals=22.0, us_share=0.25,
        series=("My CEO's Secret Twin", "Contract Bride", "Twin Billionaires"),
    ),
    AppSpec(
        app_id="galaxy_farm", kind="game", name="Galaxy Farm", owner_id="owner_beta",
        prefix="gf", launched_days_ago=None, arrivals=0.0, us_share=0.0,
    ),
)


def campaign_active(campaign: Campaign, *, launch_index: int, day: int) -> bool:
    if day < launch_index + campaign.starts:
        return False
    return campaign.ends is None or day <= launch_index + campaign.ends
