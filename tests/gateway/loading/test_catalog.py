from __future__ import annotations

import asyncpg
import pytest

from gateway.loading.catalog import (
    EVENT_TABLES,
    LoadError,
    UnknownTable,
    check_table_name,
    read_table,
)


def test_every_event_table_is_accepted() -> None:
    for name in EVENT_TABLES:
        assert check_table_name(name) == name


def test_an_unknown_table_is_refused_with_a_suggestion() -> None:
    with pytest.raises(UnknownTable, match=r"^unknown table 'launch'; did you mean 'launches'\?"):
        check_table_name("launch")
    with pytest.raises(UnknownTable, match=r"^unknown table 'minis_migrations' \(event tables: "):
        check_table_name("minis_migrations")


async def test_columns_types_nullability_and_key_come_from_the_database(
    db: asyncpg.Connection,
) -> None:
    table = await read_table(db, "ad_events")
    columns = {column.name: column for column in table.columns}
    assert table.column_names[:3] == ("event_id", "app_id", "user_id")
    assert table.primary_key == ("event_id",)
    assert columns["occurred_at"].type == "timestamp with time zone"
    assert not columns["occurred_at"].nullable
    assert columns["error_code"].nullable
    assert (columns["revenue_usd"].precision, columns["revenue_usd"].scale) == (12, 6)
    assert columns["revenue_usd"].default == "0"
    checks = {check.name: check.definition for check in table.checks}
    assert checks["ad_events_os_check"] == (
        "CHECK ((os = ANY (ARRAY['ios'::text, 'android'::text])))"
    )


async def test_a_composite_primary_key_keeps_its_order(db: asyncpg.Connection) -> None:
    table = await read_table(db, "feed_ad_spend")
    assert table.primary_key == ("app_id", "day", "campaign_id", "region")


async def test_what_the_database_lacks_cannot_be_loaded(db: asyncpg.Connection) -> None:
    await db.execute("CREATE TABLE keyless (a text)")
    with pytest.raises(LoadError, match="table keyless has no primary key"):
        await read_table(db, "keyless")
    with pytest.raises(LoadError, match="table nowhere does not exist"):
        await read_table(db, "nowhere")
