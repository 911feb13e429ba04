"""Fractions and units on the way in (#19 item 3): a series of percents all at most 1 is refused, by a data
directory and by `ci-assess import cia`, with the one message of `ci_lib.inputs.scale` that says both ways to
declare it; `--scale fraction` imports it as percents; value columns (`V <year>`) carry non-percent values."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ci_lib.inputs.importers import ImportFormatError, read_cia
from ci_lib.inputs.scale import fraction_problems
from tests.paths import FIXTURES_DIR, REPO_ROOT

REALDATA = Path(os.environ.get("CI_REALDATA") or REPO_ROOT.parent / "shared" / "realdata")
WIDE = """Gender,Population,V 2021,V 2022,V 2023
All,All Students,0.71,0.74,0.79
All,Black or African American,0.61,NA,0.66
"""
DECLARE_BOTH_WAYS = ("looks like a fraction (0.79 for 79%)", "`scale: fraction` in data.yml",
                     "`--scale fraction`", "`scale: fraction` in its --map file")


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ci_lib.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO_ROOT)


def wide(tmp_path: Path, text: str = WIDE) -> Path:
    path = tmp_path / "graduation.csv"
    path.write_text(text, encoding="utf-8")
    return path


def import_cia(path: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return cli("import", "cia", path, "--community", "metro", "--indicator", "hs_graduation", "--out", out, *extra)


def test_a_fraction_series_is_refused_on_import_with_how_to_declare_it(tmp_path):
    out = tmp_path / "outcomes.csv"
    done = import_cia(wide(tmp_path), out)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{tmp_path / 'graduation.csv'}:2:value: every value of indicator 'hs_graduation' is at most 1" in done.stderr
    for words in DECLARE_BOTH_WAYS:
        assert words in done.stderr
    assert not out.exists()


def test_scale_fraction_imports_percents_and_keeps_markers(tmp_path):
    out = tmp_path / "outcomes.csv"
    done = import_cia(wide(tmp_path), out, "--scale", "fraction")
    assert done.returncode == 0, done.stderr
    rows = pd.read_csv(out, dtype={"value": float, "source_status": str}).fillna({"source_status": ""})
    got = {(r.year, r.group): (None if pd.isna(r.value) else r.value, r.source_status) for r in rows.itertuples()}
    assert got == {(2021, "all"): (71.0, ""), (2022, "all"): (74.0, ""), (2023, "all"): (79.0, ""),
                   (2021, "black"): (61.0, ""), (2022, "black"): (None, "not_available"), (2023, "black"): (66.0, "")}
    assert import_cia(wide(tmp_path), tmp_path / "as-is.csv", "--scale", "percent").returncode == 0
    assert pd.read_csv(tmp_path / "as-is.csv")["value"].max() == 0.79  # declared percents: kept as given


def test_value_columns_carry_currency_and_cannot_double_a_year(tmp_path):
    path = wide(tmp_path, 'Gender,Population,V 2021,Value 2022-23\nAll,All Students,"52,000",53100.5\n')
    rows = read_cia(path, community_id="metro", indicator_id="median_income", label_map={}).rows
    assert rows[["year", "value"]].values.tolist() == [[2021, 52000.0], [2023, 53100.5]]
    assert rows["numerator"].isna().all()
    both = wide(tmp_path, "Gender,Population,N 2021,D 2021,V 2021\nAll,All Students,5,10,50\n")
    with pytest.raises(ImportFormatError, match="year 2021 has counts .* and a value: give one or the other"):
        read_cia(both, community_id="metro", indicator_id="hs_graduation", label_map={})


def test_a_data_directory_says_both_ways_too(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES_DIR / "bad" / "fraction_values", data)
    done = cli("validate", data)
    assert done.returncode == 2
    for words in DECLARE_BOTH_WAYS:
        assert words in done.stderr


def test_the_check_is_one_function_that_spares_other_units():
    rows = pd.DataFrame({"indicator_id": ["index"] * 3 + ["share"] * 3, "value": [0.2, 0.5, 0.9, 0.2, 0.5, 0.9]})
    found, problems = fraction_problems(rows, "rows.csv", units={"index": "score"}, lines=[10, 11, 12, 13, 14, 15])
    assert found == {"share"}  # a score of 0.9 may be real; a percent of 0.9 for three years is a fraction
    assert [(p.file, p.row, p.column) for p in problems] == [("rows.csv", 13, "value")]
    assert fraction_problems(rows, "rows.csv", scale={"share": "percent"}, units={"index": "score"})[0] == set()


@pytest.mark.skipif(not (REALDATA / "kidscount_co").is_dir(), reason="../shared/realdata/ is not here")
def test_median_household_income_from_kids_count_is_currency_not_a_fraction():
    """The Colorado export's Currency rows are dollars: never refused as fractions, and over the percent range."""
    income = pd.read_csv(REALDATA / "kidscount_co" / "Median household income.csv")
    assert set(income["DataFormat"]) == {"Currency"}
    rows = pd.DataFrame({"indicator_id": "median_income", "value": pd.to_numeric(income["Data"])})
    assert fraction_problems(rows, "income.csv", units={"median_income": "currency"})[0] == set()
    assert rows["value"].min() > 100  # so a percent check would refuse every row
