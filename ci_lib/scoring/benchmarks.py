"""Benchmark ratings -> credits -> pillar x gateway shares -> the gateway a community has reached."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..rubric import Rubric

CREDIT = {"met": 1.0, "not_started": 0.0}


def benchmark_credits(ratings: pd.DataFrame, rubric: Rubric, community_ids: list[str],
                      rules: pd.DataFrame) -> pd.DataFrame:
    """Every rubric benchmark for every community, with its status and credit.

    A benchmark without a rating counts as not_started and is flagged `missing_rating`.
    """
    catalogue = pd.DataFrame([b.__dict__ for b in rubric.benchmarks]).rename(columns={"id": "benchmark_id"})
    grid = pd.MultiIndex.from_product([community_ids, catalogue["benchmark_id"]],
                                      names=["community_id", "benchmark_id"]).to_frame(index=False)
    grid = grid.merge(catalogue, on="benchmark_id", how="left")
    rated = ratings[["community_id", "benchmark_id", "status", "evidence"]]
    table = grid.merge(rated, on=["community_id", "benchmark_id"], how="left")
    table["missing_rating"] = table["status"].isna()
    table["status"] = table["status"].fillna("not_started").astype(str)
    table["evidence"] = table["evidence"].astype("string").fillna("").astype(str)
    table = table.merge(rules[["community_id", "in_progress_credit"]], on="community_id", how="left")
    table["credit"] = np.where(table["status"] == "in_progress", table["in_progress_credit"],
                               table["status"].map(CREDIT).fillna(0.0))
    order = {g: i for i, g in enumerate(rubric.gateway_ids)}
    table["gateway_order"] = table["gateway"].map(order)
    return table.drop(columns=["in_progress_credit"])


def pillar_matrix(credits: pd.DataFrame) -> pd.DataFrame:
    """Mean credit per community x pillar x gateway (cells without benchmarks are absent)."""
    return (credits.groupby(["community_id", "pillar", "gateway"], sort=False)["credit"].mean()
            .round(3).rename("share").reset_index())


def gateways_reached(credits: pd.DataFrame, rubric: Rubric, rules: pd.DataFrame,
                     proof_point: pd.Series) -> pd.DataFrame:
    """Per community: reached gateway (or None), next gateway and the benchmarks missing for it.

    A gateway qualifies when its benchmarks satisfy the rule (all met, or mean credit >= threshold); a
    gateway marked `requires_proof_point` also needs the outcomes proof point. It is reached when it and
    every earlier gateway qualify.
    """
    gw = credits.assign(met=credits["status"] == "met").groupby(["community_id", "gateway"], sort=False).agg(
        share=("credit", "mean"), all_met=("met", "all")).reset_index()
    gw = gw.merge(rules[["community_id", "gateway_method", "gateway_threshold"]], on="community_id")
    gw["qualifies"] = np.where(gw["gateway_method"] == "all_met", gw["all_met"],
                               gw["share"] >= gw["gateway_threshold"] - 1e-9)
    needs_pp = {g["id"] for g in rubric.gateways if g.get("requires_proof_point")}
    pp = gw["community_id"].map(proof_point).fillna(False).astype(bool)
    gw["qualifies"] = gw["qualifies"] & (~gw["gateway"].isin(needs_pp) | pp)
    wide = gw.pivot(index="community_id", columns="gateway", values="qualifies")
    ordered = [g for g in rubric.gateway_ids if g in wide.columns]
    wide = wide.reindex(columns=ordered).fillna(True).astype(bool)
    reached_count = wide.cumprod(axis=1).sum(axis=1).astype(int)
    ids = rubric.gateway_ids
    result = pd.DataFrame({"community_id": wide.index, "reached_count": reached_count.values})
    result["reached"] = [ids[n - 1] if n > 0 else None for n in result["reached_count"]]
    result["next"] = [ids[n] if n < len(ids) else None for n in result["reached_count"]]
    not_met = credits[credits["status"] != "met"]
    missing = not_met.groupby(["community_id", "gateway"])["benchmark_id"].agg(list)
    result["missing"] = [sorted(missing.get((cid, nxt), [])) if nxt else []
                         for cid, nxt in zip(result["community_id"], result["next"], strict=True)]
    return result.drop(columns=["reached_count"])
