"""Reading the YAML files of a model directory into a `SemanticModel`.

`read_directory` is tolerant: it reads everything it can and reports every problem it meets.
`validate_directory` adds the validation rules; `load_model` raises `ModelError` when either
found anything, so that only a valid model is ever compiled or served.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from semantic.fields import Fields, Report, did_you_mean, entries_of, items_of, peek
from semantic.issues import Issue, ModelError, ValidationResult
from semantic.model import (
    UNKNOWN,
    AppKind,
    Config,
    Dimension,
    DimensionRef,
    ErrorCode,
    Filter,
    Location,
    Metric,
    Module,
    Privacy,
    Segment,
    SemanticModel,
    Source,
    SourceRef,
    frozen_map,
)
from semantic.readers import (
    read_dimension,
    read_filter,
    read_metric,
    read_module,
    read_segment,
    read_source,
)
from semantic.validation import validate
from semantic.yaml_nodes import Key, Map, Node, Scalar, parse_yaml

MODELS_DIR = Path(__file__).parent / "models"
PATTERNS = ("*.yml", "*.yaml")

T = TypeVar("T")
K = TypeVar("K", str, tuple[AppKind, str])


@dataclass
class _Collected:
    """Objects of every file so far; a name seen again is reported where it is redefined."""

    sources: dict[str, Source] = field(default_factory=dict)
    dimensions: dict[str, Dimension] = field(default_factory=dict)
    segments: dict[str, Segment] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    filters: dict[str, Filter] = field(default_factory=dict)
    modules: dict[tuple[AppKind, str], Module] = field(default_factory=dict)
    error_codes: dict[tuple[str, str], tuple[ErrorCode, Location]] = field(default_factory=dict)
    config: tuple[Config, Location] | None = None

    def model(self) -> SemanticModel:
        return SemanticModel(
            sources=frozen_map(self.sources),
            dimensions=frozen_map(self.dimensions),
            segments=frozen_map(self.segments),
            metrics=frozen_map(self.metrics),
            filters=frozen_map(self.filters),
            modules=frozen_map(self.modules),
            error_codes=tuple(code for code, _ in self.error_codes.values()),
            config=self.config[0] if self.config else Config(),
        )


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _add(table: dict[K, T], *, what: str, name: K, item: T, location: Location,
         report: Report) -> None:
    first = table.get(name)
    if first is None:
        table[name] = item
        return
    first_location = getattr(first, "location", UNKNOWN)
    shown = f"{name[1]} ({name[0]})" if isinstance(name, tuple) else name
    report.add(location.line, f"{what} {shown} is already defined at {first_location}")


Handler = Callable[[Key, Node, Report, _Collected], None]


def _named(what: str, reader: Callable[[Fields, str], T],
           pick: Callable[[_Collected], dict[str, T]]) -> Handler:
    def handle(section: Key, node: Node, report: Report, collected: _Collected) -> None:
        for key, value in entries_of(node, owner=section.name, report=report):
            fields = Fields(value, owner=f"{what} {key.name}", line=key.line, report=report)
            _add(pick(collected), what=what, name=key.name, item=reader(fields, key.name),
                 location=report.at(key.line), report=report)

    return handle


def _modules(section: Key, node: Node, report: Report, collected: _Collected) -> None:
    for item in items_of(node, owner=section.name, report=report):
        module_id = peek(item, "id")
        if module_id is None:
            report.add(item.line, "a module needs an id (a name)")
            continue
        fields = Fields(item, owner=f"module {module_id}", line=item.line, report=report)
        fields.text("id")
        for module in read_module(fields, module_id=module_id):
            _add(collected.modules, what="module", name=(module.kind, module.id), item=module,
                 location=module.location, report=report)


def _positive(fields: Fields, key: str) -> int | None:
    value = fields.integer(key)
    if value is not None and value < 1:
        fields.report.add(fields.key_line(key), f"{fields.owner}: {key} must be at least 1, "
                                                f"not {value}")
    return value


def _privacy(fields: Fields) -> Privacy:
    default = Privacy()
    privacy = Privacy(
        threshold=_or(_positive(fields, "threshold"), default.threshold),
        protected_regions=tuple(str(name.value) for name in fields.names("protected_regions"))
        if fields.has("protected_regions") else default.protected_regions,
        source=fields.ref("source", SourceRef) or default.source,
        region_dimension=fields.ref("region_dimension", DimensionRef)
        or default.region_dimension,
        os_dimension=fields.ref("os_dimension", DimensionRef) or default.os_dimension,
        epoch=_epoch(fields) or default.epoch,
        blocks=_blocks(fields) or default.blocks,
    )
    fields.done()
    return privacy


def _epoch(fields: Fields) -> dt.date | None:
    """The calendar's first day: an ISO date that is a Monday."""
    node = fields.node("epoch")
    if node is None:
        return None
    value = node.value if isinstance(node, Scalar) else None
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        fields.wrong("epoch", node, "a date such as 2024-01-01")
        return None
    if day.weekday() != 0:
        fields.report.add(fields.key_line("epoch"), f"{fields.owner}: epoch must be a Monday, so "
                          f"that weeks are ISO weeks; {day} is a {day:%A}")
        return None
    return day


def _blocks(fields: Fields) -> tuple[int, ...] | None:
    """Block lengths in days: 1 first, each a multiple of the one before (so blocks nest)."""
    if not fields.has("blocks"):
        return None
    blocks: list[int] = []
    for node in fields.items("blocks"):
        value = node.value if isinstance(node, Scalar) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            fields.wrong("blocks", node, "whole numbers of days such as [1, 7, 28, 84]")
            return None
        blocks.append(value)
    line = fields.key_line("blocks")
    if not blocks or blocks[0] != 1:
        fields.report.add(line, f"{fields.owner}: blocks must start with 1 (the day)")
        return None
    for smaller, larger in itertools.pairwise(blocks):
        if larger <= smaller or larger % smaller:
            fields.report.add(line, f"{fields.owner}: each block must be a multiple of the one "
                              f"before, so that blocks nest; {larger} is not a multiple of "
                              f"{smaller}")
            return None
    return tuple(blocks)


def _constants(fields: Fields) -> dict[str, float]:
    constants = {}
    for key, value in fields.entries("constants"):
        number = value.value if isinstance(value, Scalar) else None
        if isinstance(number, int | float) and not isinstance(number, bool):
            constants[key.name] = float(number)
        else:
            fields.wrong(f"constant {key.name}", value, "a number")
    return constants


def _config(section: Key, node: Node, report: Report, collected: _Collected) -> None:
    fields = Fields(node, owner="config", line=section.line, report=report)
    privacy = fields.node("privacy")
    constants = _constants(fields) if fields.has("constants") else None
    config = Config(
        constants=frozen_map(constants) if constants is not None else Config().constants,
        privacy=_privacy(Fields(privacy, owner="config privacy", line=fields.key_line(
            "privacy"), report=report)) if privacy is not None else Privacy(),
        max_range_days=_or(_positive(fields, "max_range_days"), Config().max_range_days),
    )
    fields.done()
    location = report.at(section.line)
    if collected.config is not None:
        report.add(section.line, f"config is already defined at {collected.config[1]}")
    else:
        collected.config = (config, location)


def _error_codes(section: Key, node: Node, report: Report, collected: _Collected) -> None:
    for family, codes in entries_of(node, owner=section.name, report=report):
        for code, meaning in entries_of(codes, owner=f"error codes {family.name}",
                                        report=report):
            location = report.at(code.line)
            if not (isinstance(meaning, Scalar) and isinstance(meaning.value, str)):
                report.add(meaning.line, f"error code {family.name} {code.name} must be "
                                         f"explained in text, not {meaning.describe()}")
                continue
            first = collected.error_codes.get((family.name, code.name))
            if first is not None:
                report.add(code.line, f"error code {family.name} {code.name} is already "
                                      f"defined at {first[1]}")
                continue
            error = ErrorCode(family=family.name, code=code.name, meaning=meaning.value)
            collected.error_codes[(family.name, code.name)] = (error, location)


SECTIONS: dict[str, Handler] = {
    "config": _config,
    "dimensions": _named("dimension", lambda f, n: read_dimension(f, name=n),
                         lambda c: c.dimensions),
    "filters": _named("filter", lambda f, n: read_filter(f, name=n), lambda c: c.filters),
    "sources": _named("source", lambda f, n: read_source(f, name=n), lambda c: c.sources),
    "segments": _named("segment", lambda f, n: read_segment(f, name=n), lambda c: c.segments),
    "metrics": _named("metric", lambda f, n: read_metric(f, name=n), lambda c: c.metrics),
    "modules": _modules,
    "error_codes": _error_codes,
}


def _read_root(root: Node, report: Report, collected: _Collected) -> None:
    if not isinstance(root, Map):
        report.add(root.line, f"a model file must be a mapping of sections "
                              f"({', '.join(SECTIONS)}), not {root.describe()}")
        return
    for key, node in root.entries:
        handler = SECTIONS.get(key.name)
        if handler is None:
            report.add(key.line, f"unknown section {key.name}{did_you_mean(key.name, SECTIONS)}"
                                 f" (sections: {', '.join(SECTIONS)})")
        else:
            handler(key, node, report, collected)


def model_files(directory: Path) -> list[Path]:
    return sorted({path for pattern in PATTERNS for path in directory.rglob(pattern)
                   if path.is_file()})


def read_directory(directory: Path | str = MODELS_DIR) -> ValidationResult:
    """The model of every YAML file under `directory`, and the problems met reading it
    (not yet the validation rules). Files are named relative to the directory's parent."""
    root = Path(directory).resolve()
    issues: list[Issue] = []
    collected = _Collected()
    files = model_files(root) if root.is_dir() else []
    if not files:
        problem = "has no .yml files" if root.is_dir() else "is not a directory"
        issues.append(Issue(location=Location(file=str(directory), line=0),
                            message=f"the model directory {problem}"))
    for path in files:
        report = Report(file=path.relative_to(root.parent).as_posix(), issues=issues)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            report.add(1, f"cannot read the file: {exc}")
            continue
        document = parse_yaml(text, file=report.file)
        issues.extend(document.issues)
        if document.root is not None:
            _read_root(document.root, report, collected)
    return ValidationResult.collect(model=collected.model(), issues=issues)


def validate_directory(directory: Path | str = MODELS_DIR) -> ValidationResult:
    """Every problem of the model under `directory`: reading it, then every rule."""
    read = read_directory(directory)
    return ValidationResult.collect(model=read.model,
                                    issues=[*read.issues, *validate(read.model)])


def load_model(directory: Path | str = MODELS_DIR) -> SemanticModel:
    """The valid model under `directory`; raises ModelError listing every problem."""
    result = validate_directory(directory)
    if result.issues:
        raise ModelError(result.issues)
    return result.model
