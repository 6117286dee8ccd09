"""Build the demo world into the event tables, replacing whatever they held."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import asyncpg

from gateway.bulk import InsertCounts, insert_deduplicated
from gateway.demo.ads import AD_COLUMNS, AdEvents
from gateway.demo.calendar import Calendar
from gateway.demo.dramas import FUNNEL_COLUMNS, DramaEvents
from gateway.demo.feed import (
    CARD_COLUMNS,
    CLICK_COLUMNS,
    SPEND_COLUMNS,
    CardEvents,
    PaidClicks,
    ad_spend,
)
from gateway.demo.purchases import ORDER_COLUMNS, GameOrders
from gateway.demo.sessions import LAUNCH_COLUMNS, Row, simulate
from gateway.demo.summary import AppLine, DemoSummary, TableLoad
from gateway.demo.telemetry import NETWORK_COLUMNS, RUNTIME_COLUMNS, NetworkCalls, RuntimeReports
from gateway.demo.world import CAST, AppSpec
from gateway.loading.catalog import EVENT_TABLES
from gateway.serving.data_version import bump_data_version
from gateway.storage.refresh import DERIVED_TABLES

APP_COLUMNS = ("app_id", "kind", "name", "status", "launched_on", "owner_id")
TABLES = EVENT_TABLES
RESENT_SHARE = 0.004  # of each table's raw feed, sent a second time
MAX_SCALE = 100  # about 45 million launches


@dataclass(frozen=True, kw_only=True)
class Batch:
    table: str
    columns: tuple[str, ...]
    rows: Sequence[Row]


def calendar_for(*, today: dt.date, cast: Sequence[AppSpec] = CAST) -> Calendar:
    reporting_day = today - dt.timedelta(days=1)
    launched = [day for spec in cast if (day := spec.launched_on(reporting_day)) is not None]
    return Calendar.spanning(first_day=min(launched), reporting_day=reporting_day)


def with_resent(table: str, rows: Sequence[Row], *, seed: int, key: str) -> list[Row]:
    """`rows` followed by a few of them sent again, unchanged (same key, same values)."""
    draw = random.Random(f"{seed}:{key}:{table}:resent").random
    count = int(len(rows) * RESENT_SHARE + draw())
    return [*rows, *(rows[int(draw() * len(rows))] for _ in range(count if rows else 0))]


def generate(calendar: Calendar, *, seed: int, scale: float,
             users: dict[str, int]) -> Iterator[Batch]:
    """The raw feed, app by app and, for each part of an app's activity, table by table; fills
    `users` (members per app) on the way. What it keeps in memory does not grow with `scale`
    beyond a few bytes per session."""
    yield Batch(table="apps", columns=APP_COLUMNS, rows=[
        (spec.app_id, spec.kind, spec.name, spec.status,
         spec.launched_on(calendar.reporting_day), spec.owner_id) for spec in CAST])
    for spec in CAST:
        if spec.status == "launched":
            yield from _app_feed(spec, calendar, seed=seed, scale=scale, users=users)


def _app_feed(spec: AppSpec, calendar: Calendar, *, seed: int, scale: float,
              users: dict[str, int]) -> Iterator[Batch]:
    app_id, prefix = spec.app_id, spec.prefix
    if spec.kind == "drama":
        dramas = DramaEvents(spec, calendar, seed=seed)
    else:
        orders = GameOrders(calendar, seed=seed, prefix=prefix, app_id=app_id)
        ads = AdEvents(calendar, seed=seed, prefix=prefix, app_id=app_id)
        runtime = RuntimeReports(calendar, seed=seed, prefix=prefix, app_id=app_id)
        network = NetworkCalls(calendar, seed=seed, spec=spec)
        clicks = PaidClicks(calendar, seed=seed, spec=spec)
        cards = CardEvents(calendar, seed=seed, spec=spec)
    for part, activity in enumerate(simulate(spec, calendar, seed=seed, scale=scale)):
        users[app_id] = activity.users
        key = app_id if part == 0 else f"{app_id}:{part}"

        def batch(table: str, columns: tuple[str, ...], rows: Sequence[Row],
                  key: str = key) -> Batch:
            return Batch(table=table, columns=columns,
                         rows=with_resent(table, rows, seed=seed, key=key))

        yield batch("launches", LAUNCH_COLUMNS, activity.launches)
        if spec.kind == "drama":
            funnel, drama_orders = dramas.add(activity)
            yield batch("orders", ORDER_COLUMNS, drama_orders)
            yield batch("funnel_events", FUNNEL_COLUMNS, funnel)
            del funnel, drama_orders
        else:
            yield batch("orders", ORDER_COLUMNS, orders.add(activity))
            yield batch("ad_events", AD_COLUMNS, ads.add(activity))
            yield batch("runtime_reports", RUNTIME_COLUMNS, runtime.add(activity))
            yield batch("network_calls", NETWORK_COLUMNS, network.add(activity))
            paid = clicks.add(activity)
            if activity.last:
                paid.extend(clicks.finish())
            yield batch("feed_ad_clicks", CLICK_COLUMNS, paid)
            del paid
            if activity.last:
                yield batch("feed_ad_spend", SPEND_COLUMNS,
                            ad_spend(spec, calendar, clicks, seed=seed))
            yield batch("feed_card_events", CARD_COLUMNS, cards.add(activity))
        del activity  # not kept while the next part is simulated


async def build_demo(conn: asyncpg.Connection, *, today: dt.date, seed: int = 7,
                     scale: float = 1.0) -> DemoSummary:
    """Replace the data of every event table with the deterministic demo world ending the day
    before `today`: the same `today`, `seed` and `scale` give the same rows. One transaction:
    on failure the old data stays. `scale` multiplies the audiences; below 1 it makes a smaller
    world, quicker to build (tests), that no longer meets every promise of the full one; 45
    makes about 20 million launches, in memory that does not grow with the scale."""
    if not 0 < scale <= MAX_SCALE:
        raise ValueError(f"scale must be in (0, {MAX_SCALE}], not {scale}")
    started = time.perf_counter()
    calendar = calendar_for(today=today)
    users: dict[str, int] = {}
    generated = dict.fromkeys(TABLES, 0)
    inserted = dict.fromkeys(TABLES, 0)
    feed = generate(calendar, seed=seed, scale=scale, users=users)

    async def load(batch: Batch) -> tuple[str, InsertCounts]:
        return batch.table, await insert_deduplicated(
            conn, table=batch.table, columns=batch.columns, records=batch.rows)

    def settle(loaded: tuple[str, InsertCounts]) -> None:
        table, counts = loaded
        generated[table] += counts.received
        inserted[table] += counts.inserted

    async with conn.transaction():
        # the derived tables describe the data replaced: they go too (`minis refresh` rebuilds)
        await conn.execute(f"TRUNCATE {', '.join((*TABLES, *DERIVED_TABLES))}")
        # Generate the next batch in a thread while the database stores the previous one.
        pending: asyncio.Task[tuple[str, InsertCounts]] | None = None
        try:
            while (batch := await asyncio.to_thread(next, feed, None)) is not None:
                if pending is not None:
                    settle(await pending)
                pending = asyncio.create_task(load(batch))
            if pending is not None:
                settle(await pending)
            # gateways drop the answers they cached from the data before this world
            await bump_data_version(conn)
        finally:
            if pending is not None and not pending.done():
                # a failure elsewhere: let the running load end before the rollback
                await asyncio.wait([pending])
                if not pending.cancelled():
                    pending.exception()
    # fresh statistics, so that the first queries are planned for the rows just loaded
    await conn.execute(f"ANALYZE {', '.join(TABLES)}")
    sizes = {table: await conn.fetchval("SELECT pg_total_relation_size($1::regclass)", table)
             for table in TABLES}
    return DemoSummary(
        seed=seed, scale=scale, first_day=calendar.first_day,
        reporting_day=calendar.reporting_day,
        apps=tuple(AppLine(app_id=spec.app_id, kind=spec.kind, name=spec.name,
                           status=spec.status, owner_id=spec.owner_id,
                           launched_on=spec.launched_on(calendar.reporting_day),
                           users=users.get(spec.app_id, 0)) for spec in CAST),
        tables=tuple(TableLoad(table=table, generated=generated[table], inserted=inserted[table],
                               size=sizes[table]) for table in TABLES),
        seconds=time.perf_counter() - started,
    )
