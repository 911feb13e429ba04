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

Estimates (see `cell_moe`, docs/guide.md): a cell of a period (`period_start` set, such as the American
Community Survey's 2005-2009) is compared only with cells that END BEFORE the period STARTS: overlapping
periods share most of their sample, so their difference says little (Census Bureau, "Understanding and
Using American Community Survey Data", 2020, ch. 8). Without such a cell the trend is `insufficient_data`
with `trend_reason: overlapping_periods`. A single year is a period of one year, so other data compare as
they always did. A change (or a consecutive move) no larger than its margin of error,
sqrt(MOE_1^2 + MOE_2^2), is flat with `trend_reason: within_margin_of_error`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ci_lib.inputs.rules import unit_of

SERIES = ["community_id", "indicator_id", "group"]
TOLERANCE = 1e-9
WITHIN_MOE = "within_margin_of_error"
OVERLAPPING = "overlapping_periods"


def cell_moe(cells: pd.DataFrame) -> pd.Series:
    """The margin of error of each cell's value, in its unit (percentage points for a percent); NaN: none given.

    `value_moe` when given; else, for a percent from counts, the Census Bureau's approximation for a
    proportion p = N/D ("Understanding and Using American Community Survey Data", 2020, ch. 8):
    MOE(p) = sqrt(MOE_N^2 - p^2 * MOE_D^2) / D, or, when the term under the root is negative, the ratio
    formula sqrt(MOE_N^2 + p^2 * MOE_D^2) / D; times 100. A count's MOE not given is taken as 0 (exact)
    when the other count has one.
    """
    if "value_moe" not in cells.columns:
        return pd.Series(np.nan, index=cells.index)
    num = cells["numerator"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    den = cells["denominator"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    num_moe = cells["numerator_moe"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    den_moe = cells["denominator_moe"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = num / den
        x, y = np.nan_to_num(num_moe), np.nan_to_num(den_moe)
        square = x**2 - p**2 * y**2
        square = np.where(square < 0, x**2 + p**2 * y**2, square)
        from_counts = np.where((den > 0) & ~(np.isnan(num_moe) & np.isnan(den_moe)), np.sqrt(square) / den * 100, np.nan)
    given = cells["value_moe"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(np.where(np.isnan(given), from_counts, given), index=cells.index)


def difference_moe(first: pd.Series, second: pd.Series) -> pd.Series:
    """MOE of a difference, sqrt(MOE_1^2 + MOE_2^2), rounded like published values; NaN when neither has one."""
    known = first.notna() | second.notna()
    return np.sqrt(first.fillna(0) ** 2 + second.fillna(0) ** 2).where(known).round(1)


def comparable_chain(cells: pd.DataFrame) -> pd.Series:
    """Which cells a consecutive comparison may use: all of them, except in series holding a period, where the
    chain runs back from the latest cell, each step to the latest cell that ends before the current one starts."""
    chained = pd.Series(True, index=cells.index)
    periods = cells.groupby(SERIES, sort=False)["period_start"].transform(lambda s: s.notna().any())
    for _, series in cells[periods.astype(bool)].groupby(SERIES, sort=False):
        chained[series.index] = False
        start = None
        for index, year, first in zip(series.index[::-1], series["year"].iloc[::-1], series["start"].iloc[::-1],
                                      strict=True):
            if start is None or year < start:
                chained[index] = True
                start = first
    return chained


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
    """The cell of each series at the year named by `year_column` (value, suppressed, moe, period_start)."""
    keyed = series[[*SERIES, year_column]].rename(columns={year_column: "year"})
    columns = ["shown", "suppressed", "moe", "period_start"]
    found = keyed.merge(cells[[*SERIES, "year", *columns]], on=[*SERIES, "year"], how="left")
    return found[columns].set_axis(series.index)


def baseline_years(cells: pd.DataFrame, series: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The baseline year each series uses and whether a later year stood in for the configured one.

    A stand-in is the earliest year at or after the configured one, before the latest year, whose value is
    published; `baseline: strict` keeps the configured year (and so, without data, no trend).
    """
    configured = series["configured_baseline"]
    shown = cells[cells["shown"].notna()][[*SERIES, "year"]].merge(
        series[[*SERIES, "configured_baseline", "latest_start"]], on=SERIES)
    usable = shown[(shown["year"] >= shown["configured_baseline"]) & (shown["year"] < shown["latest_start"])]
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
    frame = cells[[*SERIES, "year", "shown", "moe"]].merge(series[[*SERIES, "sign", "min_change_pp", "relative"]],
                                                          on=SERIES)
    frame = frame.sort_values([*SERIES, "year"], ascending=[True, True, True, False], kind="stable")
    before = frame.groupby(SERIES, sort=False)["shown"].shift(-1)
    signed = moved(frame["shown"], before, frame["relative"]) * frame["sign"]  # each year against the one before
    within = ((frame["shown"] - before).abs() <= difference_moe(frame["moe"], frame.groupby(SERIES, sort=False)["moe"]
                                                                .shift(-1)) + TOLERANCE).fillna(False).astype(bool)
    direction = np.select([within, signed >= frame["min_change_pp"] - TOLERANCE,
                           signed <= -frame["min_change_pp"] + TOLERANCE], [0, 1, -1], 0)
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
    if "period_start" not in cells.columns:
        cells = cells.assign(period_start=pd.Series(pd.NA, index=cells.index, dtype="Int64"))
    cells = cells.assign(moe=cell_moe(cells), start=cells["period_start"].fillna(cells["year"]).astype("Int64"),
                         is_period=cells["period_start"].notna())
    has_period = bool(cells["period_start"].notna().any())
    chain = cells[comparable_chain(cells)] if has_period else cells
    series = cells.groupby(SERIES, sort=False).agg(first_year=("year", "min"), latest_year=("year", "max"),
                                                   latest_start=("start", "last"), has_period=("is_period", "any"),
                                                   cells=("year", "size")).reset_index()
    series = series.merge(rules, on="community_id", how="left")
    series["sign"] = series["indicator_id"].map(indicators["sign"]).fillna(1).astype(int)
    series["core"] = series["indicator_id"].map(indicators["core"]).fillna(False).astype(bool)
    series["relative"] = relative_change(series["indicator_id"], indicators)
    series["change_kind"] = np.where(series["relative"], "relative", "points")
    estimate = indicators["estimate"] if "estimate" in indicators.columns else pd.Series(dtype=bool)
    series["estimate"] = series["indicator_id"].map(estimate).fillna(False).astype(bool)
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
    series["change_moe"] = difference_moe(base["moe"], last["moe"])
    series["baseline_period_start"], series["latest_period_start"] = base["period_start"], last["period_start"]
    series["streak"] = streaks(chain, series)

    # prior: the latest reported year before latest_year (before the latest period starts, for a period)
    ranked = cells.assign(rank=cells.groupby(SERIES)["year"].rank(ascending=False, method="first"))
    if has_period:
        earlier = cells.merge(series[[*SERIES, "latest_start"]], on=SERIES)
        earlier = earlier[earlier["year"] < earlier["latest_start"]]
        ranked = earlier.assign(rank=earlier.groupby(SERIES)["year"].rank(ascending=False, method="first") + 1)
    prior = ranked[ranked["rank"] == 2][[*SERIES, "year", "shown", "suppressed", "moe"]].rename(
        columns={"year": "prior_year", "shown": "prior", "suppressed": "prior_suppressed", "moe": "prior_moe"})
    series = series.merge(prior, on=SERIES, how="left")
    series["chained"] = series[SERIES].merge(chain.groupby(SERIES).size().rename("n").reset_index(), on=SERIES)["n"]

    # consecutive: the last `periods` moves between reported years
    window_cells = chain.merge(rules[["community_id", "periods"]], on="community_id", how="left")
    window_cells["points"] = window_cells.groupby(SERIES)["shown"].diff()  # the margin of error is in points
    window_cells["move"] = moved(window_cells["shown"], window_cells.groupby(SERIES)["shown"].shift(),
                                 relative_change(window_cells["indicator_id"], indicators))
    window_cells["move_moe"] = difference_moe(window_cells["moe"], window_cells.groupby(SERIES)["moe"].shift())
    window_cells["rank"] = window_cells.groupby(SERIES)["year"].rank(ascending=False, method="first")
    window = window_cells[window_cells["rank"] <= window_cells["periods"]]
    window = window.merge(series[[*SERIES, "sign", "min_change_pp"]], on=SERIES, how="left")
    signed = window["move"] * window["sign"]
    within = (window["points"].abs() <= window["move_moe"] + TOLERANCE).fillna(False).astype(bool)
    window = window.assign(up_by=signed >= window["min_change_pp"] - TOLERANCE,
                           down_by=signed <= -window["min_change_pp"] + TOLERANCE,
                           known=window["move"].notna(), any_suppressed=window["suppressed"])
    window = window.assign(up=window["up_by"] & ~within, down=window["down_by"] & ~within)
    # the earliest cell in the window is compared with the one before it, so it must be shown too
    moves = window.groupby(SERIES).agg(n=("known", "sum"), up=("up", "all"), down=("down", "all"),
                                       up_by=("up_by", "all"), down_by=("down_by", "all"),
                                       window_suppressed=("any_suppressed", "any")).reset_index()
    series = series.merge(moves, on=SERIES, how="left")

    enough = (series["latest_start"] > series["baseline_year"]).fillna(False).astype(bool)
    base_move = moved(series["latest"], series["baseline"], series["relative"])
    prior_move = moved(series["latest"], series["prior"], series["relative"])
    base_trend = classify(base_move * series["sign"], series["min_change_pp"])
    prior_trend = classify(prior_move * series["sign"], series["min_change_pp"])
    consecutive = np.select([series["up"].fillna(False).astype(bool), series["down"].fillna(False).astype(bool)],
                            ["improving", "declining"], "flat").astype(object)
    method = series["trend_method"]
    trend = np.select([method == "prior", method == "consecutive"], [prior_trend, consecutive], base_trend)
    # a move the minimum change calls a rise or a fall, but no larger than its margin of error: flat, and why
    prior_moe = difference_moe(series["prior_moe"], last["moe"])
    moved_by = (series["up_by"].fillna(False) | series["down_by"].fillna(False)).astype(bool)
    within = np.select(
        [method == "prior", method == "consecutive"],
        [((series["latest"] - series["prior"]).abs() <= prior_moe + TOLERANCE) & (prior_trend != "flat"),
         moved_by & (consecutive == "flat")],
        (change.abs() <= series["change_moe"] + TOLERANCE) & (base_trend != "flat")).astype(bool)
    trend = np.where(within, "flat", trend)
    usable = np.select(
        [method == "prior", method == "consecutive"],
        [prior_move.notna(), series["n"].fillna(0) >= series["periods"]],
        base_move.notna() & enough,
    ).astype(bool)
    series["trend"] = np.where(usable, trend, "insufficient_data")
    # earlier cells exist, but every one the method could compare with overlaps the latest period
    overlapping = np.select(
        [method == "prior", method == "consecutive"],
        [series["prior_year"].isna() & (series["cells"] > 1),
         (series["chained"] <= series["periods"]) & (series["cells"] > series["periods"])],
        ~enough & (series["latest_year"] > series["baseline_year"]).fillna(False).astype(bool)).astype(bool)
    reason = np.select([~usable & overlapping & series["has_period"].to_numpy(dtype=bool), usable & within],
                       [OVERLAPPING, WITHIN_MOE], "")
    suppressed_inputs = base["suppressed"].fillna(False).astype(bool).to_numpy() | last["suppressed"].fillna(False).astype(bool).to_numpy()
    suppressed_inputs = suppressed_inputs | np.where(method == "prior", series["prior_suppressed"].fillna(False).astype(bool), False)
    suppressed_inputs = suppressed_inputs | np.where(method == "consecutive", series["window_suppressed"].fillna(False).astype(bool), False)
    series["suppressed"] = suppressed_inputs
    series.loc[series["suppressed"], "trend"] = "insufficient_data"
    series["trend_reason"] = pd.Series(reason, index=series.index).where(~series["suppressed"] & (reason != ""))

    if targets is not None and len(targets):
        all_students = targets[["community_id", "indicator_id", "target", "target_year"]].assign(group="all")
        series = series.merge(all_students.astype({"group": series["group"].dtype}), on=SERIES, how="left")
    else:
        series = series.assign(target=np.nan, target_year=pd.NA)
    series["target"] = series["target"].astype(float)
    series["target_year"] = series["target_year"].astype("Int64")
    series["on_track"] = on_track(series)
    return series[[*SERIES, "family", "core", "baseline_year", "baseline", "latest_year", "latest", "change_pp",
                   "change_pct", "change_kind", "streak", "baseline_fallback", "target", "target_year", "on_track",
                   "trend", "suppressed", "trend_reason", "change_moe", "baseline_period_start", "latest_period_start",
                   "estimate", "latest_start", "sign", "min_change_pp", "configured_baseline", "baseline_strict",
                   *[c for c in rules.columns if c.startswith("reference_")]]]
