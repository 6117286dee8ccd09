"""Users first seen in a cell counted by the refresh from the days it rebuilds, with what each
cell had seen stored for the next refresh (gateway/storage/frontier.py), on the hand-built
world: a chain of incremental refreshes (new days, late rows inside and before the late
window, a user's first day moved earlier, brand-new users, a narrower and a wider late
window, a state stored before the frontier existed) must leave, after every step, exactly
what a rebuild of every day leaves; the stored frontier must be what the raw rows say."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from asyncpg import BitString

from gateway.storage import frontier
from semantic.model import SemanticModel
from semantic.rollup_build import compile_rollup_seen
from semantic.rollups import ALL, UNPROTECTED, plan_for
from tests.gateway.storage.conftest import (
    DERIVED_CONTENTS,
    REPORTING_DAY,
    derived_contents,
    late_launch,
    load_launches,
    refreshed,
)
from tests.semantic import world
from tests.semantic.conftest import with_privacy

G1 = world.APP
FIRST_ROWS = "minis_first_rows_launches"  # kept by the refresh too (gateway/storage/first_rows.py)


def day(n: int) -> dt.date:
    return dt.date(2026, 10, n)


@pytest.fixture(params=[(), ("US",)], ids=["no-protected-region", "US-protected"])
def chain_model(request: pytest.FixtureRequest, model: SemanticModel) -> SemanticModel:
    """The test model, and the same with the US protected (the `~` cells leave it out)."""
    regions: tuple[str, ...] = request.param
    return with_privacy(model, threshold=1, regions=regions) if regions else model


class SeenCalls:
    """The apps whose refresh read what the cells had seen from the earlier rows (once per
    rollup with firsts: here sessions alone) rather than from the stored frontier."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.apps: list[str] = []
        original = compile_rollup_seen

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.apps.append(kwargs["app_id"])
            return original(*args, **kwargs)

        monkeypatch.setattr(frontier, "compile_rollup_seen", counted)

    def take(self) -> list[str]:
        apps, self.apps = self.apps, []
        return apps


async def contents(conn: asyncpg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """The derived tables, without the time of the refresh, and the stored first rows."""
    found = await derived_contents(conn)
    stamp = DERIVED_CONTENTS["minis_rollup_state"].split(", ").index("refreshed_at")
    found["minis_rollup_state"] = [
        row[:stamp] + row[stamp + 1 :] for row in found["minis_rollup_state"]
    ]
    rows = await conn.fetch(f"SELECT * FROM {FIRST_ROWS} ORDER BY app_id, minis_source, user_id")
    found[FIRST_ROWS] = [tuple(row) for row in rows]
    return found


async def rebuilt_from_every_day(
    conn: asyncpg.Connection, model: SemanticModel, *, reporting_day: dt.date, late_days: int
) -> dict[str, list[tuple[Any, ...]]]:
    """The derived tables after a rebuild of every day of every app (user ordinals kept, so
    that the bitmaps compare bit for bit)."""
    await conn.execute("DELETE FROM minis_rollup_state")
    summary = await refreshed(conn, model, reporting_day=reporting_day, late_days=late_days)
    assert all(a.full for a in summary.apps)
    return await contents(conn)


class Chain:
    """Incremental refreshes of the world, each checked against a rebuild of every day."""

    def __init__(
        self,
        conn: asyncpg.Connection,
        model: SemanticModel,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        self.conn, self.model, self.tmp_path = conn, model, tmp_path
        self.seen_calls = SeenCalls(monkeypatch)

    async def step(
        self,
        rows: list[dict[str, str]],
        *,
        reporting_day: dt.date,
        late_days: int = 3,
        rebuilt_from: dt.date,
        from_rows: bool,
    ) -> None:
        """Load `rows` of g1 and refresh it from `rebuilt_from`, what each cell had seen read
        from the earlier rows (`from_rows`) or from the stored frontier: its derived tables
        must be what a rebuild of every day gives, and its frontier what the raw rows say."""
        conn, model = self.conn, self.model
        if rows:
            await load_launches(conn, self.tmp_path, rows)
        summary = await refreshed(conn, model, reporting_day=reporting_day, late_days=late_days)
        g1 = {a.app_id: (a.rebuilt_from, a.full) for a in summary.apps}[G1]
        assert g1 == (rebuilt_from, False)
        assert (G1 in self.seen_calls.take()) == from_rows
        incremental = await contents(conn)
        assert incremental["minis_rollup_frontier"]
        assert await stored_frontier(conn) == await raw_frontier(
            conn, model, through=reporting_day - dt.timedelta(days=late_days)
        )
        full = await rebuilt_from_every_day(
            conn, model, reporting_day=reporting_day, late_days=late_days
        )
        for table, found in full.items():
            assert incremental[table] == found, table


def _ordinals_of(bits: BitString) -> set[int]:
    number = int.from_bytes(bits.bytes, "big")
    return {i for i in range(len(bits)) if number >> (len(bits) - 1 - i) & 1}


async def stored_frontier(conn: asyncpg.Connection) -> dict[tuple[str, ...], set[str]]:
    """g1's stored frontier of its sessions' users: the users each cell has seen."""
    rows = await conn.fetch(
        "SELECT f.dims, f.bits FROM minis_rollup_frontier f WHERE f.app_id = $1"
        " AND f.source = 'sessions' AND f.key = 'users'",
        G1,
    )
    users = {
        r["ordinal"]: r["user_id"]
        for r in await conn.fetch(
            "SELECT ordinal, user_id FROM minis_user_ordinals WHERE app_id = $1", G1
        )
    }
    return {tuple(r["dims"]): {users[o] for o in _ordinals_of(r["bits"])} for r in rows}


async def raw_frontier(
    conn: asyncpg.Connection, model: SemanticModel, *, through: dt.date
) -> dict[tuple[str, ...], set[str]]:
    """What the raw rows say each cell of g1's sessions has seen on the days up to `through`:
    the users with a successful launch in it."""
    rollup = plan_for(model).rollups["sessions"]
    assert rollup.dimensions == ("os", "region", "entry_source")
    protected = set(model.config.privacy.protected_regions)
    rows = await conn.fetch(
        "SELECT user_id, os, region, entry_source FROM launches WHERE app_id = $1 AND success"
        " AND (started_at AT TIME ZONE 'UTC')::date <= $2",
        G1,
        through,
    )
    seen: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for row in rows:
        for names in rollup.cell_sets:
            dims = tuple(row[d] if d in names else ALL for d in rollup.dimensions)
            seen[dims].add(row["user_id"])
            if "region" in names and row["region"] not in protected:
                position = rollup.dimensions.index("region")
                swapped = (*dims[:position], UNPROTECTED, *dims[position + 1 :])
                seen[swapped].add(row["user_id"])
    return dict(seen)


async def test_incremental_refreshes_leave_what_a_rebuild_of_every_day_leaves(
    world_db: asyncpg.Connection,
    chain_model: SemanticModel,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chain = Chain(world_db, chain_model, tmp_path, monkeypatch)
    await refreshed(world_db, chain_model)  # every day, through 10-20: the frontier of 10-17
    assert await stored_frontier(world_db) == await raw_frontier(
        world_db, chain_model, through=day(17)
    )

    # a new day and late rows inside the window: from the stored frontier, not the rows
    new_day = [
        late_launch("n01", "u1", day(21), os="ios", region="US", entry_source="live"),
        late_launch("n02", "u7", day(21), os="android", region="BR"),  # a new user
        late_launch("n03", "u4", day(19), os="android", region="GB"),  # u4's first GB day
        late_launch("n04", "u3", day(18), os="ios", region="US"),  # u3's first US day
    ]
    await chain.step(new_day, reporting_day=day(21), rebuilt_from=day(18), from_rows=False)

    # one more day: a user new yesterday comes back, another is new
    another = [
        late_launch("n05", "u7", day(22), os="android", region="BR"),
        late_launch("n06", "u8", day(22), os="ios", region="GB", entry_source="inbox"),
        late_launch("n07", "u7", day(22), os="ios", region="US", duration_ms="0"),
    ]
    await chain.step(another, reporting_day=day(22), rebuilt_from=day(19), from_rows=False)

    # rows before the window: u2's first day and u8's (new on 10-22) move earlier, one more
    # inside; the frontier is of a later day, so what was seen is read from the rows
    earlier = [
        late_launch("n08", "u2", day(3), os="android", region="GB"),
        late_launch("n09", "u8", day(15), os="ios", region="GB", entry_source="inbox"),
        late_launch("n10", "u1", day(20), os="android", region="BR"),
    ]
    await chain.step(earlier, reporting_day=day(22), rebuilt_from=day(3), from_rows=True)

    # a narrower late window starts the day after the frontier's day (10-19), not later
    narrow = [late_launch("n11", "u9", day(23), os="ios", region="US")]
    await chain.step(
        narrow, reporting_day=day(23), late_days=1, rebuilt_from=day(20), from_rows=False
    )

    # a wider one starts before it (the frontier is of 10-22): read from the rows
    wide = [late_launch("n12", "u9", day(24), os="android", region="BR")]
    await chain.step(wide, reporting_day=day(24), late_days=5, rebuilt_from=day(19), from_rows=True)

    # a state stored before the frontier existed: read from the rows once, then stored
    await world_db.execute("UPDATE minis_rollup_state SET frontier_through = NULL")
    await world_db.execute("DELETE FROM minis_rollup_frontier")
    for n, (user_day, region) in enumerate([(25, "GB"), (26, "BR")]):
        rows = [late_launch(f"n{13 + n}", "u10", day(user_day), os="ios", region=region)]
        await chain.step(
            rows, reporting_day=day(user_day), rebuilt_from=day(user_day - 3), from_rows=n == 0
        )


async def test_a_rebuild_from_nothing_counts_the_same_firsts(
    world_db: asyncpg.Connection, model: SemanticModel, tmp_path: Path
) -> None:
    """Users numbered anew (another order of ordinals): the cells, first counts among them,
    are the same, and every cell's frontier holds the same users."""
    conn = world_db
    await refreshed(conn, model)
    await load_launches(
        conn,
        tmp_path,
        [
            late_launch("n01", "u7", day(21), os="android", region="BR"),
            late_launch("n02", "u7", day(2), os="ios", region="GB"),  # u7's first day: 10-02
            late_launch("n03", "u2", day(19), os="ios", region="US"),
        ],
    )
    await refreshed(conn, model, reporting_day=day(21))
    incremental = await contents(conn)
    frontier_users = await stored_frontier(conn)
    await conn.execute(
        "TRUNCATE minis_rollup_cells, minis_rollup_bitmaps, minis_user_ordinals,"
        f" minis_rollup_frontier, minis_rollup_state, {FIRST_ROWS}"
    )
    await refreshed(conn, model, reporting_day=day(21))
    again = await contents(conn)
    assert again["minis_user_ordinals"] != incremental["minis_user_ordinals"]  # renumbered
    assert again["minis_rollup_cells"] == incremental["minis_rollup_cells"]
    assert await stored_frontier(conn) == frontier_users
    assert frontier_users == await raw_frontier(conn, model, through=day(18))


def test_the_frontier_is_of_the_day_before_the_next_late_window() -> None:
    assert frontier.frontier_day(hi=REPORTING_DAY, lo=None, late_days=3) == day(17)
    assert frontier.frontier_day(hi=REPORTING_DAY, lo=day(18), late_days=3) == day(17)
    assert frontier.frontier_day(hi=REPORTING_DAY, lo=day(20), late_days=0) == day(20)
    # what is seen is known from the day before the first day rebuilt on
    assert frontier.frontier_day(hi=REPORTING_DAY, lo=day(20), late_days=3) == day(19)
