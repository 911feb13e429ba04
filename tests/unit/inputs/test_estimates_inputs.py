"""Estimates and periods on the way in (#19 item 4): `parse_time_frame` / `parse_year` on period labels (also on
the real KIDS COUNT exports in ../shared/realdata, skipped when absent), `year` cells written as periods in
outcomes.csv, fractional counts only for declared estimates, margins of error, and whole-count data whose
dtypes do not change."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from ci_lib.cli import main
from ci_lib.errors import InvalidInput, KitError
from ci_lib.inputs.importers import TimeFrame, parse_time_frame, parse_year
from ci_lib.inputs.load import load_network
from ci_lib.inputs.parameters import load_params
from ci_lib.inputs.rubric import load_rubric
from tests.unit.inputs.test_source_markers import realdata

HEADER = "community_id,indicator_id,year,group,numerator,denominator,value"


# ------------------------------------------------------------------------------------ parse_time_frame
@pytest.mark.parametrize("label", ["2005-2009", "2005\u20132009", "2005 - 2009", " 2005\u20142009 ", "2005\u22122009"])
def test_a_span_of_more_than_one_year_is_a_period_read_at_its_end_year(label):
    frame = parse_time_frame(label)
    assert frame == TimeFrame(2009, 2005) and frame.is_period and frame.label == "2005-2009"


@pytest.mark.parametrize("label, year", [("2015-16", 2016), ("2015-2016", 2016), ("SY 2015-16", 2016), (2016, 2016),
                                         ("2016", 2016)])
def test_school_years_and_single_years_are_not_periods(label, year):
    assert parse_time_frame(label) == TimeFrame(year) and parse_time_frame(label).label == str(year)
    assert parse_year(label) == year  # parse_year reads them as it always did


def test_parse_year_says_a_period_is_a_period_not_a_school_year():
    with pytest.raises(ValueError, match=r"'2005-2009' is a period of 5 years \(a multi-year estimate\), not one "
                                         r"school year: a time frame \(2005-2009 in outcomes.csv's year column\) is "
                                         r"read at its end year, 2009"):
        parse_year("2005-2009")


@pytest.mark.parametrize("label", ["2005-09", "2009-2005", "2009-2009", "2005-2009-2013", "2005 to 2009"])
def test_a_period_must_be_written_with_both_years_in_full_and_in_order(label):
    with pytest.raises(ValueError):
        parse_time_frame(label)
    with pytest.raises(ValueError):
        parse_year(label)


def kidscount_time_frames() -> dict[str, list[str]]:
    folder = realdata() / "kidscount_co"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent (Colorado KIDS COUNT exports)")
    found = {}
    for path in sorted(folder.glob("*.csv")):
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")  # CR line endings
        found[path.name] = [row["TimeFrame"] for row in csv.DictReader(io.StringIO(text))]
    return found


def test_every_time_frame_of_the_colorado_kids_count_exports_is_read_and_only_income_has_periods():
    frames = kidscount_time_frames()
    parsed = {name: [parse_time_frame(label) for label in labels] for name, labels in frames.items()}
    with_periods = {name for name, found in parsed.items() if any(f.is_period for f in found)}
    assert with_periods == {"Median household income.csv"}
    income = parsed["Median household income.csv"]
    assert sorted({(f.period_start, f.year) for f in income}) == [(2005, 2009), (2006, 2010), (2007, 2011),
                                                                  (2008, 2012), (2009, 2013)]  # ACS 5-year
    assert all(f.label == label for f, label in zip(income, frames["Median household income.csv"], strict=True))
    poverty = parsed["School-aged children in poverty.csv"]
    assert not any(f.is_period for f in poverty) and {f.year for f in poverty} >= {1995, 2005, 2013}
    with pytest.raises(ValueError, match="is a period of 5 years"):
        parse_year(frames["Median household income.csv"][0])


# ------------------------------------------------------------------------------------ outcomes.csv
def data_dir(tmp_path: Path, rows: list[str], header: str = HEADER, local: list[dict] | None = None) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "communities.csv").write_text("community_id,name,state,anchor_entity,joined_year\n"
                                          "alpha,Alpha Promise,WI,Alpha Fund,2010\n", encoding="utf-8")
    (data / "benchmarks.csv").write_text("community_id,year,benchmark_id,status,evidence\n", encoding="utf-8")
    (data / "outcomes.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    params = tmp_path / "params" / "2025"
    params.mkdir(parents=True)
    (params / "network.yml").write_text(json.dumps({"year": 2025, "framework": "toa-2019",
                                                    "local_indicators": local or []}), encoding="utf-8")
    return data


def loaded(tmp_path: Path, data: Path):
    params = load_params(2025, tmp_path / "params")
    return load_network(data, load_rubric("toa-2019"), params.all_local_indicator_ids(),
                        params.estimate_indicator_ids()).outcomes


def test_periods_in_the_year_column_load_at_their_end_year_with_period_start(tmp_path):
    data = data_dir(tmp_path, ["alpha,hs_graduation,2005-2009,all,400,500,", "alpha,hs_graduation,2006 \u2013 2010,all,410,500,",
                               "alpha,hs_graduation,2011,all,420,500,"])
    out = loaded(tmp_path, data)
    assert out["year"].tolist() == [2009, 2010, 2011] and str(out["year"].dtype) == "Int64"
    assert out["period_start"].tolist()[:2] == [2005, 2006] and out["period_start"].isna().tolist()[2]


def test_whole_counts_stay_int64_and_estimates_are_float64(tmp_path):
    whole = loaded(tmp_path, data_dir(tmp_path, ["alpha,hs_graduation,2025,all,400,500,"]))
    assert str(whole["numerator"].dtype) == "Int64" and str(whole["denominator"].dtype) == "Int64"
    (tmp_path / "estimate").mkdir()
    data = data_dir(tmp_path / "estimate", ["alpha,acs_employment,2025,all,\"1,234.6\",2000.4,"],
                    local=[{"id": "acs_employment", "estimate": True}])
    estimate = loaded(tmp_path / "estimate", data)
    assert estimate["numerator"].tolist() == [1234.6] and str(estimate["numerator"].dtype) == "Float64"


def test_fractional_counts_of_an_undeclared_indicator_are_listed_then_counted(tmp_path, capsys):
    rows = [f"alpha,acs_employment,{2010 + i},all,{100 + i}.5,1000," for i in range(8)]
    data = data_dir(tmp_path, rows, local=[{"id": "acs_employment"}])
    with pytest.raises(InvalidInput) as caught:
        loaded(tmp_path, data)
    lines = [str(p) for p in caught.value.problems]
    assert any(line.endswith("outcomes.csv:2:numerator: '100.5' is not a whole number: if indicator 'acs_employment' "
                             "is a survey estimate (such as the American Community Survey's), declare `estimate: "
                             "true` for it under `local_indicators` in the year's params") for line in lines)
    assert any("3 more cells in column numerator are not whole numbers" in line for line in lines)


def test_validate_without_params_does_not_check_estimates_of_indicators_outside_the_rubric(tmp_path, capsys):
    data = data_dir(tmp_path, ["alpha,acs_employment,2025,all,1234.6,2000,"])
    assert main(["validate", str(data)]) == 0
    assert "not checked without params" in capsys.readouterr().err
    assert main(["validate", str(data), "--year", "2025", "--params", str(tmp_path / "params")]) == 2
    assert "declare `estimate: true`" in capsys.readouterr().err


def test_margins_of_error_need_their_number_and_are_scaled_with_fractions(tmp_path):
    header = HEADER + ",numerator_moe,value_moe"
    data = data_dir(tmp_path, ["alpha,acs_employment,2024,all,,,0.61,,0.021", "alpha,acs_employment,2025,all,,,0.62,12,"],
                    header=header, local=[{"id": "acs_employment", "estimate": True}])
    with pytest.raises(InvalidInput) as caught:
        loaded(tmp_path, data)
    assert [str(p).split("outcomes.csv:")[1] for p in caught.value.problems] == \
        ["3:numerator_moe: numerator_moe given without numerator"]
    (data / "outcomes.csv").write_text(f"{header}\nalpha,acs_employment,2024,all,,,0.61,,0.021\n", encoding="utf-8")
    (data / "data.yml").write_text("scale: fraction\n", encoding="utf-8")
    out = loaded(tmp_path, data)
    assert out["value"].round(6).tolist() == [61.0] and out["value_moe"].round(6).tolist() == [2.1]


def test_estimate_is_true_or_false_and_one_definition_per_id(tmp_path):
    data_dir(tmp_path, [], local=[{"id": "acs_employment", "estimate": "yes"}])
    with pytest.raises(KitError, match=r"local_indicators.acs_employment.estimate: must be true or false"):
        load_params(2025, tmp_path / "params")
    (tmp_path / "params" / "2025" / "network.yml").write_text(json.dumps(
        {"year": 2025, "local_indicators": [{"id": "acs_employment", "estimate": True}]}), encoding="utf-8")
    (tmp_path / "params" / "2025" / "alpha.yml").write_text(json.dumps(
        {"local_indicators": [{"id": "acs_employment", "estimate": False}]}), encoding="utf-8")
    with pytest.raises(KitError, match="estimate 'False' differs from 'True'"):
        load_params(2025, tmp_path / "params")
