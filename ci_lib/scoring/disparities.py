"""Disparity gaps within each comparison family, against the family's reference group, and whether they close.

gap = (reference - group) for higher-is-better indicators and (group - reference) for lower-is-better,
so a positive gap always means the group is behind. Groups are only ever compared within their own
family (race/ethnicity against White or the best group, low income against not low income, female against
male, ...). Trends of a gap, with `tol` the minimum change:
- reversed: the group was behind at the baseline and is ahead at the latest year: the gap closed entirely,
  whatever the size of the new difference (closing);
- narrowing / widening / flat: the signed gap moved down / up / by less than `tol` (narrowing is closing;
  widening and flat are not);
- a group that was never behind has no gap to close: its row is kept, `closing` is null.
The baseline of a gap is the earliest year, at or after the configured baseline, in which both the group and
its reference are published (unless `baseline: strict`); gaps only for percent and rate indicators (a
difference in points; a count, currency or score has none: no gap rows, and the page says why).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ci_lib.inputs.rules import HIGHEST, UNIT_TABLE
from ci_lib.scoring.outcomes import SERIES, TOLERANCE
from ci_lib.scoring.rules import reference_column

GAP_UNITS = tuple(u.id for u in UNIT_TABLE.values() if u.gaps)  # a gap is a difference in points
PAIR = [*SERIES, "reference_group"]


def references(trends: pd.DataFrame, cells: pd.DataFrame, family_groups: dict[str, list[str]]) -> pd.Series:
    """Each series' reference group: the rules' choice for its family, with `highest` resolved.

    `highest` is the family's best-performing group (polarity-aware) in the all-students baseline year of
    the same community and indicator; ties go to the family's first group in rubric order.
    """
    chosen = pd.Series(None, index=trends.index, dtype=object)
    for family in trends["family"].unique():
        column = reference_column(str(family))
        if column in trends.columns:
            rows = trends["family"] == family
            chosen[rows] = trends.loc[rows, column]
    wants_highest = chosen == HIGHEST
    if wants_highest.any():
        totals = trends[trends["group"] == "all"][["community_id", "indicator_id", "baseline_year"]]
        order = {g: i for groups in family_groups.values() for i, g in enumerate(groups)}
        candidates = cells[cells["shown"].notna()][[*SERIES, "year", "shown"]].merge(
            totals.rename(columns={"baseline_year": "year"}), on=["community_id", "indicator_id", "year"])
        candidates = candidates.merge(trends[[*SERIES, "family", "sign"]], on=SERIES)
        if order:  # a family's own groups only: a combined group (a union of them) is never the reference
            candidates = candidates[candidates["group"].isin(list(order))]
        candidates = candidates.assign(score=candidates["shown"] * candidates["sign"],
                                       order=candidates["group"].map(order))
        best = (candidates.sort_values(["score", "order"], ascending=[False, True], kind="stable")
                .drop_duplicates(["community_id", "indicator_id", "family"])
                .set_index(["community_id", "indicator_id", "family"])["group"])
        keys = pd.MultiIndex.from_frame(trends.loc[wants_highest, ["community_id", "indicator_id", "family"]])
        chosen[wants_highest] = best.reindex(keys).to_numpy()
    return chosen


def disparity_gaps(cells: pd.DataFrame, trends: pd.DataFrame, units: pd.Series | None = None,
                   family_groups: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """One row per (community, indicator, group) of a family, other than the family's reference group."""
    family_groups = family_groups or {}
    chosen = references(trends, cells, family_groups)
    if isinstance(trends["group"].dtype, pd.CategoricalDtype):  # merged on codes, like the groups (scoring/__init__)
        chosen = chosen.astype(trends["group"].dtype)
    trends = trends.assign(reference_group=chosen)
    if "latest_start" not in trends.columns:  # a period's gap is compared only with cells ending before it starts
        trends = trends.assign(latest_start=trends["latest_year"])
    pairs = trends[(trends["family"] != "all") & trends["reference_group"].notna()
                   & (trends["group"] != trends["reference_group"])]
    if units is not None:
        pairs = pairs[pairs["indicator_id"].map(units).fillna("percent").isin(GAP_UNITS)]
    pairs = pairs[[*PAIR, "family", "core", "configured_baseline", "latest_year", "latest_start", "baseline_strict",
                   "sign", "min_change_pp"]].reset_index(drop=True)
    values = cells[[*SERIES, "year", "shown", "suppressed"]]
    group_cells = pairs[PAIR].merge(values, on=SERIES)
    ref_cells = values.rename(columns={"group": "reference_group", "shown": "ref_shown", "suppressed": "ref_suppressed"})
    both = group_cells.merge(ref_cells, on=["community_id", "indicator_id", "reference_group", "year"])
    both = both.merge(pairs[[*PAIR, "configured_baseline", "latest_start"]], on=PAIR)

    shown = both[both["shown"].notna() & both["ref_shown"].notna()
                 & (both["year"] >= both["configured_baseline"]) & (both["year"] < both["latest_start"])]
    earliest = shown.groupby(PAIR)["year"].min().rename("first_usable").reset_index()
    pairs = pairs.merge(earliest, on=PAIR, how="left")
    fallback = pairs["first_usable"].notna() & ~pairs["baseline_strict"].astype(bool)
    pairs["baseline_year"] = pairs["configured_baseline"].where(~fallback, pairs["first_usable"]).astype("Int64")

    def at(year_column: str, prefix: str) -> pd.DataFrame:
        """The group's and the reference's cells in that year, each looked up on its own (either may be absent)."""
        keyed = pairs[[*PAIR, year_column]].rename(columns={year_column: "year"})
        group = keyed.merge(values, on=[*SERIES, "year"], how="left")
        ref = keyed.merge(ref_cells, on=["community_id", "indicator_id", "reference_group", "year"], how="left")
        return pd.DataFrame({f"{prefix}_grp": group["shown"].to_numpy(), f"{prefix}_ref": ref["ref_shown"].to_numpy(),
                             f"{prefix}_grp_suppressed": group["suppressed"].to_numpy(),
                             f"{prefix}_ref_suppressed": ref["ref_suppressed"].to_numpy()}, index=pairs.index)

    frame = pd.concat([pairs, at("baseline_year", "base"), at("latest_year", "last")], axis=1)
    sign = frame["sign"].astype(float)
    gb = ((frame["base_ref"] - frame["base_grp"]) * sign).astype(float).round(1)
    gl = ((frame["last_ref"] - frame["last_grp"]) * sign).astype(float).round(1)
    frame["gap_baseline_pp"], frame["gap_latest_pp"] = gb, gl
    frame["gap_change_pp"] = (gl - gb).round(1)
    suppressed = frame[[c for c in frame.columns if c.endswith("_suppressed")]].fillna(False).astype(bool).any(axis=1)
    known = (gb.notna() & gl.notna() & (frame["latest_start"] > frame["baseline_year"]).fillna(False).astype(bool)
             & ~suppressed)
    delta = gl - gb
    tol = frame["min_change_pp"] - TOLERANCE
    reversed_ = (gb > 0) & (gl < 0)
    never_behind = (gb <= 0) & (gl <= 0)
    trend = np.select([reversed_, delta <= -tol, delta >= tol], ["reversed", "narrowing", "widening"], "flat")
    # a group never behind: its difference moves, but there is no gap to close (closing stays null)
    trend = np.where(never_behind, np.select([gl.abs() - gb.abs() <= -tol, gl.abs() - gb.abs() >= tol],
                                             ["narrowing", "widening"], "flat"), trend)
    frame["gap_trend"] = np.where(known, trend, "insufficient_data")
    frame["suppressed"] = suppressed
    closing = np.isin(frame["gap_trend"], ["narrowing", "reversed"])
    frame["closing"] = pd.Series(closing, index=frame.index, dtype=object).where(known & ~never_behind, None)
    return frame[[*SERIES, "family", "reference_group", "core", "baseline_year", "latest_year", "gap_baseline_pp",
                  "gap_latest_pp", "gap_change_pp", "gap_trend", "closing", "suppressed"]]
