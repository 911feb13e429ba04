"""`ci-assess collect`: returned workbooks, filled and re-saved as members do, merged into the data directory."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from ci_lib.cli import main
from ci_lib.digest import file_sha256
from tests.unit.cycle.form_project import (
    YEAR,
    CycleProject,
    benchmark_row,
    copy_forms,
    cycle_project,
    fill,
    outcome_cell,
)

N, D = f"N {YEAR}", f"D {YEAR}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> CycleProject:
    project = cycle_project(tmp_path_factory.mktemp("collect"))
    assert main(["forms", "--year", str(YEAR), "--params", str(project.params), "--out", str(project.forms)]) == 0
    return project


@pytest.fixture()
def project(built, tmp_path) -> CycleProject:
    """A private copy: collect changes the data directory."""
    shutil.copytree(built.root, tmp_path / "p")
    root = tmp_path / "p"
    return CycleProject(root, root / "data", root / "params")


def collect(project: CycleProject, folder) -> int:
    return main(["collect", str(folder), "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params)])


def table(project: CycleProject, name: str) -> pd.DataFrame:
    return pd.read_csv(project.data / f"{name}.csv", dtype=str, keep_default_na=False)


def three_returned_forms(project: CycleProject):
    """alder-bay clean, ashford with a status typo and a text count, bell-prairie re-saved with a renamed sheet."""
    folder = copy_forms(project, ["alder-bay", "ashford", "bell-prairie"])
    fill(folder / "alder-bay.xlsx",
         benchmarks={"sv-ex-1": {"Status": "met "}, "ev-ex-1": {"Status": "MET"},
                     "ca-su-1": {"Status": "In progress", "Evidence": "https://alder-bay.example.org/plan",
                                 "Comment": "Started in March"},
                     "inv-pp-1": {"Status": None}},
         outcomes={("hs_graduation", "All", "All Students", N): 400, ("hs_graduation", "All", "All Students", D): 500,
                   ("hs_graduation", "Female", "All Students", N): 210,
                   ("hs_graduation", "Female", "All Students", D): 260,
                   ("hs_graduation", "All", "Asian", N): "*", ("hs_graduation", "All", "Asian", D): "*",
                   ("hs_graduation", "All", "White", N): "NA", ("hs_graduation", "All", "White", D): 300})
    fill(folder / "ashford.xlsx", benchmarks={"sv-ex-1": {"Status": "Mett"}},
         outcomes={("hs_graduation", "All", "All Students", N): "twelve",
                   ("hs_graduation", "All", "All Students", D): 100})
    fill(folder / "bell-prairie.xlsx", benchmarks={"sv-ex-2": {"Status": "Not started"}},
         outcomes={("early_grade_reading", "All", "All Students", N): 55,
                   ("early_grade_reading", "All", "All Students", D): 100},
         rename={"Benchmarks": "Sheet1"})
    workbook = openpyxl.load_workbook(folder / "bell-prairie.xlsx")  # saved once more, as a second session would
    workbook.save(folder / "bell-prairie.xlsx")
    return folder


def test_three_forms_one_with_errors_the_rest_merged(project, capsys):
    before = {name: (project.data / f"{name}.csv").read_text(encoding="utf-8") for name in ("benchmarks", "outcomes")}
    folder = three_returned_forms(project)
    assert collect(project, folder) == 2
    out, err = capsys.readouterr()

    sheet = openpyxl.load_workbook(folder / "ashford.xlsx")["Benchmarks"]
    typo_row = benchmark_row(sheet, "sv-ex-1")
    count_row, count_column = outcome_cell(openpyxl.load_workbook(folder / "ashford.xlsx")["Outcomes"],
                                           "hs_graduation", "All", "All Students", N)
    assert f"{folder / 'ashford.xlsx'}:Benchmarks:{typo_row}:H: 'Mett' is not a status" in err
    assert f"{folder / 'ashford.xlsx'}:Outcomes:{count_row}:{get_column_letter(count_column)}: 'twelve' is not a count" in err
    assert "sheet 'Sheet1' read as the Benchmarks sheet" in err
    assert "ashford (ashford.xlsx): 2 problem(s): nothing merged" in out
    assert "not returned (1): birch-falls" in out
    assert "alder-bay (alder-bay.xlsx):" in out and "outcomes 2026: 4 row(s) added" in out

    benchmarks = table(project, "benchmarks")
    this_year = benchmarks[benchmarks["year"] == str(YEAR)].set_index(["community_id", "benchmark_id"])
    assert set(this_year.index.get_level_values(0)) == {"alder-bay", "bell-prairie"}
    for benchmark_id, status in (("sv-ex-1", "met"), ("ev-ex-1", "met"), ("ca-su-1", "in_progress")):
        row = this_year.loc[("alder-bay", benchmark_id)]
        assert (row["status"], row["self_status"], row["reviewer"]) == (status, status, "")
    assert this_year.loc[("alder-bay", "ca-su-1"), "evidence"] == "https://alder-bay.example.org/plan"
    assert ("alder-bay", "inv-pp-1") not in this_year.index  # left empty: not rated
    assert this_year.loc[("bell-prairie", "sv-ex-2"), "status"] == "not_started"

    outcomes = table(project, "outcomes")
    new = outcomes[outcomes["year"] == str(YEAR)].set_index(["community_id", "indicator_id", "group"])
    assert len(new) == 5
    assert tuple(new.loc[("alder-bay", "hs_graduation", "all"), ["numerator", "denominator", "source_status"]]) == (
        "400", "500", "")
    assert tuple(new.loc[("alder-bay", "hs_graduation", "female"), ["numerator", "denominator"]]) == ("210", "260")
    assert tuple(new.loc[("alder-bay", "hs_graduation", "asian"), ["numerator", "source_status"]]) == (
        "", "suppressed_at_source")
    assert new.loc[("alder-bay", "hs_graduation", "white"), "source_status"] == "not_available"
    assert tuple(new.loc[("bell-prairie", "early_grade_reading", "all"), ["numerator", "denominator"]]) == ("55", "100")

    # every earlier row kept its text, with the one empty field of the column the merge added
    for name, column in (("benchmarks", "self_status"), ("outcomes", "source_status")):
        lines = before[name].splitlines(keepends=True)
        if column in lines[0].rstrip("\n").split(","):  # the demo's table has it already: nothing is added
            kept = "".join(lines)
        else:
            kept = lines[0].rstrip("\n") + f",{column}\n" + "".join(line.rstrip("\n") + ",\n" for line in lines[1:])
        assert (project.data / f"{name}.csv").read_text(encoding="utf-8").startswith(kept), name

    assert main(["validate", str(project.data), "--year", str(YEAR), "--params", str(project.params)]) == 0

    record = json.loads((project.data / "collected.json").read_text(encoding="utf-8"))["years"][str(YEAR)]
    assert sorted(record) == ["alder-bay", "ashford", "bell-prairie"]
    assert record["alder-bay"]["merged"] and record["alder-bay"]["sha256"] == file_sha256(folder / "alder-bay.xlsx")
    assert record["alder-bay"]["comments"] == {"ca-su-1": "Started in March"}
    assert not record["ashford"]["merged"] and record["ashford"]["problems"] == 2
    assert record["ashford"]["merged_sha256"] is None


def test_collecting_twice_changes_nothing(project, capsys):
    folder = three_returned_forms(project)
    collect(project, folder)
    files = ("benchmarks.csv", "outcomes.csv", "collected.json", "communities.csv")
    first = {name: (project.data / name).read_bytes() for name in files}
    assert collect(project, folder) == 2
    assert {name: (project.data / name).read_bytes() for name in files} == first
    assert "outcomes 2026: 0 row(s) added, 0 updated, 4 unchanged" in capsys.readouterr().out


def test_a_returned_form_collects_as_sent_and_a_fixed_one_merges_later(project, capsys):
    folder = three_returned_forms(project)
    collect(project, folder)
    fill(folder / "ashford.xlsx", benchmarks={"sv-ex-1": {"Status": "Met"}},
         outcomes={("hs_graduation", "All", "All Students", N): 12})
    assert collect(project, folder) == 0
    assert "not returned (1): birch-falls" in capsys.readouterr().out
    outcomes = table(project, "outcomes")
    row = outcomes[(outcomes["community_id"] == "ashford") & (outcomes["year"] == str(YEAR))]
    assert row[["group", "numerator", "denominator"]].values.tolist() == [["all", "12", "100"]]
    record = json.loads((project.data / "collected.json").read_text(encoding="utf-8"))["years"][str(YEAR)]
    assert record["ashford"]["merged"] and record["ashford"]["merged_sha256"] == file_sha256(folder / "ashford.xlsx")


def test_a_reviewed_status_is_kept_and_the_self_rating_recorded(project):
    folder = copy_forms(project, ["alder-bay"])
    fill(folder / "alder-bay.xlsx", benchmarks={"sv-ex-1": {"Status": "In progress"}, "sv-ex-2": {"Status": "In progress"}})
    assert collect(project, folder) == 0
    path = project.data / "benchmarks.csv"
    text = path.read_text(encoding="utf-8")
    reviewed = f"alder-bay,{YEAR},sv-ex-1,in_progress,"
    line = next(line for line in text.splitlines() if line.startswith(reviewed))
    path.write_text(text.replace(line, line.replace("in_progress", "met", 1).replace(",,in_progress", ",staff-1,in_progress")),
                    encoding="utf-8")  # staff review it as met
    fill(folder / "alder-bay.xlsx", benchmarks={"sv-ex-1": {"Status": "Not started"}, "sv-ex-2": {"Status": "Met"}})
    assert collect(project, folder) == 0
    rows = table(project, "benchmarks").query(f"community_id == 'alder-bay' and year == '{YEAR}'").set_index("benchmark_id")
    assert tuple(rows.loc["sv-ex-1", ["status", "self_status", "reviewer"]]) == ("met", "not_started", "staff-1")
    assert tuple(rows.loc["sv-ex-2", ["status", "self_status", "reviewer"]]) == ("met", "met", "")


def test_every_bad_cell_is_reported_and_nothing_of_that_form_merges(project, capsys):
    folder = copy_forms(project, ["alder-bay"])
    path = folder / "alder-bay.xlsx"
    workbook = openpyxl.load_workbook(path)
    benchmarks, outcomes = workbook["Benchmarks"], workbook["Outcomes"]
    unknown_row = benchmark_row(benchmarks, "sv-ex-3")
    benchmarks.cell(unknown_row, 1, "sv-ex-99")
    over = outcome_cell(outcomes, "employment", "Male", "All Students", N)
    outcomes.cell(*over, 30)
    outcomes.cell(over[0], over[1] + 1, 20)
    negative = outcome_cell(outcomes, "employment", "All", "Asian", D)
    outcomes.cell(*negative, -4)
    workbook.save(path)
    before = {name: (project.data / name).read_bytes() for name in ("benchmarks.csv", "outcomes.csv")}
    assert collect(project, folder) == 2
    err = capsys.readouterr().err
    assert f"{path}:Benchmarks:{unknown_row}:A: unknown benchmark id 'sv-ex-99' (not in toa-2019)" in err
    assert f"{path}:Outcomes:{over[0]}:{get_column_letter(over[1])}: N 30 is greater than D 20" in err
    assert f"{path}:Outcomes:{negative[0]}:{get_column_letter(negative[1])}: '-4' is negative" in err
    assert {name: (project.data / name).read_bytes() for name in before} == before


def test_two_forms_of_one_member_and_a_form_of_another_year(project, capsys):
    folder = copy_forms(project, ["alder-bay", "ashford"])
    shutil.copy(folder / "alder-bay.xlsx", folder / "alder-bay (final).xlsx")
    workbook = openpyxl.load_workbook(folder / "ashford.xlsx")
    workbook["Benchmarks"]["D2"] = YEAR - 1
    workbook.save(folder / "ashford.xlsx")
    (folder / "birch-falls.ods").write_bytes(b"PK")
    before = (project.data / "benchmarks.csv").read_bytes()
    assert collect(project, folder) == 2
    err = capsys.readouterr().err
    assert "2 forms for alder-bay (alder-bay (final).xlsx, alder-bay.xlsx): keep one" in err
    assert f"{folder / 'ashford.xlsx'}:Benchmarks:2:D: this form is for year {YEAR - 1}, not {YEAR}" in err
    assert f"{folder / 'birch-falls.ods'}::: not an .xlsx workbook" in err
    assert (project.data / "benchmarks.csv").read_bytes() == before


def test_a_missing_folder_is_one_clear_line(project, capsys):
    assert collect(project, project.root / "nowhere") == 2
    assert "no such folder of returned forms" in capsys.readouterr().err


def test_a_hand_kept_table_keeps_its_bytes_and_line_ends(project):
    """A benchmarks.csv saved by Excel (BOM, CRLF, every field quoted, a self_status column): rows are only added."""
    import csv
    import io

    path = project.data / "benchmarks.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    extra = [] if "self_status" in rows[0] else ["self_status"]  # the demo's table may carry it already
    writer.writerow([*rows[0], *extra])
    writer.writerows(row + [""] * len(extra) for row in rows[1:])
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    before = path.read_bytes()
    folder = copy_forms(project, ["ashford"])
    fill(folder / "ashford.xlsx", benchmarks={"sv-ex-1": {"Status": "In progress"}})
    assert collect(project, folder) == 0
    after = path.read_bytes()
    assert after.startswith(before)
    added = after[len(before):].decode("utf-8").split("\r\n")
    assert added[-1] == "" and all(line.startswith(f"ashford,{YEAR},") for line in added[:-1])
    assert f"ashford,{YEAR},sv-ex-1,in_progress," in after.decode("utf-8")
    assert b"\n" not in after.replace(b"\r\n", b"")
    assert main(["validate", str(project.data), "--year", str(YEAR), "--params", str(project.params)]) == 0


def test_forms_may_come_back_in_batches(project, capsys):
    assert collect(project, copy_forms(project, ["alder-bay"], "first")) == 0
    assert "not returned (3): ashford, bell-prairie, birch-falls" in capsys.readouterr().out
    assert collect(project, copy_forms(project, ["ashford"], "second")) == 0
    assert "not returned (2): bell-prairie, birch-falls" in capsys.readouterr().out
