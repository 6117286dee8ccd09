"""The model a running gateway serves, and reloading it without a restart.

`ServedModels` holds one `Served` snapshot (model, its GraphQL endpoint, version); a reload
reads the models directory again and, when the model is valid, replaces the snapshot in one
assignment, so every request sees either the old model and its schema or the new ones, never a
mix. An invalid model is refused with every problem logged, and the last good one stays.
`minis serve` reloads on SIGHUP, and with --reload when a file of the directory changes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import State
from starlette.types import Receive, Scope, Send

from gateway.graphql import GatewayGraphQL
from gateway.limits import Limits
from gateway.schema.build import schema_for
from semantic.issues import ModelError
from semantic.loader import MODELS_DIR, load_model, model_files
from semantic.model import SemanticModel

log = logging.getLogger(__name__)

WATCH_INTERVAL = 1.0  # seconds between two looks at the models directory with --reload


def model_version(directory: Path) -> str:
    """A digest of the directory's model files (names and contents): the same files give the
    same version in every process."""
    digest = hashlib.sha256()
    root = directory.resolve()
    for path in model_files(root):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def _stamp(directory: Path) -> tuple[tuple[str, int, int], ...]:
    """What --reload compares: every model file's name, size and modification time."""
    found = []
    for path in model_files(directory):
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, kw_only=True)
class Served:
    model: SemanticModel
    graphql: GatewayGraphQL
    version: str | None  # None for a model not read from a directory (tests)
    loaded_at: str


@dataclass(frozen=True, kw_only=True)
class ReloadFailure:
    at: str
    version: str
    problems: tuple[str, ...]


Build = Callable[[SemanticModel, str | None], GatewayGraphQL]


def graphql_builder(limits: Limits) -> Build:
    """The GraphQL endpoint of a model: its schema, and the model its resolvers read."""

    def build(model: SemanticModel, version: str | None) -> GatewayGraphQL:
        graphql = GatewayGraphQL(schema_for(model, limits, model_version=version))
        graphql.model = model
        return graphql

    return build


class ServedModels:
    """The snapshot being served, and how to replace it."""

    def __init__(
        self,
        *,
        model: SemanticModel,
        build: Build,
        directory: Path | None,
        on_swap: Callable[[Served], None] = lambda served: None,
    ) -> None:
        self.directory = directory
        self._build = build
        self._on_swap = on_swap
        self._lock = asyncio.Lock()
        self.last_failure: ReloadFailure | None = None
        version = model_version(directory) if directory is not None else None
        self.current = Served(
            model=model, graphql=build(model, version), version=version, loaded_at=_now()
        )
        on_swap(self.current)

    @classmethod
    def of(
        cls, *, limits: Limits, model: SemanticModel | None, directory: Path | None
    ) -> ServedModels:
        """`model`, reloadable from `directory` when one is given; without a model, the valid
        model of `directory` (the packaged one when None), or ModelError."""
        if model is None:
            directory = directory or MODELS_DIR
            model = load_model(directory)
        return cls(model=model, build=graphql_builder(limits), directory=directory)

    def attach(self, state: State) -> None:
        """Keep `state.served`, `state.model` and `state.graphql` (which other routes read)
        on the snapshot being served."""
        state.served = self

        def on_swap(served: Served) -> None:
            state.model = served.model
            state.graphql = served.graphql

        self._on_swap = on_swap
        on_swap(self.current)

    def reload(self) -> bool:
        """Read the directory again; serve its model if it is valid and new. True if it was
        swapped in. An invalid model is logged with every problem and the current one kept."""
        if self.directory is None:
            log.warning("model reload: this gateway's model was not read from a directory")
            return False
        version = model_version(self.directory)
        if version == self.current.version:
            log.info("model reload: %s unchanged (version %s)", self.directory, version)
            self.last_failure = None
            return False
        try:
            model = load_model(self.directory)
        except ModelError as error:
            problems = tuple(str(issue) for issue in error.issues)
            self.last_failure = ReloadFailure(at=_now(), version=version, problems=problems)
            log.error(
                "model reload refused: %s; still serving version %s\n%s",
                error.args[0].splitlines()[0],
                self.current.version,
                "\n".join(f"  {p}" for p in problems),
            )
            return False
        served = Served(
            model=model, graphql=self._build(model, version), version=version, loaded_at=_now()
        )
        self.current = served  # one assignment: requests see the old snapshot or this one
        self.last_failure = None
        self._on_swap(served)
        log.warning("model reloaded: now serving version %s from %s", version, self.directory)
        return True

    async def reload_async(self) -> bool:
        """`reload` off the event loop (reading YAML and building a schema take a moment);
        reloads asked for while one runs wait for it."""
        async with self._lock:
            return await asyncio.to_thread(self.reload)

    async def watch(self, interval: float = WATCH_INTERVAL) -> None:
        """Reload whenever a model file is added, removed or changed (until cancelled)."""
        if self.directory is None:
            return
        seen = _stamp(self.directory)
        while True:
            await asyncio.sleep(interval)
            stamp = _stamp(self.directory)
            if stamp != seen:
                seen = stamp
                await self.reload_async()

    def health(self) -> dict[str, object]:
        """What /healthz says of the model."""
        report: dict[str, object] = {
            "version": self.current.version,
            "loaded_at": self.current.loaded_at,
        }
        if self.last_failure is not None:
            report["last_reload"] = {
                "refused_at": self.last_failure.at,
                "version": self.last_failure.version,
                "problems": list(self.last_failure.problems),
            }
        return report


class GraphQLSwitch:
    """The /graphql endpoint: hands each request to the GraphQL app of the snapshot served
    when it arrives."""

    def __init__(self, served: ServedModels) -> None:
        self.served = served

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.served.current.graphql(scope, receive, send)
