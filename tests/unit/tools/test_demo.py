"""The synthetic demo network: deterministic, and shaped like a real network."""

from __future__ import annotations

import pandas as pd

from ci_lib.inputs.load import load_network
from ci_lib.inputs.rubric import load_rubric
from ci_lib.scoring import score_network
from ci_lib.tools import demo


def test_same_seed_same_bytes(tmp_path):
    demo.generate(tmp_path / "a", seed=11, n=12)
    demo.generate(tmp_path / "b", seed=11, n=12)
    demo.generate(tmp_path / "c", seed=12, n=12)
    for name in ("communities.csv", "benchmarks.csv", "outcomes.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "outcomes.csv").read_bytes() != (tmp_path / "c" / "outcomes.csv").read_bytes()


def test_full_demo_is_realistic(tmp_path):
    info = demo.generate(tmp_path, n=70)
    rubric = load_rubric("toa-2019")
    local = {i["id"] for items in info["local"].values() for i in items}
    data = load_network(tmp_path, rubric, local)
    out = data.outcomes
    assert len(data.communities) == 70
    assert out["year"].nunique() == 8
    assert set(o.id for o in rubric.outcomes) <= set(out["indicator_id"])
    assert out.groupby(["community_id", "indicator_id"])["group"].nunique().min() >= 8
    assert (out["denominator"] < 10).sum() > 100  # small groups that must be suppressed
    years = out.groupby(["community_id", "indicator_id", "group"])["year"].nunique()
    assert (years < 8).mean() > 0.1  # missing years
    assert local and set(local) <= set(out["indicator_id"])
    assert out["value"].notna().any() and out["numerator"].isna().any()  # some report percents only
    scores = score_network(data, rubric.with_local_outcomes([i for v in info["local"].values() for i in v]), None, 2025)
    reached = pd.Series([s["gateway"]["reached"] or "none" for s in scores.scores.values()]).value_counts()
    assert len(reached) >= 4 and reached.max() < 40  # a realistic mix of gateways
