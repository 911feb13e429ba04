"""One reader of CSV/Excel tables (ci_lib.inputs.tables) and one error model, for the loader and the importers."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import pytest

from ci_lib.cli import main
from ci_lib.errors import ImportFormatError, InvalidInput, Problem
from ci_lib.inputs.importers import read_cia
from ci_lib.inputs.tables import read_rows

WIDE = "Kindergarten Readiness\nPopulation,N 2019,D 2019\nAll Students,412,980\n"


def cia(path: Path):
    return read_cia(path, community_id="alpha", indicator_id="k_ready", label_map={"All Students": "all"})


def test_the_importer_reads_utf16_as_the_loader_does(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes(WIDE.encode("utf-16"))  # Excel's "Unicode text"; the importer read it as cp1252 garbage
    rows = cia(path).rows
    assert (rows.loc[0, "numerator"], rows.loc[0, "denominator"]) == (412, 980)


def test_the_importer_refuses_a_workbook_under_a_csv_name_with_the_loaders_message(tmp_path):
    path = tmp_path / "wide.csv"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ImportFormatError) as info:
        cia(path)
    assert str(info.value) == (f"{path}::: is a spreadsheet workbook, not CSV text: export it as CSV (UTF-8) or give "
                               "it the .xlsx suffix")


def test_a_semicolon_wide_table_below_a_lone_title_is_read(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(WIDE.replace(",", ";"), encoding="utf-8")
    notes: list[str] = []
    grid, problems = read_rows(path, notes)
    assert problems == [] and grid is not None and grid.delimiter == ";"
    assert grid.rows[1] == (2, ["Population", "N 2019", "D 2019"])
    assert cia(path).rows.loc[0, "numerator"] == 412


def test_an_import_error_is_the_one_problem_of_an_invalid_input():
    err = ImportFormatError("data/x.csv", 4, "N 2019", "boom")
    assert isinstance(err, InvalidInput) and isinstance(err, ValueError)
    assert err.problems == [Problem("data/x.csv", 4, "N 2019", "boom")]
    again = pickle.loads(pickle.dumps(err))
    assert (again.file, again.row, again.column, again.message, str(again)) == (
        "data/x.csv", 4, "N 2019", "boom", "data/x.csv:4:N 2019: boom")


def test_the_cli_prints_an_import_problem_as_it_prints_the_loaders(tmp_path, capsys):
    path = tmp_path / "wide.csv"
    path.write_text(WIDE.replace("412", "lots"), encoding="utf-8")
    code = main(["import", "cia", str(path), "--community", "alpha", "--indicator", "k_ready",
                 "--out", str(tmp_path / "outcomes.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines() == [f"{path}:3:N 2019: 'lots' is not a count: expected a whole number (0 or empty means "
                                "no data)", "1 problem(s); nothing was written."]
    assert not (tmp_path / "outcomes.csv").exists()


def test_an_unsaved_formula_in_a_count_cell_of_a_wide_table_is_an_error_not_no_data(tmp_path):
    """openpyxl saves a formula without its result: read with saved values it is a blank, i.e. "no data"."""
    import openpyxl

    path = tmp_path / "wide.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Readiness"
    for row in (["Kindergarten Readiness"], ["Population", "N 2019", "D 2019"], ["All Students", "=C3/2", 980]):
        sheet.append(row)
    book.save(path)
    with pytest.raises(ImportFormatError) as info:
        cia(path)
    assert str(info.value) == (f"{path}:3:N 2019: sheet 'Readiness' cell B3: formula without a saved value: open and "
                               "save the workbook in Excel/LibreOffice, or enter the value")
