"""Worked examples with hand-computed numbers, kept as readable tables."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from ci_lib.inputs.load import NetworkData
from ci_lib.inputs.rubric import load_rubric
from ci_lib.scoring import score_network

RUBRIC = load_rubric("toa-2019")


def table(text: str, **dtypes) -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(text), sep=r"\s*\|\s*", engine="python", skipinitialspace=True)
    frame.columns = [c.strip() for c in frame.columns]
    return frame.astype(dtypes)


def network(outcomes: str, benchmarks: pd.DataFrame | None = None) -> NetworkData:
    communities = pd.DataFrame({"community_id": ["alpha"], "name": ["Alpha Promise"], "state": ["OH"],
                                "anchor_entity": ["United Way"], "joined_year": pd.array([2015], dtype="Int64")})
    out = table(outcomes)
    for col in ("numerator", "denominator"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
    out["value"] = pd.to_numeric(out.get("value", pd.Series(pd.NA, index=out.index)), errors="coerce").astype("Float64")
    out["year"] = out["year"].astype("Int64")
    if benchmarks is None:
        benchmarks = pd.DataFrame(columns=["community_id", "year", "benchmark_id", "status", "evidence", "reviewer"])
    return NetworkData(data_dir=None, communities=communities, benchmarks=benchmarks, outcomes=out)  # type: ignore[arg-type]


# Kindergarten readiness in Alpha. All students: 40.0% (2019) -> 46.0% (2023): +6.0 pp, improving.
# White 50.0 -> 52.0; Black 30.0 -> 40.0. Gap (white - black): 20.0 -> 12.0: change -8.0, narrowing.
# Hispanic 45.0 -> 55.0: gap 5.0 -> -3.0: reversed. Asian has 8 students in 2023: suppressed (min_cell 10);
# all - the shown race groups gives asian together with the 72 students in no listed race group (500 - 428):
# 80 students, at least min_cell, so no other group needs suppressing (two or more races stays shown).
OUTCOMES = """
community_id | indicator_id           | year | group    | numerator | denominator
alpha        | kindergarten_readiness | 2019 | all      | 200       | 500
alpha        | kindergarten_readiness | 2023 | all      | 230       | 500
alpha        | kindergarten_readiness | 2019 | white    | 100       | 200
alpha        | kindergarten_readiness | 2023 | white    | 104       | 200
alpha        | kindergarten_readiness | 2019 | black    | 30        | 100
alpha        | kindergarten_readiness | 2023 | black    | 40        | 100
alpha        | kindergarten_readiness | 2019 | hispanic | 45        | 100
alpha        | kindergarten_readiness | 2023 | hispanic | 55        | 100
alpha        | kindergarten_readiness | 2019 | asian    | 5         | 12
alpha        | kindergarten_readiness | 2023 | asian    | 4         | 8
alpha        | kindergarten_readiness | 2019 | two_or_more | 10     | 20
alpha        | kindergarten_readiness | 2023 | two_or_more | 11     | 20
"""


def scored(outcomes: str = OUTCOMES, **kw):
    return score_network(network(outcomes, kw.get("benchmarks")), RUBRIC, None, 2023).scores["alpha"]


def row(rows: list[dict], **match) -> dict:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_outcome_trend_worked_example():
    s = scored()
    total = row(s["outcomes"], indicator_id="kindergarten_readiness", group="all")
    assert total == {"indicator_id": "kindergarten_readiness", "group": "all", "baseline_year": 2019, "baseline": 40.0,
                     "latest_year": 2023, "latest": 46.0, "change_pp": 6.0, "change_pct": 15.0, "change_kind": "points", "streak": 1,
                     "baseline_fallback": False, "target": None, "target_year": None, "on_track": None,
                     "trend": "improving", "suppressed": False, "family": "all", "core": True}
    white = row(s["outcomes"], group="white")
    assert (white["change_pp"], white["trend"]) == (2.0, "improving")


def test_disparity_worked_example():
    s = scored()
    black = row(s["disparities"], group="black")
    assert (black["family"], black["reference_group"], black["gap_baseline_pp"], black["gap_latest_pp"],
            black["gap_change_pp"], black["gap_trend"], black["closing"]) == ("race_ethnicity", "white", 20.0, 12.0, -8.0,
                                                                              "narrowing", True)
    hispanic = row(s["disparities"], group="hispanic")
    assert (hispanic["gap_baseline_pp"], hispanic["gap_latest_pp"], hispanic["gap_trend"], hispanic["closing"]) == \
        (5.0, -3.0, "reversed", True)


def test_small_cell_and_everything_derived_from_it_is_suppressed():
    s = scored()
    asian = row(s["outcomes"], group="asian")
    assert asian["suppressed"] and asian["latest"] is None and asian["change_pp"] is None
    assert asian["trend"] == "insufficient_data"
    gap = row(s["disparities"], group="asian")
    assert gap["gap_latest_pp"] is None and gap["gap_trend"] == "insufficient_data"


def test_summary_shares_and_proof_point():
    s = scored()
    # one core indicator, improving: 1/1; gaps: black narrowing, hispanic reversed -> closing; two_or_more
    # 0 -> -3 was never behind (no gap to close) and asian is suppressed -> not counted: 2/2 closing.
    # One indicator proves nothing: the rule needs at least 4 core indicators with a known trend, so no
    # proof point.
    summary = s["summary"]
    assert (summary["indicators_improving_share"], summary["gaps_closing_share"], summary["proof_point"]) == \
        (1.0, 1.0, False)
    basis = summary["proof_point_basis"]
    assert (basis["core_indicators_known"], basis["core_indicators_improving"], basis["min_indicators"],
            basis["reason"], basis["gap_share_required"]) == (1, 1, 4, "too_few_core_indicators", None)
    assert summary["gaps_closing_by_family"] == {"race_ethnicity": 1.0}


def test_lower_is_better_flips_trend_and_gap_sign():
    lower = RUBRIC.with_local_outcomes([{"id": "chronic_absence", "name": "Chronic absence",
                                         "polarity": "lower_is_better"}])
    text = OUTCOMES.replace("kindergarten_readiness", "chronic_absence")
    s = score_network(network(text), lower, None, 2023).scores["alpha"]
    assert row(s["outcomes"], group="all")["trend"] == "declining"  # absence rose 6 points: worse
    black = row(s["disparities"], group="black")
    assert (black["gap_baseline_pp"], black["gap_latest_pp"]) == (-20.0, -12.0)


# Benchmarks: exploring has 8 benchmarks. All met -> exploring reached; emerging half met, half in progress.
def bench_rows(statuses: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"community_id": "alpha", "year": 2023, "benchmark_id": b, "status": st, "evidence": "",
                          "reviewer": ""} for b, st in statuses.items()]).astype({"year": "Int64"})


def test_gateway_reached_next_and_missing():
    exploring = [b.id for b in RUBRIC.benchmarks if b.gateway == "exploring"]
    emerging = [b.id for b in RUBRIC.benchmarks if b.gateway == "emerging"]
    statuses = {b: "met" for b in exploring}
    statuses.update({b: ("met" if i % 2 == 0 else "in_progress") for i, b in enumerate(emerging)})
    s = scored(benchmarks=bench_rows(statuses))
    assert s["gateway"]["reached"] == "exploring" and s["gateway"]["next"] == "emerging"
    assert s["gateway"]["missing"] == sorted(b for i, b in enumerate(emerging) if i % 2)
    emerging_share = (sum(1 for i in range(len(emerging)) if i % 2 == 0) + 0.5 * (len(emerging) // 2)) / len(emerging)
    cells = [b for b in RUBRIC.benchmarks if b.gateway == "emerging" and b.pillar == "shared_vision"]
    expected = sum(1.0 if emerging.index(b.id) % 2 == 0 else 0.5 for b in cells) / len(cells)
    assert s["pillars"]["shared_vision"]["emerging"] == pytest.approx(round(expected, 3))
    assert 0 < emerging_share < 1
    # a benchmark without a rating is not rated (credit 0), flagged, and the assessment is incomplete
    unrated = sorted(b.id for b in RUBRIC.benchmarks if b.id not in statuses)
    assert s["missing_ratings"] == unrated and s["summary"]["not_rated"] == len(unrated)
    assert {r["status"] for r in s["benchmarks"] if r["benchmark_id"] in unrated} == {"not_rated"}
    assert s["gateway"]["incomplete"] is True


def test_an_unrated_benchmark_neither_helps_nor_blocks_a_gateway():
    exploring = [b.id for b in RUBRIC.benchmarks if b.gateway == "exploring"]
    statuses = {b: "met" for b in exploring[1:]}
    s = scored(benchmarks=bench_rows(statuses))
    assert s["gateway"]["reached"] == "exploring" and s["gateway"]["incomplete"] is True
    # the same benchmark rated not started does block
    s = scored(benchmarks=bench_rows({**statuses, exploring[0]: "not_started"}))
    assert s["gateway"]["reached"] is None and s["gateway"]["missing"] == [exploring[0]]


def test_complementary_suppression_protects_the_total():
    # race groups partition `all`: with only `asian` small, total - others would reveal it, so the next
    # smallest race group is suppressed too.
    text = """
community_id | indicator_id  | year | group    | numerator | denominator
alpha        | hs_graduation | 2023 | all      | 170       | 208
alpha        | hs_graduation | 2023 | white    | 100       | 120
alpha        | hs_graduation | 2023 | black    | 50        | 60
alpha        | hs_graduation | 2023 | hispanic | 15        | 20
alpha        | hs_graduation | 2023 | asian    | 5         | 8
"""
    s = scored(text)
    suppressed = {r["group"] for r in s["outcomes"] if r["suppressed"]}
    assert suppressed == {"asian", "hispanic"}
