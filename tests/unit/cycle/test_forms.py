"""`ci-assess forms`: one workbook per member, with its own data only, that a member can fill in and `collect` read."""

from __future__ import annotations

import csv
import os
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ci_lib.cli import main
from ci_lib.cycle.forms import GENDERS, POPULATIONS
from ci_lib.inputs.importers import read_cia
from ci_lib.inputs.rubric import load_rubric
from tests.paths import REPO_ROOT
from tests.unit.cycle.form_project import LAST_YEAR, YEAR, CycleProject, benchmark_row, column_of, cycle_project, outcome_cell

REALDATA = Path(os.environ.get("CI_REALDATA") or REPO_ROOT.parent / "shared" / "realdata")
RUBRIC = load_rubric("toa-2019")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> CycleProject:
    project = cycle_project(tmp_path_factory.mktemp("forms"))
    assert main(["forms", "--year", str(YEAR), "--params", str(project.params), "--out", str(project.forms)]) == 0
    return project


def benchmarks_csv(project: CycleProject) -> pd.DataFrame:
    return pd.read_csv(project.data / "benchmarks.csv", dtype=str, keep_default_na=False)


def test_one_workbook_per_member_with_the_three_sheets(project):
    communities = pd.read_csv(project.data / "communities.csv")["community_id"].tolist()
    assert sorted(p.stem for p in project.forms.glob("*.xlsx")) == sorted(communities)
    workbook = openpyxl.load_workbook(project.forms / "alder-bay.xlsx")
    assert workbook.sheetnames == ["Benchmarks", "Outcomes", "Instructions"]
    instructions = " ".join(str(c.value) for c in workbook["Instructions"]["A"] if c.value)
    assert "Not started, In progress or Met" in instructions and "N can never be larger than D" in instructions


def test_benchmarks_sheet_lists_the_framework_with_last_years_rating_prefilled(project):
    sheet = openpyxl.load_workbook(project.forms / "alder-bay.xlsx")["Benchmarks"]
    assert sheet["A2"].value == "Community id" and sheet["B2"].value == "alder-bay" and sheet["D2"].value == YEAR
    header = [c.value for c in sheet[4]]
    assert header == ["Benchmark id", "Gateway", "Pillar", "Benchmark", "Evidence expected", f"Rating {LAST_YEAR}",
                      f"Evidence {LAST_YEAR}", "Status", "Evidence", "Comment"]
    assert [sheet.cell(r, 1).value for r in range(5, 5 + len(RUBRIC.benchmarks))] == [b.id for b in RUBRIC.benchmarks]
    last = benchmarks_csv(project).query(f"community_id == 'alder-bay' and year == '{LAST_YEAR}'").set_index("benchmark_id")
    labels = {"met": "Met", "in_progress": "In progress", "not_started": "Not started"}
    for benchmark in RUBRIC.benchmarks:
        row = benchmark_row(sheet, benchmark.id)
        assert sheet.cell(row, 2).value == RUBRIC.gateway_label(benchmark.gateway)
        assert sheet.cell(row, 3).value == RUBRIC.pillar_label(benchmark.pillar)
        if benchmark.id in last.index:
            expected = labels[last.loc[benchmark.id, "status"]]
            assert sheet.cell(row, 6).value == expected and sheet.cell(row, 8).value == expected
            assert (sheet.cell(row, 7).value or "") == last.loc[benchmark.id, "evidence"]
            assert (sheet.cell(row, 9).value or "") == last.loc[benchmark.id, "evidence"]


def test_status_drop_down_and_protection(project):
    workbook = openpyxl.load_workbook(project.forms / "alder-bay.xlsx")
    sheet = workbook["Benchmarks"]
    validations = sheet.data_validations.dataValidation
    assert len(validations) == 1
    assert validations[0].type == "list" and validations[0].formula1 == '"Not started,In progress,Met"'
    last_row = 4 + len(RUBRIC.benchmarks)
    assert str(validations[0].sqref) == f"H5:H{last_row}"
    assert all(workbook[name].protection.sheet for name in workbook.sheetnames)
    for column in "ABCDEFG":
        assert sheet[f"{column}5"].protection.locked, column
    for column in "HIJ":
        assert not sheet[f"{column}5"].protection.locked, column
    outcomes = workbook["Outcomes"]
    this_year = outcome_cell(outcomes, "hs_graduation", "All", "All Students", f"D {YEAR}")
    last_year = outcome_cell(outcomes, "hs_graduation", "All", "All Students", f"D {LAST_YEAR}")
    assert not outcomes.cell(*this_year).protection.locked
    assert outcomes.cell(*last_year).protection.locked
    assert outcomes.cell(4, 2).protection.locked  # the indicator id of the first block


def test_outcomes_sheet_is_the_assessments_row_set_with_last_years_prefilled(project):
    sheet = openpyxl.load_workbook(project.forms / "birch-falls.xlsx")["Outcomes"]
    blocks = [sheet.cell(r, 2).value for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "Indicator"]
    assert blocks == [o.id for o in RUBRIC.outcomes] + ["chronic_absence"]  # birch-falls' local indicator last
    header_row = 5
    assert [c.value for c in sheet[header_row]] == ["Gender", "Population", *(f"{k} {y}" for y in range(YEAR, YEAR - 5, -1)
                                                                            for k in "ND")]
    labels = [(sheet.cell(r, 1).value, sheet.cell(r, 2).value) for r in range(header_row + 1, header_row + 37)]
    assert labels == [(g, p) for g in GENDERS for p in POPULATIONS]
    outcomes = pd.read_csv(project.data / "outcomes.csv")
    for (gender, population), group in ((("All", "All Students"), "all"), (("All", "Black or African American"), "black"),
                                        (("Male", "All Students"), "male")):
        found = outcomes.query(f"community_id == 'birch-falls' and indicator_id == 'chronic_absence' and "
                               f"year == {LAST_YEAR} and group == '{group}'")
        row, column = outcome_cell(sheet, "chronic_absence", gender, population, f"N {LAST_YEAR}")
        assert (sheet.cell(row, column).value, sheet.cell(row, column + 1).value) == (
            int(found["numerator"].iloc[0]), int(found["denominator"].iloc[0]))
        assert sheet.cell(*outcome_cell(sheet, "chronic_absence", gender, population, f"N {YEAR}")).value is None


@pytest.mark.skipif(not (REALDATA / "herccia").is_dir(), reason=f"no real data at {REALDATA} (set CI_REALDATA)")
def test_the_row_set_is_the_assessments_as_published():
    with open(REALDATA / "herccia" / "output_populations_2025.csv", encoding="utf-8-sig") as handle:
        published = [tuple(row) for row in csv.reader(handle)][1:]
    assert published == [(g, p) for g in GENDERS for p in POPULATIONS]


def test_the_outcomes_sheet_reads_as_the_cia_wide_table(project):
    """`import cia --sheet Outcomes` reads the sheet's first block: the form is the assessment's own format."""
    read = read_cia(project.forms / "alder-bay.xlsx", community_id="alder-bay", indicator_id="kindergarten_readiness",
                    label_map=RUBRIC.label_map, sheet="Outcomes")
    outcomes = pd.read_csv(project.data / "outcomes.csv")
    expected = outcomes.query("community_id == 'alder-bay' and indicator_id == 'kindergarten_readiness' "
                              f"and year == {LAST_YEAR} and group in ('all', 'black', 'female', 'male')")
    got = read.rows[read.rows["year"] == LAST_YEAR].set_index("group")
    for _, row in expected.iterrows():
        assert (got.loc[row["group"], "numerator"], got.loc[row["group"], "denominator"]) == (
            row["numerator"], row["denominator"])


def test_a_workbook_holds_no_other_communitys_data(project):
    communities = pd.read_csv(project.data / "communities.csv", dtype=str)
    evidence = benchmarks_csv(project)
    for path in project.forms.glob("*.xlsx"):
        with zipfile.ZipFile(path) as archive:
            text = b"".join(archive.read(name) for name in archive.namelist()).decode("utf-8", "replace")
        for _, other in communities[communities["community_id"] != path.stem].iterrows():
            assert other["community_id"] not in text and other["name"] not in text, (path.name, other["community_id"])
        own = evidence[(evidence["community_id"] == path.stem) & (evidence["year"] == str(LAST_YEAR))
                       & evidence["evidence"].str.startswith("https://")]
        assert own["evidence"].iloc[0] in text


def test_same_inputs_same_bytes(project, tmp_path):
    assert main(["forms", "--year", str(YEAR), "--params", str(project.params), "--out", str(tmp_path),
                 "--community", "ashford"]) == 0
    assert (tmp_path / "ashford.xlsx").read_bytes() == (project.forms / "ashford.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "ashford.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert f"{YEAR}-01-01T00:00:00Z</dcterms:modified>" in core and f"{YEAR}-01-01T00:00:00Z</dcterms:created>" in core


def test_unknown_community_and_missing_year_are_clear_errors(project, capsys):
    assert main(["forms", "--year", str(YEAR), "--params", str(project.params), "--out", "x", "--community", "nowhere"]) == 2
    assert "no community 'nowhere'" in capsys.readouterr().err
    assert main(["forms", "--year", "2031", "--params", str(project.params)]) == 2
    assert "no params for year 2031" in capsys.readouterr().err


def test_this_years_ratings_are_prefilled_when_the_year_has_some(project, tmp_path):
    """Forms for 2025 (rated already) start from the 2025 ratings, so re-issued forms keep what was returned."""
    assert main(["forms", "--year", str(LAST_YEAR), "--params", str(project.params), "--out", str(tmp_path),
                 "--community", "ashford"]) == 0
    sheet = openpyxl.load_workbook(tmp_path / "ashford.xlsx")["Benchmarks"]
    this = benchmarks_csv(project).query(f"community_id == 'ashford' and year == '{LAST_YEAR}'").set_index("benchmark_id")
    labels = {"met": "Met", "in_progress": "In progress", "not_started": "Not started"}
    status = column_of(sheet, 4, "Status")
    own = this["self_status"].where(this["self_status"] != "", this["status"]) if "self_status" in this else this["status"]
    assert [sheet.cell(benchmark_row(sheet, b), status).value for b in this.index] == [labels[s] for s in own]
