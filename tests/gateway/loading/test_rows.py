from __future__ import annotations

from pathlib import Path

from gateway.loading.catalog import Table
from gateway.loading.rows import SourceFile, Tally, Validator
from tests.gateway.loading.conftest import LAUNCH_COLUMNS, launch, write_csv

APPS = frozenset({"game1"})


def source(path: Path, index: int = 0) -> SourceFile:
    return SourceFile(path=path, name=path.name, index=index, size=path.stat().st_size)


def test_rows_come_in_batches_with_their_lines(launches_table: Table, tmp_path: Path) -> None:
    columns = [c for c in LAUNCH_COLUMNS if c != "launch_ms"]  # nullable: may be left out
    path = write_csv(
        tmp_path / "a.csv",
        [launch(f"l{n}", success="false", duration_ms="0") for n in range(5)],
        columns=columns,
    )
    tally = Tally(files=1, max_issues=10)
    progress: list[tuple[str, int, int]] = []
    batches = list(
        Validator(launches_table, apps=APPS).batches(
            [source(path)],
            tally=tally,
            batch_size=2,
            on_progress=lambda *seen: progress.append(seen),
        )
    )
    assert [batch.lines for batch in batches] == [[2, 3], [4, 5], [6]]
    assert batches[0].rows[0][:7] == ("l0", "game1", "u1", batches[0].rows[0][3], False, None, 0)
    assert tally.rows == [5]
    assert not tally.failed
    assert progress[-1] == ("a.csv", path.stat().st_size, 5)
    assert [rows for _, _, rows in progress] == [2, 4, 5]


def test_nothing_is_kept_once_a_row_is_bad_but_every_row_is_checked(
    launches_table: Table, tmp_path: Path
) -> None:
    first = write_csv(tmp_path / "a.csv", [launch("l1"), launch("l2", os="x"), launch("l3")])
    second = write_csv(tmp_path / "b.csv", [launch("l4"), launch("l5", region="x")])
    tally = Tally(files=2, max_issues=1)
    batches = list(
        Validator(launches_table, apps=APPS).batches(
            [source(first), source(second, 1)],
            tally=tally,
            batch_size=1,
            on_progress=lambda *_: None,
        )
    )
    assert [batch.lines for batch in batches] == [[2]]  # written before the bad row was met
    assert (tally.rows, tally.bad_rows, tally.issue_count) == ([3, 2], [1, 1], 2)
    assert [str(issue) for issue in tally.issues] == [
        "a.csv:3: column os: 'x' is not one of android, ios"
    ]
