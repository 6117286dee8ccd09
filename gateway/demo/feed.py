"""The For You feed of mini games: paid ad clicks, daily campaign spend and free cards.

Paid clicks come in four flavours: the click of a member who opened the game the same UTC day,
the click of one who opened it later within 30 days, the click of one who first opened it more
than 30 days later (not paid-acquired), and clicks of people who never open it. Members who
already play also click now and then (retargeting)."""

from __future__ import annotations

import datetime as dt
import random
from array import array
from collections import Counter
from decimal import Decimal

from gateway.demo.calendar import Calendar, second_of_day
from gateway.demo.people import PLACE_CODES, PLACES, Audience, user_id_of
from gateway.demo.sessions import Activity, Row
from gateway.demo.world import AppSpec, campaign_active

CLICK_COLUMNS = ("click_id", "app_id", "user_id", "clicked_at", "campaign_id", "os", "region")
Click = tuple[str, str, str, dt.datetime, str, str, str]
SPEND_COLUMNS = ("app_id", "day", "campaign_id", "region", "spend_usd", "impressions")
CARD_COLUMNS = ("event_id", "app_id", "user_id", "occurred_at", "os", "region", "event")
CPM_USD = {"US": 10.0, "CA": 8.5, "GB": 8.0, "DE": 7.5, "JP": 8.0, "FR": 6.5, "TR": 2.0,
           "BR": 2.5, "MX": 2.6, "PH": 1.4, "ID": 1.2}
IMPRESSIONS_PER_CLICK = 75
RETARGETED_SESSIONS = 0.004
CARD_ARRIVALS = 0.45  # of members who came from the feed, how many came through a card


class PaidClicks:
    """The paid clicks of one game: those of its members' acquisitions part by part of its
    activity, then (`finish`) the retargeting clicks of its sessions, which draw after all the
    acquisitions. For these it keeps a few bytes per session, not the sessions."""

    def __init__(self, calendar: Calendar, *, seed: int, spec: AppSpec):
        self.spec = spec
        self.calendar = calendar
        self.draw = random.Random(f"{seed}:{spec.app_id}:clicks").random
        self.audience = Audience.of(spec)
        self.by_id = {c.campaign_id: c for c in spec.campaigns}
        launched_on = spec.launched_on(calendar.reporting_day)
        assert launched_on is not None
        self.launch_index = calendar.index(launched_on)
        self.count = 0
        self.strangers = 0
        # per session, for the retargeting clicks: member, day, second of the day, os and region
        self.members = array("I")
        self.days = array("H")
        self.seconds = array("I")
        self.places = array("B")
        self.counted: Counter[tuple[int, str, str]] = Counter()  # clicks by day, campaign, region

    def click(self, rows: list[Click], user_id: str, at: dt.datetime, campaign_id: str, os: str,
              region: str) -> None:
        rows.append((f"{self.spec.prefix}-k{self.count:06d}", self.spec.app_id, user_id, at,
                     campaign_id, os, region))
        self.count += 1
        self.counted[self.calendar.index(at.date()), campaign_id, region] += 1

    def add(self, activity: Activity) -> list[Click]:
        draw, calendar, audience, prefix = self.draw, self.calendar, self.audience, self.spec.prefix
        members = activity.members
        rows: list[Click] = []
        for acquired in activity.acquisitions:
            user_id = members[acquired.member].user_id
            self.click(rows, user_id, acquired.clicked_at, acquired.campaign_id, acquired.os,
                       acquired.region)
            earlier = (acquired.clicked_at.date() - calendar.first_day).days - 2 - int(draw() * 18)
            if draw() < 0.12 and campaign_active(self.by_id[acquired.campaign_id],
                                                 launch_index=activity.launch_index, day=earlier):
                self.click(rows, user_id, calendar.at(earlier, second_of_day(draw)),
                           acquired.campaign_id, acquired.os, acquired.region)
            # people who click the same ad that day and never open the game
            day = (acquired.clicked_at.date() - calendar.first_day).days
            for _ in range(int(draw() * 4)):
                self.strangers += 1
                os, _region = audience.passer_by(draw)
                self.click(rows, f"{prefix}-p{self.strangers:06d}",
                           calendar.at(day, second_of_day(draw)), acquired.campaign_id, os,
                           acquired.region)
        midnights = calendar.midnights
        for _launch, member_index, started, _duration, os, region, day, _tier in (
                activity.sessions):
            self.members.append(member_index)
            self.days.append(day)
            self.seconds.append((started - midnights[day]).seconds)
            self.places.append(PLACE_CODES[os, region])
        return rows

    def finish(self) -> list[Click]:
        draw, calendar, spec = self.draw, self.calendar, self.spec
        rows: list[Click] = []
        for member_index, day, second, place in zip(self.members, self.days, self.seconds,
                                                    self.places, strict=True):
            if draw() >= RETARGETED_SESSIONS:
                continue
            os, region = PLACES[place]
            running = [c.campaign_id for c in spec.campaigns if region in c.regions
                       and campaign_active(c, launch_index=self.launch_index, day=day)]
            started = calendar.at(day, second)
            if running and started > calendar.midnights[day] + dt.timedelta(minutes=10):
                self.click(rows, user_id_of(spec.prefix, member_index),
                           started - dt.timedelta(seconds=30 + draw() * 500),
                           running[int(draw() * len(running))], os, region)
        self.members, self.days, self.seconds, self.places = (
            array("I"), array("H"), array("I"), array("B"))
        return rows


def ad_spend(spec: AppSpec, calendar: Calendar, clicks: PaidClicks, *, seed: int) -> list[Row]:
    """One row per campaign, region and day the campaign ran, priced from the day's clicks."""
    draw = random.Random(f"{seed}:{spec.app_id}:spend").random
    counted = clicks.counted
    rows: list[Row] = []
    for day in range(clicks.launch_index, calendar.last + 1):
        for campaign in spec.campaigns:
            if not campaign_active(campaign, launch_index=clicks.launch_index, day=day):
                continue
            for region in campaign.regions:
                taken = counted[day, campaign.campaign_id, region]
                impressions = int(taken * IMPRESSIONS_PER_CLICK * (0.7 + 0.6 * draw())
                                  + 120 + draw() * 300)
                cents = int(impressions * CPM_USD[region] * (0.8 + 0.4 * draw()) / 10)
                rows.append((spec.app_id, calendar.day(day), campaign.campaign_id, region,
                             Decimal(cents).scaleb(-2), impressions))
    return rows


class CardEvents:
    """The free feed cards of one game, part by part of its activity. The people who only
    scroll past a card are kept as a byte each (their os and region): later cards reach some
    of them again."""

    def __init__(self, calendar: Calendar, *, seed: int, spec: AppSpec):
        self.draw = random.Random(f"{seed}:{spec.app_id}:cards").random
        self.audience = Audience.of(spec)
        self.calendar = calendar
        launched_on = spec.launched_on(calendar.reporting_day)
        assert launched_on is not None
        self.opened = calendar.midnights[calendar.index(launched_on)]
        self.count = 0
        self.viewers = array("B")  # os and region of people who saw a card, not users

    def add(self, activity: Activity) -> list[Row]:
        draw, audience, calendar, viewers = self.draw, self.audience, self.calendar, self.viewers
        members, prefix, app_id = activity.members, activity.spec.prefix, activity.spec.app_id
        opened, closing = self.opened, calendar.closing
        rows: list[Row] = []
        base = self.count

        def card(user_id: str, at: dt.datetime, os: str, region: str, event: str) -> None:
            rows.append((f"{prefix}-c{base + len(rows):07d}", app_id, user_id,
                         min(closing, max(opened, at)), os, region, event))

        for member_index, first_at, os, region in activity.feed_arrivals:
            if draw() >= CARD_ARRIVALS:
                continue
            user_id = members[member_index].user_id
            if draw() < 0.3:
                card(user_id, first_at - dt.timedelta(hours=1 + draw() * 10), os, region,
                     "impression")
            card(user_id, first_at - dt.timedelta(seconds=40 + draw() * 900), os, region,
                 "impression")
            card(user_id, first_at - dt.timedelta(seconds=3 + draw() * 30), os, region, "click")
            # the same card shown to people scrolling past it
            day = (first_at - calendar.midnights[0]).days
            for _ in range(3 + int(draw() * 7)):
                if viewers and draw() < 0.25:
                    number = int(draw() * len(viewers))
                else:
                    number = len(viewers)
                    viewers.append(PLACE_CODES[audience.passer_by(draw)])
                viewer = f"{prefix}-v{number:06d}"
                viewer_os, viewer_region = PLACES[viewers[number]]
                at = calendar.at(day, second_of_day(draw))
                card(viewer, at, viewer_os, viewer_region, "impression")
                if draw() < 0.04:
                    card(viewer, at + dt.timedelta(seconds=2 + draw() * 20), viewer_os,
                         viewer_region, "click")
        self.count += len(rows)
        return rows
