"""The assessment's row set as published (../shared/realdata/herccia, #19 items 5 and 6): all 36 rows of the
wide table, intersections included, read into 36 distinct groups of the rubric; every row accounted for.

The row set files hold only `Gender,Population` (no counts): each test builds the wide table the partnership
tooling writes from them (`N <school year>` / `D <school year>` columns newest first, `NA` cells), in a
temporary folder, never editing the files.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from ci_lib.cli import main
from ci_lib.inputs.importers import read_cia
from ci_lib.inputs.rubric import load_rubric
from tests.unit.inputs.test_importers import write_table
from tests.unit.inputs.test_source_markers import realdata

YEARS = ["2023-2024", "2022-2023", "2021-2022"]  # newest first, as herccia writes them
ROW_SETS = ["output_populations_2024.csv", "output_populations_2025.csv"]
RACES = {"American Indian or Alaska Native": "american_indian", "Asian": "asian",
         "Black or African American": "black", "Hispanic or Latine": "hispanic",
         "Middle Eastern or North African": "middle_eastern_north_african",
         "Native Hawaiian or Pacific Islander": "pacific_islander", "White": "white",
         "Multi-Racial": "two_or_more", "Other Race": "other_race", "Low Income": "low_income",
         "English Language Learner": "english_learner"}


def row_set(name: str) -> list[dict[str, str]]:
    with (realdata() / "herccia" / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def expected_group(gender: str, population: str) -> str:
    if population == "All Students":
        return {"All": "all", "Female": "female", "Male": "male"}[gender]
    base = RACES[population]
    return base if gender == "All" else f"{gender.lower()}_{base}"


def wide_table(tmp: Path, rows: list[dict[str, str]]) -> Path:
    """The wide table from the row set: counts made up per row, `NA` where R writes a missing (or zero) count."""
    header = ["Gender", "Population", *[f"{kind} {year}" for year in YEARS for kind in ("N", "D")]]
    grid: list[list[object]] = [header]
    for number, row in enumerate(rows):
        counts: list[object] = []
        for position in range(len(YEARS)):
            if (number + position) % 3 == 0:
                counts += ["NA", "NA"]                      # missing in that year
            else:
                counts += [10 + number + position, 40 + 2 * number]
        grid.append([row["Gender"], row["Population"], *counts])
    return write_table(tmp / "cia_wide.csv", grid)


@pytest.mark.parametrize("name", ROW_SETS)
@pytest.mark.parametrize("framework", ["toa-2019", "toa-2024"])
def test_all_36_rows_of_the_row_set_map_to_36_distinct_groups(tmp_path, name, framework):
    rows = row_set(name)
    assert len(rows) == 36
    path = wide_table(tmp_path, rows)
    got = read_cia(path, community_id="racine", indicator_id="hs_graduation",
                   label_map=load_rubric(framework).label_map)
    assert got.unknown_labels == [] and got.skipped_intersections == 0 and got.skipped_unlabelled == 0
    assert got.rows_read == got.rows_mapped == 36
    groups = set(got.rows["group"])
    assert groups == {expected_group(r["Gender"], r["Population"]) for r in rows}
    assert len(groups) == 36 and groups <= set(load_rubric(framework).group_ids)
    assert set(got.rows["year"]) == {2024, 2023, 2022}  # a school year's end year
    # every cell of a mapped row is written or skipped as empty (NA/NA), nothing else
    assert got.cells_read == 36 * len(YEARS) == len(got.rows) + got.skipped_zero_cells
    assert got.skipped_zero_cells == 36  # one NA/NA year per row
    black_women = got.rows[got.rows["group"] == "female_black"]
    assert not black_women.empty and (black_women["numerator"] <= black_women["denominator"]).all()


def test_every_label_the_tooling_writes_maps_to_a_group():
    """GLOSSARY_OF_POPS_FOR_CIA.csv: each (year, gender, population) herccia writes is a group of both rubrics."""
    with (realdata() / "herccia" / "GLOSSARY_OF_POPS_FOR_CIA.csv").open(encoding="utf-8-sig", newline="") as handle:
        glossary = list(csv.DictReader(handle))
    assert len(glossary) == 72
    for framework in ("toa-2019", "toa-2024"):
        rubric = load_rubric(framework)
        for entry in glossary:
            assert entry["Population"].lower() in rubric.label_map or entry["Population"] == "All Students"
            assert expected_group(entry["Gender"], entry["Population"]) in rubric.group_ids


def test_intersections_are_groups_of_gender_families_that_add_up_to_female_and_male():
    for framework in ("toa-2019", "toa-2024"):
        rubric = load_rubric(framework)
        for side in ("female", "male"):
            crossed = [g for g in rubric.group_ids if g.startswith(f"{side}_")]
            assert len(crossed) == 13  # 9 races, low income and not, English learners and not
            for group in crossed:
                family = rubric.families[rubric.family_of(group) or ""]
                assert family.total == side and family.reference.startswith(f"{side}_")


def test_import_cia_writes_all_36_groups_and_says_what_it_skipped(tmp_path, capsys):
    path = wide_table(tmp_path, row_set("output_populations_2025.csv"))
    out = tmp_path / "outcomes.csv"
    code = main(["import", "cia", str(path), "--community", "racine", "--indicator", "hs_graduation",
                 "--out", str(out), "--framework", "toa-2024"])
    assert code == 0
    written = pd.read_csv(out)
    assert written["group"].nunique() == 36 and len(written) == 36 * len(YEARS) - 36
    printed = capsys.readouterr().out
    assert f"wrote {len(written)} outcome rows" in printed and "36 empty cells of the rows written" in printed


@pytest.mark.parametrize("name", ROW_SETS)
def test_the_bare_row_set_is_refused_with_what_to_add(tmp_path, name, capsys):
    out = tmp_path / "outcomes.csv"
    code = main(["import", "cia", str(realdata() / "herccia" / name), "--community", "racine",
                 "--indicator", "hs_graduation", "--out", str(out)])
    assert code == 2 and not out.exists()
    message = capsys.readouterr().err
    assert "no count columns" in message and "add" in message and "'N 2023-2024'" in message


def test_import_cia_with_year_reads_the_labels_of_groups_added_in_params(tmp_path, capsys):
    path = write_table(tmp_path / "wide.csv", [["Gender", "Population", "N 2023-2024", "D 2023-2024"],
                                               ["All", "All Students", 30, 60], ["Non-binary", "All Students", 4, 12],
                                               ["All", "Hmong", 5, 15]])
    (tmp_path / "params" / "2024").mkdir(parents=True)
    (tmp_path / "params" / "2024" / "network.yml").write_text(
        "year: 2024\nframework: toa-2024\ngroups:\n"
        "  - {id: nonbinary, label: Nonbinary, family: gender, aliases: [Non-binary]}\n"
        "  - {id: hmong, label: Hmong}\n")
    out = tmp_path / "outcomes.csv"
    args = ["import", "cia", str(path), "--community", "racine", "--indicator", "hs_graduation", "--out", str(out)]
    assert main([*args, "--year", "2024", "--params", str(tmp_path / "params")]) == 0
    assert set(pd.read_csv(out)["group"]) == {"all", "nonbinary", "hmong"}
    assert main(args) == 0  # without the params, both labels are unknown, and said so
    assert set(pd.read_csv(out)["group"]) == {"all"}
    assert "unknown group label 'Non-binary'" in capsys.readouterr().err


def test_employment_as_acs_five_year_estimates_imports_with_periods_and_fractional_counts(tmp_path, capsys):
    """herccia's employment counts are ACS 5-year estimates: period headers and fractional counts. With
    --estimate they import as period labels and decimals, validate for an indicator declared `estimate: true`,
    and without it the first fractional count is refused saying what to declare."""
    path = write_table(tmp_path / "employment.csv", [
        ["Gender", "Population", "N 2019-2023", "D 2019-2023", "N 2014-2018", "D 2014-2018"],
        ["All", "All Students", "1234.6", "1890.2", "1101.4", "1850.9"],
        ["Female", "All Students", "640.5", "951.3", "NA", "NA"]])
    out = tmp_path / "data" / "outcomes.csv"
    out.parent.mkdir()
    base = ["import", "cia", str(path), "--community", "racine", "--indicator", "employment_acs", "--out", str(out)]
    assert main(base) == 2 and not out.exists()
    refused = capsys.readouterr().err
    assert "is not a whole number" in refused and "--estimate" in refused and "estimate: true" in refused
    assert main([*base, "--estimate"]) == 0
    rows = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert rows[["year", "group", "numerator", "denominator"]].values.tolist() == [
        ["2014-2018", "all", "1101.4", "1850.9"], ["2019-2023", "all", "1234.6", "1890.2"],
        ["2019-2023", "female", "640.5", "951.3"]]
    (tmp_path / "data" / "communities.csv").write_text(
        "community_id,name,state,anchor_entity,joined_year\nracine,Racine,WI,HERC,2015\n", encoding="utf-8")
    (tmp_path / "data" / "benchmarks.csv").write_text("community_id,year,benchmark_id,status,evidence\n",
                                                      encoding="utf-8")
    params = tmp_path / "params" / "2023"
    params.mkdir(parents=True)
    (params / "network.yml").write_text(
        "year: 2023\nframework: toa-2024\nlocal_indicators:\n"
        "  - {id: employment_acs, name: Employment (ACS), estimate: true}\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(out.parent), "--year", "2023", "--params", str(tmp_path / "params")]) == 0, \
        capsys.readouterr().err
