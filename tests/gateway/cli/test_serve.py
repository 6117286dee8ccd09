"""`minis serve` for real: a process of its own, listening on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from click.testing import CliRunner

from gateway.cli import main
from gateway.reloading import model_version
from semantic.loader import MODELS_DIR
from tests.ports import free_port

STARTUP_SECONDS = 60.0
STOP_SECONDS = 15.0


def minis_command() -> list[str]:
    script = Path(sys.executable).with_name("minis")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from gateway.cli import main; main()"]


def clean_environment(**variables: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("MINIS_")}
    return {**env, **variables}


class Server:
    def __init__(self, process: subprocess.Popen[bytes], log: Path, base_url: str) -> None:
        self.process = process
        self.log = log
        self.base_url = base_url

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_healthy(self) -> httpx.Response:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"minis serve exited with {self.process.returncode}:\n{self.output}")
            with contextlib.suppress(httpx.TransportError):
                response = httpx.get(f"{self.base_url}/healthz", timeout=2.0)
                if response.status_code == 200:
                    return response
            time.sleep(0.2)
        pytest.fail(f"minis serve did not answer within {STARTUP_SECONDS} s:\n{self.output}")

    def stop(self) -> int:
        """SIGTERM, as a supervisor would send; SIGKILL if it does not stop in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@contextlib.contextmanager
def serving(args: list[str], *, tmp_path: Path, env: dict[str, str], port: int) -> Iterator[Server]:
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*minis_command(), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    server = Server(process, log, f"http://127.0.0.1:{port}")
    try:
        yield server
    finally:
        server.stop()


# The server runs in another process and these tests wait on it, so they are not coroutines.


def test_serve_migrates_a_fresh_database_and_answers_health(
    empty_database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    args = [
        "--database-url",
        empty_database_url,
        "--today",
        "2026-11-01",
        "serve",
        "--port",
        str(port),
    ]
    with serving(args, tmp_path=tmp_path, env=clean_environment(), port=port) as server:
        response = server.wait_until_healthy()
        health = response.json()
        model = health.pop("model")
        assert health == {
            "status": "ok",
            "engine": "postgres",
            "database": "reachable",
            "latest_day": None,
            "reporting_day": "2026-10-31",
            "derived": {"built_through": None, "oldest_built_through": None, "stale_apps": []},
        }
        assert model == {"version": model_version(MODELS_DIR), "loaded_at": model["loaded_at"]}
        assert f"minis is serving on http://127.0.0.1:{port}" in server.output
        assert server.stop() == 0


def test_serve_demo_leaves_a_database_with_apps_alone(database_url: str, tmp_path: Path) -> None:
    async def add_app() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(
                "INSERT INTO apps VALUES ('g1', 'game', 'Mine', 'launched', '2026-01-01', 'o')"
            )
        finally:
            await conn.close()

    async def apps() -> list[str]:
        conn = await asyncpg.connect(database_url)
        try:
            return [row["name"] for row in await conn.fetch("SELECT name FROM apps")]
        finally:
            await conn.close()

    asyncio.run(add_app())
    port = free_port()
    args = ["--database-url", database_url, "serve", "--demo", "--port", str(port)]
    with serving(args, tmp_path=tmp_path, env=clean_environment(), port=port) as server:
        server.wait_until_healthy()
        assert "building the demo world" not in server.output
        # the printed token works, as it would pasted into GraphiQL's headers
        token = next(
            line.split()[-1] for line in server.output.splitlines() if "token (admin):" in line
        )
        page = httpx.get(f"{server.base_url}/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "graphiql" in page.text.lower()
        answer = httpx.post(
            f"{server.base_url}/graphql",
            json={"query": "{ games { name } }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        # the token is accepted and the database still holds only its own app; the answer's
        # other extensions (cache, cost) are not what this test is about
        body = answer.json()
        assert "errors" not in body, body
        assert body["data"] == {"games": [{"name": "Mine"}]}
        assert body["extensions"]["statements"] == 1
        refused = httpx.post(f"{server.base_url}/graphql", json={"query": "{ games { name } }"})
        assert refused.status_code == 401
    assert asyncio.run(apps()) == ["Mine"]


def test_serve_embedded_configured_by_environment(tmp_path: Path, embedded_data_dir: Path) -> None:
    port = free_port()
    data_dir = embedded_data_dir
    env = clean_environment(
        MINIS_DATA_DIR=str(data_dir), MINIS_PORT=str(port), MINIS_HOST="127.0.0.1"
    )
    with serving(["serve"], tmp_path=tmp_path, env=env, port=port) as server:
        assert server.wait_until_healthy().json()["database"] == "reachable"
        assert (data_dir / "PG_VERSION").exists()
        assert server.stop() == 0
    assert not (data_dir / "postmaster.pid").exists()  # the embedded server stopped with it


def test_serve_says_so_when_the_database_cannot_be_reached() -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/minis"
    handler = signal.getsignal(signal.SIGTERM)
    result = CliRunner().invoke(main, ["--database-url", url, "serve", "--port", str(free_port())])
    assert result.exit_code == 1
    assert "cannot reach the database" in result.output
    assert signal.getsignal(signal.SIGTERM) is handler


def test_serve_refuses_an_invalid_model_before_starting_a_database(tmp_path: Path) -> None:
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models)
    users = models / "users.yml"
    users.write_text(
        users.read_text().replace("measure: sessions.users\n", "measure: sessions.user\n")
    )
    data_dir = tmp_path / "pgdata"  # the embedded server it would start, had the model been valid
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(data_dir), "serve", "--port", str(free_port())],
        env={"MINIS_MODELS_DIR": str(models), "MINIS_DATABASE_URL": ""},
    )
    assert result.exit_code == 1
    assert not data_dir.exists()
    assert "nothing is served from an invalid model" in result.output
    assert "unknown measure sessions.user; did you mean sessions.users?" in result.output
