"""The markers sources write in a number cell instead of a number, and what each one means.

Published tables (KIDS COUNT exports, state report cards, the assessment's wide table written by R) put a
marker where a number is withheld or was never there. The kit reads each documented marker as a cell
STATUS, never as a number and never as an error, and keeps the two meanings apart:

- `suppressed_at_source`: the source had the number and withheld it (too few students). A page says
  "suppressed by the source", and the kit treats the cell as suppressed when it checks that no withheld
  value can be derived from the others (complementary suppression).
- `not_available`: the source has no number for the cell (not collected, not applicable, R's `NA`).

Markers are matched after stripping, ignoring case and whitespace inside (`n < 10` is `n<10`, `na` is
`NA`). Any other text in a number column stays an error at its file, row and column. This table is the one
place the kit lists them; docs/data-contract.md is generated from it.
"""

from __future__ import annotations

SUPPRESSED_AT_SOURCE = "suppressed_at_source"
NOT_AVAILABLE = "not_available"
STATUSES = (SUPPRESSED_AT_SOURCE, NOT_AVAILABLE)

# marker -> (status, why), in the order the documentation lists them
MARKERS: dict[str, tuple[str, str]] = {
    "NA": (NOT_AVAILABLE, "R's missing value: the assessment's wide table written by R"),
    "N/A": (NOT_AVAILABLE, "not applicable or not collected (KIDS COUNT, Colorado exports)"),
    "N.A.": (NOT_AVAILABLE, "the same, written with stops"),
    "\u2014": (NOT_AVAILABLE, "an em dash: the report-card convention for no data"),
    "*": (SUPPRESSED_AT_SOURCE, "KIDS COUNT: a count too small to publish"),
    "**": (SUPPRESSED_AT_SOURCE, "KIDS COUNT: a percent suppressed because its count is"),
    "S": (SUPPRESSED_AT_SOURCE, "Census/NCES: suppressed, does not meet publication standards"),
    "LNE": (SUPPRESSED_AT_SOURCE, "Colorado: low N, excluded (it replaces values of small groups)"),
    "[Data Suppressed]": (SUPPRESSED_AT_SOURCE, "WISEdash: redacted for a small group"),
    "<10": (SUPPRESSED_AT_SOURCE, "fewer than 10 students: a range, not a number"),
    "n<10": (SUPPRESSED_AT_SOURCE, "the same, written with n"),
}


def _key(text: str) -> str:
    return "".join(text.split()).casefold()


_BY_KEY = {_key(marker): status for marker, (status, _) in MARKERS.items()}


def cell_status(text: object) -> str | None:
    """The status a marker stands for (`suppressed_at_source` | `not_available`), or None for anything else."""
    if not isinstance(text, str):
        return None
    return _BY_KEY.get(_key(text))


def markers_markdown() -> str:
    """The markers table for docs/data-contract.md."""
    lines = ["## Markers in number cells", "",
             "A source's marker in `numerator`, `denominator` or `value` (of `outcomes.csv`, or of a file given to "
             "`ci-assess import`) is read as the cell's status, kept in the long data as `source_status`, counted "
             "by `ci-assess validate` and never read as a number. A row with a status needs no numbers. Markers "
             "match after stripping, ignoring case and inner spaces; any other text in a number column is an error.",
             "", "| marker | status | why |", "|---|---|---|"]
    for marker, (status, why) in MARKERS.items():
        shown = marker.replace("|", "\\|").replace("*", "\\*").replace("[", "\\[").replace("<", "&lt;")
        lines.append(f"| {shown} | `{status}` | {why} |")
    lines += ["", "`suppressed_at_source` cells are withheld by the source (shown as \"suppressed by the source\", "
              "and counted as suppressed for complementary suppression); `not_available` cells have no number "
              "at the source. Neither is the kit's own small-cell suppression, nor a missing row.", ""]
    return "\n".join(lines)
