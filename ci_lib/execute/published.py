"""The published outcomes file (`data/<id>-outcomes.csv`): ids, readable labels, the unit and why a value is blank.

A reader who opens one community's file in a spreadsheet, or the network's (`downloads/outcomes.csv`, the
members' files one after another), sees whose row it is, what indicator, group and family it is in words, in
what unit, and, for a blank value, which of the kit's marks it is (`vocabulary.MARKS`) in the same words as
the pages. Ids stay beside the labels, so the files join with the scores. Text cells are neutralised against
formulas (`escape.csv_cell`); values are numbers, blank where not published.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ci_lib import vocabulary
from ci_lib.escape import csv_cell
from ci_lib.inputs.rules import unit_of

# the columns of every published outcomes file (indicator_id, group, year, value and status as they always were)
OUTCOME_COLUMNS = ["community_id", "indicator_id", "indicator", "unit", "group", "group_label", "family",
                   "family_label", "year", "value", "status", "status_label"]
# the network's gaps file and the workbook's gaps and benchmarks sheets (`ci_lib.website.downloads`)
GAP_COLUMNS = ["community_id", "name", "indicator_id", "indicator", "family", "family_label", "group", "group_label",
               "reference_group", "reference_label", "baseline_year", "latest_year", "gap_baseline_pp",
               "gap_latest_pp", "gap_change_pp", "gap_trend", "gap_trend_label", "closing", "core", "status",
               "status_label"]
BENCHMARK_COLUMNS = ["community_id", "name", "benchmark_id", "title", "gateway", "gateway_label", "pillar",
                     "pillar_label", "status", "status_label", "credit", "carried_forward", "self_status",
                     "evidence", "review_note"]

# What each column holds, for the README sheet and the Downloads page (one wording for both).
COLUMN_NOTES: dict[str, str] = {
    "community_id": "the member's id (joins every file and sheet)",
    "name": "the member's name", "state": "the member's state",
    "indicator_id": "the indicator's id",
    "indicator": "the indicator's name",
    "unit": "the unit of 'value' (percent, rate per 1,000, count, currency, score)",
    "group": "the student group's id ('all' = all students)",
    "group_label": "the student group's name",
    "family": "the comparison family of the group (blank for all students)",
    "family_label": "the comparison family's name",
    "year": "the year of the value (the end year of a period estimate)",
    "value": "the published value, rounded to 0.1; blank where not published (see 'status')",
    "status": "why a value is blank: 'suppressed' (S), 'suppressed_by_source' (X), 'not_available' (NA); "
              "empty when a value is shown",
    "status_label": "the status in words, as the pages' legend says it",
    "reference_group": "the group the gap is measured from (the family's reference)",
    "reference_label": "the reference group's name",
    "baseline_year": "the baseline year of the gap",
    "latest_year": "the latest year of the gap",
    "gap_baseline_pp": "the gap at the baseline, percentage points (positive = the group is behind)",
    "gap_latest_pp": "the gap in the latest year, percentage points",
    "gap_change_pp": "latest gap minus baseline gap, percentage points",
    "gap_trend": "narrowing, widening, reversed, flat or insufficient_data",
    "gap_trend_label": "the gap trend in words",
    "closing": "TRUE when the gap is narrowing or reversed; blank when it cannot be told",
    "core": "TRUE for a core indicator (counted toward the proof point)",
    "benchmark_id": "the benchmark's id",
    "title": "the benchmark's title",
    "gateway": "the gateway's id", "gateway_label": "the gateway's name",
    "pillar": "the pillar's id", "pillar_label": "the pillar's name",
    "credit": "the benchmark's credit (0 to 1); blank for a benchmark not rated (NR)",
    "carried_forward": "TRUE when last year's rating stands in for a rating not given this year",
    "self_status": "the partnership's self-rating, where the network reviewed it",
    "evidence": "the evidence given for the rating", "review_note": "the reviewer's note",
    "gateway_reached": "the gateway reached ('none' = not yet Exploring)",
    "gateway_reached_label": "the gateway reached, in words",
    "next_gateway": "the next gateway (blank when all are reached)", "next_gateway_label": "the next gateway, in words",
    "missing_benchmarks": "how many benchmarks the next gateway still needs",
    "assessment_incomplete": "TRUE when some benchmark was not rated", "benchmarks_not_rated": "how many were not rated",
    "indicators_improving_share": "share of core indicators improving (0 to 1)",
    "gaps_closing_share": "share of measured gaps closing (0 to 1)",
    "proof_point": "TRUE when the outcomes proof point is met", "proof_point_reason": "why, in words",
}

TEXT_COLUMNS = ("community_id", "indicator_id", "indicator", "unit", "group", "group_label", "family",
                "family_label", "status", "status_label")


def outcome_words(indicators: Sequence[Mapping[str, Any]], labels: Mapping[str, Mapping[str, str]],
                  group_families: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """The lookups of `outcomes_csv`, made once a year: indicator -> name and unit, group -> label and family."""
    families = labels.get("families", {})
    return {"indicator": {str(i["id"]): str(i["name"]) for i in indicators},
            "unit": {str(i["id"]): unit_of(i.get("unit")).label for i in indicators},
            "group_label": dict(labels.get("groups", {})),
            "family": {g: f for g, f in group_families.items()},
            "family_label": {g: families.get(f, f) for g, f in group_families.items()},
            "status_label": {k: vocabulary.MARK_WORDS[k] for k in vocabulary.CELL_MARKS}}


def outcomes_csv(rows: pd.DataFrame, lookups: Mapping[str, Mapping[str, str]]) -> bytes:
    """One community's published rows (community_id, indicator_id, group, year, value, status) as its file."""
    out = pd.DataFrame({"community_id": rows["community_id"].astype(str), "indicator_id": rows["indicator_id"]})
    out["indicator"] = rows["indicator_id"].map(lookups["indicator"]).fillna(rows["indicator_id"])
    out["unit"] = rows["indicator_id"].map(lookups["unit"]).fillna(unit_of(None).label)
    out["group"] = rows["group"]
    out["group_label"] = rows["group"].map(lookups["group_label"]).fillna(rows["group"])
    out["family"] = rows["group"].map(lookups["family"]).fillna("")
    out["family_label"] = rows["group"].map(lookups["family_label"]).fillna("")
    out["year"] = rows["year"].astype(int)
    out["value"] = rows["value"]
    out["status"] = rows["status"].fillna("").astype(str)
    out["status_label"] = out["status"].map(lookups["status_label"]).fillna("")
    for column in TEXT_COLUMNS:  # few distinct values: neutralised once each
        out[column] = out[column].map({v: csv_cell(v) for v in out[column].unique()})
    return out[OUTCOME_COLUMNS].to_csv(index=False, lineterminator="\n").encode("utf-8")
