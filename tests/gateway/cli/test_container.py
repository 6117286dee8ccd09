"""docker-compose.yml and the Dockerfile, checked without Docker: they parse, and they configure
the gateway only through what the CLI reads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[3]
VARIABLE = re.compile(r"\bMINIS_[A-Z_]+\b")


def variables_the_gateway_reads() -> set[str]:
    sources = [ROOT / "gateway" / "settings.py", *(ROOT / "gateway" / "cli").glob("*.py")]
    return {name for path in sources for name in VARIABLE.findall(path.read_text())}


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_the_readme_documents_every_variable_the_gateway_reads() -> None:
    found = variables_the_gateway_reads()
    assert {"MINIS_DATABASE_URL", "MINIS_DATA_DIR", "MINIS_TODAY"} <= found
    readme = (ROOT / "README.md").read_text()
    assert {name for name in found if f"`{name}`" not in readme} == set()


def test_compose_runs_postgres_16_with_a_healthcheck() -> None:
    postgres = compose()["services"]["postgres"]
    assert postgres["image"] == "postgres:16"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_compose_gateway_is_configured_only_by_variables_the_gateway_reads() -> None:
    services = compose()["services"]
    gateway = services["gateway"]
    environment: dict[str, str] = gateway["environment"]
    assert set(environment) <= variables_the_gateway_reads()
    assert environment["MINIS_HOST"] == "0.0.0.0"
    assert environment["MINIS_PORT"] == "8000"
    assert "8000:8000" in gateway["ports"]
    assert gateway["build"] == "."
    assert gateway["command"] == ["minis", "serve", "--demo"]
    assert gateway["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_compose_gateway_reaches_the_postgres_service() -> None:
    services = compose()["services"]
    url = urlsplit(services["gateway"]["environment"]["MINIS_DATABASE_URL"])
    postgres = services["postgres"]["environment"]
    assert url.scheme == "postgresql"
    assert url.hostname == "postgres"
    assert url.port == 5432
    assert url.username == postgres["POSTGRES_USER"]
    assert url.password == postgres["POSTGRES_PASSWORD"]
    assert url.path == f"/{postgres['POSTGRES_DB']}"


def test_dockerfile_installs_the_source_in_place_and_runs_minis() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    # gateway/migrations.py reads sql/ beside the package: an editable install keeps it there
    assert re.search(r"^RUN pip install -e \.", dockerfile, re.MULTILINE)
    assert re.search(r'^CMD \["minis", "serve"\]$', dockerfile, re.MULTILINE)
    ignored = {
        line.strip().strip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert not ignored & {"gateway", "semantic", "sql", "pyproject.toml", "README.md", "."}
