"""One place for the words: gateways, statuses, trends and gap trends as every page, work file, CSV and the
explorer write them.

A state with three names ("Not yet reached", "Not yet Exploring", `none`) reads as three states; here
each id has one label, and the sentences that explain a rule (the proof point) are composed once.
Nothing here imports the rubric: it is handed labels, so scoring and rubric code can use these words too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

NO_GATEWAY_ID = "none"
NO_GATEWAY = "Not yet Exploring"
ALL_GATEWAYS_REACHED = "All gateways reached"

STATUS = {"met": "Met", "in_progress": "In progress", "not_started": "Not started", "not_rated": "Not rated"}
TREND = {"improving": "Improving", "declining": "Declining", "flat": "Flat", "insufficient_data": "Insufficient data"}
GAP_TREND = {"narrowing": "Narrowing", "widening": "Widening", "reversed": "Reversed (gap closed)", "flat": "Flat",
             "insufficient_data": "Insufficient data"}
# JSON object keys are strings: `closing` true/false/null is looked up by `json.dumps` of the value
CLOSING = {"true": "Closing", "false": "Not closing", "null": "—"}
ON_TRACK = {"true": "On track", "false": "Off track", "null": "—"}
# why a trend is flat or not computed, when the reason is not the usual rule (scores' `trend_reason`)
TREND_REASON = {"within_margin_of_error": "the change is within its margin of error",
                "overlapping_periods": "only overlapping periods, which a trend does not compare"}
CARRIED_FORWARD = "carried forward from last year"
MISSING = "–"  # no value and no reason known (no row for the cell)
# A mark means one thing, on every page, table and download: a blank published cell by its `status`
# (ci_lib.scoring.suppression.PUBLIC_STATUSES), a benchmark without a rating, or no value at all. Tables show
# the mark; a legend line under them (`marks_legend`) gives the words, only for the marks they show.
MARKS = {"suppressed": "S", "suppressed_by_source": "X", "not_available": "NA", "not_rated": "NR",
         "missing": MISSING}
MARK_WORDS = {"suppressed": "suppressed by the kit (privacy: too few students, or a value that would reveal one)",
              "suppressed_by_source": "suppressed by the source (its publisher withheld the value)",
              "not_available": "not collected (no number exists at the source)",
              "not_rated": "not rated (a benchmark without a rating: no credit)",
              "missing": "no value (nothing measured, or not applicable)"}
CELL_MARKS = {status: MARKS[status] for status in ("suppressed", "suppressed_by_source", "not_available")}


def marks_present(values: Iterable[Any]) -> list[str]:
    """The marks (their keys, in `MARKS` order) shown as whole cell values among `values`."""
    shown = {v for v in values if isinstance(v, str)}
    return [key for key, mark in MARKS.items() if mark in shown]


def marks_legend_text(present: Iterable[str]) -> str:
    """The legend line of the marks `present` (keys of `MARKS`), in words: "S = suppressed by ...; NA = ..."."""
    chosen = set(present)
    return "; ".join(f"{MARKS[key]} = {MARK_WORDS[key]}" for key in MARKS if key in chosen)


def flag(words: Mapping[str, str], value: bool | None) -> str:
    """The word for a true/false/unknown value (`CLOSING`, `ON_TRACK`)."""
    return words["null" if value is None else "true" if value else "false"]


def word(words: Mapping[str, str], key: str | None) -> str:
    """The label of an id from one of the tables above; an unknown id is shown as itself, spaced."""
    if key is None:
        return MISSING
    return words.get(key, str(key).replace("_", " "))


def trend_words(trend: str | None, reason: str | None = None) -> str:
    """A trend's label, with its reason in words when it has one: "Flat (the change is within its margin of error)"."""
    label = word(TREND, trend)
    return f"{label} ({word(TREND_REASON, reason)})" if reason else label


def gateway_label(gateway_id: str | None, labels: Mapping[str, str]) -> str:
    """A gateway's label; no gateway (None or `none`) is always `NO_GATEWAY`."""
    if gateway_id is None or gateway_id == NO_GATEWAY_ID:
        return NO_GATEWAY
    return str(labels.get(gateway_id, gateway_id))


def gateway_labels(gateways: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Gateway id -> label, `none` first: the labels of the work files, the gateway chart and the listing."""
    return {NO_GATEWAY_ID: NO_GATEWAY, **{str(g["id"]): str(g["label"]) for g in gateways}}


def share(value: float | None, missing: str = MISSING) -> str:
    return missing if value is None or value != value else f"{value:.0%}"


def signed(value: float | None, unit: str = "") -> str:
    """A change with its sign (+2.5, -1.0%); missing values are a dash."""
    return MISSING if value is None or value != value else f"{value:+.1f}{unit}"


def streak(periods: int | None, trend: str | None) -> str:
    """How long the current direction has lasted: "3 years improving"; nothing for flat or unknown."""
    if not periods or trend not in ("improving", "declining"):
        return MISSING
    return f"{periods} year{'s' if periods != 1 else ''} {trend}"


def proof_point_sentence(summary: Mapping[str, Any], rules: Mapping[str, Any] | None = None) -> str:
    """The proof point in words: the verdict, the numbers it was decided on and the rule applied.

    The scores carry the sentence (`summary.proof_point_basis.sentence`, written by scoring from the same
    numbers); a year scored before the basis was recorded gets the words of its shares and the rules.
    """
    basis = summary.get("proof_point_basis") or {}
    if basis.get("sentence"):
        return str(basis["sentence"])
    rules = rules or {}
    verdict = "Proof point met" if summary.get("proof_point") else "Proof point not yet met"
    text = f"{verdict}. Indicators improving: {share(summary.get('indicators_improving_share'))}"
    if rules.get("proof_point_share") is not None:
        text += f" (the rule needs at least {rules['proof_point_share']:.0%})"
    text += f". Disparity gaps closing: {share(summary.get('gaps_closing_share'))}"
    if rules.get("proof_point_gap_share") is not None:
        text += f" (the rule needs at least {rules['proof_point_gap_share']:.0%})"
    return text + "."


def short_verdict(summary: Mapping[str, Any]) -> str:
    return "met" if summary.get("proof_point") else "not yet met"


def labels(groups: Mapping[str, str], gateways: Iterable[Mapping[str, Any]], pillars: Mapping[str, str],
           families: Mapping[str, str] | None = None) -> dict[str, dict[str, str]]:
    """Every label table a work file carries (`labels`): the rubric's names and the kit's words."""
    return {
        "groups": dict(groups),
        "gateways": gateway_labels(gateways),
        "pillars": dict(pillars),
        "families": dict(families or {}),
        "statuses": dict(STATUS),
        "trends": dict(TREND),
        "gap_trends": dict(GAP_TREND),
        "closing": dict(CLOSING),
        "on_track": dict(ON_TRACK),
    }
