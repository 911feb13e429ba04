"""Units (#19 item 3), scored through the public command `ci-assess score --json` on a small data directory:
a currency indicator's trend is measured relative to the earlier value and has no disparity gaps; a rate per
1,000 keeps percentage-style points, is computed from counts x 1000 and has gaps; an unknown unit or counts
for a currency are refused with the file and the key."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.paths import REPO_ROOT

COMMUNITIES = "community_id,name,state,anchor_entity,joined_year\nmetro,Metro Partnership,CO,United Way of Metro,2015\n"
BENCHMARKS = "community_id,year,benchmark_id,status,evidence\nmetro,2025,sv-ex-1,met,minutes\n"
# median income: all +4 % (improving); white +$300 = +0.5 % (flat, although 300 "points" is far above 1);
# black +$1,500 on $30,000 = +5 % (improving). Teen births per 1,000 from counts (30/1000 -> 30.0).
OUTCOMES = """community_id,indicator_id,year,group,numerator,denominator,value
metro,median_income,2021,all,,,50000
metro,median_income,2025,all,,,52000
metro,median_income,2021,white,,,60000
metro,median_income,2025,white,,,60300
metro,median_income,2021,black,,,30000
metro,median_income,2025,black,,,31500
metro,steady_income,2021,all,,,50000
metro,steady_income,2025,all,,,52000
metro,teen_births,2021,all,30,1000,
metro,teen_births,2025,all,20,1000,
metro,teen_births,2021,white,20,1000,
metro,teen_births,2025,white,15,1000,
metro,teen_births,2021,black,50,1000,
metro,teen_births,2025,black,30,1000,
"""
NETWORK = """year: 2025
framework: toa-2019
local_indicators:
  - {id: median_income, name: Median household income, unit: currency}
  - {id: steady_income, name: Income with its own minimum change, unit: currency, min_change: 5}
  - {id: teen_births, name: Teen births, unit: rate_per_1000, polarity: lower_is_better}
"""


def network(tmp_path: Path, outcomes: str = OUTCOMES, params: str = NETWORK) -> tuple[Path, Path]:
    data, year = tmp_path / "data", tmp_path / "params" / "2025"
    data.mkdir(parents=True)
    year.mkdir(parents=True)
    for name, text in (("communities", COMMUNITIES), ("benchmarks", BENCHMARKS), ("outcomes", outcomes)):
        (data / f"{name}.csv").write_text(text, encoding="utf-8")
    (year / "network.yml").write_text(params, encoding="utf-8")
    return data, tmp_path / "params"


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ci_lib.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO_ROOT)


def scored(tmp_path: Path) -> dict:
    data, params = network(tmp_path)
    out = cli("score", data, "--year", "2025", "--params", params, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)[0]


def row(rows: list[dict], indicator: str, group: str) -> dict:
    found = [r for r in rows if r["indicator_id"] == indicator and r["group"] == group]
    assert len(found) == 1, (indicator, group, rows)
    return found[0]


def test_currency_trends_are_relative_changes_and_currency_has_no_gaps(tmp_path):
    scores = scored(tmp_path)
    outcomes = scores["outcomes"]
    every = row(outcomes, "median_income", "all")
    assert (every["baseline"], every["latest"], every["change_pp"], every["change_pct"]) == (50000.0, 52000.0,
                                                                                              2000.0, 4.0)
    assert every["change_kind"] == "relative" and every["trend"] == "improving"
    white = row(outcomes, "median_income", "white")
    assert (white["change_pp"], white["change_pct"], white["trend"]) == (300.0, 0.5, "flat")  # 0.5 % < 1 %
    assert row(outcomes, "median_income", "black")["trend"] == "improving"
    assert row(outcomes, "steady_income", "all")["trend"] == "flat"  # +4 % under its own minimum change of 5 %
    assert not [d for d in scores["disparities"] if d["indicator_id"] in ("median_income", "steady_income")]


def test_a_rate_per_1000_keeps_points_is_computed_from_counts_and_has_gaps(tmp_path):
    scores = scored(tmp_path)
    every = row(scores["outcomes"], "teen_births", "all")
    assert (every["baseline"], every["latest"], every["change_pp"], every["change_kind"]) == (30.0, 20.0, -10.0,
                                                                                               "points")
    assert every["trend"] == "improving"  # lower is better
    gap = row(scores["disparities"], "teen_births", "black")
    assert (gap["reference_group"], gap["gap_baseline_pp"], gap["gap_latest_pp"], gap["gap_trend"]) == \
        ("white", 30.0, 15.0, "narrowing")
    assert row(scores["outcomes"], "teen_births", "white")["change_kind"] == "points"


def test_percent_indicators_keep_points(tmp_path):
    outcomes = OUTCOMES + "metro,hs_graduation,2021,all,80,100,\nmetro,hs_graduation,2025,all,85,100,\n"
    data, params = network(tmp_path, outcomes)
    out = cli("score", data, "--year", "2025", "--params", params, "--json")
    graduation = row(json.loads(out.stdout)[0]["outcomes"], "hs_graduation", "all")
    assert (graduation["change_pp"], graduation["change_kind"], graduation["trend"]) == (5.0, "points", "improving")


def test_an_unknown_unit_is_refused_with_the_params_file_and_key(tmp_path):
    data, params = network(tmp_path, params=NETWORK.replace("unit: currency}", "unit: dollars}", 1))
    out = cli("score", data, "--year", "2025", "--params", params, "--json")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert f"{params / '2025' / 'network.yml'}::local_indicators.median_income.unit" in out.stderr
    assert "must be one of percent, rate_per_1000, count, currency, score, not 'dollars'" in out.stderr


def test_currency_values_are_not_percents_and_are_not_given_as_counts(tmp_path):
    data, params = network(tmp_path, OUTCOMES + "metro,median_income,2023,all,5,10,\n"
                                                 "metro,teen_births,2023,white,,,1200\n")
    out = cli("validate", data, "--year", "2025", "--params", params)
    assert out.returncode == 2, out.stdout
    assert "outcomes.csv:16:numerator: a currency (dollars) indicator is given as `value`" in out.stderr
    assert "outcomes.csv:17:value: 1200.0: a rate per 1,000 must be within 0-1000" in out.stderr
    assert "a percent must be within 0-100" not in out.stderr  # $52,000 is not a percent


def test_the_methods_page_says_how_non_percent_indicators_are_measured_only_when_there_are_some(tmp_path):
    from ci_lib.inputs.rubric import load_rubric
    from ci_lib.website.content import YearContent

    scores = scored(tmp_path)
    manifest = {"year": 2025, "framework": "toa-2019", "notebooks": {}, "communities": ["metro"]}
    rubric = load_rubric("toa-2019")
    methods = YearContent(tmp_path / "reports" / "2025", manifest, {"metro": scores}, rubric).methods_markdown()
    assert "**Units**: count, currency (dollars) and score indicators change *relative* to the earlier value" in methods
    assert "measured for percents and rates per 1,000 only" in methods
    percents = {**scores, "outcomes": [o for o in scores["outcomes"] if o["change_kind"] == "points"]}
    assert "**Units**" not in YearContent(tmp_path / "reports" / "2025", manifest, {"metro": percents},
                                          rubric).methods_markdown()


def test_prior_consecutive_and_streaks_measure_currency_relative_too(tmp_path):
    outcomes = """community_id,indicator_id,year,group,numerator,denominator,value
metro,median_income,2021,all,,,50000
metro,median_income,2023,all,,,51000
metro,median_income,2025,all,,,51300
metro,steady_income,2021,all,,,50000
metro,steady_income,2023,all,,,51000
metro,steady_income,2025,all,,,52000
"""
    rows = {}
    for method in ("prior", "consecutive"):
        params = NETWORK.replace("steady_income, name: Income with its own minimum change, unit: currency, min_change: 5",
                                 "steady_income, name: Steady income, unit: currency")
        params += f"rules:\n  trend: {{method: {method}, periods: 2}}\n"
        data, root = network(tmp_path / method, outcomes, params)
        out = cli("score", data, "--year", "2025", "--params", root, "--json")
        assert out.returncode == 0, out.stderr
        rows[method] = {o["indicator_id"]: o for o in json.loads(out.stdout)[0]["outcomes"]}
    # +$300 on $51,000 is +0.6 %: flat, although 300 "points" would be far above the 1-point rule
    assert rows["prior"]["median_income"]["trend"] == "flat" and rows["prior"]["median_income"]["streak"] == 0
    assert rows["consecutive"]["median_income"]["trend"] == "flat"
    assert rows["prior"]["steady_income"]["trend"] == "improving"  # +2.0 %, then +1.96 %
    assert rows["consecutive"]["steady_income"]["trend"] == "improving" and rows["prior"]["steady_income"]["streak"] == 2
