"""Properties of the scoring math, checked with hypothesis over random small networks."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ci_lib.inputs.load import NetworkData
from ci_lib.inputs.parameters import YearParams
from ci_lib.inputs.rubric import load_rubric
from ci_lib.scoring import score_network

RUBRIC = load_rubric("toa-2019")
GROUPS = ["all", "white", "black", "hispanic"]
YEARS = [2019, 2020, 2021, 2022]
FLIP = {"improving": "declining", "declining": "improving", "flat": "flat", "insufficient_data": "insufficient_data",
        "narrowing": "narrowing", "widening": "widening", "reversed": "reversed"}

cells = st.fixed_dictionaries({
    (g, y): st.tuples(st.integers(0, 1000), st.integers(1, 1000)).map(lambda t: (min(t), max(t)))
    for g in GROUPS for y in YEARS
})


def make(values: dict, indicator: str = "hs_graduation", percent: bool = False) -> NetworkData:
    rows = []
    for (g, y), (n, d) in values.items():
        if percent:
            rows.append({"community_id": "alpha", "indicator_id": indicator, "year": y, "group": g,
                         "numerator": pd.NA, "denominator": pd.NA, "value": float(n)})
        else:
            rows.append({"community_id": "alpha", "indicator_id": indicator, "year": y, "group": g,
                         "numerator": n, "denominator": d, "value": pd.NA})
    out = pd.DataFrame(rows).astype({"year": "Int64", "numerator": "Int64", "denominator": "Int64", "value": "Float64"})
    communities = pd.DataFrame({"community_id": ["alpha"], "name": ["Alpha"], "state": ["OH"], "anchor_entity": ["A"],
                                "joined_year": pd.array([2015], dtype="Int64")})
    bench = pd.DataFrame(columns=["community_id", "year", "benchmark_id", "status", "evidence", "reviewer"])
    return NetworkData(None, communities, bench, out)  # type: ignore[arg-type]


def params(**rules) -> YearParams:
    return YearParams(framework="toa-2019", data=None, title="t", run_date=None, rules=rules,
                      local_indicators=[{"id": "flipped", "name": "Flipped", "polarity": "lower_is_better"}])


def score(data: NetworkData, **rules):
    return score_network(data, RUBRIC, params(**rules), 2022).scores["alpha"]


percents = st.fixed_dictionaries({(g, y): st.tuples(st.integers(0, 100), st.just(0)) for g in GROUPS for y in YEARS})


def trends(s) -> dict:
    return {r["group"]: r["trend"] for r in s["outcomes"]}


def gaps(s) -> dict:
    return {r["group"]: (r["gap_baseline_pp"], r["gap_latest_pp"], r["gap_trend"]) for r in s["disparities"]}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(percents, st.sampled_from(["baseline", "prior", "consecutive"]))
def test_flipping_polarity_or_values_flips_trends_and_both_is_identity(values, method):
    """Flip polarity: trends flip. Flip values (v -> 100 - v): trends flip. Flip both: nothing changes."""
    flipped = {k: (100 - n, d) for k, (n, d) in values.items()}
    rule = {"method": method, "periods": 2}
    base = score(make(values, percent=True), trend=rule)
    polarity = score(make(values, "flipped", percent=True), trend=rule)
    mirrored = score(make(flipped, percent=True), trend=rule)
    both = score(make(flipped, "flipped", percent=True), trend=rule)
    assert trends(polarity) == {g: FLIP[t] for g, t in trends(base).items()}
    assert trends(mirrored) == {g: FLIP[t] for g, t in trends(base).items()}
    assert trends(both) == trends(base)
    assert gaps(both) == gaps(base)  # the group behind stays behind by the same amount
    negated = {g: (None if b is None else -b, None if la is None else -la, t) for g, (b, la, t) in gaps(base).items()}
    assert {g: (b, la) for g, (b, la, _) in gaps(polarity).items()} == {g: (b, la) for g, (b, la, _) in negated.items()}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells)
def test_reversed_iff_the_group_overtakes_its_reference_and_a_reversal_is_closing(values):
    for row in score(make(values))["disparities"]:
        base, latest = row["gap_baseline_pp"], row["gap_latest_pp"]
        if base is None or latest is None:
            assert row["gap_trend"] == "insufficient_data" and row["closing"] is None
        else:
            assert (row["gap_trend"] == "reversed") == (base > 0 > latest)
            if row["gap_trend"] == "reversed":
                assert row["closing"] is True
            if base <= 0 and latest <= 0:
                assert row["closing"] is None  # never behind: no gap to close


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells, st.integers(1, 400), st.integers(0, 400))
def test_suppression_is_monotone_in_min_cell(values, low, extra):
    data = make(values)
    few = {(r["group"]) for r in score(data, min_cell=low)["outcomes"] if r["suppressed"]}
    many = {(r["group"]) for r in score(data, min_cell=low + extra)["outcomes"] if r["suppressed"]}
    assert few <= many


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells, st.integers(1, 300))
def test_shares_are_within_zero_and_one_and_suppressed_values_never_leak(values, min_cell):
    s = score(make(values), min_cell=min_cell)
    for key in ("indicators_improving_share", "gaps_closing_share"):
        assert s["summary"][key] is None or 0.0 <= s["summary"][key] <= 1.0
    for row in s["outcomes"]:
        if row["suppressed"]:
            assert row["change_pp"] is None and row["trend"] == "insufficient_data"
    small = {(g, y) for (g, y), (_, d) in values.items() if d < min_cell}
    for g, y in small:
        for row in s["outcomes"]:
            if row["group"] == g:
                assert not (row["latest_year"] == y and row["latest"] is not None)
                assert not (row["baseline_year"] == y and row["baseline"] is not None)
