"""Estimates (#19 item 4), scored through the public command `ci-assess score --json` on small data directories:
fractional counts only for indicators declared `estimate: true`, margins of error, period time frames
(`2005-2009`) compared only when they do not overlap, and a change within its margin of error is flat."""

from __future__ import annotations

import csv
import io
import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ci_lib.scoring.outcomes import cell_moe
from ci_lib.vocabulary import TREND_REASON, trend_words

HEADER = "community_id,indicator_id,year,group,numerator,denominator,value,numerator_moe,denominator_moe,value_moe"
EMPLOYMENT = {"id": "young_adult_employment", "name": "Young adults employed", "estimate": True}


def network(tmp_path: Path, rows: list[str], local: list[dict] | None = None, rules: dict | None = None,
            header: str = HEADER) -> subprocess.CompletedProcess:
    """A one-community network with `rows` of outcomes.csv, scored for 2025 by the CLI (not checked)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "communities.csv").write_text("community_id,name,state,anchor_entity,joined_year\n"
                                          "alpha,Alpha Promise,WI,Alpha Fund,2010\n", encoding="utf-8")
    (data / "benchmarks.csv").write_text("community_id,year,benchmark_id,status,evidence\n", encoding="utf-8")
    (data / "outcomes.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    params = tmp_path / "params" / "2025"
    params.mkdir(parents=True)
    network_yml = {"year": 2025, "framework": "toa-2019", "local_indicators": local if local is not None else [EMPLOYMENT]}
    if rules:
        network_yml["rules"] = rules
    (params / "network.yml").write_text(json.dumps(network_yml), encoding="utf-8")  # JSON is YAML
    return subprocess.run([sys.executable, "-m", "ci_lib.cli", "score", str(data), "--year", "2025", "--params",
                           str(tmp_path / "params"), "--json"], capture_output=True, text=True)


def outcome(tmp_path: Path, rows: list[str], **kwargs) -> dict:
    run = network(tmp_path, rows, **kwargs)
    assert run.returncode == 0, run.stderr
    found = [o for o in json.loads(run.stdout)[0]["outcomes"] if o["group"] == "all"]
    assert len(found) == 1, found
    return found[0]


def rows_of(indicator: str, cells: list[tuple], moe: bool = True) -> list[str]:
    """(year, numerator, denominator, value, numerator_moe, denominator_moe, value_moe) -> outcomes.csv rows
    (without the three MOE cells when `moe` is false)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for year, *numbers in cells:
        writer.writerow(["alpha", indicator, year, "all", *("" if c is None else c for c in numbers[:None if moe else 3])])
    return out.getvalue().splitlines()


# ------------------------------------------------------------------------------------ fractional counts
def test_fractional_counts_are_accepted_for_an_indicator_declared_an_estimate(tmp_path):
    row = outcome(tmp_path, rows_of("young_adult_employment", [(2023, "1234.6", "2000.4", None, None, None, None),
                                                               (2025, "1,310.2", "2,001.0", None, None, None, None)]))
    assert (row["baseline"], row["latest"], row["trend"]) == (61.7, 65.5, "improving")
    assert row["estimate"] is True and row["trend_reason"] is None and row["change_moe"] is None


def test_fractional_counts_of_an_indicator_not_declared_an_estimate_are_an_error_saying_how_to_declare_it(tmp_path):
    undeclared = {key: value for key, value in EMPLOYMENT.items() if key != "estimate"}
    run = network(tmp_path, rows_of("young_adult_employment", [(2025, "1234.6", 2000, None, None, None, None)]),
                  local=[undeclared])
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert ("outcomes.csv:2:numerator: '1234.6' is not a whole number: if indicator 'young_adult_employment' is a "
            "survey estimate (such as the American Community Survey's), declare `estimate: true`") in run.stderr


def test_a_fractional_count_of_a_rubric_indicator_says_the_rubric_counts_whole_numbers(tmp_path):
    run = network(tmp_path, rows_of("hs_graduation", [(2025, 400, "500.5", None, None, None, None)]))
    assert run.returncode == 2
    assert ("outcomes.csv:2:denominator: '500.5' is not a whole number: indicator 'hs_graduation' of the rubric "
            "counts whole numbers") in run.stderr


def test_a_margin_of_error_is_refused_for_an_indicator_not_declared_an_estimate(tmp_path):
    run = network(tmp_path, rows_of("hs_graduation", [(2025, 400, 500, None, None, None, "2.5")]))
    assert run.returncode == 2
    assert "outcomes.csv:2:value_moe: a margin of error is for an estimate" in run.stderr


def test_whole_counts_score_as_before_without_the_estimate_fields(tmp_path):
    row = outcome(tmp_path, rows_of("hs_graduation", [(2023, 400, 500, None, None, None, None),
                                                      (2025, 440, 500, None, None, None, None)], moe=False),
                  header=HEADER.rsplit(",", 3)[0])
    assert (row["baseline"], row["latest"], row["trend"]) == (80.0, 88.0, "improving")
    assert not {"estimate", "trend_reason", "change_moe", "latest_period_start"} & set(row)


# ------------------------------------------------------------------------------------ margins of error
def test_a_change_within_the_margin_of_error_is_flat_and_says_why(tmp_path):
    row = outcome(tmp_path, rows_of("young_adult_employment", [(2023, None, None, "60.0", None, None, "2.5"),
                                                               (2025, None, None, "63.0", None, None, "2.5")]))
    assert (row["change_pp"], row["change_moe"], row["trend"], row["trend_reason"]) == \
        (3.0, 3.5, "flat", "within_margin_of_error")  # sqrt(2.5^2 + 2.5^2) = 3.54
    assert "margin of error" in trend_words(row["trend"], row["trend_reason"])


def test_a_change_larger_than_the_margin_of_error_is_improving(tmp_path):
    row = outcome(tmp_path, rows_of("young_adult_employment", [(2023, None, None, "60.0", None, None, "2.5"),
                                                               (2025, None, None, "66.0", None, None, "2.5")]))
    assert (row["change_pp"], row["change_moe"], row["trend"], row["trend_reason"]) == (6.0, 3.5, "improving", None)


def test_the_margin_of_error_of_a_percent_from_counts_uses_the_census_proportion_formula(tmp_path):
    cells = pd.DataFrame({"numerator": [600.0, 600.0, 500.0, 600.0], "denominator": [1000.0, 1000.0, 1000.0, 1000.0],
                          "numerator_moe": [40.0, 40.0, 10.0, None], "denominator_moe": [None, 50.0, 50.0, None],
                          "value_moe": [None, None, None, 1.5]})
    moe = cell_moe(cells).tolist()
    assert moe[0] == pytest.approx(4.0)  # 40 / 1000, a denominator without error
    assert moe[1] == pytest.approx(math.sqrt(40**2 - 0.6**2 * 50**2) / 1000 * 100)
    assert moe[2] == pytest.approx(math.sqrt(10**2 + 0.5**2 * 50**2) / 1000 * 100)  # negative under the root: ratio
    assert moe[3] == 1.5  # value_moe as given


def test_count_margins_of_error_decide_a_trend_through_the_scores(tmp_path):
    row = outcome(tmp_path, rows_of("young_adult_employment", [(2023, 600, 1000, None, 40, None, None),
                                                               (2025, 650, 1000, None, 40, None, None)]))
    assert (row["change_pp"], row["change_moe"], row["trend"], row["trend_reason"]) == \
        (5.0, 5.7, "flat", "within_margin_of_error")  # 4.0 pp each: sqrt(32) = 5.66


# ------------------------------------------------------------------------------------ periods
PERIODS = [("2005-2009", None, None, "50.0", None, None, None), ("2006-2010", None, None, "58.0", None, None, None),
           ("2007-2011", None, None, "59.0", None, None, None)]


def test_overlapping_periods_are_not_compared_and_the_row_says_why(tmp_path):
    row = outcome(tmp_path, rows_of("young_adult_employment", PERIODS))
    assert (row["baseline_year"], row["latest_year"], row["latest_period_start"]) == (2009, 2011, 2007)
    assert (row["trend"], row["trend_reason"]) == ("insufficient_data", "overlapping_periods")
    assert "overlap" in trend_words(row["trend"], row["trend_reason"])
    (tmp_path / "prior").mkdir()
    prior = outcome(tmp_path / "prior", rows_of("young_adult_employment", PERIODS), rules={"trend": {"method": "prior"}})
    assert (prior["trend"], prior["trend_reason"]) == ("insufficient_data", "overlapping_periods")


def test_non_overlapping_periods_are_compared_never_an_overlapping_one(tmp_path):
    cells = [*PERIODS, ("2010\u20132014", None, None, "58.5", None, None, None)]
    row = outcome(tmp_path, rows_of("young_adult_employment", cells))
    assert (row["baseline_year"], row["baseline_period_start"], row["latest_year"], row["latest_period_start"]) == \
        (2009, 2005, 2014, 2010)
    assert (row["change_pp"], row["trend"], row["trend_reason"]) == (8.5, "improving", None)
    (tmp_path / "prior").mkdir()
    prior = outcome(tmp_path / "prior", rows_of("young_adult_employment", cells), rules={"trend": {"method": "prior"}})
    assert prior["trend"] == "improving"  # 2010-2014 vs 2005-2009 (+8.5), not vs 2007-2011 (-0.5: flat)


def test_consecutive_moves_of_periods_skip_the_overlapping_ones(tmp_path):
    cells = [("2000-2004", None, None, "40.0", None, None, None), *PERIODS,
             ("2010 - 2014", None, None, "58.5", None, None, None)]
    (tmp_path / "two").mkdir()
    row = outcome(tmp_path / "two", rows_of("young_adult_employment", cells),
                  rules={"trend": {"method": "consecutive", "periods": 2}})
    assert row["trend"] == "improving"  # 2000-2004 -> 2005-2009 -> 2010-2014, the overlapping ones skipped
    (tmp_path / "three").mkdir()
    row = outcome(tmp_path / "three", rows_of("young_adult_employment", cells),
                  rules={"trend": {"method": "consecutive", "periods": 3}})
    assert (row["trend"], row["trend_reason"]) == ("insufficient_data", "overlapping_periods")


def test_a_period_of_an_indicator_not_declared_an_estimate_is_accepted_and_flagged(tmp_path):
    """A period is a time frame, not a kind of count: a multi-year average of whole counts is read the same way."""
    row = outcome(tmp_path, rows_of("hs_graduation", [("2005-2009", 400, 500, None, None, None, None),
                                                      ("2008-2012", 420, 500, None, None, None, None)], moe=False),
                  header=HEADER.rsplit(",", 3)[0])
    assert (row["latest_year"], row["latest_period_start"], row["estimate"]) == (2012, 2008, False)
    assert (row["trend"], row["trend_reason"]) == ("insufficient_data", "overlapping_periods")


def test_a_period_and_a_single_year_ending_the_same_year_are_one_cell_twice(tmp_path):
    run = network(tmp_path, rows_of("young_adult_employment", [("2005-2009", None, None, "50.0", None, None, None),
                                                               (2009, None, None, "51.0", None, None, None)]))
    assert run.returncode == 2 and "outcomes.csv:3:group: duplicate row" in run.stderr


def test_trend_reasons_have_words():
    assert set(TREND_REASON) == {"within_margin_of_error", "overlapping_periods"}
    assert trend_words("flat", None) == "Flat"


def test_disparity_gaps_of_periods_compare_only_periods_that_do_not_overlap(tmp_path):
    def gap(folder: Path, years: list[str]) -> dict:
        folder.mkdir()
        rows = [f"alpha,young_adult_employment,{year},{group},,,{value + 2 * i},,," for i, year in enumerate(years)
                for group, value in (("all", 60.0), ("white", 65.0), ("black", 50.0 + 2 * i))]
        run = network(folder, rows)
        assert run.returncode == 0, run.stderr
        return next(d for d in json.loads(run.stdout)[0]["disparities"] if d["group"] == "black")

    overlapping = gap(tmp_path / "overlapping", ["2005-2009", "2007-2011"])
    assert overlapping["gap_trend"] == "insufficient_data"
    apart = gap(tmp_path / "apart", ["2005-2009", "2007-2011", "2010-2014"])
    assert (apart["baseline_year"], apart["latest_year"], apart["gap_baseline_pp"], apart["gap_latest_pp"],
            apart["gap_trend"]) == (2009, 2014, 15.0, 11.0, "narrowing")
