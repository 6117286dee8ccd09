from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from gateway.migrations import MigrationError, discover, migrate

EVENT_TABLES = {
    "apps": ["app_id", "kind", "name", "status", "launched_on", "owner_id"],
    "launches": [
        "launch_id",
        "app_id",
        "user_id",
        "started_at",
        "success",
        "launch_ms",
        "duration_ms",
        "os",
        "region",
        "gender",
        "age_band",
        "device_brand",
        "device_model",
        "tiktok_version",
        "entry_source",
    ],
    "orders": [
        "order_id",
        "app_id",
        "user_id",
        "created_at",
        "os",
        "region",
        "order_type",
        "product_id",
        "product_name",
        "beans",
    ],
    "ad_events": [
        "event_id",
        "app_id",
        "user_id",
        "occurred_at",
        "os",
        "region",
        "placement_id",
        "placement_type",
        "event",
        "revenue_usd",
        "error_code",
    ],
    "runtime_reports": [
        "report_id",
        "app_id",
        "user_id",
        "launch_id",
        "reported_at",
        "os",
        "region",
        "fps",
        "sampled_ms",
        "stutter_ms",
    ],
    "network_calls": [
        "call_id",
        "app_id",
        "user_id",
        "occurred_at",
        "os",
        "region",
        "api",
        "domain",
        "latency_ms",
        "ok",
        "error_code",
    ],
    "feed_ad_spend": ["app_id", "day", "campaign_id", "region", "spend_usd", "impressions"],
    "feed_ad_clicks": [
        "click_id",
        "app_id",
        "user_id",
        "clicked_at",
        "campaign_id",
        "os",
        "region",
    ],
    "feed_card_events": ["event_id", "app_id", "user_id", "occurred_at", "os", "region", "event"],
    "funnel_events": [
        "event_id",
        "app_id",
        "user_id",
        "occurred_at",
        "os",
        "region",
        "step",
        "order_type",
    ],
}


async def test_migrate_creates_every_event_table_and_is_idempotent(empty_database_url: str) -> None:
    conn = await asyncpg.connect(empty_database_url)
    try:
        first = await migrate(conn)
        assert first == [m.version for m in discover()]
        assert await migrate(conn) == []
        for table, columns in EVENT_TABLES.items():
            rows = await conn.fetch(
                "SELECT column_name FROM information_schema.columns WHERE table_name = $1",
                table,
            )
            assert set(columns) <= {r["column_name"] for r in rows}, table
        recorded = await conn.fetchval("SELECT count(*) FROM minis_migrations")
        assert recorded == len(first)
    finally:
        await conn.close()


async def test_edited_migration_is_refused(empty_database_url: str, tmp_path: Path) -> None:
    (tmp_path / "0001_first.sql").write_text("CREATE TABLE t (x int);")
    conn = await asyncpg.connect(empty_database_url)
    try:
        assert await migrate(conn, directory=tmp_path) == ["0001"]
        (tmp_path / "0001_first.sql").write_text("CREATE TABLE t (x int, y int);")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            await migrate(conn, directory=tmp_path)
    finally:
        await conn.close()


async def test_failed_migration_leaves_nothing_behind(
    empty_database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "0001_bad.sql").write_text("CREATE TABLE t (x int); SELECT * FROM nowhere;")
    conn = await asyncpg.connect(empty_database_url)
    try:
        with pytest.raises(asyncpg.UndefinedTableError):
            await migrate(conn, directory=tmp_path)
        assert await conn.fetchval("SELECT to_regclass('t')") is None
        assert await conn.fetchval("SELECT count(*) FROM minis_migrations") == 0
    finally:
        await conn.close()


VALID_LAUNCH = {
    "launch_id": "l1",
    "app_id": "a",
    "user_id": "u",
    "started_at": "2026-10-01T10:00:00Z",
    "success": "true",
    "launch_ms": "900",
    "duration_ms": "1000",
    "os": "ios",
    "region": "US",
    "gender": "male",
    "age_band": "18-24",
    "device_brand": "Apple",
    "device_model": "iPhone 15",
    "tiktok_version": "37.4.0",
    "entry_source": "search",
}

IMPOSSIBLE_LAUNCHES = [
    {"os": "windows"},
    {"region": "us"},
    {"duration_ms": "-1"},
    {"launch_ms": "-5"},
    {"success": "false"},  # a failed launch has no launch_ms
    {"success": "false", "launch_ms": None, "duration_ms": "10"},
    {"success": "true", "launch_ms": None},
    {"gender": "x"},
    {"age_band": "12-13"},
    {"entry_source": "billboard"},
]


@pytest.mark.parametrize("change", IMPOSSIBLE_LAUNCHES, ids=str)
async def test_impossible_launches_are_rejected(db: asyncpg.Connection, change: dict) -> None:
    row = {**VALID_LAUNCH, **change}
    columns = ", ".join(row)
    casts = ", ".join(f"${i + 1}::text" for i in range(len(row)))
    insert = f"INSERT INTO launches ({columns}) SELECT * FROM (SELECT {casts}) AS v({columns})"
    # the text row goes through the same casts the loader uses
    typed = insert.replace(
        "SELECT * FROM",
        "SELECT launch_id, app_id, user_id, "
        "started_at::timestamptz, success::boolean, launch_ms::int, "
        "duration_ms::bigint, os, region, gender, age_band, device_brand, "
        "device_model, tiktok_version, entry_source FROM",
    )
    with pytest.raises(asyncpg.IntegrityConstraintViolationError):
        await db.execute(typed, *row.values())


async def test_valid_launch_is_accepted(db: asyncpg.Connection) -> None:
    await db.execute(
        """INSERT INTO launches VALUES ('l1','a','u','2026-10-01T10:00:00Z',true,900,1000,
        'ios','US','male','18-24','Apple','iPhone 15','37.4.0','search')"""
    )
    assert await db.fetchval("SELECT count(*) FROM launches") == 1


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO apps VALUES ('a', 'app', 'A', 'launched', '2026-01-01', 'o')",
        "INSERT INTO apps VALUES ('a', 'game', 'A', 'launched', NULL, 'o')",
        "INSERT INTO apps VALUES ('a', 'game', 'A', 'live', '2026-01-01', 'o')",
        "INSERT INTO orders VALUES ('o','a','u',now(),'ios','US','gift','p','P',10)",
        "INSERT INTO orders VALUES ('o','a','u',now(),'ios','US','purchase','p','P',0)",
        "INSERT INTO ad_events VALUES ('e','a','u',now(),'ios','US','p','banner','view',0,NULL)",
        "INSERT INTO ad_events VALUES ('e','a','u',now(),'ios','US','p','banner','click',1,NULL)",
        "INSERT INTO ad_events VALUES ('e','a','u',now(),'ios','US','p','banner','load_failure',"
        "0,NULL)",
        "INSERT INTO runtime_reports VALUES ('r','a','u','l',now(),'ios','US',60,0,0)",
        "INSERT INTO runtime_reports VALUES ('r','a','u','l',now(),'ios','US',60,100,200)",
        "INSERT INTO network_calls VALUES ('c','a','u',now(),'ios','US','upload','d',1,true,NULL)",
        "INSERT INTO network_calls VALUES ('c','a','u',now(),'ios','US','request','d',-1,true,"
        "NULL)",
        "INSERT INTO network_calls VALUES ('c','a','u',now(),'ios','US','request','d',1,false,"
        "NULL)",
        "INSERT INTO feed_ad_spend VALUES ('a','2026-01-01','c','US',-1,0)",
        "INSERT INTO feed_card_events VALUES ('e','a','u',now(),'ios','US','share')",
        "INSERT INTO funnel_events VALUES ('e','a','u',now(),'ios','US','checkout',NULL)",
        "INSERT INTO funnel_events VALUES ('e','a','u',now(),'ios','US','order',NULL)",
        "INSERT INTO funnel_events VALUES ('e','a','u',now(),'ios','US','minis_visit','topup')",
    ],
)
async def test_impossible_rows_are_rejected(db: asyncpg.Connection, statement: str) -> None:
    with pytest.raises(asyncpg.IntegrityConstraintViolationError):
        await db.execute(statement)
