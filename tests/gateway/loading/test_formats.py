from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

from gateway.loading.formats import (
    BadRecord,
    Format,
    Source,
    detect_format,
    first_undecodable_line,
    read_csv,
    read_json_lines,
)

COLUMNS = ("id", "app_id", "n", "note")
REQUIRED = {"id", "app_id", "n"}


def csv_records(path: Path, text: str) -> tuple[list[Any], tuple[str, ...]]:
    path.write_text(text, encoding="utf-8")
    source = Source(path, newline="")
    try:
        opened = read_csv(source, columns=COLUMNS, required=REQUIRED)
        return list(opened.records), opened.absent
    finally:
        source.close()


def json_records(path: Path, text: str) -> list[Any]:
    path.write_text(text, encoding="utf-8")
    source = Source(path, newline=None)
    try:
        return list(read_json_lines(source, columns=COLUMNS, required=REQUIRED).records)
    finally:
        source.close()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.csv", Format.CSV),
        ("A.CSV", Format.CSV),
        ("day.2026-10-01.csv.gz", Format.CSV),
        ("a.jsonl", Format.JSON_LINES),
        ("a.ndjson.gz", Format.JSON_LINES),
        ("a.txt", None),
        ("a.gz", None),
        ("noext", None),
    ],
)
def test_the_format_comes_from_the_name(name: str, kind: Format | None) -> None:
    assert detect_format(Path(name)) is kind


def test_csv_records_come_in_table_order_with_their_lines(tmp_path: Path) -> None:
    text = 'n,id,app_id\n1,a,g\n\n2,"b\nc",g\n3,d\n'
    records, absent = csv_records(tmp_path / "x.csv", text)
    assert absent == ("note",)
    assert records[0] == (2, ("a", "g", "1", "1"))  # the absent note's slot holds anything
    assert records[1][0] == 4  # the blank line 3 is skipped
    assert records[1][1][:3] == ("b\nc", "g", "2")
    assert records[2] == BadRecord(6, ((None, "has 2 fields, the header has 3"),))


def test_a_csv_header_in_table_order_is_used_as_it_is(tmp_path: Path) -> None:
    records, absent = csv_records(tmp_path / "x.csv", "id,app_id,n,note\na,g,1,\n")
    assert absent == ()
    assert records == [(2, ["a", "g", "1", ""])]


def test_header_problems_are_reported_once(tmp_path: Path) -> None:
    records, _ = csv_records(tmp_path / "x.csv", "id,ap_id,id,extra\na,g,a,x\nb,g,b,x\n")
    assert records == [
        BadRecord(
            1,
            (
                ("ap_id", "unknown column; did you mean app_id?"),
                ("id", "appears more than once in the header"),
                ("extra", "unknown column"),
                (None, "the header lacks required columns app_id, n"),
            ),
            whole_file=True,
        )
    ]


def test_header_names_ignore_case_and_spaces(tmp_path: Path) -> None:
    records, _ = csv_records(tmp_path / "x.csv", " ID ,App_Id,n\na,g,1\n")
    assert records == [(2, ("a", "g", "1", "a"))]


def test_an_empty_csv_file_has_no_rows(tmp_path: Path) -> None:
    assert csv_records(tmp_path / "x.csv", "") == ([], ())


def test_json_lines(tmp_path: Path) -> None:
    text = (
        '{"id": "a", "app_id": "g", "n": 1}\n'
        "\n"
        "   \n"
        '{"id": "b", "app_id": "g", "n": 2, "note": null}\n'
        "{oops\n"
        "[1, 2]\n"
        '{"id": "c", "app_id": "g", "n": 3, "nte": "x"}\n'
        '{"id": "d"}\n'
        '{"id": "e", "app_id": "g", "n": 5, "note": "\\udc80"}\n'
        '{"id": "f", "app_id": "g", "n": 6} {}\n'
        '  {"id": "g", "app_id": "g", "n": 7}  \n'
        '{"id": "h", "app_id": "g", "n": 8, "note": "say \\"hi\\""}\n'
    )
    assert json_records(tmp_path / "x.jsonl", text) == [
        (1, ("a", "g", 1, None)),
        (4, ("b", "g", 2, None)),
        BadRecord(
            5,
            (
                (
                    None,
                    "not valid JSON: Expecting property name enclosed in double quotes "
                    "at character 2",
                ),
            ),
        ),
        BadRecord(6, ((None, "not a JSON object"),)),
        BadRecord(7, (("nte", "unknown column; did you mean note?"),)),
        BadRecord(8, ((None, "the object lacks required columns app_id, n"),)),
        BadRecord(9, (("note", "contains a lone surrogate escape, which is not valid text"),)),
        BadRecord(10, ((None, "not valid JSON: Extra data at character 36"),)),
        (11, ("g", "g", 7, None)),
        (12, ("h", "g", 8, 'say "hi"')),
    ]


def test_gzipped_files_are_read_and_progress_is_in_file_bytes(tmp_path: Path) -> None:
    path = tmp_path / "x.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as file:
        file.write("id,app_id,n\n" + "".join(f"r{i},g,{i}\n" for i in range(1000)))
    source = Source(path, newline="")
    try:
        records = list(read_csv(source, columns=COLUMNS, required=REQUIRED).records)
        assert len(records) == 1000
        assert records[-1] == (1001, ("r999", "g", "999", "r999"))
        assert source.position() == path.stat().st_size
    finally:
        source.close()


def test_the_line_of_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"id,app_id,n\na,g,1\nb,\xff,2\n")
    assert first_undecodable_line(path) == 3
