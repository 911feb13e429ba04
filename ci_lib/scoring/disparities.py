"""Disparity gaps between each group and the reference group, and whether they close.

gap = (reference - group) for higher-is-better indicators and (group - reference) for lower-is-better,
so a positive gap always means the group is behind. `reversed` means the sign flipped (strictly);
otherwise `narrowing` / `widening` when |gap| moves by at least `min_change_pp`, else `flat`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .outcomes import SERIES


def disparity_gaps(cells: pd.DataFrame, trends: pd.DataFrame) -> pd.DataFrame:
    """One row per (community, indicator, group) other than `all` and the reference group."""
    groups = trends[(trends["group"] != "all") & (trends["group"] != trends["reference_group"])].copy()
    groups = groups[[*SERIES, "baseline_year", "latest_year", "sign", "min_change_pp", "reference_group"]]
    shown = cells[[*SERIES, "year", "shown", "suppressed"]]

    def lookup(year_col: str, group_col: str, prefix: str) -> pd.DataFrame:
        keys = groups[["community_id", "indicator_id", group_col, year_col]].set_axis(
            ["community_id", "indicator_id", "group", "year"], axis=1)
        found = keys.merge(shown, on=["community_id", "indicator_id", "group", "year"], how="left")
        return found[["shown", "suppressed"]].set_axis([f"{prefix}_value", f"{prefix}_suppressed"], axis=1).set_axis(groups.index)

    parts = [lookup("baseline_year", "group", "grp_base"), lookup("latest_year", "group", "grp_last"),
             lookup("baseline_year", "reference_group", "ref_base"), lookup("latest_year", "reference_group", "ref_last")]
    frame = pd.concat([groups, *parts], axis=1)
    sign = frame["sign"].astype(float)
    frame["gap_baseline_pp"] = ((frame["ref_base_value"] - frame["grp_base_value"]) * sign).astype(float).round(1)
    frame["gap_latest_pp"] = ((frame["ref_last_value"] - frame["grp_last_value"]) * sign).astype(float).round(1)
    frame["gap_change_pp"] = (frame["gap_latest_pp"] - frame["gap_baseline_pp"]).round(1)
    gb, gl = frame["gap_baseline_pp"], frame["gap_latest_pp"]
    known = gb.notna() & gl.notna() & (frame["latest_year"] > frame["baseline_year"])
    delta = gl.abs() - gb.abs()
    tolerance = frame["min_change_pp"] - 1e-9
    trend = np.select([gb * gl < 0, delta <= -tolerance, delta >= tolerance], ["reversed", "narrowing", "widening"], "flat")
    frame["gap_trend"] = np.where(known, trend, "insufficient_data")
    suppressed = frame[[c for c in frame.columns if c.endswith("_suppressed")]].fillna(False).astype(bool).any(axis=1)
    frame["suppressed"] = suppressed
    frame.loc[suppressed, "gap_trend"] = "insufficient_data"
    frame["closing"] = (frame["gap_trend"] == "narrowing") | ((frame["gap_trend"] == "reversed") & (gl.abs() < gb.abs()))
    return frame[[*SERIES, "reference_group", "baseline_year", "latest_year", "gap_baseline_pp", "gap_latest_pp",
                  "gap_change_pp", "gap_trend", "suppressed", "closing"]].reset_index(drop=True)
