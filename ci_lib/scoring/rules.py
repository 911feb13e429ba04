"""Effective rules per community as one table, so scoring stays vectorised when params differ.

The rules themselves (defaults, checks, words) are defined once in `ci_lib.inputs.rules`."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ci_lib.inputs.parameters import YearParams
from ci_lib.inputs.rubric import Rubric
from ci_lib.inputs.rules import default_of


def reference_column(family_id: str) -> str:
    return f"reference_{family_id}"


def rules_row(rules: dict[str, Any], families: list[str]) -> dict[str, Any]:
    gateway_rule = rules.get("gateway_rule") or {}
    trend = rules.get("trend") or {}
    method = str(gateway_rule.get("method", default_of("gateway_rule", "method")))
    gap_share = rules.get("proof_point_gap_share")
    references = rules.get("reference_groups") or {}
    return {
        "in_progress_credit": float(rules["in_progress_credit"]),
        "gateway_method": method,
        "gateway_threshold": 1.0 if method == "all_met"
        else float(gateway_rule.get("threshold", default_of("gateway_rule", "threshold"))),
        "trend_method": str(trend.get("method", default_of("trend", "method"))),
        "min_change_pp": float(trend.get("min_change_pp", default_of("trend", "min_change_pp"))),
        "periods": int(trend.get("periods", default_of("trend", "periods"))),
        "proof_point_share": float(rules["proof_point_share"]),
        "proof_point_min_indicators": int(rules["proof_point_min_indicators"]),
        "proof_point_gap_share": None if gap_share is None else float(gap_share),
        "min_cell": int(rules["min_cell"]),
        "baseline_year": None if rules.get("baseline_year") in (None, "") else int(rules["baseline_year"]),
        "baseline_strict": rules.get("baseline", default_of("baseline")) == "strict",
        "carry_forward_unrated": bool(rules.get("carry_forward_unrated", default_of("carry_forward_unrated"))),
        **{reference_column(f): str(references[f]) if f in references else None for f in families},
    }


Overrides = dict[str, list[dict[str, Any]]]


def rules_table(community_ids: list[str], rubric: Rubric, params: YearParams | None) -> tuple[pd.DataFrame, Overrides]:
    rows, overrides = [], {}
    families = list(rubric.families)
    for cid in community_ids:
        if params is None:
            rules, found = rubric.rules, list[dict[str, Any]]()
        else:
            rules, found = params.rules_for(rubric, cid)
        rows.append({"community_id": cid, **rules_row(rules, families)})
        overrides[cid] = found
    table = pd.DataFrame(rows, columns=["community_id", *rules_row(rubric.rules, families)])
    table["baseline_year"] = table["baseline_year"].astype("Int64")
    table["proof_point_gap_share"] = table["proof_point_gap_share"].astype(float)
    return table, overrides
