from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from semantic.issues import Issue, ModelError, ValidationResult
from semantic.loader import load_model, read_directory
from semantic.model import (
    Agg,
    AppKind,
    FilterKind,
    Location,
    MeasureRef,
    MetricKind,
    MetricRef,
    SemanticModel,
    Window,
)


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return directory


def read(tmp_path: Path, text: str) -> list[str]:
    models = write(tmp_path / "models", {"a.yml": text})
    return read_directory(models).lines()


MODEL = """
sources:
  sessions:
    table: launches
    time: started_at
    key: launch_id
    dimensions: [os,
                 region]
    measures:
      users: {agg: count_distinct, expr: user_id}
      p90:
        agg: percentile
        expr: duration_ms
        percentile: 0.9
        window: cumulative
metrics:
  active_users:
    label: Active users
    unit: users
    measure: sessions.users
    description: Distinct users.
  per_user:
    label: Per user
    unit: ms
    numerator: sessions.p90
    denominator: active_users
    description: A ratio.
filters:
  flag: {parameter: boolean, default: true, label: Flag}
  kind: {parameter: [a, b], label: Kind}
modules:
  - id: m
    kinds: [game, drama]
    label: M
    description: D.
    metrics: [active_users]
"""


@pytest.fixture
def model(tmp_path: Path) -> SemanticModel:
    result = read_directory(write(tmp_path / "models", {"sub/users.yaml": MODEL}))
    assert result.issues == ()
    return result.model


def test_objects_and_references_know_their_file_and_line(model: SemanticModel) -> None:
    def at(line: int) -> Location:
        return Location(file="models/sub/users.yaml", line=line)

    sessions = model.sources["sessions"]
    assert sessions.location == at(2)
    assert [(ref.name, ref.location) for ref in sessions.dimensions] == [
        ("os", at(6)),
        ("region", at(7)),
    ]
    assert sessions.measures["p90"].location == at(10)
    assert model.metrics["per_user"].location == at(21)
    assert model.metrics["active_users"].measure == MeasureRef(name="sessions.users")
    assert model.metrics["active_users"].measure.location == at(19)
    module = model.module(AppKind.DRAMA, "m")
    assert module.location == at(31)
    assert module.metrics[0].location == at(35)


def test_values_are_typed(model: SemanticModel) -> None:
    p90 = model.sources["sessions"].measures["p90"]
    assert (p90.agg, p90.percentile, p90.window) == (Agg.PERCENTILE, 0.9, Window.CUMULATIVE)
    ratio = model.metrics["per_user"]
    assert ratio.kind is MetricKind.RATIO
    assert isinstance(ratio.numerator, MeasureRef)
    assert isinstance(ratio.denominator, MetricRef)
    assert [(f.kind, f.values, f.default) for f in model.filters.values()] == [
        (FilterKind.PARAMETER, (), True),
        (FilterKind.PARAMETER, ("a", "b"), None),
    ]
    assert [m.kind for m in model.modules.values()] == [AppKind.GAME, AppKind.DRAMA]


CASES: dict[str, tuple[str, list[str]]] = {
    "invalid YAML": (
        """
        metrics:
          a: {label: x
        """,
        ["3: invalid YAML (column 1): expected ',' or '}', but got '<stream end>'"],
    ),
    "duplicate key": (
        """
        dimensions:
          os: {label: OS}
          os: {label: Other}
        """,
        ["3: duplicate key os (first at line 2)"],
    ),
    "duplicate module": (
        """
        modules:
          - {id: m, kinds: [game], label: M, description: D., metrics: [x]}
          - {id: m, kinds: [drama, game], label: M, description: D., metrics: [x]}
        """,
        ["3: module m (game) is already defined at models/a.yml:2"],
    ),
    "unknown section": (
        """
        metric: {}
        """,
        [
            "1: unknown section metric; did you mean metrics? (sections: config, "
            "dimensions, filters, sources, segments, metrics, modules, error_codes)"
        ],
    ),
    "unknown key": (
        """
        dimensions:
          os: {lable: OS, label: OS}
        """,
        ["2: dimension os: unknown key lable; did you mean label?"],
    ),
    "missing key": (
        """
        dimensions:
          os: {column: os}
        """,
        ["2: dimension os has no label"],
    ),
    "wrong type": (
        """
        dimensions:
          os: {label: 2024}
        """,
        ["2: dimension os: label must be text, not '2024'; quote it"],
    ),
    "not a mapping": (
        """
        segments:
          s: [sessions]
        """,
        ["2: segment s must be a mapping, not a list", "2: segment s has no source"],
    ),
    "agg": (
        """
        sources:
          s: {first_of: t, measures: {m: {agg: cnt}}}
        """,
        [
            "2: measure s.m: agg cnt is not one of count, count_distinct, sum, avg, min, "
            "max, median, percentile, weighted_avg; did you mean count?"
        ],
    ),
    "unit": (
        """
        metrics:
          m: {label: M, description: D., unit: user, measure: s.m}
        """,
        [
            "2: metric m: unit user is not one of users, sessions, launches, orders, events, "
            "reports, calls, ms, fps, beans, usd, fraction; did you mean users?"
        ],
    ),
    "window": (
        """
        segments:
          s: {source: t, window: cumulativ}
        """,
        [
            "2: segment s: window cumulativ is not one of range, cumulative, "
            "to_reporting_day; did you mean cumulative?"
        ],
    ),
    "kinds": (
        """
        modules:
          - {id: m, kinds: [games], label: M, description: D., metrics: [x]}
        """,
        ["2: module m: kind games is not one of game, drama; did you mean game?"],
    ),
    "periods": (
        """
        modules:
          - id: m
            kinds: [game]
            label: M
            description: D.
            retention:
              name: r
              label: R
              description: D.
              activity: s
              cohorts: {NEW: s}
              default_cohort: NEW
              periods: [1, 7.5]
        """,
        ["13: retention r of module m: periods must list whole numbers of days, not '7.5'"],
    ),
    "percentile": (
        """
        sources:
          s: {first_of: t, measures: {p: {agg: percentile, expr: x, percentile: high}}}
        """,
        ["2: measure s.p: percentile must be a number, not 'high'"],
    ),
    "filter kind": (
        """
        filters:
          f: {dimension: os, parameter: boolean, label: F}
        """,
        ["2: filter f needs exactly one of dimension, user_type, parameter"],
    ),
    "module without id": (
        """
        modules:
          - {kinds: [game], label: M, description: D.}
        """,
        ["2: a module needs an id (a name)"],
    ),
    "privacy threshold": (
        """
        config:
          privacy:
            threshold: 0
        """,
        ["3: config privacy: threshold must be at least 1, not 0"],
    ),
    "privacy epoch not a monday": (
        """
        config:
          privacy:
            epoch: 2024-01-03
        """,
        [
            "3: config privacy: epoch must be a Monday, so that weeks are ISO weeks; "
            "2024-01-03 is a Wednesday"
        ],
    ),
    "privacy epoch not a date": (
        """
        config:
          privacy:
            epoch: soon
        """,
        ["3: config privacy: epoch must be a date such as 2024-01-01, not 'soon'"],
    ),
    "privacy blocks that do not nest": (
        """
        config:
          privacy:
            blocks: [1, 7, 30]
        """,
        [
            "3: config privacy: each block must be a multiple of the one before, so that "
            "blocks nest; 30 is not a multiple of 7"
        ],
    ),
    "privacy blocks without days": (
        """
        config:
          privacy:
            blocks: [7, 28]
        """,
        ["3: config privacy: blocks must start with 1 (the day)"],
    ),
    "not a model": (
        """
        - metrics
        """,
        [
            "1: a model file must be a mapping of sections (config, dimensions, filters, "
            "sources, segments, metrics, modules, error_codes), not a list"
        ],
    ),
}


@pytest.mark.parametrize(("text", "expected"), CASES.values(), ids=CASES.keys())
def test_reading_reports_problems_with_their_line(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    assert read(tmp_path, text) == [f"models/a.yml:{line}" for line in expected]


def test_a_name_defined_in_two_files_is_reported_where_it_is_defined_again(tmp_path: Path) -> None:
    dimension = "dimensions:\n  os: {label: OS}\n"
    models = write(tmp_path / "models", {"a.yml": dimension, "b.yml": "# b\n" + dimension})
    assert read_directory(models).lines() == [
        "models/b.yml:3: dimension os is already defined at models/a.yml:2"
    ]


def test_error_codes_and_config(tmp_path: Path) -> None:
    models = write(
        tmp_path / "models",
        {
            "a.yml": """
        error_codes:
          network: {"404": Not found., timeout: Too slow.}
        config:
          constants: {rate: 0.5}
          max_range_days: 30
        """
        },
    )
    model = read_directory(models).model
    assert [(e.family, e.code, e.meaning) for e in model.error_codes] == [
        ("network", "404", "Not found."),
        ("network", "timeout", "Too slow."),
    ]
    assert dict(model.config.constants) == {"rate": 0.5}
    assert model.config.max_range_days == 30
    assert model.config.privacy.threshold == 1000


def test_a_missing_directory_is_an_issue(tmp_path: Path) -> None:
    assert read_directory(tmp_path / "nowhere").lines() == [
        f"{tmp_path / 'nowhere'}:0: the model directory is not a directory"
    ]


def test_load_model_raises_with_every_issue(tmp_path: Path) -> None:
    models = write(tmp_path / "models", {"a.yml": "metrics:\n  m: {unit: users}\n"})
    with pytest.raises(ModelError) as raised:
        load_model(models)
    assert [str(issue) for issue in raised.value.issues] == [
        "<model>:0: config privacy (by default) uses unknown source sessions",
        "<model>:0: config privacy (by default) uses unknown dimension region",
        "models/a.yml:2: metric m has no label",
        "models/a.yml:2: metric m has no description",
        "models/a.yml:2: metric m needs exactly one of measure, numerator with denominator, "
        "or expr",
    ]
    assert str(raised.value).startswith("the semantic model has 5 problems:\n  <model>:0: ")


def test_issues_are_sorted_by_file_and_line_without_repeats() -> None:
    def at(file: str, line: int) -> Issue:
        return Issue(location=Location(file=file, line=line), message="m")

    result = ValidationResult.collect(
        model=SemanticModel(), issues=[at("b", 1), at("a", 10), at("a", 2), at("a", 10)]
    )
    assert result.lines() == ["a:2: m", "a:10: m", "b:1: m"]
