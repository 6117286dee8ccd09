"""Who plays: regions, phones, TikTok versions, demographics and habits of the demo's users."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.demo.calendar import Calendar
from gateway.demo.pick import Draw, Weighted
from gateway.demo.world import AppSpec, Kind

# (os, region, device_brand, device_model, device tier: 0 high end .. 2 low end)
Device = tuple[str, str, str, int]
Profile = tuple[str, str, str, str, int]

IOS_SHARE = {
    "US": 0.56, "GB": 0.5, "DE": 0.36, "FR": 0.38, "CA": 0.55, "JP": 0.66,
    "BR": 0.16, "MX": 0.22, "ID": 0.1, "PH": 0.14, "TR": 0.18,
}

_APPLE: Weighted[Device] = Weighted.of(
    (("ios", "Apple", model, tier), weight)
    for model, tier, weight in (
        ("iPhone 16 Pro Max", 0, 5), ("iPhone 16 Pro", 0, 6), ("iPhone 16", 0, 7),
        ("iPhone 15 Pro Max", 0, 8), ("iPhone 15", 1, 10), ("iPhone 14", 1, 12),
        ("iPhone 13", 1, 13), ("iPhone 12", 1, 9), ("iPhone 11", 2, 8),
        ("iPhone SE (3rd generation)", 2, 4), ("iPhone XR", 2, 3),
    )
)

_MODELS: dict[str, tuple[tuple[str, int, float], ...]] = {
    "Samsung": (("Galaxy S24 Ultra", 0, 2), ("Galaxy S23 Ultra", 0, 3), ("Galaxy S23", 0, 3),
                ("Galaxy A54", 1, 5), ("Galaxy A34", 1, 4), ("Galaxy A14", 2, 6)),
    "Google": (("Pixel 8 Pro", 0, 2), ("Pixel 8", 0, 3), ("Pixel 7a", 1, 4)),
    "Motorola": (("Edge 40", 1, 2), ("Moto G84", 1, 3), ("Moto G54", 2, 5)),
    "Xiaomi": (("Xiaomi 13T", 0, 2), ("Redmi Note 13 Pro", 1, 4), ("Redmi Note 12", 2, 6)),
    "OnePlus": (("OnePlus 12", 0, 2), ("OnePlus Nord 3", 1, 3)),
    "OPPO": (("Reno10", 1, 3), ("A78", 2, 5)),
    "vivo": (("V29", 1, 3), ("Y36", 2, 5)),
    "realme": (("realme 11", 2, 1),),
    "Sony": (("Xperia 1 V", 0, 1), ("Xperia 10 V", 1, 2)),
}
_BRANDS = {
    "west": (("Samsung", 0.5), ("Google", 0.2), ("Motorola", 0.12), ("Xiaomi", 0.1),
             ("OnePlus", 0.08)),
    "latam": (("Samsung", 0.45), ("Motorola", 0.3), ("Xiaomi", 0.2), ("OPPO", 0.05)),
    "sea": (("OPPO", 0.25), ("vivo", 0.22), ("Xiaomi", 0.25), ("Samsung", 0.2), ("realme", 0.08)),
    "jp": (("Samsung", 0.3), ("Google", 0.35), ("Sony", 0.35)),
    "tr": (("Samsung", 0.45), ("Xiaomi", 0.35), ("OPPO", 0.2)),
}
_MARKET = {"BR": "latam", "MX": "latam", "ID": "sea", "PH": "sea", "JP": "jp", "TR": "tr"}


def _android(market: str) -> Weighted[Device]:
    pairs: list[tuple[Device, float]] = []
    for brand, share in _BRANDS[market]:
        models = _MODELS[brand]
        total = sum(weight for _, _, weight in models)
        pairs.extend(((("android", brand, model, tier), share * weight / total)
                      for model, tier, weight in models))
    return Weighted.of(pairs)


_ANDROID = {market: _android(market) for market in _BRANDS}

GENDERS: dict[Kind, Weighted[str]] = {
    "game": Weighted.of((("male", 0.52), ("female", 0.38), ("unknown", 0.1))),
    "drama": Weighted.of((("female", 0.63), ("male", 0.28), ("unknown", 0.09))),
}
AGE_BANDS: dict[Kind, Weighted[str]] = {
    "game": Weighted.of((("13-17", 0.1), ("18-24", 0.3), ("25-34", 0.28), ("35-44", 0.15),
                         ("45-54", 0.08), ("55+", 0.04), ("unknown", 0.05))),
    "drama": Weighted.of((("13-17", 0.03), ("18-24", 0.14), ("25-34", 0.27), ("35-44", 0.25),
                          ("45-54", 0.16), ("55+", 0.1), ("unknown", 0.05))),
}
FIRST_SOURCES = Weighted.of((
    ("for_you_feed", 0.46), ("search", 0.15), ("share_link", 0.12), ("profile", 0.08),
    ("live", 0.07), ("inbox", 0.06), ("other", 0.04), ("favorites", 0.02),
))
LATER_SOURCES = Weighted.of((
    ("favorites", 0.3), ("for_you_feed", 0.24), ("profile", 0.15), ("search", 0.1),
    ("inbox", 0.08), ("share_link", 0.05), ("live", 0.05), ("other", 0.03),
))
_VERSION_LAG = Weighted.of(((0, 0.5), (1, 0.28), (2, 0.14), (3, 0.08)))
_TRAVEL = {"US": "CA", "CA": "US", "GB": "FR", "FR": "DE", "DE": "GB", "MX": "US", "BR": "PH",
           "ID": "PH", "PH": "ID", "JP": "US", "TR": "DE"}


@dataclass(frozen=True, kw_only=True)
class Habit:
    """How a kind of user plays: chance to come back each day of their lifetime (mean
    `lifetime` days), launches a day, and how likely they are to pay."""

    name: str
    comeback: float
    lifetime: float
    launches: tuple[int, int]
    duration: float
    payer: float


HABITS: tuple[Habit, ...] = (
    Habit(name="one_day", comeback=0.0, lifetime=0.0, launches=(1, 1), duration=0.6, payer=0.01),
    Habit(name="casual", comeback=0.22, lifetime=16.0, launches=(1, 2), duration=0.9,
          payer=0.04),
    Habit(name="regular", comeback=0.4, lifetime=45.0, launches=(1, 2), duration=1.1,
          payer=0.12),
    Habit(name="heavy", comeback=0.8, lifetime=90.0, launches=(2, 4), duration=1.5,
          payer=0.4),
)
PAYER_FACTOR: dict[Kind, float] = {"game": 1.0, "drama": 2.2}  # dramas sell harder
HABIT_MIX = Weighted.of(((0, 0.57), (1, 0.27), (2, 0.125), (3, 0.035)))


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """A user of one app."""

    index: int
    user_id: str
    habit: int
    os: str
    region: str
    brand: str
    model: str
    tier: int
    gender: str
    age_band: str
    version_lag: int
    alternate: Profile | None  # a second region or phone, used on some launches
    spend: float  # chance of paying in a session; 0 for users who never pay


# every (os, region), so that one byte can stand for one where many are kept
PLACES: tuple[tuple[str, str], ...] = tuple(
    (os, region) for region in sorted(IOS_SHARE) for os in ("android", "ios"))
PLACE_CODES: dict[tuple[str, str], int] = {place: code for code, place in enumerate(PLACES)}


def user_id_of(prefix: str, index: int) -> str:
    """The user id of an app's member, from its prefix and the member's index."""
    return f"{prefix}-u{index:06d}"


def device(draw: Draw, region: str) -> Device:
    if draw() < IOS_SHARE[region]:
        return _APPLE.pick(draw)
    return _ANDROID[_MARKET.get(region, "west")].pick(draw)


@dataclass(frozen=True, kw_only=True)
class Audience:
    """Draws the members of one app."""

    spec: AppSpec
    regions: Weighted[str]

    @classmethod
    def of(cls, spec: AppSpec) -> Audience:
        return cls(spec=spec, regions=Weighted.of(spec.regions()))

    def member(self, draw: Draw, *, index: int, habit: int) -> Member:
        region = self.regions.pick(draw)
        os, brand, model, tier = device(draw, region)
        alternate: Profile | None = None
        roll = draw()
        if roll < 0.03:
            alternate = (os, _TRAVEL[region], brand, model, tier)
        elif roll < 0.05:
            other = _ANDROID["west"].pick(draw) if os == "ios" else _APPLE.pick(draw)
            alternate = (other[0], region, other[1], other[2], other[3])
        spend = 0.0
        if draw() < HABITS[habit].payer * PAYER_FACTOR[self.spec.kind]:
            spend = 1.0 if habit == 0 else 0.05 + draw() * 0.35
        return Member(
            index=index, user_id=user_id_of(self.spec.prefix, index), habit=habit, os=os,
            region=region, brand=brand, model=model, tier=tier,
            gender=GENDERS[self.spec.kind].pick(draw),
            age_band=AGE_BANDS[self.spec.kind].pick(draw),
            version_lag=_VERSION_LAG.pick(draw), alternate=alternate, spend=spend,
        )

    def passer_by(self, draw: Draw) -> tuple[str, str]:
        """(os, region) of someone who sees or clicks an ad or card but is not a user."""
        region = self.regions.pick(draw)
        return ("ios" if draw() < IOS_SHARE[region] else "android"), region


def tiktok_versions(calendar: Calendar) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Version names, oldest first, and for each day index the newest version out that day.
    A new version ships every 9 days; the newest shipped 3 days before the reporting day."""
    days = calendar.last + 1
    count = (days + 3) // 9 + 5
    names = []
    major, minor = 37, 4
    for _ in range(count):
        names.append(f"{major}.{minor}.0")
        major, minor = (major, minor - 1) if minor else (major - 1, 9)
    names.reverse()
    newest = count - 1
    by_day = tuple(max(0, newest - (calendar.last - 3 - d + 8) // 9) if d <= calendar.last - 3
                   else newest for d in range(days))
    return tuple(names), by_day
