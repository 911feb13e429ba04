"""Every importer over every file of ../shared/realdata/ (#19 items 6 and 9), asserting on content.

Each published file either imports with a summary whose counts account for every row (read == written +
skipped), or is refused with a message that says what to declare. The files are never edited; the maps
used are the shipped examples (ci_lib/inputs/importers/maps/) or written here from the file itself. The
folder is found by `realdata()` (skips with the reason when it is absent).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from ci_lib.cli import main
from ci_lib.errors import ImportFormatError
from ci_lib.inputs.importers import read_cia
from ci_lib.inputs.importers.kidscount import JOINED, KIDSCOUNT_KEYS, read_kidscount
from ci_lib.inputs.importers.summary import ImportSummary, cia_summary
from ci_lib.inputs.importers.table import TABLE_KEYS, norm, read_map, read_table
from ci_lib.inputs.markers import NOT_AVAILABLE, SUPPRESSED_AT_SOURCE, cell_status
from ci_lib.inputs.rubric import load_rubric
from tests.paths import REPO_ROOT
from tests.unit.inputs.test_source_markers import realdata

MAPS = REPO_ROOT / "ci_lib" / "inputs" / "importers" / "maps"
LABELS = load_rubric("toa-2024").label_map


def records(path: Path) -> list[dict[str, str]]:
    """The file's rows as the test reads them, independently of the kit (CR-only line endings too)."""
    text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    return list(csv.DictReader(io.StringIO(text)))


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63]


def write_map(tmp: Path, settings: dict[str, object], name: str = "map.yml") -> Path:
    path = tmp / name
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return path


def every_location(path: Path, column: str = "Location") -> dict[str, str]:
    return {name: slug(name) for name in sorted({r[column] for r in records(path)})}


def accounted(summary: ImportSummary, path: Path | None = None) -> None:
    assert summary.read == summary.written + sum(summary.skipped.values()), summary.lines("out", False)
    if path is not None:
        assert summary.read == len(records(path))


def kidscount(path: Path, settings: dict[str, object], tmp: Path):
    return read_kidscount(path, read_map(write_map(tmp, settings), KIDSCOUNT_KEYS, LABELS))


# ------------------------------------------------------------------------------------------------ Kentucky
def test_kentucky_2009_state_rate_is_84_percent(tmp_path, capsys):
    source = realdata() / "kidscount_ky" / "High school graduation rates.csv"
    out = tmp_path / "outcomes.csv"
    assert main(["import", "kidscount", str(source), "--map", str(MAPS / "kidscount_ky_graduation.yml"),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"{source}: {len(records(source))} rows read" in printed and "location not in the map's `locations:`" in printed
    with out.open(encoding="utf-8") as handle:
        rows = {(r["community_id"], r["year"], r["group"]): r for r in csv.DictReader(handle)}
    assert rows["kentucky", "2009", "all"]["value"] == "84.0"  # the export's Percent 0.84, never 0.84 %
    assert rows["kentucky", "2003", "all"]["value"] == "79.0"
    assert rows["kentucky", "2009", "all"]["numerator"] == ""  # the Number (41064) has no denominator


def test_kentucky_every_location_pairs_numbers_and_percents(tmp_path):
    source = realdata() / "kidscount_ky" / "High school graduation rates.csv"
    raw = records(source)
    frame, summary = kidscount(source, {"indicator": "hs_graduation", "locations": every_location(source)}, tmp_path)
    accounted(summary, source)
    percents = [r for r in raw if r["DataFormat"] == "Percent"]
    cells = {(r["Location"], r["TimeFrame"]) for r in percents}
    numbers_paired = [r for r in raw if r["DataFormat"] == "Number" and (r["Location"], r["TimeFrame"]) in cells]
    assert summary.written == len(frame) == len(percents)
    assert summary.skipped[JOINED] == len(numbers_paired)
    marked = Counter(cell_status(r["Data"]) for r in percents if cell_status(r["Data"]))
    assert summary.statuses == marked and marked[SUPPRESSED_AT_SOURCE] == 40  # the export's `*` and `**`
    assert frame["value"].dropna().between(50, 100).all()  # fractions read as percents, all of them


def test_an_imported_export_validates_as_percents(tmp_path, capsys):
    """Import, then validate, as a new user would: the values are percents, so validate accepts them."""
    source = realdata() / "kidscount_ky" / "High school graduation rates.csv"
    places = every_location(source)
    data = tmp_path / "data"
    data.mkdir()
    with (data / "communities.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["community_id", "name", "state", "anchor_entity", "joined_year"])
        writer.writerows([community, name, "KY", "Kentucky Youth Advocates", 2016] for name, community in places.items())
    (data / "benchmarks.csv").write_text("community_id,year,benchmark_id,status,evidence\n", encoding="utf-8")
    map_file = write_map(tmp_path, {"indicator": "hs_graduation", "locations": places})
    assert main(["import", "kidscount", str(source), "--map", str(map_file), "--out", str(data / "outcomes.csv")]) == 0
    assert main(["validate", str(data)]) == 0, capsys.readouterr().err
    assert "40 cells suppressed at the source" in capsys.readouterr().err


def test_the_hand_reshaped_wide_table_is_refused_saying_why(tmp_path):
    source = realdata() / "kidscount_ky" / "grad rates.csv"
    with pytest.raises(ImportFormatError, match="not a KIDS COUNT export.*years as columns"):
        kidscount(source, {"indicator": "hs_graduation", "locations": {"ADAIR": "adair"}}, tmp_path)


# ------------------------------------------------------------------------------------------------ Colorado
def colorado_files() -> list[str]:
    """The Colorado exports ([] when the folder is absent: the parametrized test is then skipped)."""
    try:
        folder = realdata() / "kidscount_co"
    except pytest.skip.Exception:
        return []
    return sorted(p.name for p in folder.glob("*.csv"))


# what a first import without declarations says, and the declaration that makes the file import
COLORADO_DECLARATIONS = {
    "3rd grade students scoring proficient or above on the CSAP_TCAP.csv": [
        ("`indicator: {column: Score", {"indicator": {"column": "Score", "values": {"Reading": "early_grade_reading",
                                                                                  "Math": "grade3_math"}}}),
        ("declare `excel_errors: skip`", {"excel_errors": "skip"})],
    "8th grade students scoring proficient or above on the CSAP_TCAP.csv": [
        ("`filters: {Score: ...}`", {"filters": {"Score": "Math"}, "indicator": "middle_grade_math"})],
    "Students qualifying for free or reduced price lunch.csv": [
        ("`indicator: {column: Poverty Level", {"indicator": {"column": "Poverty Level", "values": {
            "Eligible for Free Lunch": "free_lunch", "Eligible for Free or Reduced Lunch": "frl_eligible",
            "Eligible for Reduced Price Lunch": "reduced_price_lunch"}}}),
        ("`filters: {DataFormat: [Number, Percent]}`", {"filters": {"DataFormat": ["Number", "Percent"]}}),
        ("mix fractions and percents", {"scale": "fraction"}),
        ("is above 1, but the values are read as fractions", None)],  # a dirty cell (2.0): refused, not read
    "Median household income.csv": [
        ("declare `formats: [Currency]`", {"formats": ["Currency"]})],
}


@pytest.mark.parametrize("name", colorado_files())
def test_every_colorado_file_imports_or_says_what_to_declare(name, tmp_path):
    source = realdata() / "kidscount_co" / name
    settings: dict[str, object] = {"indicator": "co_indicator", "locations": every_location(source)}
    for expected, declaration in COLORADO_DECLARATIONS.get(name, []):
        with pytest.raises(ImportFormatError) as refused:
            kidscount(source, settings, tmp_path)
        assert expected in str(refused.value), str(refused.value)
        if declaration is None:
            return
        filters = {**settings.get("filters", {}), **declaration.get("filters", {})}  # type: ignore[dict-item]
        settings = {**settings, **declaration, **({"filters": filters} if filters else {})}
    frame, summary = kidscount(source, settings, tmp_path)
    accounted(summary, source)
    raw = records(source)
    assert summary.written == len(frame) > 0
    if any(r["DataFormat"] == "Percent" for r in raw):
        values = frame["value"].dropna()
        assert values.max() > 1, "Percent fractions must be read as percents"
    markers = Counter(cell_status(r["Data"]) for r in raw if cell_status(r["Data"]))
    assert summary.file_markers == markers  # every N/A and LNE of the file, counted in the column read


def test_colorado_race_breakdown_and_markers(tmp_path):
    source = realdata() / "kidscount_co" / "Average proficiency on the CSAP_TCAP by race_ethnicity_ Math.csv"
    table = read_map(MAPS / "kidscount_co_proficiency_by_race.yml", KIDSCOUNT_KEYS, LABELS)
    frame, summary = read_kidscount(source, table)
    accounted(summary, source)
    assert set(frame["group"]) == {"all", "asian", "black", "pacific_islander", "hispanic", "american_indian",
                                   "two_or_more", "white"}
    academy = frame[(frame.community_id == "academy-20") & (frame.year == 2011)].set_index("group")
    assert academy.loc["all", "value"] == pytest.approx(68.0)  # 0.68 in the file
    assert academy.loc["black", "value"] == pytest.approx(42.46)
    mapped = [r for r in records(source) if r["Location"] in {"Colorado", "ACADEMY 20", "ADAMS COUNTY 14",
                                                              "BOULDER VALLEY RE 2"}]
    kept = Counter(cell_status(r["Data"]) for r in mapped if cell_status(r["Data"]))
    assert summary.statuses == kept and kept[SUPPRESSED_AT_SOURCE] > 0  # LNE
    written = frame.loc[frame["source_status"] != "", "source_status"].value_counts()
    assert dict(written) == dict(kept)


def test_an_excel_error_is_not_a_marker(tmp_path):
    source = realdata() / "kidscount_co" / "3rd grade students scoring proficient or above on the CSAP_TCAP.csv"
    errors = [i for i, r in enumerate(records(source)) if r["Data"] == "#VALUE!"]
    bad = errors[0]
    settings = {"indicator": {"column": "Score", "values": {"Math": "grade3_math", "Reading": "early_grade_reading",
                                                            "Writing": "grade3_writing"}},
                "locations": every_location(source)}
    with pytest.raises(ImportFormatError) as refused:
        kidscount(source, settings, tmp_path)
    assert refused.value.row == bad + 2 and refused.value.column == "Data"
    assert "'#VALUE!' is an Excel error, not a number nor a source's marker" in str(refused.value)
    frame, summary = kidscount(source, {**settings, "excel_errors": "skip"}, tmp_path)
    accounted(summary, source)
    assert summary.skipped["an Excel error (#VALUE!) in Data (excel_errors: skip)"] == len(errors) == 4
    assert summary.written == len(records(source)) - len(errors)


# ------------------------------------------------------------------------------------------------ WISEdash
def test_wisedash_sample_with_the_shipped_map(tmp_path, capsys):
    source = realdata() / "wisedash" / "wisedash_forward_sample_2020-21.csv"
    out = tmp_path / "outcomes.csv"
    assert main(["import", "table", str(source), "--map", str(MAPS / "wisedash_middle_grade_math.yml"),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    raw = records(source)
    suppressed = sum(cell == "[Data Suppressed]" for r in raw for cell in r.values())
    assert suppressed == 4
    assert f"{source}: {len(raw)} rows read, 1 written, {len(raw) - 1} skipped" in printed
    assert f"{suppressed} suppressed at source" in printed
    assert out.read_text(encoding="utf-8").splitlines()[1] == "woodruff,middle_grade_math,2021,not_english_learner,16,51,"


def test_wisedash_every_row_and_every_suppressed_cell(tmp_path):
    source = realdata() / "wisedash" / "wisedash_forward_sample_2020-21.csv"
    raw = records(source)
    settings = {"location": "DISTRICT_NAME", "locations": every_location(source, "DISTRICT_NAME"),
                "indicator": {"column": "TEST_SUBJECT", "values": {"ELA": "ela", "Mathematics": "math",
                                                                  "Science": "science", "Social Studies": "social"}},
                "year": "SCHOOL_YEAR", "group": "GROUP_BY_VALUE", "group_by": "GROUP_BY",
                "numerator": "STUDENT_COUNT", "denominator": "GROUP_COUNT"}
    frame, summary = read_table(source, read_map(write_map(tmp_path, settings), TABLE_KEYS, LABELS))
    accounted(summary, source)
    counted_columns = ("GROUP_BY_VALUE", "STUDENT_COUNT", "GROUP_COUNT")
    suppressed = sum(cell_status(r[c]) == SUPPRESSED_AT_SOURCE for r in raw for c in counted_columns)
    assert suppressed == 4 == summary.file_markers[SUPPRESSED_AT_SOURCE]
    # one is the all-students cell (GROUP_BY "All Students"): written, withheld; three name no group at all
    assert summary.statuses[SUPPRESSED_AT_SOURCE] == 4
    assert frame["source_status"].eq(SUPPRESSED_AT_SOURCE).sum() == 1
    withheld = frame[frame["source_status"] == SUPPRESSED_AT_SOURCE].iloc[0]
    assert (withheld["community_id"], withheld["indicator_id"], withheld["group"]) == ("milwaukee", "math", "all")
    assert summary.skipped["the group label itself is suppressed at source (no group to write it to)"] == 3
    assert summary.skipped["group label not in the label map (add `labels: {<label>: <group id>}` to the map or "
                           "to params)"] == sum(r["GROUP_BY_VALUE"] == "Not Migrant" for r in raw)
    assert summary.examples[next(k for k in summary.skipped if k.startswith("group label"))] == ["Not Migrant"]
    shipped = {"Econ Disadv": "low_income", "Not Econ Disadv": "not_low_income", "SwD": "disability",
               "SwoD": "no_disability", "Eng Prof": "not_english_learner", "EL": "english_learner",
               "Amer Indian": "american_indian", "Two or More": "two_or_more"}
    assert {label: LABELS[norm(label)] for label in shipped} == shipped
    assert set(frame["group"]) <= {*shipped.values(), "all", "white", "female", "male"}


def test_redacted_counts_in_a_sum_make_it_not_available(tmp_path):
    source = realdata() / "herccia" / "hercwidpi_missing_data_example.csv"
    settings = {"location": "DISTRICT_NAME", "locations": {"Marigold Aggregate Scholarly Exploits": "marigold"},
                "indicator": {"column": "TEST_SUBJECT", "values": {"ELA": "early_grade_reading",
                                                                  "Mathematics": "middle_grade_math"}},
                "year": "SCHOOL_YEAR", "group": "GROUP_BY_VALUE", "group_by": "GROUP_BY",
                "numerator": "STUDENT_COUNT", "denominator": "GROUP_COUNT",
                "filters": {"SCHOOL_CODE": "", "TEST_RESULT": ["ok", "fab"]}, "combine": "sum"}
    frame, summary = read_table(source, read_map(write_map(tmp_path, settings), TABLE_KEYS, LABELS))
    accounted(summary, source)
    got = frame.set_index(["indicator_id", "group"])
    assert (got.loc[("early_grade_reading", "all"), "numerator"], got.loc[("early_grade_reading", "all"),
                                                                          "denominator"]) == (44, 91)
    assert got.loc[("middle_grade_math", "male"), "numerator"] == 19 + 8 + 2
    assert "female" not in set(frame["group"])  # its only rows are outside the filter (terrible)
    assert summary.skipped["joined: added to an earlier row of the same key (combine: sum)"] == 3


def test_a_blank_count_in_a_combined_cell_is_never_a_smaller_sum(tmp_path):
    source = tmp_path / "levels.csv"
    source.write_text("place,year,level,group,n,d\nA,2021,Proficient,All Students,10,40\n"
                      "A,2021,Advanced,All Students,,40\nA,2021,Basic,All Students,12,40\n", encoding="utf-8")
    settings = {"location": "place", "locations": {"A": "alpha"}, "indicator": "early_grade_reading",
                "year": "year", "group": "group", "numerator": "n", "denominator": "d", "combine": "sum",
                "filters": {"level": ["Proficient", "Advanced"]}}
    frame, summary = read_table(source, read_map(write_map(tmp_path, settings), TABLE_KEYS, LABELS))
    accounted(summary)
    assert frame["numerator"].isna().all() and list(frame["source_status"]) == [NOT_AVAILABLE]


# ------------------------------------------------------------------------------------------------ herccia
@pytest.mark.parametrize("year", [2024, 2025])
def test_the_assessment_row_set_prints_a_summary_that_accounts_for_every_cell(year, tmp_path, capsys):
    """The row set is labels only (Gender x Population): given counts for two years, every cell is counted."""
    labels = records(realdata() / "herccia" / f"output_populations_{year}.csv")
    assert len(labels) == 36
    table = tmp_path / "cia.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Gender", "Population", f"N {year - 1}-{year}", f"D {year - 1}-{year}",
                         f"N {year - 2}-{year - 1}", f"D {year - 2}-{year - 1}"])
        for number, row in enumerate(labels):
            writer.writerow([row["Gender"], row["Population"], *([12, 40, "NA", "NA"] if number % 2 else
                                                                 ["*", 35, 0, 0])])
    result = read_cia(table, community_id="racine", indicator_id="kindergarten_readiness", label_map=LABELS)
    summary = cia_summary(result, str(table))
    accounted(summary)
    if summary.unit == "cells":  # every cell of the table, two years per row
        assert summary.read + 2 * (result.skipped_intersections + len(result.unknown_labels)) == 2 * 36
    else:  # the cia importer counts its rows: every label row of the row set
        assert summary.read == 36
    assert summary.statuses[SUPPRESSED_AT_SOURCE] == result.rows["source_status"].eq(SUPPRESSED_AT_SOURCE).sum() > 0
    assert main(["import", "cia", str(table), "--community", "racine", "--indicator", "kindergarten_readiness",
                 "--framework", "toa-2024", "--out", str(tmp_path / "out.csv")]) == 0
    assert f"{table}: {summary.read} {summary.unit} read, {summary.written} written" in capsys.readouterr().out


@pytest.mark.parametrize("glossary", ["WISEDASH", "CENSUS", "WISEDASH_LOCAL", "IPEDS"])
def test_the_shipped_label_map_reads_the_glossaries_labels(glossary):
    """herccia's glossaries map source labels to the assessment's populations: the kit's label map agrees."""
    rows = records(realdata() / "herccia" / f"GLOSSARY_OF_POPS_FOR_{glossary}.csv")
    label_column = {"WISEDASH": "GROUP_BY_VALUE", "WISEDASH_LOCAL": "GROUP_BY_VALUE", "CENSUS": "Category",
                    "IPEDS": "Race/Ethnicity"}[glossary]
    unmapped = set()
    for row in rows:
        label, population = row[label_column], row["Population"]
        if row.get("Gender", "All") not in ("All", "") or not label or not population or label in ("All", "Yes"):
            continue
        expected = LABELS.get(norm(population))
        assert expected is not None, population
        if LABELS.get(norm(label)) != expected:
            unmapped.add(label)
    # labels left out on purpose: they name no group by themselves (Census "Below" poverty, "Unknown" race,
    # IPEDS aid programmes standing in for low income)
    assert unmapped <= {"Below", "Unknown", "Pell Grant", "Direct Subsidized Loan", "Multiple"}, unmapped


def test_every_realdata_file_is_covered_here():
    """A file added to ../shared/realdata must get a test in this module (or be named as not importable)."""
    folder = realdata()
    covered = {"kidscount_ky/High school graduation rates.csv", "kidscount_ky/grad rates.csv",
               "wisedash/wisedash_forward_sample_2020-21.csv", "herccia/hercwidpi_missing_data_example.csv",
               "herccia/output_populations_2024.csv", "herccia/output_populations_2025.csv",
               *(f"herccia/GLOSSARY_OF_POPS_FOR_{g}.csv" for g in ("WISEDASH", "CENSUS", "WISEDASH_LOCAL", "IPEDS")),
               *(f"kidscount_co/{name}" for name in colorado_files())}
    label_maps_not_data = {"herccia/GLOSSARY_OF_POPS_FOR_CIA.csv", "herccia/GLOSSARY_OF_POPS_FOR_COMPS.csv"}
    found = {str(p.relative_to(folder)) for p in folder.rglob("*.csv")}
    assert found == covered | label_maps_not_data


def test_colorado_median_income_periods_import_and_score_as_non_overlapping_estimates(tmp_path, capsys):
    """The ACS 5-year periods (2005-2009 ... 2009-2013) import as period labels, validate for a currency
    estimate declared in params, and score without comparing overlapping periods: 2009-2013 shares 2009 with
    2005-2009, so no trend, and the row says why."""
    source = realdata() / "kidscount_co" / "Median household income.csv"
    data = tmp_path / "data"
    data.mkdir()
    (data / "communities.csv").write_text("community_id,name,state,anchor_entity,joined_year\n"
                                          "academy-20,Academy 20,CO,Partnership,2010\n", encoding="utf-8")
    (data / "benchmarks.csv").write_text("community_id,year,benchmark_id,status,evidence\n", encoding="utf-8")
    map_file = write_map(tmp_path, {"indicator": "median_income", "locations": {"ACADEMY 20": "academy-20"},
                                    "formats": ["Currency"]})
    assert main(["import", "kidscount", str(source), "--map", str(map_file), "--out", str(data / "outcomes.csv")]) == 0
    written = (data / "outcomes.csv").read_text(encoding="utf-8")
    assert ",2005-2009,all,,,85060.0" in written and ",2009-2013,all," in written
    params = tmp_path / "params" / "2013"
    params.mkdir(parents=True)
    (params / "network.yml").write_text(
        "year: 2013\nframework: toa-2024\ndata: ../../data\nlocal_indicators:\n"
        "  - {id: median_income, name: Median household income, unit: currency, estimate: true,\n"
        "     polarity: higher_is_better}\n", encoding="utf-8")
    common = ["--year", "2013", "--params", str(tmp_path / "params")]
    assert main(["validate", str(data), *common]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["score", str(data), *common, "--community", "academy-20", "--json"]) == 0
    import json

    (row,) = [o for o in json.loads(capsys.readouterr().out)["outcomes"] if o["indicator_id"] == "median_income"]
    assert (row["latest_year"], row["latest_period_start"], row["trend"], row["trend_reason"]) == (
        2013, 2009, "insufficient_data", "overlapping_periods")
