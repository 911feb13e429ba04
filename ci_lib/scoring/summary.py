"""Per-community summary (improving share, gaps closing, proof point) and the network roll-up.

The outcomes proof point as the field defines it (the network's 2018 rule): at least `proof_point_share`
(60%) of the **core** indicators improving, over at least `proof_point_min_indicators` (4) core indicators
with a known trend. Local and contributing indicators are shown but never counted unless declared core.
The share of gaps closing is always reported; it is required only when a network sets
`proof_point_gap_share`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

REASONS = {
    "met": "the outcomes rule is met",
    "too_few_core_indicators": "too few core indicators have a known trend",
    "improving_share_below": "too few core indicators are improving",
    "gap_share_below": "too few disparity gaps are closing",
}


def proof_point_sentence(basis: dict[str, Any]) -> str:
    """The proof point rule and its outcome in plain words (pages, CSV and `score` print this)."""
    known, improving = basis["core_indicators_known"], basis["core_indicators_improving"]
    share = basis["improving_share"]
    head = f"{improving} of {known} core indicators with a known trend are improving"
    head += f" ({share:.0%})" if share is not None else ""
    rule = (f"the rule needs at least {basis['share_required']:.0%} of at least {basis['min_indicators']} "
            "core indicators with a trend")
    gaps = basis["gaps_closing_share"]
    required = basis["gap_share_required"]
    note = "reported, not required" if required is None else f"the rule needs at least {required:.0%}"
    gap_text = (f"no disparity gap could be measured ({note})" if gaps is None else
                f"{basis['gaps_closing']} of {basis['gaps_known']} disparity gaps are closing ({gaps:.0%}; {note})")
    verdict = "Proof point met" if basis["met"] else f"Proof point not yet met: {REASONS[basis['reason']]}"
    return f"{verdict}. {head}; {rule}. {gap_text[0].upper()}{gap_text[1:]}."


def community_summary(trends: pd.DataFrame, gaps: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Shares over core series with a known trend, the proof point and the basis it was decided on."""
    core_totals = trends[(trends["group"] == "all") & trends["core"]]
    known = core_totals[core_totals["trend"] != "insufficient_data"]
    counts = known.assign(ok=known["trend"] == "improving").groupby("community_id")["ok"].agg(["size", "sum"])
    core_gaps = gaps[gaps["core"] & gaps["closing"].notna()]
    closing = core_gaps.assign(ok=core_gaps["closing"].astype(bool)).groupby("community_id")["ok"].agg(["size", "sum"])
    by_family = (core_gaps.assign(ok=core_gaps["closing"].astype(bool)).groupby(["community_id", "family"])["ok"]
                 .mean().round(3))

    out = rules[["community_id", "proof_point_share", "proof_point_min_indicators", "proof_point_gap_share"]].copy()
    cid = out["community_id"]
    out["core_known"] = cid.map(counts["size"]).fillna(0).astype(int)
    out["core_improving"] = cid.map(counts["sum"]).fillna(0).astype(int)
    out["gaps_known"] = cid.map(closing["size"]).fillna(0).astype(int)
    out["gaps_closing"] = cid.map(closing["sum"]).fillna(0).astype(int)
    out["indicators_improving_share"] = (out["core_improving"] / out["core_known"].where(out["core_known"] > 0)).round(3)
    out["gaps_closing_share"] = (out["gaps_closing"] / out["gaps_known"].where(out["gaps_known"] > 0)).round(3)
    enough = out["core_known"] >= out["proof_point_min_indicators"]
    share_ok = (out["indicators_improving_share"] >= out["proof_point_share"] - 1e-9).fillna(False)
    gap_required = out["proof_point_gap_share"].notna()
    gap_ok = ~gap_required | (out["gaps_closing_share"] >= out["proof_point_gap_share"] - 1e-9).fillna(False)
    out["proof_point"] = (enough & share_ok & gap_ok).astype(bool)
    out["reason"] = np.select([~enough, ~share_ok, ~gap_ok], ["too_few_core_indicators", "improving_share_below",
                                                               "gap_share_below"], "met")
    families: dict[str, dict[str, float]] = {}
    for (community, family), share in by_family.items():
        families.setdefault(str(community), {})[str(family)] = float(share)
    out["gaps_closing_by_family"] = [families.get(c, {}) for c in cid]
    return out


def basis_of(row: dict[str, Any]) -> dict[str, Any]:
    """`summary.proof_point_basis` of the scores JSON: the counts and thresholds that decided, and a sentence."""
    def share(value: Any) -> float | None:
        return None if value is None or pd.isna(value) else float(value)

    basis = {
        "core_indicators_known": int(row["core_known"]), "core_indicators_improving": int(row["core_improving"]),
        "improving_share": share(row["indicators_improving_share"]), "share_required": float(row["proof_point_share"]),
        "min_indicators": int(row["proof_point_min_indicators"]),
        "gaps_known": int(row["gaps_known"]), "gaps_closing": int(row["gaps_closing"]),
        "gaps_closing_share": share(row["gaps_closing_share"]),
        "gap_share_required": share(row["proof_point_gap_share"]),
        "met": bool(row["proof_point"]), "reason": str(row["reason"]),
    }
    basis["sentence"] = proof_point_sentence(basis)
    return basis


def gateway_counts(scores: dict[str, dict[str, Any]], gateway_ids: list[str]) -> dict[str, int]:
    """Members per gateway reached ("none" for no gateway): the one count that headlines and charts use."""
    per_gateway = {g: 0 for g in ["none", *gateway_ids]}
    for s in scores.values():
        per_gateway[s["gateway"]["reached"] or "none"] += 1
    return per_gateway


def network_rollup(scores: dict[str, dict[str, Any]], gateway_ids: list[str], pillar_ids: list[str],
                   proof_point_gateway: str | None = None) -> dict[str, Any]:
    """Members per gateway, pillar averages and the distribution of shares across members.

    `proof_points` counts members that meet the outcomes rule; `proof_point_gateway_members` those that
    reached the Proof Point gateway or a later one (benchmarks and outcomes): both come from the same
    scores, so a headline and the gateway chart cannot disagree.
    """
    members = list(scores.values())
    per_gateway = gateway_counts(scores, gateway_ids)
    pillar_avg: dict[str, float | None] = {}
    for pillar in pillar_ids:
        values = [v for s in members for v in s["pillars"].get(pillar, {}).values() if v is not None]
        pillar_avg[pillar] = round(sum(values) / len(values), 3) if values else None

    def shares(key: str) -> list[float]:
        return [s["summary"][key] for s in members if s["summary"][key] is not None]

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 3) if values else None

    improving, closing = shares("indicators_improving_share"), shares("gaps_closing_share")
    at_or_after = gateway_ids[gateway_ids.index(proof_point_gateway):] if proof_point_gateway in gateway_ids else []
    families: dict[str, list[float]] = {}
    for s in members:
        for family, share in s["summary"].get("gaps_closing_by_family", {}).items():
            families.setdefault(family, []).append(share)
    return {
        "members": len(members),
        "members_per_gateway": per_gateway,
        "pillar_averages": pillar_avg,
        "indicators_improving_share_mean": mean(improving),
        "gaps_closing_share_mean": mean(closing),
        "gaps_closing_share_mean_by_family": {f: mean(v) for f, v in sorted(families.items())},
        "proof_points": sum(1 for s in members if s["summary"]["proof_point"]),
        "proof_point_gateway_members": sum(per_gateway[g] for g in at_or_after),
        "incomplete_members": sum(1 for s in members if s["gateway"].get("incomplete")),
        "improving_shares": sorted(improving),
        "closing_shares": sorted(closing),
    }
