"""A KIDS COUNT Data Center export -> outcome rows: `ci-assess import kidscount FILE --map MAP.yml --out OUT`.

An export is long: ``LocationType,Location,TimeFrame,DataFormat,Data`` (Colorado's omit LocationType and
may add a breakdown column such as ``Race Ethnicity``), one row per place x time frame x format, where
`DataFormat` is ``Number`` (a count), ``Percent`` (written as a fraction, 0.79 for 79 %) or another unit
(``Currency``). The map (keys as in `ci_lib.inputs.importers.table`) says:

    indicator: hs_graduation            # or {column: Score, values: {Math: math_proficient, ...}}
    locations: {Kentucky: kentucky, Jefferson Co.: jefferson-ky}
    group: Race Ethnicity               # the breakdown column (found by itself when its cells are group labels)
    labels: {Two or more: two_or_more}  # its labels, on top of the shipped label map
    filters: {LocationType: State}
    scale: fraction | percent           # default: Percent values all <= 1 are fractions (multiplied by 100)
    number: value                       # write a Number without a Percent as the value (a count indicator)
    formats: [Currency]                 # other DataFormats written as the value, as they are
    excel_errors: skip                  # a `#VALUE!` cell skips its row (counted) instead of stopping

A Number row and the Percent row of the same cell are joined: the percent is the value (the export gives
no denominator, so the count is not written as a numerator); the Number row is counted as joined. A marker
(``*``, ``**``, ``N/A``, ``LNE``) is kept as the row's `source_status`. A column of the export the map
does not account for (``Score``: Math/Reading/Writing) is refused with the keys that would declare it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ci_lib.errors import ImportFormatError
from ci_lib.inputs.importers.summary import ImportSummary
from ci_lib.inputs.importers.table import (
    MAP_KEYS,
    Cells,
    Key,
    Record,
    Resolver,
    TableMap,
    add_record,
    check_columns,
    norm,
    outcome_frame,
    read_grid,
    scale_values,
    scaled_notes,
)
from ci_lib.inputs.markers import SUPPRESSED_AT_SOURCE

KIDSCOUNT_KEYS = tuple(k for k, (where, _) in MAP_KEYS.items() if where in ("kidscount", "both"))
STANDARD_COLUMNS = ("LocationType", "Location", "TimeFrame", "DataFormat", "Data")
REQUIRED = ("Location", "TimeFrame", "DataFormat", "Data")
JOINED = "joined: a Number row whose Percent row is written (the export gives no denominator)"


def read_kidscount(path: str | os.PathLike[str], table: TableMap) -> tuple[pd.DataFrame, ImportSummary]:
    """Read a KIDS COUNT export by its map into outcome rows, with the summary that accounts for every row."""
    path = Path(path)
    header, rows, notes = read_grid(path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        wide = sum(bool(re.fullmatch(r"(?:SY\s*)?[0-9]{4}(?:\s*[-/]\s*[0-9]{2,4})?", h)) for h in header) >= 3
        hint = (": this table has years as columns (a wide table reshaped by hand); import the long export it "
                "came from, or reshape it to one row per place and year" if wide else "")
        raise ImportFormatError(path, 1, missing[0], "not a KIDS COUNT export: no such column (expected "
                                f"{', '.join(STANDARD_COLUMNS)}, LocationType optional){hint}")
    if table.settings.get("number") not in (None, "value", "skip"):
        raise table.error("number", "expected `value` (write a Number without a Percent as the value) or `skip`")
    formats = table.settings.get("formats") or []
    if not isinstance(formats, list):
        raise table.error("formats", "expected a list of DataFormat names, such as [Currency]")
    table.settings["group"] = breakdown_column(path, table, header, rows)
    where = check_columns(table, header, path, ("group",))
    summary = ImportSummary(str(path), notes=list(notes))
    resolver = Resolver(table, summary, "Location", "TimeFrame", table.column("group"), None)
    found: dict[Key, dict[str, tuple[int, float | None, str]]] = {}
    accepted = {"number": "Number", "percent": "Percent", **{norm(f): str(f) for f in formats}}
    for row, raw in rows:
        summary.read += 1
        if not any(c.strip() for c in raw):
            summary.skip("blank row")
            continue
        cells = Cells(path, row, raw, {**where, **{c: header.index(c) for c in REQUIRED}}, table)
        marked = resolver.markers(cells, ["Data", *([str(table.column("group"))] if table.column("group") else [])])
        kind = accepted.get(norm(cells.text("DataFormat")))
        if kind is None and resolver.passes_filters(cells, SUPPRESSED_AT_SOURCE in marked):
            raise cells.error("DataFormat", (
                f"DataFormat {cells.text('DataFormat')!r} is not Number or Percent: declare `formats: "
                f"[{cells.text('DataFormat')}]` in {table.path} to write its values as they are (and the "
                "indicator's unit in params), or leave such rows out with `filters: {DataFormat: [Number, "
                "Percent]}`"))
        key = resolver.key(cells, withheld=SUPPRESSED_AT_SOURCE in marked)
        if key is None or kind is None:
            continue
        skipped = cells.excel_error(["Data"])
        if skipped:
            summary.skip(skipped)
            continue
        number, status = cells.number("Data", whole=False)
        if number is None and status is None:
            summary.skip("empty Data cell (no data)")
            continue
        cell = found.setdefault(key, {})
        if kind in cell:
            raise cells.error("Data", f"a second {kind} row for {', '.join(map(str, key))} (the first is row "
                                      f"{cell[kind][0]}): narrow the rows with `filters:` in {table.path}")
        cell[kind] = (row, number, status or "")
    resolver.check_places(path)
    percents, others = joined_records(found, table, summary)
    summary.notes += scaled_notes(scale_values(table, path, percents, source_says_percent=True))
    records: dict[Key, Record] = {}
    for record in [*percents, *others]:
        add_record(records, record, table, path, "Data", summary)
        if record.status:
            summary.statuses[record.status] += 1
    frame = outcome_frame(list(records.values()))
    summary.outcome_rows = len(frame)
    return frame, summary


def joined_records(found: Mapping[Key, dict[str, tuple[int, float | None, str]]], table: TableMap,
                   summary: ImportSummary) -> tuple[list[Record], list[Record]]:
    """One record per cell: its Percent (the Number row joined), else a declared format, else a Number."""
    percents: list[Record] = []
    others: list[Record] = []
    for key, kinds in found.items():
        if "Percent" in kinds:
            row, number, status = kinds.pop("Percent")
            percents.append(Record(row, key, value=number, status=status, value_column="Data"))
            if "Number" in kinds:
                kinds.pop("Number")
                summary.skip(JOINED)
        elif "Number" in kinds and table.settings.get("number") != "value":
            kinds.pop("Number")
            summary.skip("a Number row without a Percent row (a count: declare `number: value` in the map to "
                         "write counts as values)")
        for row, number, status in kinds.values():  # a declared format, or a Number declared as the value
            others.append(Record(row, key, value=number, status=status, value_column="Data"))
    return percents, others


def breakdown_column(path: Path, table: TableMap, header: list[str],
                     rows: list[tuple[int, list[str]]]) -> str | None:
    """The group column: the map's `group`, else the one undeclared column whose cells are group labels.

    Any other column the map does not account for is an error that names the keys declaring it.
    """
    group = table.column("group")
    declared = {table.indicator_column, group, *table.filters}
    extra = [c for c in header if c and c not in STANDARD_COLUMNS and c not in declared]
    if not extra:
        return group
    column = extra[0]
    index = header.index(column)
    values = sorted({cells[index].strip() for _, cells in rows if index < len(cells) and cells[index].strip()})
    if group is None and len(extra) == 1 and any(norm(v) in table.labels for v in values):
        return column
    shown = ", ".join(values[:5]) + (f" and {len(values) - 5} more" if len(values) > 5 else "")
    what = "" if group is not None else ", and its cells are not group labels"
    raise ImportFormatError(table.path, None, column, (
        f"{path} has a column {column!r} ({shown}) the map does not declare{what}: declare it in {table.path}: "
        f"`indicator: {{column: {column}, values: {{...}}}}` (one indicator per value), `filters: {{{column}: ...}}` "
        f"(keep one value){'' if group is not None else f', or `group: {column}` with `labels:`'}"))
