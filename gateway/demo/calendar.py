"""The world's days: UTC midnights, weekly seasonality and the hour of day people play."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from math import exp
from statistics import NormalDist

from gateway.demo.pick import Draw, Weighted

# Monday .. Sunday: people play more at the end of the week.
WEEKDAY_FACTOR = (0.9, 0.88, 0.92, 0.97, 1.06, 1.16, 1.11)

# UTC hour of day, summed over the regions of the world: an evening peak.
_HOURS = Weighted.of(
    (hour, weight)
    for hour, weight in enumerate(
        (2.2, 1.7, 1.3, 1.1, 1.0, 1.1, 1.4, 1.8, 2.2, 2.5, 2.7, 2.9,
         3.1, 3.2, 3.3, 3.5, 3.8, 4.2, 4.7, 5.1, 5.2, 4.8, 3.9, 2.9)
    )
)
LAST_SECOND = 86_399


@dataclass(frozen=True, kw_only=True)
class Calendar:
    """Day index 0 is `first_day`; the last index is the reporting day."""

    first_day: dt.date
    reporting_day: dt.date
    midnights: tuple[dt.datetime, ...]
    season: tuple[float, ...]
    closing: dt.datetime  # the last instant of the reporting day; nothing happens after it

    @classmethod
    def spanning(cls, *, first_day: dt.date, reporting_day: dt.date) -> Calendar:
        count = (reporting_day - first_day).days + 1
        days = [first_day + dt.timedelta(days=i) for i in range(count)]
        midnights = tuple(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC) for d in days)
        return cls(
            first_day=first_day,
            reporting_day=reporting_day,
            midnights=midnights,
            season=tuple(WEEKDAY_FACTOR[d.weekday()] for d in days),
            closing=midnights[-1] + dt.timedelta(days=1, microseconds=-1),
        )

    @property
    def last(self) -> int:
        return len(self.midnights) - 1

    def index(self, day: dt.date) -> int:
        return (day - self.first_day).days

    def day(self, index: int) -> dt.date:
        return self.first_day + dt.timedelta(days=index)

    def at(self, index: int, second: float) -> dt.datetime:
        return self.midnights[index] + dt.timedelta(seconds=second)


def second_of_day(draw: Draw) -> int:
    """A second of the day, following the hour-of-day curve."""
    return _HOURS.pick(draw) * 3600 + int(draw() * 3600)


def lognormal_factors(sigma: float, *, size: int = 2048) -> tuple[float, ...]:
    """Quantiles of exp(N(0, sigma)), so a uniform draw of an index is a log-normal factor
    with median 1 (cheaper than drawing a Gaussian per row)."""
    normal = NormalDist(0.0, sigma)
    return tuple(exp(normal.inv_cdf((i + 0.5) / size)) for i in range(size))
