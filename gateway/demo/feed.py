"""The For You feed of mini games: paid ad clicks, daily campaign spend and free cards.

Paid clicks come in four flavours: the click of a member who opened the game the same UTC day,
the click of one who opened it later within 30 days, the click of one who first opened it more
than 30 days later (not paid-acquired), and clicks of people who never open it. Members who
already play also click now and then (retargeting)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

from gateway.demo.calendar import Calendar, second_of_day
from gateway.demo.people import Audience
from gateway.demo.sessions import Activity, Row
from gateway.demo.world import campaign_active

CLICK_COLUMNS = ("click_id", "app_id", "user_id", "clicked_at", "campaign_id", "os", "region")
Click = tuple[str, str, str, dt.datetime, str, str, str]
SPEND_COLUMNS = ("app_id", "day", "campaign_id", "region", "spend_usd", "impressions")
CARD_COLUMNS = ("event_id", "app_id", "user_id", "occurred_at", "os", "region", "event")
CPM_USD = {"US": 10.0, "CA": 8.5, "GB": 8.0, "DE": 7.5, "JP": 8.0, "FR": 6.5, "TR": 2.0,
           "BR": 2.5, "MX": 2.6, "PH": 1.4, "ID": 1.2}
IMPRESSIONS_PER_CLICK = 75
RETARGETED_SESSIONS = 0.004
CARD_ARRIVALS = 0.45  # of members who came from the feed, how many came through a card


def paid_clicks(activity: Activity, calendar: Calendar, *, seed: int) -> list[Click]:
    spec = activity.spec
    draw = random.Random(f"{seed}:{spec.app_id}:clicks").random
    audience = Audience.of(spec)
    members, prefix, app_id = activity.members, spec.prefix, spec.app_id
    by_id = {c.campaign_id: c for c in spec.campaigns}
    rows: list[Click] = []
    strangers = 0

    def click(user_id: str, at: dt.datetime, campaign_id: str, os: str, region: str) -> None:
        rows.append((f"{prefix}-k{len(rows):06d}", app_id, user_id, at, campaign_id, os, region))

    for acquired in activity.acquisitions:
        user_id = members[acquired.member].user_id
        click(user_id, acquired.clicked_at, acquired.campaign_id, acquired.os, acquired.region)
        earlier = (acquired.clicked_at.date() - calendar.first_day).days - 2 - int(draw() * 18)
        if draw() < 0.12 and campaign_active(by_id[acquired.campaign_id],
                                             launch_index=activity.launch_index, day=earlier):
            click(user_id, calendar.at(earlier, second_of_day(draw)), acquired.campaign_id,
                  acquired.os, acquired.region)
        # people who click the same ad that day and never open the game
        day = (acquired.clicked_at.date() - calendar.first_day).days
        for _ in range(int(draw() * 4)):
            strangers += 1
            os, _region = audience.passer_by(draw)
            click(f"{prefix}-p{strangers:06d}", calendar.at(day, second_of_day(draw)),
                  acquired.campaign_id, os, acquired.region)
    for _launch, member_index, started, _duration, os, region, day, _tier in activity.sessions:
        if draw() >= RETARGETED_SESSIONS:
            continue
        running = [c.campaign_id for c in spec.campaigns if region in c.regions
                   and campaign_active(c, launch_index=activity.launch_index, day=day)]
        if running and started > calendar.midnights[day] + dt.timedelta(minutes=10):
            click(members[member_index].user_id, started - dt.timedelta(seconds=30 + draw() * 500),
                  running[int(draw() * len(running))], os, region)
    return rows


def ad_spend(activity: Activity, calendar: Calendar, clicks: list[Click], *,
             seed: int) -> list[Row]:
    """One row per campaign, region and day the campaign ran, priced from the day's clicks."""
    spec = activity.spec
    draw = random.Random(f"{seed}:{spec.app_id}:spend").random
    counted = Counter((calendar.index(at.date()), campaign, region)
                      for _id, _app, _user, at, campaign, _os, region in clicks)
    rows: list[Row] = []
    for day in range(activity.launch_index, calendar.last + 1):
        for campaign in spec.campaigns:
            if not campaign_active(campaign, launch_index=activity.launch_index, day=day):
                continue
            for region in campaign.regions:
                taken = counted[day, campaign.campaign_id, region]
                impressions = int(taken * IMPRESSIONS_PER_CLICK * (0.7 + 0.6 * draw())
                                  + 120 + draw() * 300)
                cents = int(impressions * CPM_USD[region] * (0.8 + 0.4 * draw()) / 10)
                rows.append((spec.app_id, calendar.day(day), campaign.campaign_id, region,
                             Decimal(cents).scaleb(-2), impressions))
    return rows


def card_events(activity: Activity, calendar: Calendar, *, seed: int) -> list[Row]:
    spec = activity.spec
    draw = random.Random(f"{seed}:{spec.app_id}:cards").random
    audience = Audience.of(spec)
    members, prefix, app_id = activity.members, spec.prefix, spec.app_id
    opened, closing = calendar.midnights[activity.launch_index], calendar.closing
    rows: list[Row] = []
    viewers: list[tuple[str, str]] = []  # (os, region) of people who saw a card, not users

    def card(user_id: str, at: dt.datetime, os: str, region: str, event: str) -> None:
        rows.append((f"{prefix}-c{len(rows):07d}", app_id, user_id,
                     min(closing, max(opened, at)), os, region, event))

    for member_index, first_at, os, region in activity.feed_arrivals:
        if draw() >= CARD_ARRIVALS:
            continue
        user_id = members[member_index].user_id
        if draw() < 0.3:
            card(user_id, first_at - dt.timedelta(hours=1 + draw() * 10), os, region, "impression")
        card(user_id, first_at - dt.timedelta(seconds=40 + draw() * 900), os, region, "impression")
        card(user_id, first_at - dt.timedelta(seconds=3 + draw() * 30), os, region, "click")
        # the same card shown to people scrolling past it
        day = (first_at - calendar.midnights[0]).days
        for _ in range(3 + int(draw() * 7)):
            if viewers and draw() < 0.25:
                number = int(draw() * len(viewers))
            else:
                number = len(viewers)
                viewers.append(audience.passer_by(draw))
            viewer = f"{prefix}-v{number:06d}"
            viewer_os, viewer_region = viewers[number]
            at = calendar.at(day, second_of_day(draw))
            card(viewer, at, viewer_os, viewer_region, "impression")
            if draw() < 0.04:
                card(viewer, at + dt.timedelta(seconds=2 + draw() * 20), viewer_os,
                     viewer_region, "click")
    return rows
