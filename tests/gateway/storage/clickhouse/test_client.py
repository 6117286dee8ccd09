"""The ClickHouse client: URLs, and round trips of every column type, NULLs, arrays and
parameters on both paths (the embedded engine, and the server client over chdb)."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
from pathlib import Path
from typing import Any

import clickhouse_connect
import pytest
from clickhouse_connect.driver.exceptions import OperationalError

from gateway.storage.clickhouse.client import (
    ClickHouseClient,
    ClickHouseError,
    EmbeddedAddress,
    EmbeddedClient,
    ServerAddress,
    ServerClient,
    connect,
    is_clickhouse_url,
    parse_url,
    server_arguments,
)
from tests.gateway.storage.clickhouse.conftest import server_path

UTC = dt.UTC


# url: host, port, database, user, password, secure (and verify, ca_cert)
SERVER_URLS: list[tuple[str, tuple[Any, ...]]] = [
    (
        "clickhouse://minis:s3cr%40t@ch.example.com:8124/analytics",
        ("ch.example.com", 8124, "analytics", "minis", "s3cr@t", False),
    ),
    (
        "clickhouses://reader@ch.example.com/events",
        ("ch.example.com", 8443, "events", "reader", "", True),
    ),
    ("clickhouse://localhost", ("localhost", 8123, "default", "default", "", False)),
    (
        "clickhouses://u:p@[::1]:9440/db?verify=false&ca_cert=/etc/ca.pem",
        ("::1", 9440, "db", "u", "p", True, False, "/etc/ca.pem"),
    ),
]


@pytest.mark.parametrize(("url", "parts"), SERVER_URLS)
def test_parse_server_urls(url: str, parts: tuple[Any, ...]) -> None:
    names = ("host", "port", "database", "user", "password", "secure", "verify", "ca_cert")
    assert parse_url(url) == ServerAddress(**dict(zip(names, parts, strict=False)))
    assert is_clickhouse_url(url)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("chdb://", None),
        ("chdb:///var/lib/minis/clickhouse", "/var/lib/minis/clickhouse"),
        ("chdb:///var/lib//minis/./clickhouse/", "/var/lib/minis/clickhouse"),
    ],
)
def test_parse_chdb_urls(url: str, path: str | None) -> None:
    assert parse_url(url) == EmbeddedAddress(path=path)
    assert is_clickhouse_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:hunter2@host/db",
        "clickhouse:///db",  # no host
        "clickhouse://u:hunter2@host/a/b",  # two databases
        "clickhouse://u:hunter2@host/db?verify=false",  # verify is for TLS
        "clickhouses://u:hunter2@host/db?verify=maybe",
        "clickhouses://u:hunter2@host/db?compress=1",
        "clickhouse://u:hunter2@host:port/db",
        "chdb://somewhere/dir",  # chdb names a directory by its absolute path
        "chdb:///dir?mode=ro",
        "chdb:relative/dir",
    ],
)
def test_parse_url_refuses(url: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_url(url)
    assert "hunter2" not in str(refused.value)


def test_is_clickhouse_url() -> None:
    assert is_clickhouse_url("CLICKHOUSE://host/db")
    for url in ("postgresql://host/db", "clickhouse", "", "chdb", "http://host:8123"):
        assert not is_clickhouse_url(url)


def test_the_password_is_never_shown() -> None:
    address = parse_url("clickhouse://u:hunter2@host/db")
    assert "hunter2" not in repr(address)


def test_server_arguments() -> None:
    address = parse_url("clickhouses://minis:pw@ch.example.com/analytics?ca_cert=/ca.pem")
    assert isinstance(address, ServerAddress)
    arguments = server_arguments(address, settings={"max_threads": 4})
    assert arguments == {
        "host": "ch.example.com",
        "port": 8443,
        "username": "minis",
        "password": "pw",
        "database": "analytics",
        "interface": "https",
        "secure": True,
        "verify": True,
        "ca_cert": "/ca.pem",
        "tz_mode": "aware",
        "autogenerate_session_id": False,
        "client_name": "minis",
        "settings": {"session_timezone": "UTC", "max_threads": 4},
    }


async def test_connect_to_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """connect() hands the URL's parts to clickhouse-connect (here answering through chdb)."""
    seen: list[dict[str, Any]] = []
    inner = await server_path()

    def get_client(**arguments: Any) -> Any:
        seen.append(arguments)
        return inner._client

    monkeypatch.setattr(clickhouse_connect, "get_client", get_client)
    opened = await connect("clickhouse://minis:hunter2@ch.example.com:8124/default")
    try:
        assert isinstance(opened, ServerClient)
        assert (opened.engine, opened.database) == ("server", "default")
        assert "hunter2" not in opened.description and "hunter2" not in repr(opened)
        assert seen[0]["host"] == "ch.example.com" and seen[0]["port"] == 8124
        assert await opened.query("SELECT 1 + {n:Int32} AS two", {"n": 1}) == [{"two": 2}]
    finally:
        await opened.close()


async def test_an_unreachable_server_is_reported_without_its_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def get_client(**arguments: Any) -> Any:
        raise OperationalError(f"cannot reach http://minis:{arguments['password']}@host:8123")

    monkeypatch.setattr(clickhouse_connect, "get_client", get_client)
    with pytest.raises(ClickHouseError) as failed:
        await connect("clickhouse://minis:hunter2@host/db")
    assert "hunter2" not in str(failed.value) and "***" in str(failed.value)


# Every column type of sql/clickhouse/, with a row of NULLs (and empty arrays) beside one
# of values.
COLUMNS: dict[str, tuple[str, Any, Any]] = {
    "key": ("String", "a", "b"),
    "lc": ("LowCardinality(String)", "ios", ""),
    "lc_null": ("LowCardinality(Nullable(String))", "topup", None),
    "text_null": ("Nullable(String)", "it's \\ \t \n \\N 名前", None),
    "at": (
        "DateTime64(6, 'UTC')",
        dt.datetime(2026, 10, 12, 10, 0, 0, 123456, tzinfo=UTC),
        dt.datetime(1970, 1, 1, tzinfo=UTC),
    ),
    "flag": ("Bool", True, False),
    "int32": ("Int32", -(2**31), 2**31 - 1),
    "int32_null": ("Nullable(Int32)", 0, None),
    "int64": ("Int64", -(2**63), 2**63 - 1),
    "int16": ("Int16", -3, 3),
    "real": ("Float32", 59.900001525878906, 0.0),
    "usd6": ("Decimal(12, 6)", decimal.Decimal("123456.000001"), decimal.Decimal("0.000000")),
    "usd2": ("Decimal(12, 2)", decimal.Decimal("9999999999.99"), decimal.Decimal("-0.50")),
    "day": ("Date", dt.date(2026, 10, 12), dt.date(2149, 6, 6)),
    "day_null": ("Nullable(Date)", dt.date(2026, 1, 1), None),
    "texts": ("Array(String)", ["US", "G'B", "a\\b"], []),
    "ints_null": ("Array(Nullable(Int32))", [1, None, 3], []),
    "days": ("Array(Date)", [dt.date(2026, 10, 11)], []),
}


async def _typed_table(client: ClickHouseClient) -> None:
    columns = ", ".join(f"{name} {spec[0]}" for name, spec in COLUMNS.items())
    await client.command(f"CREATE TABLE typed ({columns}) ENGINE = MergeTree ORDER BY key")
    rows = [tuple(spec[i] for spec in COLUMNS.values()) for i in (1, 2)]
    await client.insert("typed", rows, columns=list(COLUMNS))


async def test_every_column_type_round_trips(client: ClickHouseClient) -> None:
    await _typed_table(client)
    rows = await client.query("SELECT * FROM typed ORDER BY key")
    assert rows == [{name: spec[i] for name, spec in COLUMNS.items()} for i in (1, 2)]
    for row in rows:
        assert list(row) == list(COLUMNS)
        for name, value in row.items():
            assert type(value) is type(COLUMNS[name][1]) or value is None, name
        assert row["at"].tzinfo == UTC


async def test_parameters_filter_every_column_type(client: ClickHouseClient) -> None:
    await _typed_table(client)
    for name, (type_name, value, _) in COLUMNS.items():
        if type_name.startswith("Array"):
            sql = f"SELECT key FROM typed WHERE {name} = {{v:{type_name}}}"
        else:
            sql = f"SELECT key FROM typed WHERE {name} IN {{v:Array({type_name})}}"
            value = [value]
        assert await client.query(sql, {"v": value}) == [{"key": "a"}], name


PARAMETERS: list[tuple[str, Any]] = [
    ("String", "plain"),
    ("String", "it's"),
    ("String", "back\\slash \\N \\t"),
    ("String", "tab\tnew\nline\rnul\0bell\b\f"),
    ("String", "'; DROP TABLE typed; --"),
    ("String", "{v:String} 名前"),
    ("String", ""),
    ("Nullable(String)", None),
    ("Nullable(String)", "\\N"),
    ("Nullable(Int32)", None),
    ("Bool", True),
    ("Bool", False),
    ("Int64", -(2**63)),
    ("UInt64", 2**64 - 1),
    ("Int32", 0),
    ("Float64", 0.1),
    ("Float64", -2.5e-300),
    ("Float64", float("inf")),
    ("Decimal(12, 6)", decimal.Decimal("-1.000001")),
    ("Decimal(12, 2)", decimal.Decimal("100.00")),
    ("Date", dt.date(2026, 10, 12)),
    ("DateTime64(6, 'UTC')", dt.datetime(2026, 10, 12, 23, 59, 59, 999999, tzinfo=UTC)),
    ("Array(String)", ["US", "GB"]),
    ("Array(String)", ["G'B", "a\\b", "t\tn\n", "\\N", ""]),
    ("Array(String)", []),
    ("Array(Nullable(String))", [None, "x"]),
    ("Array(Date)", [dt.date(2026, 10, 11), dt.date(2026, 10, 14)]),
    ("Array(Int32)", [1, -2]),
    ("Array(Array(String))", [["a"], []]),
]


@pytest.mark.parametrize(("type_name", "value"), PARAMETERS)
async def test_parameters_round_trip(client: ClickHouseClient, type_name: str, value: Any) -> None:
    rows = await client.query(f"SELECT {{v:{type_name}}} AS v", {"v": value})
    assert rows == [{"v": value}]
    assert type(rows[0]["v"]) is type(value)


async def test_strings_insert_as_they_are(client: ClickHouseClient) -> None:
    texts = [value for type_name, value in PARAMETERS if type_name == "String"]
    await client.command("CREATE TABLE texts (i Int32, t String) ENGINE = MergeTree ORDER BY i")
    await client.insert("texts", list(enumerate(texts)), columns=["i", "t"])
    rows = await client.query("SELECT t FROM texts ORDER BY i")
    assert [row["t"] for row in rows] == texts


async def test_an_empty_result_and_an_empty_insert(client: ClickHouseClient) -> None:
    assert await client.query("SELECT 1 AS x WHERE 0") == []
    await client.command("CREATE TABLE e (x Int32) ENGINE = MergeTree ORDER BY x")
    await client.insert("e", [], columns=["x"])
    assert await client.query("SELECT count() AS n FROM e") == [{"n": 0}]


async def test_settings_hold_for_their_query_only(client: ClickHouseClient) -> None:
    sql = "SELECT toString(getSetting('max_threads')) AS m, timezone() AS tz"
    before = await client.query(sql)
    assert before[0]["tz"] == "UTC"
    during = await client.query(sql, settings={"max_threads": 3, "session_timezone": "Asia/Tokyo"})
    assert during == [{"m": "3", "tz": "Asia/Tokyo"}]
    assert await client.query(sql) == before


async def test_refusals(client: ClickHouseClient) -> None:
    with pytest.raises(ValueError, match="placeholder"):
        await client.query("SELECT 1", {"v": 1})  # a parameter the statement does not bind
    with pytest.raises(ValueError):
        await client.query("SELECT 1", settings={"max_threads; DROP": 1})
    with pytest.raises(ClickHouseError) as failed:
        await client.query("SELEC 1")
    assert failed.value.code == 62  # SYNTAX_ERROR
    await client.command(
        "CREATE TABLE checked (k String, n Int32, CONSTRAINT positive CHECK n > 0)"
        " ENGINE = MergeTree ORDER BY k"
    )
    with pytest.raises(ClickHouseError):
        await client.insert("checked", [("a", 1), (None, 2)], columns=["k", "n"])  # not Nullable
    with pytest.raises(ClickHouseError) as violated:
        await client.insert("checked", [("a", 1), ("b", -1)], columns=["k", "n"])
    assert violated.value.code == 469  # VIOLATED_CONSTRAINT
    with pytest.raises(ValueError):
        await client.insert("checked", [("a",)], columns=["k", "n"])
    assert await client.query("SELECT count() AS n FROM checked") == [{"n": 0}]


async def test_a_closed_client_refuses() -> None:
    for opened in (await EmbeddedClient.open(), await server_path()):
        await opened.close()
        await opened.close()  # idempotent
        with pytest.raises(ClickHouseError, match="closed"):
            await opened.query("SELECT 1")


async def test_embedded_statements_run_one_at_a_time(embedded: EmbeddedClient) -> None:
    """Concurrent queries, each with settings of its own, each see their own."""
    sql = "SELECT toString(getSetting('max_threads')) AS m, {i:Int32} AS i"
    answers = await asyncio.gather(
        *(embedded.query(sql, {"i": i}, settings={"max_threads": i % 3 + 1}) for i in range(30))
    )
    assert answers == [[{"m": str(i % 3 + 1), "i": i}] for i in range(30)]


async def test_chdb_urls(tmp_path: Path) -> None:
    in_memory = await connect("chdb://")
    assert isinstance(in_memory, EmbeddedClient) and in_memory.engine == "embedded"
    await in_memory.close()
    url = f"chdb://{tmp_path / 'clickhouse'}"
    async with await connect(url) as on_disk:
        assert on_disk.description == url
        await on_disk.command("CREATE TABLE kept (x Int32) ENGINE = MergeTree ORDER BY x")
        await on_disk.insert("kept", [(1,), (2,)], columns=["x"])
    async with await connect(url) as again:  # the directory keeps its tables
        assert await again.query("SELECT sum(x) AS s FROM kept") == [{"s": 3}]


async def test_unknown_session_settings_fail_at_connect() -> None:
    with pytest.raises(ClickHouseError):
        await connect("chdb://", settings={"no_such_setting": 1})
    async with await connect("chdb://", settings={"max_threads": 2}) as opened:
        rows = await opened.query("SELECT toString(getSetting('max_threads')) AS m")
        assert rows == [{"m": "2"}]
