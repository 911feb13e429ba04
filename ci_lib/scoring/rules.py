"""Effective rules per community as one table, so scoring stays vectorised when params differ."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..params import YearParams
from ..rubric import Rubric


def rules_row(rules: dict[str, Any]) -> dict[str, Any]:
    gateway_rule = rules.get("gateway_rule") or {}
    trend = rules.get("trend") or {}
    method = str(gateway_rule.get("method", "all_met"))
    return {
        "in_progress_credit": float(rules["in_progress_credit"]),
        "gateway_method": method,
        "gateway_threshold": 1.0 if method == "all_met" else float(gateway_rule.get("threshold", 1.0)),
        "trend_method": str(trend.get("method", "baseline")),
        "min_change_pp": float(trend.get("min_change_pp", 1.0)),
        "periods": int(trend.get("periods", 3)),
        "reference_group": str(rules["reference_group"]),
        "proof_point_share": float(rules["proof_point_share"]),
        "proof_point_gap_share": float(rules["proof_point_gap_share"]),
        "min_cell": int(rules["min_cell"]),
        "baseline_year": None if rules.get("baseline_year") in (None, "") else int(rules["baseline_year"]),
    }


Overrides = dict[str, list[dict[str, Any]]]


def rules_table(community_ids: list[str], rubric: Rubric, params: YearParams | None) -> tuple[pd.DataFrame, Overrides]:
    rows, overrides = [], {}
    for cid in community_ids:
        if params is None:
            rules, found = rubric.rules, list[dict[str, Any]]()
        else:
            rules, found = params.rules_for(rubric, cid)
        rows.append({"community_id": cid, **rules_row(rules)})
        overrides[cid] = found
    table = pd.DataFrame(rows, columns=["community_id", *rules_row(rubric.rules)])
    table["baseline_year"] = table["baseline_year"].astype("Int64")
    return table, overrides
