"""Rules about modules and their views: something to show, and views that make sense."""

from __future__ import annotations

from collections.abc import Iterable

from semantic.fields import did_you_mean
from semantic.issues import Issue
from semantic.model import SemanticModel
from semantic.rules.common import issue, module_name, view_name


def module_content(model: SemanticModel) -> Iterable[Issue]:
    for module in model.modules.values():
        if not (module.metrics or module.retention or module.distribution or module.funnel
                or module.tables):
            yield issue(module.location, f"{module_name(model, module)} shows nothing; give "
                                         f"it metrics, retention, distribution, funnel or tables")


def retention_shape(model: SemanticModel) -> Iterable[Issue]:
    for module in model.modules.values():
        retention = module.retention
        if retention is None:
            continue
        owner = view_name(model, module, retention)
        cohorts = list(retention.cohorts)
        if retention.default_cohort and retention.default_cohort not in cohorts:
            yield issue(retention.location, f"{owner}: default_cohort "
                                            f"{retention.default_cohort} is not one of its "
                                            f"cohorts ({', '.join(cohorts)})"
                                            f"{did_you_mean(retention.default_cohort, cohorts)}")
        for period in retention.periods:
            if period < 1:
                yield issue(retention.location, f"{owner}: periods must be positive numbers "
                                                f"of days, not {period}")


def table_shape(model: SemanticModel) -> Iterable[Issue]:
    for module in model.modules.values():
        for table in module.tables:
            owner = view_name(model, module, table)
            names = [column.name for column in table.columns]
            if table.order_by and table.order_by not in names:
                yield issue(table.location, f"{owner}: order_by {table.order_by} is not one of "
                                            f"its columns ({', '.join(names)})"
                                            f"{did_you_mean(table.order_by, names)}")
            if min(table.default_limit, table.max_limit) < 1:
                yield issue(table.location, f"{owner}: default_limit and max_limit must be "
                                            f"at least 1")
            elif table.default_limit > table.max_limit:
                yield issue(table.location, f"{owner}: default_limit {table.default_limit} is "
                                            f"more than max_limit {table.max_limit}")
            repeated = sorted({name for name in names if names.count(name) > 1})
            yield from (issue(table.location, f"{owner} has two columns named {name}")
                        for name in repeated)


def funnel_shape(model: SemanticModel) -> Iterable[Issue]:
    for module in model.modules.values():
        funnel = module.funnel
        if funnel is None:
            continue
        owner = view_name(model, module, funnel)
        ids = [step.id for step in funnel.steps]
        if not ids:
            yield issue(funnel.location, f"{owner} has no steps")
        repeated = sorted({step for step in ids if ids.count(step) > 1})
        yield from (issue(funnel.location, f"{owner} lists step {step} twice")
                    for step in repeated)


RULES = (module_content, retention_shape, table_shape, funnel_shape)
