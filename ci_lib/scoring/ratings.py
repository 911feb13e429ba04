"""Benchmark ratings -> credits -> pillar x gateway shares -> the gateway a community has reached."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ci_lib.inputs.rubric import Rubric

CREDIT = {"met": 1.0, "not_started": 0.0}


NOT_RATED = "not_rated"
RATED = ["status", "evidence", "self_status", "review_note"]  # what a rating row gives a benchmark (the first scores)


def benchmark_credits(ratings: pd.DataFrame, rubric: Rubric, community_ids: list[str],
                      rules: pd.DataFrame, previous: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every rubric benchmark for every community, with its status and credit.

    A benchmark without a rating row is `not_rated` (credit 0, flagged `missing_rating`): an unrated
    benchmark is a gap in the assessment, not evidence that work has not started. Where the rules say
    `carry_forward_unrated`, last year's rating (`previous`) stands in and is flagged `carried_forward`.
    The partnership's self-rating (`self_status`, None when not recorded) and the review note ride along
    unscored.
    """
    catalogue = pd.DataFrame([b.__dict__ for b in rubric.benchmarks]).rename(columns={"id": "benchmark_id"})
    grid = pd.MultiIndex.from_product([community_ids, catalogue["benchmark_id"]],
                                      names=["community_id", "benchmark_id"]).to_frame(index=False)
    grid = grid.merge(catalogue, on="benchmark_id", how="left")
    rated = ratings.reindex(columns=["community_id", "benchmark_id", *RATED])
    table = grid.merge(rated, on=["community_id", "benchmark_id"], how="left")
    table["carried_forward"] = False
    carry = set(rules.loc[rules["carry_forward_unrated"], "community_id"])
    if previous is not None and carry and table["status"].isna().any():
        last = previous[previous["community_id"].isin(carry)].reindex(columns=["community_id", "benchmark_id", *RATED])
        last = last.drop_duplicates(["community_id", "benchmark_id"], keep="last")
        filled = table[["community_id", "benchmark_id"]].merge(last, on=["community_id", "benchmark_id"], how="left")
        use = table["status"].isna() & filled["status"].notna().to_numpy()
        for column in RATED:
            table.loc[use, column] = filled.loc[use.to_numpy(), column].to_numpy()
        table.loc[use, "carried_forward"] = True
    table["missing_rating"] = table["status"].isna()
    table["status"] = table["status"].fillna(NOT_RATED).astype(str)
    for column in ("evidence", "review_note"):
        table[column] = table[column].astype("string").fillna("").astype(str)
    table = table.merge(rules[["community_id", "in_progress_credit"]], on="community_id", how="left")
    table["credit"] = np.where(table["status"] == "in_progress", table["in_progress_credit"],
                               table["status"].map(CREDIT).fillna(0.0))
    order = {g: i for i, g in enumerate(rubric.gateway_ids)}
    table["gateway_order"] = table["gateway"].map(order)
    return table.drop(columns=["in_progress_credit"])


def pillar_matrix(credits: pd.DataFrame) -> pd.DataFrame:
    """Mean credit of the rated benchmarks per community x pillar x gateway (NaN where none is rated;
    cells without benchmarks are absent)."""
    rated_credit = credits["credit"].where(credits["status"] != NOT_RATED)
    return (rated_credit.groupby([credits["community_id"], credits["pillar"], credits["gateway"]], sort=False).mean()
            .round(3).rename("share").reset_index())


def gateways_reached(credits: pd.DataFrame, rubric: Rubric, rules: pd.DataFrame,
                     proof_point: pd.Series) -> pd.DataFrame:
    """Per community: reached gateway (or None), next gateway and the benchmarks missing for it.

    A gateway qualifies when its rated benchmarks satisfy the rule (all met, or mean credit >= threshold)
    and at least one of them is rated; a gateway marked `requires_proof_point` also needs the outcomes
    proof point. It is reached when it and every earlier gateway qualify. Unrated benchmarks neither
    help nor block (the result carries `incomplete`).
    """
    rated = credits["status"] != NOT_RATED
    flags = credits.assign(met=(credits["status"] == "met") | ~rated, rated=rated,
                           rated_credit=credits["credit"].where(rated))
    gw = flags.groupby(["community_id", "gateway"], sort=False).agg(
        share=("rated_credit", "mean"), all_met=("met", "all"), any_rated=("rated", "any")).reset_index()
    gw = gw.merge(rules[["community_id", "gateway_method", "gateway_threshold"]], on="community_id")
    gw["qualifies"] = np.where(gw["gateway_method"] == "all_met", gw["all_met"],
                               gw["share"].fillna(0) >= gw["gateway_threshold"] - 1e-9) & gw["any_rated"]
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
    unrated = credits[credits["status"] == NOT_RATED].groupby("community_id").size()
    result["incomplete"] = result["community_id"].map(unrated).fillna(0).astype(int) > 0
    return result.drop(columns=["reached_count"])


def unrated_benchmarks(benchmarks: pd.DataFrame, communities: pd.DataFrame, rubric: Rubric,
                       year: int) -> dict[str, list[str]]:
    """Per member of `year` (joined by then), the rubric's benchmarks with no rating row that year."""
    members = communities[communities["joined_year"].fillna(0) <= year]["community_id"]
    rated = benchmarks[benchmarks["year"] == year].groupby("community_id")["benchmark_id"].agg(set)
    every = [b.id for b in rubric.benchmarks]
    out = {str(cid): [b for b in every if b not in rated.get(cid, set())] for cid in sorted(members)}
    return {cid: ids for cid, ids in out.items() if ids}
