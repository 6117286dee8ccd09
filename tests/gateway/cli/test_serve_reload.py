"""`minis serve` for real reloads its model on SIGHUP and, with --reload, when a file changes."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest

from gateway.reloading import model_version
from semantic.loader import MODELS_DIR
from tests.gateway.cli.test_serve import Server, clean_environment, serving
from tests.ports import free_port

WAIT_SECONDS = 30.0


def served_version(server: Server, *, other_than: str) -> str:
    """The model version /healthz reports once it is no longer `other_than`."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        version: str = httpx.get(f"{server.base_url}/healthz").json()["model"]["version"]
        if version != other_than:
            return version
        time.sleep(0.2)
    pytest.fail(f"the model was not reloaded within {WAIT_SECONDS} s:\n{server.output}")


def start(database_url: str, tmp_path: Path, *extra: str) -> tuple[Path, list[str], int]:
    models = tmp_path / "models"
    shutil.copytree(MODELS_DIR, models)
    port = free_port()
    return models, ["--database-url", database_url, "serve", "--port", str(port), *extra], port


def relabel(models: Path, label: str) -> None:
    users = models / "users.yml"
    users.write_text(users.read_text().replace("label: Active users\n", f"label: {label}\n", 1))


def test_sighup_reloads_a_valid_model_and_keeps_the_last_good_one(
    database_url: str, tmp_path: Path
) -> None:
    models, args, port = start(database_url, tmp_path)
    env = clean_environment(MINIS_MODELS_DIR=str(models))
    with serving(args, tmp_path=tmp_path, env=env, port=port) as server:
        first = server.wait_until_healthy().json()["model"]["version"]
        assert first == model_version(models)
        assert f"model: version {first}" in server.output

        relabel(models, "Players")
        server.process.send_signal(signal.SIGHUP)
        second = served_version(server, other_than=first)
        assert second == model_version(models)

        broken = models / "users.yml"
        broken.write_text(broken.read_text().replace("label: Players\n", "label: [\n", 1))
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + WAIT_SECONDS
        while "model reload refused" not in server.output and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "model reload refused" in server.output
        health = httpx.get(f"{server.base_url}/healthz").json()
        assert health["status"] == "ok" and health["model"]["version"] == second
        assert health["model"]["last_reload"]["problems"]
        assert server.stop() == 0


def test_reload_flag_serves_a_changed_file(database_url: str, tmp_path: Path) -> None:
    models, args, port = start(database_url, tmp_path, "--reload")
    env = clean_environment(MINIS_MODELS_DIR=str(models))
    with serving(args, tmp_path=tmp_path, env=env, port=port) as server:
        first = server.wait_until_healthy().json()["model"]["version"]
        relabel(models, "Daily players")
        assert served_version(server, other_than=first) == model_version(models)
