"""Launches: who arrives each day, on which later days they come back, and each launch attempt.

Everything else in the world hangs off the sessions simulated here (orders, ads, runtime
reports, network calls, the drama funnel, paid clicks before a first session)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from gateway.demo.calendar import LAST_SECOND, Calendar, lognormal_factors, second_of_day
from gateway.demo.people import (
    FIRST_SOURCES,
    HABIT_MIX,
    HABITS,
    LATER_SOURCES,
    Audience,
    Member,
    tiktok_versions,
)
from gateway.demo.world import AppSpec, campaign_active

Row = tuple[object, ...]
# launch_id, member index, started_at, duration_ms, os, region, day index, device tier
Session = tuple[str, int, dt.datetime, int, str, str, int, int]
# member index, started_at, os, region, day index
Failure = tuple[int, dt.datetime, str, str, int]

LAUNCH_COLUMNS = (
    "launch_id", "app_id", "user_id", "started_at", "success", "launch_ms", "duration_ms",
    "os", "region", "gender", "age_band", "device_brand", "device_model", "tiktok_version",
    "entry_source",
)
FAILURE_CHANCE = (0.015, 0.03, 0.065)  # by device tier
LAUNCH_MS = (650.0, 950.0, 1500.0)  # median, by device tier
DURATION_MS = {"game": 230_000.0, "drama": 420_000.0}  # median of a session
MAX_DURATION_MS = 3 * 3600 * 1000
# launches after which the simulation hands over what it has: the members who arrived so far
# and all they did. Above every app's launches at scale 1, so that world comes in one part.
PART_LAUNCHES = 400_000
_LAUNCH_NOISE = lognormal_factors(0.35)
_DURATION_NOISE = lognormal_factors(0.9)


@dataclass(frozen=True, kw_only=True)
class Acquisition:
    """A paid For You feed click that comes before the member's first day (same day, within
    30 days, or too early to count)."""

    member: int
    clicked_at: dt.datetime
    campaign_id: str
    os: str
    region: str


class Members:
    """The members of one part of an app's activity, looked up by their index in the app."""

    def __init__(self, first: int, members: list[Member]):
        self.first = first
        self.members = members

    def __getitem__(self, index: int) -> Member:
        return self.members[index - self.first]

    def __len__(self) -> int:
        return len(self.members)


@dataclass(frozen=True, kw_only=True)
class Activity:
    """One part of an app's activity: the members who arrived in it and everything they did
    (a member's launches all fall in the part they arrived in, in order). `last`: no part
    follows; `users` counts the app's members up to the end of this part."""

    spec: AppSpec
    launch_index: int
    members: Members
    launches: list[Row]
    sessions: list[Session]
    failures: list[Failure]
    acquisitions: list[Acquisition]
    # members who came organically from the For You feed: (member, first attempt, os, region)
    feed_arrivals: list[tuple[int, dt.datetime, str, str]]
    last: bool
    users: int


def simulate(spec: AppSpec, calendar: Calendar, *, seed: int, scale: float) -> Iterator[Activity]:
    """The app's activity in parts of about PART_LAUNCHES launches, so that what is kept in
    memory does not grow with the scale. How it is cut into parts changes no row."""
    part_launches = PART_LAUNCHES
    launched_on = spec.launched_on(calendar.reporting_day)
    if launched_on is None:
        raise ValueError(f"{spec.app_id} is not launched")
    sim = _Simulation(spec, calendar, seed=seed, launch_index=calendar.index(launched_on))
    first, last = sim.launch_index, calendar.last
    draw = sim.draw
    for day in range(first, last + 1):
        age = day - first
        trend = 0.85 + 0.3 * age / max(1, last - first)
        bump = 1.0 + 0.8 * max(0.0, 1.0 - age / 14)
        expected = spec.arrivals * scale * calendar.season[day] * trend * bump
        for _ in range(int(expected * (0.85 + 0.3 * draw()) + draw())):
            sim.arrive(day)
            if len(sim.launches) >= part_launches:
                yield sim.part(last=False)
    yield sim.part(last=True)


class _Simulation:
    def __init__(self, spec: AppSpec, calendar: Calendar, *, seed: int, launch_index: int):
        self.spec = spec
        self.calendar = calendar
        self.launch_index = launch_index
        self.rng = random.Random(f"{seed}:{spec.app_id}:launches")
        self.draw = self.rng.random
        self.audience = Audience.of(spec)
        self.versions, self.version_by_day = tiktok_versions(calendar)
        self.first_member = 0  # index of the first member of the current part
        self.member_count = 0
        self.launch_count = 0
        self.last_session_of = -1  # member index of the latest session
        self.members: list[Member] = []
        self.launches: list[Row] = []
        self.sessions: list[Session] = []
        self.failures: list[Failure] = []
        self.acquisitions: list[Acquisition] = []
        self.feed_arrivals: list[tuple[int, dt.datetime, str, str]] = []

    def part(self, *, last: bool) -> Activity:
        """What happened since the previous part; the simulation forgets it."""
        activity = Activity(
            spec=self.spec, launch_index=self.launch_index,
            members=Members(self.first_member, self.members), launches=self.launches,
            sessions=self.sessions, failures=self.failures, acquisitions=self.acquisitions,
            feed_arrivals=self.feed_arrivals, last=last, users=self.member_count,
        )
        self.first_member = self.member_count
        self.members, self.launches, self.sessions, self.failures = [], [], [], []
        self.acquisitions, self.feed_arrivals = [], []
        return activity

    def arrive(self, day: int) -> None:
        draw = self.draw
        habit_index = HABIT_MIX.pick(draw)
        member = self.audience.member(draw, index=self.member_count, habit=habit_index)
        self.member_count += 1
        self.members.append(member)
        source = FIRST_SOURCES.pick(draw)
        click_second = self._paid_click(member, day)
        if click_second is not None:
            source = "for_you_feed"
        days = [day]
        habit = HABITS[habit_index]
        if habit.comeback:
            end = min(self.calendar.last, day + int(self.rng.expovariate(1.0 / habit.lifetime)))
            season = self.calendar.season
            chance = habit.comeback
            days.extend(d for d in range(day + 1, end + 1) if draw() < chance * season[d])
        low, high = habit.launches
        span = high - low + 1
        for active in days:
            count = low + int(draw() * span)
            if active == day and count == 1 and draw() < 0.25:
                count = 2
            if click_second is not None and active == day:
                opened = min(LAST_SECOND - 60, click_second + 30 + int(draw() * 1500))
                seconds = [opened, *(opened + int(draw() * (LAST_SECOND - opened))
                                     for _ in range(count - 1))]
            else:
                seconds = [second_of_day(draw) for _ in range(count)]
            seconds.sort()
            for number, second in enumerate(seconds):
                first_of_life = active == day and number == 0
                entry = source if first_of_life else LATER_SOURCES.pick(draw)
                started = self._attempt(member, active, second, entry, habit.duration)
                if first_of_life and source == "for_you_feed" and click_second is None:
                    self.feed_arrivals.append((member.index, started, member.os, member.region))

    def _paid_click(self, member: Member, day: int) -> int | None:
        """Plan the paid click that brought `member`, if any. Returns the second of `day` the
        click happened when it was that same day (the first launch follows it), else None."""
        spec, draw = self.spec, self.draw
        if not spec.campaigns or draw() >= spec.paid_share:
            return None
        roll = draw()
        if roll < 0.62:
            gap = 0
        elif roll < 0.9:
            gap = 1 + int(draw() ** 2 * 29)
        else:
            gap = 31 + int(draw() * 30)
        clicked = day - gap
        running = [c for c in spec.campaigns if member.region in c.regions
                   and campaign_active(c, launch_index=self.launch_index, day=clicked)]
        if not running:
            return None
        campaign = running[int(draw() * len(running))]
        second = int(draw() * 80_000) if gap == 0 else second_of_day(draw)
        self.acquisitions.append(Acquisition(
            member=member.index, clicked_at=self.calendar.at(clicked, second),
            campaign_id=campaign.campaign_id, os=member.os, region=member.region,
        ))
        return second if gap == 0 else None

    def _attempt(self, member: Member, day: int, second: int, entry: str,
                 engagement: float) -> dt.datetime:
        draw = self.draw
        os, region, brand, model, tier = (
            member.alternate if member.alternate is not None and draw() < 0.3
            else (member.os, member.region, member.brand, member.model, member.tier))
        version = self.versions[max(0, self.version_by_day[day] - member.version_lag)]
        spec = self.spec
        first_at = self.calendar.at(day, second)
        for retry in range(3):
            started = self.calendar.at(day, second) if retry else first_at
            launch_id = f"{spec.prefix}-l{self.launch_count:07d}"
            self.launch_count += 1
            if draw() < FAILURE_CHANCE[tier]:
                self.launches.append((
                    launch_id, spec.app_id, member.user_id, started, False, None, 0, os, region,
                    member.gender, member.age_band, brand, model, version, entry))
                self.failures.append((member.index, started, os, region, day))
                if draw() >= 0.65:
                    break
                second = min(LAST_SECOND, second + 5 + int(draw() * 85))
                continue
            launch_ms = int(LAUNCH_MS[tier] * _LAUNCH_NOISE[int(draw() * 2048)])
            if self.last_session_of != member.index:
                launch_ms = int(launch_ms * 1.6)  # the first session ever loads a cold cache
                self.last_session_of = member.index
            duration = 0 if draw() < 0.03 else min(MAX_DURATION_MS, int(
                DURATION_MS[spec.kind] * engagement * _DURATION_NOISE[int(draw() * 2048)]))
            self.launches.append((
                launch_id, spec.app_id, member.user_id, started, True, launch_ms, duration, os,
                region, member.gender, member.age_band, brand, model, version, entry))
            self.sessions.append((launch_id, member.index, started, duration, os, region, day,
                                  tier))
            break
        return first_at
