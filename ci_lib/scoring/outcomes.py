"""Outcome trends per community x indicator x group, computed for the whole network at once.

Values are the published (rounded, suppressed-as-blank) percents, so every number a reader sees can be
recomputed from the page. `change_pp` is always latest minus baseline; the trend method decides which
comparison classifies the trend:
- baseline: latest vs baseline; prior: latest vs the previous reported year;
- consecutive: the last `periods` year-over-year moves must all go the same way.
A move smaller than `min_change_pp` is flat; polarity decides whether a rise is good.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SERIES = ["community_id", "indicator_id", "group"]


def classify(signed_change: pd.Series, min_change: pd.Series) -> np.ndarray:
    return np.select([signed_change >= min_change - 1e-9, signed_change <= -min_change + 1e-9],
                     ["improving", "declining"], "flat").astype(object)


def value_at(cells: pd.DataFrame, series: pd.DataFrame, year_column: str) -> pd.DataFrame:
    """The cell of each series at the year named by `year_column` (value, suppressed)."""
    keyed = series[[*SERIES, year_column]].rename(columns={year_column: "year"})
    found = keyed.merge(cells[[*SERIES, "year", "shown", "suppressed"]], on=[*SERIES, "year"], how="left")
    return found[["shown", "suppressed"]].set_axis(series.index)


def outcome_trends(cells: pd.DataFrame, rules: pd.DataFrame, polarity: pd.Series) -> pd.DataFrame:
    """One row per series with baseline, latest, change_pp, trend and suppressed.

    `cells` is the suppressed table for years <= the assessment year; `polarity` maps indicator -> +1/-1.
    """
    cells = cells.sort_values([*SERIES, "year"]).reset_index(drop=True)
    series = cells.groupby(SERIES, sort=False).agg(first_year=("year", "min"), latest_year=("year", "max")).reset_index()
    series = series.merge(rules, on="community_id", how="left")
    series["baseline_year"] = series["baseline_year"].fillna(series["first_year"]).astype("Int64")
    base = value_at(cells, series, "baseline_year")
    last = value_at(cells, series, "latest_year")
    series["baseline"] = base["shown"].astype(float)
    series["latest"] = last["shown"].astype(float)
    series["sign"] = series["indicator_id"].map(polarity).fillna(1).astype(int)
    series["change_pp"] = (series["latest"] - series["baseline"]).round(1)

    # prior: the latest reported year before latest_year
    ranked = cells.assign(rank=cells.groupby(SERIES)["year"].rank(ascending=False, method="first"))
    prior = ranked[ranked["rank"] == 2][[*SERIES, "shown", "suppressed"]].rename(
        columns={"shown": "prior", "suppressed": "prior_suppressed"})
    series = series.merge(prior, on=SERIES, how="left")

    # consecutive: the last `periods` moves between reported years
    cells = cells.merge(rules[["community_id", "periods"]], on="community_id", how="left")
    cells["move"] = cells.groupby(SERIES)["shown"].diff()
    cells["rank"] = cells.groupby(SERIES)["year"].rank(ascending=False, method="first")
    window = cells[cells["rank"] <= cells["periods"]]
    window = window.merge(series[[*SERIES, "sign", "min_change_pp"]], on=SERIES, how="left")
    signed = window["move"] * window["sign"]
    window = window.assign(up=signed >= window["min_change_pp"] - 1e-9, down=signed <= -window["min_change_pp"] + 1e-9,
                           known=window["move"].notna(), any_suppressed=window["suppressed"])
    # the earliest cell in the window is compared with the one before it, so it must be shown too
    moves = window.groupby(SERIES).agg(n=("known", "sum"), up=("up", "all"), down=("down", "all"),
                                       window_suppressed=("any_suppressed", "any")).reset_index()
    series = series.merge(moves, on=SERIES, how="left")

    enough = series["latest_year"] > series["baseline_year"]
    base_trend = classify((series["latest"] - series["baseline"]) * series["sign"], series["min_change_pp"])
    prior_trend = classify((series["latest"] - series["prior"]) * series["sign"], series["min_change_pp"])
    consecutive = np.select([series["up"].fillna(False).astype(bool), series["down"].fillna(False).astype(bool)],
                            ["improving", "declining"], "flat").astype(object)
    method = series["trend_method"]
    trend = np.select([method == "prior", method == "consecutive"], [prior_trend, consecutive], base_trend)
    usable = np.select(
        [method == "prior", method == "consecutive"],
        [series["latest"].notna() & series["prior"].notna(), series["n"].fillna(0) >= series["periods"]],
        series["latest"].notna() & series["baseline"].notna() & enough,
    ).astype(bool)
    series["trend"] = np.where(usable, trend, "insufficient_data")
    suppressed_inputs = base["suppressed"].fillna(False).astype(bool).values | last["suppressed"].fillna(False).astype(bool).values
    suppressed_inputs = suppressed_inputs | np.where(method == "prior", series["prior_suppressed"].fillna(False).astype(bool), False)
    suppressed_inputs = suppressed_inputs | np.where(method == "consecutive", series["window_suppressed"].fillna(False).astype(bool), False)
    series["suppressed"] = suppressed_inputs
    series.loc[series["suppressed"], "trend"] = "insufficient_data"
    return series[[*SERIES, "baseline_year", "baseline", "latest_year", "latest", "change_pp", "trend", "suppressed",
                   "sign", "min_change_pp", "reference_group"]]
