"""The field's scoring rules, each on a worked example (tests/fixtures/scoring_rules, see its README), scored
through the public command `ci-assess score --json`; then properties of the rules with hypothesis."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ci_lib.inputs.load import NetworkData
from ci_lib.inputs.parameters import YearParams
from ci_lib.inputs.rubric import load_rubric
from ci_lib.scoring import score_network
from tests.paths import FIXTURES_DIR

RULES = FIXTURES_DIR / "scoring_rules"


@cache
def scores(year: int = 2025) -> dict[str, dict]:
    data = RULES / ("data" if year == 2025 else f"data-{year}")
    out = subprocess.run([sys.executable, "-m", "ci_lib.cli", "score", str(data), "--year", str(year), "--params",
                          str(RULES / "params"), "--json"], capture_output=True, text=True, check=True)
    return {s["community_id"]: s for s in json.loads(out.stdout)}


def one(rows: list[dict], **match) -> dict:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def test_every_group_is_compared_within_its_own_family():
    gaps = scores()["families"]["disparities"]
    got = {d["group"]: (d["family"], d["reference_group"], d["gap_baseline_pp"], d["gap_latest_pp"]) for d in gaps}
    assert got == {
        "black": ("race_ethnicity", "white", 20.0, 14.0),
        "female": ("gender", "male", 10.0, 6.0),
        "low_income": ("income", "not_low_income", 20.0, 24.0),
        "english_learner": ("language", "not_english_learner", 22.0, 16.0),
        "disability": ("disability", "no_disability", 35.0, 28.0),
    }
    summary = scores()["families"]["summary"]
    assert summary["gaps_closing_share"] == 0.8  # 4 of 5 narrowing; low income widening
    assert summary["gaps_closing_by_family"] == {"disability": 1.0, "gender": 1.0, "income": 0.0, "language": 1.0,
                                                 "race_ethnicity": 1.0}


def test_a_reversed_gap_has_closed_entirely_and_falling_behind_is_not_a_reversal():
    gaps = scores()["reversal"]["disparities"]
    black = one(gaps, group="black")
    assert (black["gap_baseline_pp"], black["gap_latest_pp"], black["gap_trend"], black["closing"]) == \
        (2.0, -3.0, "reversed", True)
    hispanic = one(gaps, group="hispanic")
    assert (hispanic["gap_baseline_pp"], hispanic["gap_latest_pp"], hispanic["gap_trend"], hispanic["closing"]) == \
        (-3.0, 1.0, "widening", False)


def test_the_proof_point_is_sixty_percent_of_core_indicators_and_gaps_are_reported_not_required():
    summary = scores()["proof-point-rule"]["summary"]
    basis = summary["proof_point_basis"]
    assert summary["proof_point"] is True and summary["indicators_improving_share"] == 0.667
    assert summary["gaps_closing_share"] == 0.0 and basis["gap_share_required"] is None
    assert (basis["core_indicators_known"], basis["core_indicators_improving"], basis["share_required"],
            basis["min_indicators"], basis["reason"]) == (6, 4, 0.6, 4, "met")
    assert "4 of 6 core indicators" in basis["sentence"] and "reported, not required" in basis["sentence"]


def test_local_indicators_never_count_unless_declared_core():
    few = scores()["too-few-core"]["summary"]
    assert few["proof_point"] is False and few["proof_point_basis"]["reason"] == "too_few_core_indicators"
    assert few["indicators_improving_share"] == 0.5  # kindergarten up, graduation down; the local two are not counted
    local = {o["indicator_id"]: o for o in scores()["too-few-core"]["outcomes"]}
    assert local["chronic_absence"]["trend"] == "improving" and local["chronic_absence"]["core"] is False
    declared = scores()["local-core"]["summary"]
    assert declared["proof_point"] is True and declared["proof_point_basis"]["core_indicators_known"] == 5
    assert declared["indicators_improving_share"] == 0.6


def test_an_unrated_benchmark_is_not_rated_and_the_gateway_stays_computed_from_what_was_rated():
    s = scores()["unrated"]
    unrated = [b for b in s["benchmarks"] if b["status"] == "not_rated"]
    assert len(unrated) == 1 and unrated[0]["credit"] == 0 and unrated[0]["gateway"] == "exploring"
    assert s["gateway"]["reached"] == "sustaining" and s["gateway"]["incomplete"] is True
    assert s["missing_ratings"] == [unrated[0]["benchmark_id"]] and s["summary"]["not_rated"] == 1


def test_carry_forward_uses_last_years_rating_and_says_so():
    s = scores()["carry-forward"]
    carried = [b for b in s["benchmarks"] if b["carried_forward"]]
    assert len(carried) == 1 and carried[0]["status"] == "met"
    assert s["gateway"] == {"reached": "sustaining", "next": "systems_change", "missing": s["gateway"]["missing"],
                            "incomplete": False}


def test_a_baseline_year_without_data_falls_back_to_the_earliest_later_year_unless_strict():
    fallback = one(scores()["baseline-fallback"]["outcomes"], group="all")
    assert (fallback["baseline_year"], fallback["baseline_fallback"], fallback["baseline"], fallback["latest"],
            fallback["change_pp"], fallback["change_pct"], fallback["trend"]) == \
        (2019, True, 40.0, 47.0, 7.0, 17.5, "improving")
    strict = one(scores()["baseline-strict"]["outcomes"], group="all")
    assert (strict["baseline_year"], strict["baseline_fallback"], strict["trend"]) == (2018, False, "insufficient_data")


def test_targets_give_on_track_against_the_straight_path_and_streaks_count_periods():
    rows = {o["indicator_id"]: o for o in scores()["targets"]["outcomes"]}
    kinder, grad = rows["kindergarten_readiness"], rows["hs_graduation"]
    assert (kinder["target"], kinder["target_year"], kinder["on_track"], kinder["streak"]) == (60.0, 2030, True, 3)
    assert (grad["target"], grad["target_year"], grad["on_track"], grad["streak"]) == (90.0, 2028, False, 2)


def test_highest_reference_is_the_best_group_at_the_baseline():
    gaps = scores()["highest-reference"]["disparities"]
    assert {d["reference_group"] for d in gaps} == {"asian"}
    assert one(gaps, group="white")["gap_baseline_pp"] == 10.0


def test_the_2024_framework_reaches_proof_point_before_systems_transformation():
    s = scores(2024)["order-2024"]
    assert s["framework"] == "toa-2024" and s["summary"]["proof_point"] is True
    assert (s["gateway"]["reached"], s["gateway"]["next"]) == ("proof_point", "systems_transformation")
    rubric = load_rubric("toa-2024")
    assert rubric.gateway_ids.index("proof_point") < rubric.gateway_ids.index("systems_transformation")
    assert "rendering" in rubric.title and "rendering" in load_rubric("toa-2019").title


# --- properties ----------------------------------------------------------------------------------------------
RUBRIC = load_rubric("toa-2019")
FAMILY_OF = {g: f.id for f in RUBRIC.families.values() for g in f.groups}
PROPERTY_GROUPS = ["all", "white", "black", "asian", "female", "male", "low_income", "not_low_income",
                   "english_learner", "disability", "no_disability", "female_black", "female_white"]
YEARS = [2019, 2022]


def network(cells: dict, indicators: list[str]) -> NetworkData:
    rows = [{"community_id": "alpha", "indicator_id": ind, "year": y, "group": g, "numerator": n, "denominator": 100,
             "value": pd.NA} for ind in indicators for (g, y), n in cells.items()]
    out = pd.DataFrame(rows).astype({"year": "Int64", "numerator": "Int64", "denominator": "Int64", "value": "Float64"})
    communities = pd.DataFrame({"community_id": ["alpha"], "name": ["Alpha"], "state": ["OH"], "anchor_entity": ["A"],
                                "joined_year": pd.array([2015], dtype="Int64")})
    bench = pd.DataFrame(columns=["community_id", "year", "benchmark_id", "status", "evidence", "reviewer"])
    return NetworkData(None, communities, bench, out)  # type: ignore[arg-type]


def year_params(local: list[dict] | None = None, **rules) -> YearParams:
    return YearParams(framework="toa-2019", data=None, title="t", run_date=None, rules=rules,
                      local_indicators=local or [])


percents = st.fixed_dictionaries({(g, y): st.integers(0, 100) for g in PROPERTY_GROUPS for y in YEARS})
core_subsets = st.lists(st.sampled_from(RUBRIC.core_outcome_ids), min_size=1, max_size=7, unique=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(percents, st.sampled_from(["white", "highest", "all"]))
def test_no_gap_crosses_families(cells, race_reference):
    rules = {"reference_groups": {"race_ethnicity": race_reference}}
    s = score_network(network(cells, ["hs_graduation"]), RUBRIC, year_params(**rules), 2022).scores["alpha"]
    for d in s["disparities"]:
        family = RUBRIC.families[d["family"]]
        assert FAMILY_OF[d["group"]] == d["family"]
        assert d["reference_group"] in (*family.groups, "all") and d["reference_group"] != d["group"]
        if d["gap_trend"] == "reversed":
            assert d["closing"] is True


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(percents, core_subsets, st.booleans(), st.integers(-20, 20))
def test_a_local_indicator_changes_the_proof_point_only_when_declared_core(cells, core, declared_core, move):
    base = score_network(network(cells, core), RUBRIC, year_params(), 2022).scores["alpha"]
    local = [{"id": "program_reach", "name": "Program reach", "core": declared_core}]
    with_local = {**cells, **{("all", 2022): max(0, min(100, cells[("all", 2019)] + move))}}
    data = network(cells, core)
    extra = network(with_local, ["program_reach"]).outcomes
    data = NetworkData(None, data.communities, data.benchmarks, pd.concat([data.outcomes, extra], ignore_index=True))  # type: ignore[arg-type]
    rubric = RUBRIC.with_local_outcomes(local)
    after = score_network(data, rubric, year_params(local), 2022).scores["alpha"]
    if not declared_core:
        assert after["summary"]["proof_point_basis"] == base["summary"]["proof_point_basis"]
        assert after["summary"]["proof_point"] == base["summary"]["proof_point"]
    else:
        known = base["summary"]["proof_point_basis"]["core_indicators_known"]
        trend = one(after["outcomes"], indicator_id="program_reach", group="all")["trend"]
        assert after["summary"]["proof_point_basis"]["core_indicators_known"] == known + (trend != "insufficient_data")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(percents)
def test_flipping_polarity_flips_every_gap_sign(cells):
    higher = score_network(network(cells, ["hs_graduation"]), RUBRIC, year_params(), 2022).scores["alpha"]
    lower_rubric = RUBRIC.with_local_outcomes([{"id": "absence", "name": "Absence", "polarity": "lower_is_better"}])
    local = [{"id": "absence", "name": "Absence", "polarity": "lower_is_better"}]
    lower = score_network(network(cells, ["absence"]), lower_rubric, year_params(local), 2022).scores["alpha"]
    pairs = {d["group"]: d for d in higher["disparities"]}
    for d in lower["disparities"]:
        h = pairs[d["group"]]
        for key in ("gap_baseline_pp", "gap_latest_pp", "gap_change_pp"):
            assert d[key] == (None if h[key] is None else -h[key])


def test_validate_warns_about_unrated_benchmarks_per_community_and_strict_makes_it_an_error():
    command = [sys.executable, "-m", "ci_lib.cli", "validate", str(RULES / "data"), "--year", "2025", "--params",
               str(RULES / "params")]
    warned = subprocess.run(command, capture_output=True, text=True)
    assert warned.returncode == 0, warned.stderr
    lines = [line for line in warned.stderr.splitlines() if line.startswith("warning:")]
    unrated = [b["benchmark_id"] for b in scores()["unrated"]["benchmarks"] if b["status"] == "not_rated"]
    assert any(f"unrated 2025: 1 benchmark(s) not rated: {unrated[0]}" in line for line in lines), lines
    assert any(" carry-forward 2025: " in line and "carried forward" in line for line in lines), lines
    strict = subprocess.run([*command, "--strict"], capture_output=True, text=True)
    assert strict.returncode == 2 and "warning:" in strict.stderr
