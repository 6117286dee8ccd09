from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gateway.settings import ConfigError, Settings
from semantic.engines import Engine


@pytest.fixture(autouse=True)
def outside_any_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from a directory without .minis/ (a checkout where ./scripts/demo ran has one)."""
    monkeypatch.chdir(tmp_path)


def test_commands_run_in_a_checkout_use_the_database_of_its_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = tmp_path / "minis"
    (checkout / ".minis" / "pgdata").mkdir(parents=True)
    (checkout / "gateway" / "cli").mkdir(parents=True)
    for where in (checkout, checkout / "gateway" / "cli"):
        monkeypatch.chdir(where)
        assert Settings.from_env({"XDG_DATA_HOME": "/data"}).data_dir == (
            checkout.resolve() / ".minis" / "pgdata"
        )
    # MINIS_DATA_DIR still wins
    assert Settings.from_env({"MINIS_DATA_DIR": "/srv/pg"}).data_dir == Path("/srv/pg")


def test_defaults_without_any_variable() -> None:
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.today is None
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert settings.data_dir == Path.home() / ".local" / "share" / "minis" / "pgdata"


def test_every_variable_is_read() -> None:
    settings = Settings.from_env(
        {
            "MINIS_DATABASE_URL": "postgresql://minis@db:5432/minis",
            "MINIS_DATA_DIR": "/srv/minis/pg",
            "MINIS_TODAY": "2026-11-01",
            "MINIS_HOST": "0.0.0.0",
            "MINIS_PORT": "9000",
        }
    )
    assert settings == Settings(
        database_url="postgresql://minis@db:5432/minis",
        data_dir=Path("/srv/minis/pg"),
        today=dt.date(2026, 11, 1),
        host="0.0.0.0",
        port=9000,
    )


def test_empty_variables_mean_their_defaults() -> None:
    empty = {
        name: ""
        for name in (
            "MINIS_DATABASE_URL",
            "MINIS_DATA_DIR",
            "MINIS_TODAY",
            "MINIS_HOST",
            "MINIS_PORT",
        )
    }
    assert Settings.from_env({**empty, "XDG_DATA_HOME": "/data"}) == Settings(
        data_dir=Path("/data/minis/pgdata")
    )


def test_data_dir_defaults_under_xdg_data_home() -> None:
    settings = Settings.from_env({"XDG_DATA_HOME": "/var/lib/ann"})
    assert settings.data_dir == Path("/var/lib/ann/minis/pgdata")


def test_from_env_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIS_TODAY", "2026-02-03")
    monkeypatch.setenv("MINIS_PORT", "8123")
    settings = Settings.from_env()
    assert settings.today == dt.date(2026, 2, 3)
    assert settings.port == 8123


@pytest.mark.parametrize("raw", ["yesterday", "2026-13-01", "2026-02-30", "01/11/2026", "2026-11"])
def test_an_unusable_today_is_refused_with_what_to_write(raw: str) -> None:
    with pytest.raises(ConfigError, match=r"MINIS_TODAY .* must be a date like 2026-11-01") as e:
        Settings.from_env({"MINIS_TODAY": raw})
    assert repr(raw) in str(e.value)


@pytest.mark.parametrize("raw", ["http", "-1", "0", "65536", "80.5", " 80"])
def test_an_unusable_port_is_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match=r"MINIS_PORT .* must be a port number from 1 to 65535"):
        Settings.from_env({"MINIS_PORT": raw})


def test_reporting_day_is_the_day_before_today() -> None:
    settings = Settings(today=dt.date(2026, 3, 1))
    assert settings.current_day() == dt.date(2026, 3, 1)
    assert settings.reporting_day() == dt.date(2026, 2, 28)


def test_today_defaults_to_the_current_utc_day() -> None:
    before = dt.datetime.now(dt.UTC).date()
    current = Settings().current_day()
    after = dt.datetime.now(dt.UTC).date()
    assert current in (before, after)
    assert Settings().reporting_day() == current - dt.timedelta(days=1)


def test_a_clickhouse_url_makes_clickhouse_the_analytics_engine() -> None:
    settings = Settings.from_env(
        {
            "MINIS_DATABASE_URL": "clickhouse://minis:secret@ch:8123/minis",
            "MINIS_CONTROL_DATABASE_URL": "postgresql://minis@db:5432/minis",
        }
    )
    assert settings.engine is Engine.CLICKHOUSE
    assert settings.database_url == "clickhouse://minis:secret@ch:8123/minis"
    # tokens, apps and the data version stay on PostgreSQL
    assert settings.postgres_url == "postgresql://minis@db:5432/minis"
    for url in ("clickhouses://ch/minis?verify=false", "chdb:///srv/minis/ch", "chdb://"):
        assert Settings.from_env({"MINIS_DATABASE_URL": url}).engine is Engine.CLICKHOUSE


def test_without_a_control_url_clickhouse_keeps_the_control_plane_in_the_embedded_postgresql() -> (
    None
):
    settings = Settings.from_env({"MINIS_DATABASE_URL": "chdb://", "MINIS_DATA_DIR": "/srv/pg"})
    assert settings.engine is Engine.CLICKHOUSE
    assert settings.postgres_url is None  # the embedded PostgreSQL of the data dir
    assert settings.data_dir == Path("/srv/pg")


def test_postgresql_is_the_engine_by_default_and_for_a_postgresql_url() -> None:
    assert Settings.from_env({}).engine is Engine.POSTGRES
    settings = Settings.from_env({"MINIS_DATABASE_URL": "postgres://minis@db/minis"})
    assert settings.engine is Engine.POSTGRES
    assert settings.postgres_url == "postgres://minis@db/minis"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"MINIS_DATABASE_URL": "chdb://", "MINIS_CONTROL_DATABASE_URL": "clickhouse://ch/x"},
            "MINIS_CONTROL_DATABASE_URL names the PostgreSQL .* not a ClickHouse database",
        ),
        (
            {"MINIS_DATABASE_URL": "chdb://", "MINIS_CONTROL_DATABASE_URL": "mysql://db/x"},
            "MINIS_CONTROL_DATABASE_URL must be a PostgreSQL URL .* 'mysql'",
        ),
        (
            {"MINIS_CONTROL_DATABASE_URL": "postgresql://db/x"},
            "MINIS_CONTROL_DATABASE_URL is for a ClickHouse MINIS_DATABASE_URL",
        ),
        (
            {"MINIS_DATABASE_URL": "mysql://db/x"},
            "MINIS_DATABASE_URL .* must be a PostgreSQL URL .* or a ClickHouse one",
        ),
        ({"MINIS_DATABASE_URL": "chdb://relative/dir"}, "write chdb:///absolute/directory"),
        (
            {"MINIS_DATABASE_URL": "clickhouse://u:hunter2@ch:http/x"},
            "MINIS_DATABASE_URL .*clickhouse://u:\\*\\*\\*@ch:http/x",
        ),
    ],
)
def test_unusable_engine_urls_are_refused(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        Settings.from_env(environ)
    assert "hunter2" not in str(raised.value)
