"""Orders of mini games: `purchase` orders in the sessions of the members who pay."""

from __future__ import annotations

import datetime as dt
import random

from gateway.demo.calendar import Calendar
from gateway.demo.pick import Weighted, zipf
from gateway.demo.sessions import Activity, Row

ORDER_COLUMNS = (
    "order_id", "app_id", "user_id", "created_at", "os", "region", "order_type", "product_id",
    "product_name", "beans",
)
# (key, name, beans), most popular first
GAME_PRODUCTS: tuple[tuple[str, str, int], ...] = (
    ("gem_pouch", "Gem Pouch", 99),
    ("daily_deal", "Daily Deal", 99),
    ("extra_lives", "Extra Lives x5", 49),
    ("starter_bundle", "Starter Bundle", 199),
    ("booster_pack", "Booster Pack", 149),
    ("coin_bag", "Coin Bag", 199),
    ("weekend_offer", "Weekend Offer", 249),
    ("piggy_bank", "Piggy Bank", 299),
    ("neon_skin", "Neon Skin", 399),
    ("gem_sack", "Gem Sack", 499),
    ("remove_ads", "Remove Ads", 999),
    ("season_pass", "Season Pass", 999),
    ("gem_chest", "Gem Chest", 1999),
    ("royal_vault", "Royal Vault", 4999),
)


def game_products(prefix: str) -> Weighted[tuple[str, str, int]]:
    return zipf(((f"{prefix}_{key}", name, beans) for key, name, beans in GAME_PRODUCTS),
                exponent=1.0)


class GameOrders:
    """The orders of one game, part by part of its activity."""

    def __init__(self, calendar: Calendar, *, seed: int, prefix: str, app_id: str):
        self.draw = random.Random(f"{seed}:{app_id}:orders").random
        self.products = game_products(prefix)
        self.closing = calendar.closing
        self.count = 0

    def add(self, activity: Activity) -> list[Row]:
        spec, draw, products, closing = activity.spec, self.draw, self.products, self.closing
        members = activity.members
        rows: list[Row] = []
        for _launch, member_index, started, duration, os, region, _day, _tier in activity.sessions:
            member = members[member_index]
            if not member.spend or not duration or draw() >= member.spend:
                continue
            for _ in range(1 + (draw() < 0.15)):
                product_id, name, beans = products.pick(draw)
                created = min(closing, started + dt.timedelta(milliseconds=int(duration * draw())))
                rows.append((f"{spec.prefix}-o{self.count:06d}", spec.app_id, member.user_id,
                             created, os, region, "purchase", product_id, name, beans))
                self.count += 1
        return rows
