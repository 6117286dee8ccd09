"""A module request: one app, one module, one range and one set of filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gateway.apps import App
from semantic.model import SemanticModel
from semantic.query import DateRange, FilterValue, Scope


@dataclass(frozen=True, kw_only=True)
class ModuleRequest:
    app: App
    module: str
    range: DateRange
    reporting_day: dt.date
    filters: tuple[tuple[str, FilterValue], ...] = ()
    late_days: int = 3  # privacy cells are decided this many days after their block ends

    def scope(self) -> Scope:
        return Scope(
            app_id=self.app.id,
            kind=self.app.kind,
            module=self.module,
            range=self.range,
            reporting_day=self.reporting_day,
            filters=dict(self.filters),
            derived_through=self.app.derived_through,
            late_days=self.late_days,
            cells_stored=self.app.cells_stored,
            cells_shown=self.app.cells_shown,
        )

    def protected_only(self, model: SemanticModel) -> bool:
        """Whether the region filter asks only for protected regions."""
        regions = self.regions(model)
        return bool(regions) and set(regions) <= set(model.config.privacy.protected_regions)

    def regions(self, model: SemanticModel) -> tuple[str, ...]:
        """The values of this request's filter on the privacy region dimension."""
        region = model.config.privacy.region_dimension.name
        for name, value in self.filters:
            definition = model.filters.get(name)
            dimension = definition.dimension if definition is not None else None
            if dimension is not None and dimension.name == region:
                return value if isinstance(value, tuple) else (str(value),)
        return ()
