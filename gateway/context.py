"""What every resolver of one GraphQL request shares."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from gateway.apps import App, Caller
from gateway.execution import Runner
from gateway.limits import Limits
from gateway.loaders import Loaders
from gateway.settings import Settings
from semantic.model import SemanticModel


@dataclass(kw_only=True)
class Context:
    request: Request | None
    settings: Settings
    model: SemanticModel
    runner: Runner
    caller: Caller
    limits: Limits = field(default_factory=Limits)
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(
            runner=self.runner,
            model=self.model,
            derived=self.settings.derived,
            engine=self.runner.engine,
        )

    async def app(self, app_id: str) -> App | None:
        """The app, or None when it does not exist or the caller may not see it."""
        if "\x00" in app_id or len(app_id) > 200:  # no app has such an id
            return None
        app = await self.loaders.apps.load(app_id)
        return app if app is not None and self.caller.may_see(app) else None
