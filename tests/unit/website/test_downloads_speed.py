"""The workbook's outcomes rows made from patterns (`downloads.outcome_rows_xml`) are the XML of the generic
path, cell for cell: `compat.sheet_row_xml` of each row's `sheet_row`."""

from __future__ import annotations

import csv

import pytest

from ci_lib import compat
from ci_lib.execute.published import OUTCOME_COLUMNS
from ci_lib.website import downloads

ODD_ROWS = [
    ["alder-bay", "early_grade_reading", "Early grade reading", "percent", "all", "All students", "", "", "2018",
     "33.0", "", ""],
    ["alder-bay", "early_grade_reading", "Early grade reading", "percent", "all", "All students", "", "", "2019",
     "34.25", "", ""],
    ["alder-bay", "early_grade_reading", "Early grade reading", "percent", "all", "All students", "", "", "2020",
     "", "suppressed", "suppressed by the kit"],
    ["alder-bay", "early_grade_reading", "Early grade reading", "percent", "all", "All students", "", "", "2021",
     "nan", "", ""],
    ["alder-bay", "early_grade_reading", "Early grade reading", "percent", "all", "All students", "", "", "2022",
     "inf", "", ""],
    ["b{0}", " =1+1 & <x> ", "{x} \x07 \"q\"", "rate", "g,1", "Group, one", "race", "Race", "2023", "1e-07", "", ""],
    ["b{0}", " =1+1 & <x> ", "{x} \x07 \"q\"", "rate", "g,1", "Group, one", "race", "Race", "2024", "-0.0", "", ""],
    ["c", "i", "I", "count", "all", "All", "", "", "2025", "12345678901234.5", "source", "suppressed at source"],
]


def generic(rows: list[list[str]]) -> list[str]:
    return list(downloads.rows_xml(map(downloads.sheet_row, map(downloads.outcome_record, rows))))


def test_outcome_rows_xml_is_the_generic_xml(tmp_path):
    path = tmp_path / "outcomes.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(OUTCOME_COLUMNS)
        writer.writerows(ODD_ROWS * 3)  # patterns reused, row numbers growing
    rows = list(downloads.outcome_lines(path))
    assert rows == ODD_ROWS * 3
    fast = list(downloads.outcome_rows_xml(rows))
    assert fast == generic(rows)
    assert '<c r="J5"' not in fast[3] and '<c r="J2" t="n"><v>33.0</v>' in fast[0]  # nan: no cell


def test_sheet_row_pattern_is_sheet_row_xml():
    cells = downloads.sheet_row(["a & b", " lead", "{0}", 3, True, None, 0.5])
    pattern = compat.SheetRowPattern([*cells[:3], compat.SLOT, cells[4], None, compat.SLOT])
    assert pattern.row(17, 2020, 1.25) == compat.sheet_row_xml(17, [*cells[:3], 2020, True, None, 1.25])
    with pytest.raises(ValueError):
        compat.SheetRowPattern(["\x01", compat.SLOT])
