"""Outcome trends per community x indicator x group, computed for the whole network at once.

Values are the published (rounded, suppressed-as-blank) percents, so every number a reader sees can be
recomputed from the page. `change_pp` is always latest minus baseline and `change_pct` the same change
relative to the baseline (Results-Based Accountability's "baseline % change"); the trend method decides
which comparison classifies the trend:
- baseline: latest vs baseline; prior: latest vs the previous reported year;
- consecutive: the last `periods` year-over-year moves must all go the same way.
A move smaller than the minimum change (the indicator's own `min_change`, else its unit's, else the rule's
`min_change_pp`) is flat; polarity decides whether a rise is good. How a move is measured depends on the
unit (`ci_lib.inputs.rules.UNIT_TABLE`, the row's `change_kind`): percents and rates in points (later minus
earlier), counts, currency and scores relative to the earlier value (in percent), for every method.

Baseline: the configured `baseline_year` (or the first year with data). When that year has no publishable
value, the earliest later year with one serves and the row says `baseline_fallback` (the field's
practice), unless the rules say `baseline: strict`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ci_lib.inputs.rules import unit_of

SERIES = ["community_id", "indicator_id", "group"]
TOLERANCE = 1e-9


def classify(signed_change: pd.Series, min_change: pd.Series) -> np.ndarray:
    return np.select([signed_change >= min_change - TOLERANCE, signed_change <= -min_change + TOLERANCE],
                     ["improving", "declining"], "flat").astype(object)


def moved(later: pd.Series, earlier: pd.Series, relative: pd.Series) -> pd.Series:
    """How far a value moved from an earlier one: points, or (relative units) percent of the earlier value.

    A relative move from 0 is unknown (NaN), never a change of any size.
    """
    points = (later - earlier).astype(float)
    return points.where(~relative.astype(bool), points / earlier.where(earlier != 0).astype(float) * 100)


def unit_column(indicators: pd.DataFrame, what: str) -> pd.Series:
    """One attribute of each indicator's unit (`change`, `min_change`), by indicator id (looked up once each)."""
    units = indicators["unit"] if "unit" in indicators else pd.Series("percent", index=indicators.index)
    return units.map(lambda u: getattr(unit_of(str(u)), what))


def relative_change(indicator_ids: pd.Series, indicators: pd.DataFrame) -> pd.Series:
    """True where the indicator's unit measures change relative to the earlier value (count, currency, score)."""
    return indicator_ids.map(unit_column(indicators, "change") == "relative").fillna(False).astype(bool)


def value_at(cells: pd.DataFrame, series: pd.DataFrame, year_column: str) -> pd.DataFrame:
    """The cell of each series at the year named by `year_column` (value, suppressed)."""
    keyed = series[[*SERIES, year_column]].rename(columns={year_column: "year"})
    found = keyed.merge(cells[[*SERIES, "year", "shown", "suppressed"]], on=[*SERIES, "year"], how="left")
    return found[["shown", "suppressed"]].set_axis(series.index)


def baseline_years(cells: pd.DataFrame, series: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The baseline year each series uses and whether a later year stood in for the configured one.

    A stand-in is the earliest year at or after the configured one, before the latest year, whose value is
    published; `baseline: strict` keeps the configured year (and so, without data, no trend).
    """
    configured = series["configured_baseline"]
    shown = cells[cells["shown"].notna()][[*SERIES, "year"]].merge(
        series[[*SERIES, "configured_baseline", "latest_year"]], on=SERIES)
    usable = shown[(shown["year"] >= shown["configured_baseline"]) & (shown["year"] < shown["latest_year"])]
    earliest = usable.groupby(SERIES)["year"].min()
    key = pd.MultiIndex.from_frame(series[SERIES])
    first_usable = pd.Series(earliest.reindex(key).to_numpy(), index=series.index).astype("Int64")
    fallback = (first_usable.notna() & (first_usable != configured) & ~series["baseline_strict"].astype(bool))
    fallback = fallback.fillna(False).astype(bool)
    return configured.where(~fallback, first_usable).astype("Int64"), fallback


def streaks(cells: pd.DataFrame, series: pd.DataFrame) -> pd.Series:
    """Consecutive year-over-year periods, ending at the latest year, that moved in the latest move's direction.

    0 when the latest move is flat or unknown (a suppressed or missing year breaks a streak).
    """
    frame = cells[[*SERIES, "year", "shown"]].merge(series[[*SERIES, "sign", "min_change_pp", "relative"]], on=SERIES)
    frame = frame.sort_values([*SERIES, "year"], ascending=[True, True, True, False], kind="stable")
    before = frame.groupby(SERIES, sort=False)["shown"].shift(-1)
    signed = moved(frame["shown"], before, frame["relative"]) * frame["sign"]  # each year against the one before
    direction = np.select([signed >= frame["min_change_pp"] - TOLERANCE, signed <= -frame["min_change_pp"] + TOLERANCE],
                          [1, -1], 0)
    frame = frame.assign(direction=direction)
    latest = frame.groupby(SERIES, sort=False)["direction"].transform("first")
    same = ((frame["direction"] == latest) & (latest != 0)).astype(int)
    run = same.groupby([frame[c] for c in SERIES], sort=False).cumprod()
    counted = run.groupby([frame[c] for c in SERIES], sort=False).sum()
    key = pd.MultiIndex.from_frame(series[SERIES])
    return pd.Series(counted.reindex(key).fillna(0).astype(int).to_numpy(), index=series.index)


def on_track(series: pd.DataFrame) -> pd.Series:
    """Latest value at or past the straight path from the baseline to the target (polarity-aware).

    At or after the target year the path is the target itself. Unknown without a target, a baseline or a
    latest value.
    """
    span = (series["target_year"] - series["baseline_year"]).astype(float)
    elapsed = (series["latest_year"] - series["baseline_year"]).astype(float)
    progress = np.where(span > 0, np.clip(elapsed / span.where(span > 0), 0, 1), 1.0)
    expected = series["baseline"] + (series["target"] - series["baseline"]) * progress
    ahead = (series["latest"] - expected) * series["sign"] >= -TOLERANCE
    known = series["target"].notna() & series["baseline"].notna() & series["latest"].notna()
    return pd.Series(np.where(known, ahead, None), index=series.index, dtype=object)


def outcome_trends(cells: pd.DataFrame, rules: pd.DataFrame, indicators: pd.DataFrame,
                   targets: pd.DataFrame | None = None, families: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per series with baseline, latest, changes, streak, target, trend and suppressed.

    `cells` is the suppressed table for years <= the assessment year; `indicators` is indexed by indicator
    id with `sign` (+1/-1), `core` (bool) and `min_change` (float or NaN); `targets` has community_id,
    indicator_id, target, target_year (all-students targets); `families` maps group -> family.
    """
    cells = cells.sort_values([*SERIES, "year"]).reset_index(drop=True)
    series = cells.groupby(SERIES, sort=False).agg(first_year=("year", "min"), latest_year=("year", "max")).reset_index()
    series = series.merge(rules, on="community_id", how="left")
    series["sign"] = series["indicator_id"].map(indicators["sign"]).fillna(1).astype(int)
    series["core"] = series["indicator_id"].map(indicators["core"]).fillna(False).astype(bool)
    series["relative"] = relative_change(series["indicator_id"], indicators)
    series["change_kind"] = np.where(series["relative"], "relative", "points")
    own_min = series["indicator_id"].map(indicators["min_change"]).astype(float)
    unit_min = series["indicator_id"].map(unit_column(indicators, "min_change")).astype(float)
    series["min_change_pp"] = own_min.fillna(unit_min).fillna(series["min_change_pp"])
    series["family"] = series["group"].map(families or {}).fillna("all").astype(str)
    series["configured_baseline"] = series["baseline_year"].fillna(series["first_year"]).astype("Int64")
    series["baseline_year"], series["baseline_fallback"] = baseline_years(cells, series)
    base = value_at(cells, series, "baseline_year")
    last = value_at(cells, series, "latest_year")
    series["baseline"] = base["shown"].astype(float)
    series["latest"] = last["shown"].astype(float)
    change = series["latest"] - series["baseline"]
    series["change_pp"] = change.round(1)
    series["change_pct"] = (change / series["baseline"].where(series["baseline"] != 0) * 100).round(1)
    series["streak"] = streaks(cells, series)

    # prior: the latest reported year before latest_year
    ranked = cells.assign(rank=cells.groupby(SERIES)["year"].rank(ascending=False, method="first"))
    prior = ranked[ranked["rank"] == 2][[*SERIES, "shown", "suppressed"]].rename(
        columns={"shown": "prior", "suppressed": "prior_suppressed"})
    series = series.merge(prior, on=SERIES, how="left")

    # consecutive: the last `periods` moves between reported years
    window_cells = cells.merge(rules[["community_id", "periods"]], on="community_id", how="left")
    window_cells["move"] = moved(window_cells["shown"], window_cells.groupby(SERIES)["shown"].shift(),
                                 relative_change(window_cells["indicator_id"], indicators))
    window_cells["rank"] = window_cells.groupby(SERIES)["year"].rank(ascending=False, method="first")
    window = window_cells[window_cells["rank"] <= window_cells["periods"]]
    window = window.merge(series[[*SERIES, "sign", "min_change_pp"]], on=SERIES, how="left")
    signed = window["move"] * window["sign"]
    window = window.assign(up=signed >= window["min_change_pp"] - TOLERANCE,
                           down=signed <= -window["min_change_pp"] + TOLERANCE,
                           known=window["move"].notna(), any_suppressed=window["suppressed"])
    # the earliest cell in the window is compared with the one before it, so it must be shown too
    moves = window.groupby(SERIES).agg(n=("known", "sum"), up=("up", "all"), down=("down", "all"),
                                       window_suppressed=("any_suppressed", "any")).reset_index()
    series = series.merge(moves, on=SERIES, how="left")

    enough = (series["latest_year"] > series["baseline_year"]).fillna(False).astype(bool)
    base_move = moved(series["latest"], series["baseline"], series["relative"])
    prior_move = moved(series["latest"], series["prior"], series["relative"])
    base_trend = classify(base_move * series["sign"], series["min_change_pp"])
    prior_trend = classify(prior_move * series["sign"], series["min_change_pp"])
    consecutive = np.select([series["up"].fillna(False).astype(bool), series["down"].fillna(False).astype(bool)],
                            ["improving", "declining"], "flat").astype(object)
    method = series["trend_method"]
    trend = np.select([method == "prior", method == "consecutive"], [prior_trend, consecutive], base_trend)
    usable = np.select(
        [method == "prior", method == "consecutive"],
        [prior_move.notna(), series["n"].fillna(0) >= series["periods"]],
        base_move.notna() & enough,
    ).astype(bool)
    series["trend"] = np.where(usable, trend, "insufficient_data")
    suppressed_inputs = base["suppressed"].fillna(False).astype(bool).to_numpy() | last["suppressed"].fillna(False).astype(bool).to_numpy()
    suppressed_inputs = suppressed_inputs | np.where(method == "prior", series["prior_suppressed"].fillna(False).astype(bool), False)
    suppressed_inputs = suppressed_inputs | np.where(method == "consecutive", series["window_suppressed"].fillna(False).astype(bool), False)
    series["suppressed"] = suppressed_inputs
    series.loc[series["suppressed"], "trend"] = "insufficient_data"

    if targets is not None and len(targets):
        series = series.merge(targets[["community_id", "indicator_id", "target", "target_year"]].assign(group="all"),
                              on=SERIES, how="left")
    else:
        series = series.assign(target=np.nan, target_year=pd.NA)
    series["target"] = series["target"].astype(float)
    series["target_year"] = series["target_year"].astype("Int64")
    series["on_track"] = on_track(series)
    return series[[*SERIES, "family", "core", "baseline_year", "baseline", "latest_year", "latest", "change_pp",
                   "change_pct", "change_kind", "streak", "baseline_fallback", "target", "target_year", "on_track", "trend",
                   "suppressed", "sign", "min_change_pp", "configured_baseline", "baseline_strict",
                   *[c for c in rules.columns if c.startswith("reference_")]]]
