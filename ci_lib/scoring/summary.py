"""Per-community summary (improving share, gaps closing, proof point) and the network roll-up."""

from __future__ import annotations

from typing import Any

import pandas as pd


def community_summary(trends: pd.DataFrame, gaps: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """Shares over series with a known trend; proof point when both shares reach the rules' thresholds."""
    totals = trends[trends["group"] == "all"]
    known = totals[totals["trend"] != "insufficient_data"]
    improving = known.assign(ok=known["trend"] == "improving").groupby("community_id")["ok"].mean()
    known_gaps = gaps[gaps["gap_trend"] != "insufficient_data"]
    closing = known_gaps.groupby("community_id")["closing"].mean()
    out = rules[["community_id", "proof_point_share", "proof_point_gap_share"]].copy()
    out["indicators_improving_share"] = out["community_id"].map(improving).astype(float).round(3)
    out["gaps_closing_share"] = out["community_id"].map(closing).astype(float).round(3)
    out["proof_point"] = ((out["indicators_improving_share"] >= out["proof_point_share"] - 1e-9)
                          & (out["gaps_closing_share"] >= out["proof_point_gap_share"] - 1e-9)).fillna(False)
    return out[["community_id", "indicators_improving_share", "gaps_closing_share", "proof_point"]]


def network_rollup(scores: dict[str, dict[str, Any]], gateway_ids: list[str], pillar_ids: list[str]) -> dict[str, Any]:
    """Members per gateway, pillar averages and the distribution of shares across members."""
    members = list(scores.values())
    per_gateway = {g: 0 for g in ["none", *gateway_ids]}
    for s in members:
        per_gateway[s["gateway"]["reached"] or "none"] += 1
    pillar_avg: dict[str, float | None] = {}
    for pillar in pillar_ids:
        values = [v for s in members for v in s["pillars"].get(pillar, {}).values() if v is not None]
        pillar_avg[pillar] = round(sum(values) / len(values), 3) if values else None

    def shares(key: str) -> list[float]:
        return [s["summary"][key] for s in members if s["summary"][key] is not None]

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 3) if values else None

    improving, closing = shares("indicators_improving_share"), shares("gaps_closing_share")
    return {
        "members": len(members),
        "members_per_gateway": per_gateway,
        "pillar_averages": pillar_avg,
        "indicators_improving_share_mean": mean(improving),
        "gaps_closing_share_mean": mean(closing),
        "proof_points": sum(1 for s in members if s["summary"]["proof_point"]),
        "improving_shares": sorted(improving),
        "closing_shares": sorted(closing),
    }
