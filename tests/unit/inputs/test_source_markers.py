"""Real data as it is published (#19 items 1, 2, 3, 8): sources' markers, zeros, fractions, errors that teach.

The real files live in `../shared/realdata/` (see its README); tests that read them skip with the reason
when the folder is absent. They are never edited: each test converts what it needs in a temporary folder.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ci_lib.cli import main
from ci_lib.errors import InvalidInput
from ci_lib.inputs.importers import read_cia, write_rows
from ci_lib.inputs.load import load_network
from ci_lib.inputs.markers import MARKERS, NOT_AVAILABLE, SUPPRESSED_AT_SOURCE, cell_status
from ci_lib.inputs.rubric import load_rubric
from tests.paths import REPO_ROOT
from tests.unit.inputs.test_importers import LABELS, write_table

REPO = REPO_ROOT
VALID = REPO / "tests" / "fixtures" / "bad" / "_valid"
HEADER = "community_id,indicator_id,year,group,numerator,denominator,value"


def realdata() -> Path:
    """../shared/realdata beside the checkout (or beside the worktrees' folder), or $CI_KIT_REALDATA."""
    candidates = [Path(os.environ["CI_KIT_REALDATA"])] if os.environ.get("CI_KIT_REALDATA") else []
    candidates += [REPO.parent / "shared" / "realdata", REPO.parents[1] / "shared" / "realdata"]
    for folder in candidates:
        if folder.is_dir():
            return folder
    pytest.skip("../shared/realdata is absent (the real published files these tests read)")


def data_dir(tmp: Path, outcomes: str) -> Path:
    for name in ("communities.csv", "benchmarks.csv"):
        (tmp / name).write_bytes((VALID / name).read_bytes())
    (tmp / "outcomes.csv").write_text(outcomes, encoding="utf-8")
    return tmp


# ------------------------------------------------------------------------------------------------ markers
def test_every_documented_marker_has_a_status_and_matches_loosely():
    assert set(MARKERS) == {"NA", "N/A", "N.A.", "*", "**", "S", "LNE", "[Data Suppressed]", "<10", "n<10", "\u2014"}
    assert {cell_status(m) for m in ("*", "**", "S", "LNE", "[Data Suppressed]", "<10", "n<10")} == {
        SUPPRESSED_AT_SOURCE}
    assert {cell_status(m) for m in ("NA", "N/A", "N.A.", "\u2014")} == {NOT_AVAILABLE}
    assert cell_status(" na ") == cell_status("n/a") == NOT_AVAILABLE
    assert cell_status("N < 10") == cell_status("[data suppressed]") == SUPPRESSED_AT_SOURCE
    for text in ("#VALUE!", "0", "-", "nan", "NaN%", "***", "x", "", "10", "<5"):
        assert cell_status(text) is None, text


@given(st.text(max_size=8))
def test_a_marker_is_never_a_number(text):
    if cell_status(text) is not None:
        assert not re.search(r"[0-9]", text) or "10" in text


def test_markers_in_outcomes_are_statuses_kept_in_the_long_data(tmp_path, capsys):
    data = data_dir(tmp_path, "\n".join([
        HEADER,
        "north-hills,hs_graduation,2023,all,400,500,",
        "north-hills,hs_graduation,2023,black,*,120,",      # suppressed: its denominator is not kept either
        "north-hills,hs_graduation,2023,white,NA,NA,",      # R's missing
        "south-bay,hs_graduation,2024,all,,,LNE",
        "south-bay,hs_graduation,2024,black,,,N/A",
        "south-bay,hs_graduation,2024,white,,,[Data Suppressed]",
    ]) + "\n")
    outcomes = load_network(data, load_rubric("toa-2019"), set()).outcomes
    assert list(outcomes["source_status"]) == ["", SUPPRESSED_AT_SOURCE, NOT_AVAILABLE, SUPPRESSED_AT_SOURCE,
                                               NOT_AVAILABLE, SUPPRESSED_AT_SOURCE]
    marked = outcomes[outcomes["source_status"] != ""]
    assert marked[["numerator", "denominator", "value"]].isna().all().all()
    assert main(["validate", str(data)]) == 0
    assert "note: 3 cells suppressed at the source, 2 not available" in capsys.readouterr().err


def test_other_text_in_a_number_column_is_still_an_error_at_its_cell(tmp_path):
    data = data_dir(tmp_path, f"{HEADER}\nnorth-hills,hs_graduation,2023,all,NA,NA,\n"
                              "north-hills,hs_graduation,2023,black,#VALUE!,120,\n")
    with pytest.raises(InvalidInput) as raised:
        load_network(data, load_rubric("toa-2019"), set())
    assert [str(p).split(str(tmp_path))[1] for p in raised.value.problems] == [
        "/outcomes.csv:3:numerator: '#VALUE!' is not a whole number"]


# ------------------------------------------------------------------------------------------ zeros (CIA)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_wide_table_zeros_and_na(tmp_path, suffix):
    """0/0 and NA/NA are missing; 0 over a positive D is a real zero; markers give statuses, never errors."""
    path = write_table(tmp_path / f"wide{suffix}", [
        ["Gender", "Population", "N 2024-2025", "D 2024-2025", "N 2023-2024", "D 2023-2024"],
        ["All", "All Students", "NA", "NA", 0, 40],
        ["All", "Black or African American", "*", 25, 0, 0],
        ["All", "Hispanic or Latine", "NA", 30, "LNE", "NA"],
        ["Female", "All Students", 12, 20, None, None],
    ])
    got = read_cia(path, community_id="alpha", indicator_id="k_ready", label_map=LABELS)
    rows = {(r.year, r.group): (r.numerator, r.denominator, r.source_status) for r in got.rows.itertuples()}
    assert rows == {(2024, "all"): (0, 40, ""),                                 # a real zero
                    (2025, "black"): (pd.NA, pd.NA, SUPPRESSED_AT_SOURCE),
                    (2025, "hispanic"): (pd.NA, pd.NA, NOT_AVAILABLE),          # NA over 30: not guessed as 0
                    (2024, "hispanic"): (pd.NA, pd.NA, SUPPRESSED_AT_SOURCE),
                    (2025, "female"): (12, 20, "")}
    assert got.skipped_zero_cells == 3  # all 2025 (NA/NA), black 2024 (0/0), female 2024 (empty)
    assert got.na_over_positive == 1
    out = tmp_path / "outcomes.csv"
    write_rows(got.rows, out, append=False)
    assert out.read_text().splitlines()[0] == HEADER + ",source_status"


def test_wide_table_without_markers_writes_the_same_columns(tmp_path):
    path = write_table(tmp_path / "plain.csv", [["Group", "N 2021", "D 2021"], ["All Students", 0, 12]])
    got = read_cia(path, community_id="alpha", indicator_id="k_ready", label_map=LABELS)
    assert "source_status" not in got.rows.columns
    write_rows(got.rows, tmp_path / "o.csv", append=False)
    assert (tmp_path / "o.csv").read_text().splitlines()[0] == HEADER


def test_the_assessment_row_set_written_by_r_imports(tmp_path):
    """herccia's 36 CIA rows as R writes the wide table (NA for every missing count) import without an error."""
    source = realdata() / "herccia" / "output_populations_2025.csv"
    with source.open(encoding="utf-8-sig", newline="") as handle:
        labels = list(csv.DictReader(handle))
    assert len(labels) == 36
    grid: list[list[object]] = [["Gender", "Population", "N 2024-2025", "D 2024-2025", "N 2023-2024", "D 2023-2024"]]
    for number, row in enumerate(labels):
        counts = [12, 40, "NA", "NA"] if number % 2 else ["NA", "NA", 0, 35]
        grid.append([row["Gender"], row["Population"], *counts])
    path = write_table(tmp_path / "cia.csv", grid)
    got = read_cia(path, community_id="alpha", indicator_id="k_ready", label_map=load_rubric("toa-2019").label_map)
    assert got.skipped_intersections == 0  # the 22 gender x population rows are groups of their own
    assert got.unknown_labels == []
    assert len(got.rows) == 36 and got.skipped_zero_cells == 36
    assert set(got.rows["numerator"].astype(int)) == {0, 12}  # real zeros kept


# ------------------------------------------------------------------------------------------------ fractions
def kids_count_percent_rows(tmp: Path) -> Path:
    """The Kentucky KIDS COUNT export's Percent rows as kit outcome rows (one community per location)."""
    source = realdata() / "kidscount_ky" / "High school graduation rates.csv"
    with source.open(encoding="utf-8-sig", newline="") as handle:
        records = [r for r in csv.DictReader(handle) if r["DataFormat"] == "Percent"]
    slug = {name: re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63] for name in {r["Location"] for r in records}}
    assert len(set(slug.values())) == len(slug)
    with (tmp / "communities.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["community_id", "name", "state", "anchor_entity", "joined_year"])
        writer.writerows([s, name, "KY", "Kentucky Youth Advocates", 2016] for name, s in sorted(slug.items()))
    (tmp / "benchmarks.csv").write_text("community_id,year,benchmark_id,status,evidence\n", encoding="utf-8")
    with (tmp / "outcomes.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER.split(","))
        writer.writerows([slug[r["Location"]], "hs_graduation", r["TimeFrame"], "all", "", "", r["Data"]]
                         for r in records)
    return tmp


def test_a_kids_count_fraction_is_refused_then_read_when_declared(tmp_path, capsys):
    data = kids_count_percent_rows(tmp_path)
    assert main(["validate", str(data)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2, err  # one cause, not one line per row
    assert err[0].startswith(f"{data / 'outcomes.csv'}:2:value: every value of indicator 'hs_graduation' is at most 1")
    assert "looks like a fraction (0.79 for 79%)" in err[0] and "`scale: fraction` in data.yml" in err[0]

    (data / "data.yml").write_text("scale: fraction\n", encoding="utf-8")
    loaded = load_network(data, load_rubric("toa-2019"), set())
    values = loaded.outcomes["value"].dropna()
    assert values.max() > 1 and values.max() <= 100
    assert loaded.outcomes.loc[0, "value"] == pytest.approx(79.0)  # Kentucky 2003: 0.79
    statuses = loaded.outcomes["source_status"].value_counts()
    assert statuses[SUPPRESSED_AT_SOURCE] == 40  # the export's 37 `*` and 3 `**`
    assert "data.yml" in loaded.file_sha256


def test_a_declared_percent_scale_accepts_small_percents(tmp_path):
    rows = [f"north-hills,hs_graduation,{year},all,,,0.{year - 2015}" for year in range(2016, 2020)]
    data = data_dir(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    with pytest.raises(InvalidInput, match="looks like a fraction"):
        load_network(data, load_rubric("toa-2019"), set())
    (data / "data.yml").write_text("scale:\n  hs_graduation: percent\n", encoding="utf-8")
    assert load_network(data, load_rubric("toa-2019"), set()).outcomes["value"].max() == pytest.approx(0.4)


# ------------------------------------------------------------------------------------------ errors that teach
def test_one_mistyped_id_is_one_line_and_printed_first(tmp_path, capsys):
    rows = [f"alder-bey,hs_graduation,{2000 + i // 3},{('all', 'black', 'white')[i % 3]},10,20," for i in range(90)]
    rows.insert(0, "north-hills,hs_graduation,2023,all,12,x,")  # a cell problem on an earlier row
    data = data_dir(tmp_path, HEADER + "\n" + "\n".join(rows) + "\n")
    (data / "communities.csv").write_text((VALID / "communities.csv").read_text().replace("south-bay", "alder-bay"))
    (data / "benchmarks.csv").write_text((VALID / "benchmarks.csv").read_text().replace("south-bay", "alder-bay"))
    assert main(["validate", str(data)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"{data / 'outcomes.csv'}:3:community_id: unknown community 'alder-bey' (not in communities; "
                      "did you mean 'alder-bay'?) \u2014 90 rows, first at rows 3, 4, 5")
    assert err[1] == f"{data / 'outcomes.csv'}:2:denominator: 'x' is not a whole number"
    assert err[2:] == ["2 problem(s); nothing was written."]


def test_a_header_problem_is_printed_before_cell_problems_of_other_files(tmp_path, capsys):
    data = data_dir(tmp_path, f"{HEADER}\nnorth-hills,hs_graduation,2023,all,400,500,\n".replace("group", "grup"))
    (data / "benchmarks.csv").write_text((VALID / "benchmarks.csv").read_text().replace(",met,", ",done,"))
    assert main(["validate", str(data)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith(f"{data / 'outcomes.csv'}:1:group: required column is missing (found 'grup'")
    assert "benchmarks.csv:2:status" in err[1]
