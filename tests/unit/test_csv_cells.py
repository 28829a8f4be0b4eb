"""The one CSV cell neutraliser every CSV the project writes goes through: text a spreadsheet
would run as a formula (CSV injection) is prefixed with a single quote, then quoted as CSV needs;
numbers are numbers."""

from __future__ import annotations

import csv
import io

import pytest

from shared.csv_cells import csv_cell, csv_row, neutralise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("", ""),
        ("plain", "plain"),
        ("a=b", "a=b"),  # only the first character makes a formula
        (" =1", " =1"),
        ("'=1", "'=1"),  # already text to a spreadsheet
        ("*", "*"),
    ],
)
def test_text_that_would_start_a_formula_is_prefixed_with_a_quote(text: str, expected: str) -> None:
    assert neutralise(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, "5"),
        (0, "0"),
        (-3, "-3"),  # a number is not a formula: a legitimate negative figure stays a number
        (2.5, "2.5"),
        (-0.25, "-0.25"),
        (None, ""),
        (True, "True"),
    ],
)
def test_numbers_are_written_as_numbers_and_none_as_an_empty_cell(
    value: object, expected: str
) -> None:
    assert csv_cell(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a,b", '"a,b"'),
        ('say "hi"', '"say ""hi"""'),
        ("two\nlines", '"two\nlines"'),
        ("=1,2", '"\'=1,2"'),
        ('@"x"', '"\'@""x"""'),
        ("\r=1", '"\'\r=1"'),
    ],
)
def test_cells_are_quoted_as_csv_needs_after_the_prefix(value: str, expected: str) -> None:
    assert csv_cell(value) == expected


def test_a_row_reads_back_with_the_csv_module_as_the_neutralised_values() -> None:
    values = ["=cmd|' /C calc'!A0", "+1+1", "a,b", 'x"y', "line\nbreak", -1, None, "@SUM(A1)"]
    line = csv_row(values)
    assert line.endswith("\r\n")
    assert next(csv.reader(io.StringIO(line))) == [
        "'=cmd|' /C calc'!A0",
        "'+1+1",
        "a,b",
        'x"y',
        "line\nbreak",
        "-1",
        "",
        "'@SUM(A1)",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("x;=HYPERLINK(1)", '"x;=HYPERLINK(1)"'),
        ("a\tb", '"a\tb"'),
        ("plain text", "plain text"),
    ],
)
def test_a_finnish_spreadsheet_does_not_split_a_cell_into_a_formula(
    value: str, expected: str
) -> None:
    """Finnish Excel splits a ``.csv`` at ``;`` (and tab): such a cell is quoted whole."""
    from shared.csv_cells import csv_cell

    assert csv_cell(value) == expected
