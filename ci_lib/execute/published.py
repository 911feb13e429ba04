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

# the columns of every published outcomes file, the first five as they have always been named
OUTCOME_COLUMNS = ["community_id", "indicator_id", "indicator", "unit", "group", "group_label", "family",
                   "family_label", "year", "value", "status", "status_label"]
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
