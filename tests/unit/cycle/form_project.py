"""A small project for the forms and collect tests: the demo's data and 2025 params, and 2026 started from them.

2026 is started by hand here (as `new-year` does: network.yml and the members' files carried, the year
changed), so these tests do not depend on that command. Helpers find and fill a form's cells as a member would.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from ci_lib.tools import demo

YEAR, LAST_YEAR = 2026, 2025


@dataclass
class CycleProject:
    root: Path
    data: Path
    params: Path

    @property
    def forms(self) -> Path:
        return self.root / "forms" / str(YEAR)


def cycle_project(root: Path, n: int = 4) -> CycleProject:
    """`n` demo members (the fourth, birch-falls, has a local indicator), ratings of 2024 and 2025, params 2025 and 2026."""
    data, params = root / "data", root / "params"
    info = demo.generate(data, seed=7, n=n)
    demo.write_demo_params(params, LAST_YEAR, "data", info["local"])
    (params / str(YEAR)).mkdir()
    for path in sorted((params / str(LAST_YEAR)).glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        if path.name == "network.yml":
            text = text.replace(f"year: {LAST_YEAR}", f"year: {YEAR}").replace(f"Assessment {LAST_YEAR}", f"Assessment {YEAR}")
        (params / str(YEAR) / path.name).write_text(text, encoding="utf-8")
    return CycleProject(root, data, params)


def copy_forms(project: CycleProject, names: list[str], folder: str = "returned") -> Path:
    target = project.root / folder
    target.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(project.forms / f"{name}.xlsx", target / f"{name}.xlsx")
    return target


def row_of(sheet: Worksheet, first: str, second: str | None = None, after: int = 0) -> int:
    """The first row below `after` whose column A is `first` (and column B `second`, when given)."""
    for row in range(after + 1, sheet.max_row + 1):
        if sheet.cell(row, 1).value == first and (second is None or sheet.cell(row, 2).value == second):
            return row
    raise AssertionError(f"no row {first!r} {second!r} in {sheet.title}")


def column_of(sheet: Worksheet, header_row: int, name: str) -> int:
    for column in range(1, sheet.max_column + 1):
        if sheet.cell(header_row, column).value == name:
            return column
    raise AssertionError(f"no column {name!r} on row {header_row} of {sheet.title}")


def benchmark_row(sheet: Worksheet, benchmark_id: str) -> int:
    return row_of(sheet, benchmark_id)


def outcome_cell(sheet: Worksheet, indicator: str, gender: str, population: str, header: str) -> tuple[int, int]:
    """(row, column) of a count cell: the block of `indicator`, the row of gender x population, column `header`."""
    block = row_of(sheet, "Indicator", indicator)
    row = row_of(sheet, gender, population, after=block)
    return row, column_of(sheet, block + 1, header)


def fill(path: Path, benchmarks: dict[str, dict[str, object]] | None = None,
         outcomes: dict[tuple[str, str, str, str], object] | None = None, rename: dict[str, str] | None = None) -> None:
    """Edit a returned workbook with openpyxl and save it, as a member's spreadsheet program would.

    `benchmarks`: {benchmark id: {"Status": ..., "Evidence": ..., "Comment": ...}};
    `outcomes`: {(indicator, gender, population, "N 2026"): value}; `rename`: {old sheet name: new}.
    """
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Benchmarks"]
    for benchmark_id, cells in (benchmarks or {}).items():
        row = benchmark_row(sheet, benchmark_id)
        for header, value in cells.items():
            sheet.cell(row, column_of(sheet, 4, header)).value = value  # None empties it
    sheet = workbook["Outcomes"]
    for (indicator, gender, population, header), value in (outcomes or {}).items():
        sheet.cell(*outcome_cell(sheet, indicator, gender, population, header)).value = value
    for old, new in (rename or {}).items():
        workbook[old].title = new
    workbook.save(path)
