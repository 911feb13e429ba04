"""The render's speed tricks give the plain path's outputs: the workbook's outcomes rows made from patterns
(`downloads.outcome_rows_xml`) are `compat.sheet_row_xml` of each row's `sheet_row`, and the indicator
histograms drawn on one kept frame are those of a new figure."""

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


def view(indicator_id: str, unit: str, values: list[float]):
    from ci_lib.website.indicators import Indicator, IndicatorView, MemberValue

    members = [MemberValue(f"m{i}", f"Member {i}", "OR", v, "", 2024, None, "flat", None, None, None, "points",
                           False, None) for i, v in enumerate(values)]
    return IndicatorView(Indicator(indicator_id, indicator_id.title(), unit, "higher_is_better", "", False), members)


def test_distribution_figures_on_the_kept_frame_are_those_of_a_new_one():
    """The histograms share one kept frame (`plots.frame`): each is the SVG a fresh process draws for it."""
    from ci_lib.pages import plots
    from ci_lib.website.indicators import distribution_figure

    views = [view("reading", "percent", [12.0, 55.5, 56.0, 90.0]), view("absence", "rate", [0.5, 3.0, 3.0, 41.25]),
             view("single", "count", [7.0])]
    kept = [distribution_figure(v).image for v in views]
    for v, image in zip(views, kept, strict=True):
        plots.reset_caches()  # a new frame, as the first figure of a process
        assert distribution_figure(v).image == image, v.indicator.id
    assert len(set(kept)) == 3
