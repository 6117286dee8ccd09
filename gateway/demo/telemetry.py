"""What a running mini game reports: runtime smoothness samples and network calls."""

from __future__ import annotations

import datetime as dt
import random

from gateway.demo.calendar import Calendar, lognormal_factors
from gateway.demo.pick import Weighted
from gateway.demo.sessions import Activity, Row
from gateway.demo.world import AppSpec

RUNTIME_COLUMNS = (
    "report_id", "app_id", "user_id", "launch_id", "reported_at", "os", "region", "fps",
    "sampled_ms", "stutter_ms",
)
NETWORK_COLUMNS = (
    "call_id", "app_id", "user_id", "occurred_at", "os", "region", "api", "domain",
    "latency_ms", "ok", "error_code",
)
FPS = (58.5, 52.0, 41.0)  # typical, by device tier
STUTTER = (0.012, 0.03, 0.07)  # share of a sample lost to stutters, by device tier
SESSION_REPORTS = 0.25
# typical round trip of a small request, ms
REGION_LATENCY = {"US": 90, "CA": 100, "GB": 110, "DE": 100, "FR": 110, "JP": 160, "TR": 180,
                  "BR": 220, "MX": 200, "PH": 280, "ID": 300}
REQUEST_ERRORS = Weighted.of((("500", 0.28), ("503", 0.2), ("404", 0.14), ("timeout", 0.2),
                              ("network_error", 0.12), ("ssl_error", 0.06)))
DOWNLOAD_ERRORS = Weighted.of((("404", 0.25), ("timeout", 0.3), ("network_error", 0.25),
                               ("503", 0.12), ("ssl_error", 0.08)))
REQUEST_FAILURE = 0.018
DOWNLOAD_FAILURE = 0.03
INCIDENT_DAYS_AGO = 12  # the second request host answers 503 to many calls that day
_SPREAD = lognormal_factors(0.5)
_FPS_NOISE = lognormal_factors(0.06)
_STUTTER_NOISE = lognormal_factors(0.6)


class RuntimeReports:
    """The runtime reports of one game, part by part of its activity."""

    def __init__(self, calendar: Calendar, *, seed: int, prefix: str, app_id: str):
        self.draw = random.Random(f"{seed}:{app_id}:runtime").random
        self.closing = calendar.closing
        self.count = 0

    def add(self, activity: Activity) -> list[Row]:
        draw, closing = self.draw, self.closing
        members, prefix, app_id = activity.members, activity.spec.prefix, activity.spec.app_id
        ms = dt.timedelta(milliseconds=1)
        rows: list[Row] = []
        base = self.count
        for launch_id, member_index, started, duration, os, region, _day, tier in (
                activity.sessions):
            if duration < 15_000 or draw() >= SESSION_REPORTS:
                continue
            user_id = members[member_index].user_id
            count = 1 + (duration > 300_000) + (duration > 1_200_000)
            window = min(60_000, duration // (count + 1))
            for number in range(1, count + 1):
                fps = round(min(60.0, FPS[tier] * _FPS_NOISE[int(draw() * 2048)]), 1)
                stutter = min(0.9, STUTTER[tier] * _STUTTER_NOISE[int(draw() * 2048)])
                at = min(closing, started + ms * (duration * number // (count + 1)))
                rows.append((f"{prefix}-r{base + len(rows):07d}", app_id, user_id, launch_id, at,
                             os, region, fps, window, int(window * stutter)))
        self.count += len(rows)
        return rows


class NetworkCalls:
    """The network calls of one game, part by part of its activity."""

    def __init__(self, calendar: Calendar, *, seed: int, spec: AppSpec):
        self.draw = random.Random(f"{seed}:{spec.app_id}:network").random
        self.closing = calendar.closing
        self.hosts = Weighted.of((host, 1.0 / rank)
                                 for rank, host in enumerate(spec.request_hosts, 1))
        self.downloads = Weighted.of((host, 1.0 / rank)
                                     for rank, host in enumerate(spec.download_hosts, 1))
        self.flaky = spec.request_hosts[min(1, len(spec.request_hosts) - 1)]
        self.incident = calendar.last - INCIDENT_DAYS_AGO
        self.count = 0

    def add(self, activity: Activity) -> list[Row]:
        draw, closing, hosts, downloads = self.draw, self.closing, self.hosts, self.downloads
        flaky, incident = self.flaky, self.incident
        members, prefix, app_id = activity.members, activity.spec.prefix, activity.spec.app_id
        ms = dt.timedelta(milliseconds=1)
        rows: list[Row] = []
        add = rows.append
        base = self.count
        for _launch, member_index, started, duration, os, region, day, tier in activity.sessions:
            roll = draw()
            requests = 0 if roll < 0.7 else (1 if roll < 0.95 else 2)
            download = draw() < 0.12
            if not requests and not download:
                continue
            user_id = members[member_index].user_id
            base_ms = REGION_LATENCY[region] * (1.0 + 0.25 * tier)
            for _ in range(requests):
                host = hosts.pick(draw)
                at = min(closing, started + ms * int(duration * draw()))
                latency = int(40 + base_ms * _SPREAD[int(draw() * 2048)])
                failure = REQUEST_FAILURE * (3.0 if host == flaky else 1.0)
                code: str | None = None
                if host == flaky and day == incident and draw() < 0.35:
                    code = "503"
                elif draw() < failure:
                    code = REQUEST_ERRORS.pick(draw)
                if code == "timeout":
                    latency = 10_000 + int(draw() * 200)
                elif code in ("network_error", "ssl_error"):
                    latency = int(latency * draw())
                add((f"{prefix}-n{base + len(rows):07d}", app_id, user_id, at, os, region,
                     "request", host, latency, code is None, code))
            if download:
                host = downloads.pick(draw)
                latency = int(150 + 8 * base_ms * _SPREAD[int(draw() * 2048)])
                code = None
                if draw() < DOWNLOAD_FAILURE * (1.0 + tier):
                    code = DOWNLOAD_ERRORS.pick(draw)
                    if code == "timeout":
                        latency = 30_000 + int(draw() * 500)
                    elif code != "503":
                        latency = int(latency * draw())
                add((f"{prefix}-n{base + len(rows):07d}", app_id, user_id,
                     min(closing, started + ms * 300), os, region, "download_file", host,
                     latency, code is None, code))
        self.count += len(rows)
        return rows
