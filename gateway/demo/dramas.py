"""Mini dramas: the conversion funnel (entrance to order) and the orders it leads to.

Each user's first session of a day walks down the funnel; members who pay reach `order`, where
they recharge Beans when their balance is short (`topup`) and unlock the next episodes of the
series they follow (`consumption`). Later sessions spend what is left of the balance."""

from __future__ import annotations

import datetime as dt
import random

from gateway.demo.calendar import Calendar
from gateway.demo.people import user_id_of
from gateway.demo.pick import Weighted, zipf
from gateway.demo.sessions import Activity, Failure, Row
from gateway.demo.world import AppSpec

FUNNEL_COLUMNS = ("event_id", "app_id", "user_id", "occurred_at", "os", "region", "step",
                  "order_type")
FREE_EPISODES = 10
EPISODES_PER_PACK = 10
PACKS = 8  # unlockable packs per series
PACK_PRICES = (90, 120, 100, 150, 80)  # Beans, by series
BEAN_PACKS = (100, 300, 500, 1000, 2000, 5000)
# chance to go on to the next step, for users who never pay and for those who do
FURTHER = {
    "last_free_episode_watch": (0.38, 0.6),
    "payment_panel_3p_show": (0.45, 0.85),
    "payment_panel_3p_click": (0.35, 0.8),
    "payment_panel_tt_show": (0.85, 0.92),
    "payment_panel_tt_click": (0.55, 0.88),
    "order": (0.0, 0.95),
}


def _slug(name: str) -> str:
    return "".join(c for c in name.lower().replace(" ", "_") if c.isalnum() or c == "_")


class DramaEvents:
    """The funnel events and orders of one drama, part by part of its activity; with the last
    part, the funnel steps of all its failed launches, which draw after all the sessions. Keeps
    the failed launches, and the balance and episodes only of the member whose sessions it is
    walking through (a member's sessions come together, in order)."""

    def __init__(self, spec: AppSpec, calendar: Calendar, *, seed: int):
        self.spec = spec
        self.calendar = calendar
        self.closing = calendar.closing
        self.rng = random.Random(f"{seed}:{self.spec.app_id}:dramas")
        self.draw = self.rng.random
        self.followed = zipf(range(len(self.spec.series)), exponent=1.2)
        self.funnel: list[Row] = []
        self.orders: list[Row] = []
        self.funnel_count = 0
        self.order_count = 0
        self.spends = False  # whether the member being walked through ever pays
        self.failures: list[Failure] = []
        self.seen: tuple[int, int] = (-1, -1)  # (member, day) of the latest session
        self.series: dict[int, int] = {}
        self.unlocked: dict[int, int] = {}
        self.balance: dict[int, int] = {}
        self.bean_packs = {price: Weighted.of((n, rank**-1.6) for rank, n in enumerate(
            (n for n in BEAN_PACKS if n >= price), 1)) for price in PACK_PRICES}

    def step(self, member: int, at: dt.datetime, os: str, region: str, step: str,
             order_type: str | None = None) -> None:
        spec = self.spec
        self.funnel.append((f"{spec.prefix}-f{self.funnel_count:07d}", spec.app_id,
                            user_id_of(spec.prefix, member),
                            min(self.closing, at), os, region, step, order_type))
        self.funnel_count += 1

    def order(self, member: int, at: dt.datetime, os: str, region: str, order_type: str,
              product_id: str, name: str, beans: int) -> None:
        spec = self.spec
        self.orders.append((f"{spec.prefix}-o{self.order_count:06d}", spec.app_id,
                            user_id_of(spec.prefix, member),
                            min(self.closing, at), os, region, order_type, product_id, name,
                            beans))
        self.order_count += 1

    def next_pack(self, member: int) -> tuple[int, int] | None:
        """(series, pack) the member unlocks next, or None when they watched everything."""
        if member not in self.series:
            self.series[member] = self.followed.pick(self.draw)
            self.unlocked[member] = 0
            self.balance[member] = 0
        if self.unlocked[member] >= PACKS:
            return None
        return self.series[member], self.unlocked[member]

    def redeem(self, member: int, at: dt.datetime, os: str, region: str) -> bool:
        chosen = self.next_pack(member)
        if chosen is None:
            return False
        series, pack = chosen
        price = PACK_PRICES[series % len(PACK_PRICES)]
        if self.balance[member] < price:
            return False
        first = FREE_EPISODES + pack * EPISODES_PER_PACK + 1
        title = self.spec.series[series]
        self.order(member, at, os, region, "redeem",
                   f"{self.spec.prefix}_{_slug(title)}_ep{first:03d}",
                   f"{title}: Episodes {first}-{first + EPISODES_PER_PACK - 1}", price)
        self.balance[member] -= price
        self.unlocked[member] += 1
        return True

    def pay(self, member: int, at: dt.datetime, os: str, region: str, *,
            binge: bool = False) -> None:
        """Recharge when the balance is short (always when `binge`), then unlock episodes."""
        chosen = self.next_pack(member)
        if chosen is None:
            return
        price = PACK_PRICES[chosen[0] % len(PACK_PRICES)]
        if binge or self.balance[member] < price:
            beans = self.bean_packs[price].pick(self.draw)
            self.order(member, at, os, region, "recharge", f"{self.spec.prefix}_beans_{beans}",
                       f"{beans} Beans", beans)
            self.step(member, at, os, region, "order", "topup")
            self.balance[member] += beans
            at += dt.timedelta(seconds=3)
        if not self.redeem(member, at, os, region):
            return
        self.step(member, at, os, region, "order", "consumption")
        at += dt.timedelta(seconds=40)
        while self.draw() < 0.45 and self.redeem(member, at, os, region):
            at += dt.timedelta(seconds=40)
        if not binge and self.draw() < 0.35:  # some binge on and top up again
            self.pay(member, at + dt.timedelta(seconds=30), os, region, binge=True)

    def visit(self, member: int, started: dt.datetime, midnight: dt.datetime, duration: int,
              os: str, region: str, *, first_day: bool) -> None:
        draw = self.draw
        self.step(member, max(midnight, started - dt.timedelta(seconds=20 + draw() * 580)), os,
                  region, "entrance_exposure")
        if draw() < 0.1:
            self.step(member, max(midnight, started - dt.timedelta(hours=1 + draw() * 5)), os,
                      region, "entrance_exposure")
        self.step(member, max(midnight, started - dt.timedelta(seconds=2 + draw() * 18)), os,
                  region, "entrance_click")
        self.step(member, started + dt.timedelta(seconds=1), os, region, "minis_visit")
        pays = 1 if self.spends else 0
        hooked = pays and first_day  # payers are most eager on their first day
        at = started + dt.timedelta(milliseconds=duration // 2)
        for step, chances in FURTHER.items():
            if draw() >= (max(0.9, chances[pays]) if hooked else chances[pays]):
                return
            at += dt.timedelta(seconds=5 + draw() * 25)
            if step == "order":
                self.pay(member, at, os, region)
            else:
                self.step(member, at, os, region, step)


    def add(self, activity: Activity) -> tuple[list[Row], list[Row]]:
        """(funnel_events rows, orders rows) of this part's sessions; on the last part, also
        those of every failed launch."""
        members, draw = activity.members, self.draw
        for _launch, member, started, duration, os, region, day, _tier in activity.sessions:
            if (member, day) != self.seen:
                first_day = member != self.seen[0]
                if first_day:
                    # the previous member's sessions are over: forget their balance
                    self.series.clear()
                    self.unlocked.clear()
                    self.balance.clear()
                    self.spends = bool(members[member].spend)
                self.seen = (member, day)
                self.visit(member, started, self.calendar.midnights[day], duration, os, region,
                           first_day=first_day)
            elif self.spends and draw() < 0.35:
                self.redeem(member, started + dt.timedelta(seconds=60), os, region)
        self.failures.extend(activity.failures)
        if activity.last:
            for member, started, os, region, day in self.failures:
                midnight = self.calendar.midnights[day]
                self.step(member, max(midnight, started - dt.timedelta(seconds=20 + draw() * 580)),
                          os, region, "entrance_exposure")
                self.step(member, max(midnight, started - dt.timedelta(seconds=1)), os, region,
                          "entrance_click")
            self.failures = []
        funnel, orders = self.funnel, self.orders
        self.funnel, self.orders = [], []
        return funnel, orders
