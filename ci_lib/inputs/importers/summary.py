"""What an import read, wrote and left out, so that the counts account for every row of the file.

Every importer fills one `ImportSummary`: `read` rows of the file, `written` of them became (or were
joined into) an outcome row, and every other row is `skip`ped with a reason; `read == written +
sum(skipped)` is checked before the summary is printed. A reason is a short sentence that says how to
change it (`location not in the map's locations: (add it to locations: ...)`); `examples` keeps the first
few labels behind a reason, so "12 rows skipped" also says which labels.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SHOWN_EXAMPLES = 5


@dataclass
class ImportSummary:
    """Counts of one import: `read` = `written` + every `skipped` reason; `statuses` counts source markers kept."""

    source: str
    read: int = 0
    written: int = 0
    outcome_rows: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    distinct: dict[str, set[str]] = field(default_factory=dict)  # every label behind a reason, to count them
    statuses: Counter[str] = field(default_factory=Counter)  # markers of the rows kept (and of group labels)
    file_markers: Counter[str] = field(default_factory=Counter)  # markers in the columns read, every row of the file
    notes: list[str] = field(default_factory=list)
    unit: str = "rows"  # what `read` counts: rows of the file, or cells (N/D pairs of a wide table)

    def skip(self, reason: str, example: str | None = None, count: int = 1) -> None:
        self.skipped[reason] += count
        if example is not None:
            self.distinct.setdefault(reason, set()).add(example)
            shown = self.examples.setdefault(reason, [])
            if example not in shown and len(shown) < SHOWN_EXAMPLES:
                shown.append(example)

    def accounted(self) -> bool:
        return self.read == self.written + sum(self.skipped.values())

    def lines(self, out: str, append: bool) -> list[str]:
        """The summary as printed: one headline, then one line per skip reason, largest first."""
        verb = "appended" if append else "wrote"
        kept = ", ".join(f"{n} {status.replace('_', ' ')}" for status, n in sorted(self.statuses.items()))
        lines = [f"{self.source}: {self.read} {self.unit} read, {self.written} written, "
                 f"{sum(self.skipped.values())} skipped; {verb} {self.outcome_rows} outcome rows to {out}"
                 + (f"; source markers: {kept}" if kept else "")]
        for reason, count in sorted(self.skipped.items(), key=lambda item: (-item[1], item[0])):
            shown = self.examples.get(reason)
            rest = len(self.distinct.get(reason, ())) - len(shown or ())
            more = (f": {', '.join(repr(e) for e in shown)}" + (f" and {rest} more" if rest else "")) if shown else ""
            lines.append(f"  skipped {count}: {reason}{more}")
        if self.file_markers:
            lines.append("  the file's cells marked by the source (every row, in the columns read): " + ", ".join(
                f"{n} {status.replace('_', ' ')}" for status, n in sorted(self.file_markers.items())))
        lines += [f"  note: {note}" for note in self.notes]
        if not self.accounted():  # a bug in an importer, never the user's input: say so rather than hide it
            lines.append(f"  (internal: {self.read} read != {self.written} used + {sum(self.skipped.values())} "
                         "skipped; please report)")
        return lines


def cia_summary(result: Any, source: str) -> ImportSummary:
    """The summary of `read_cia` (`CiaImport`), from its counters.

    Where `CiaImport` counts its rows (`rows_read`, `rows_mapped`, `skipped_unlabelled`: the row accounting
    of the cia row mapping), the summary is in label rows, each mapped row "written", and its empty cells a
    note; otherwise it is in cells (N/D pairs), the rows left out (intersections, unknown labels) as notes.
    """
    summary = ImportSummary(source, outcome_rows=len(result.rows))
    summary.statuses.update(result.source_status_cells)
    shown = ", ".join(repr(label) for _, label in result.unknown_labels[:SHOWN_EXAMPLES])
    unknown = "label not in the label map (add it to the rubric's label_map, or `labels:` in params)"
    intersections = "a gender x population row the rubric has no group for"
    rows_read = getattr(result, "rows_read", None)
    if rows_read is not None:
        summary.read, summary.written = rows_read, result.rows_mapped
        for label_row in result.unknown_labels:
            summary.skip(unknown, label_row[1])
        summary.skip(intersections, count=result.skipped_intersections)
        summary.skip("no label and no counts (a note or footer)", count=result.skipped_unlabelled)
        summary.skipped = +summary.skipped  # drop the reasons counted 0
        if result.skipped_zero_cells:
            summary.notes.append(f"{result.skipped_zero_cells} empty cells of the rows written (0/0, NA/NA or "
                                 "blank: no data)")
        return summary
    summary.unit = "cells"
    summary.written = len(result.rows)
    summary.read = summary.written + result.skipped_zero_cells
    if result.skipped_zero_cells:
        summary.skip("empty cell (0/0, NA/NA or blank: no data)", count=result.skipped_zero_cells)
    if result.skipped_intersections:
        summary.notes.append(f"{result.skipped_intersections} label rows: {intersections}: not imported")
    if result.unknown_labels:
        summary.notes.append(f"{len(result.unknown_labels)} label rows: {unknown} ({shown}): not imported")
    return summary
