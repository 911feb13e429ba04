"""A long table (a state report card, a data portal download) -> outcome rows, driven by a small map file.

`ci-assess import table FILE --map MAP.yml --out OUT` reads one row per community x indicator x year x
group (and often more: one row per test result level, subject, grade...). The map says which column is
which; every other column can only filter rows. Keys (a column is named by its header text):

    location: DISTRICT_NAME            # the column naming the place
    locations: {Racine Unified: racine}   # place -> community id; rows of other places are skipped (counted)
    indicator: grade3_ela               # a fixed indicator id, or from a column:
    #   indicator: {column: TEST_SUBJECT, values: {ELA: ela_proficient, Mathematics: math_proficient}}
    year: SCHOOL_YEAR                   # a column read by parse_year (2020-21 -> 2021), or a fixed year: 2021
    group: GROUP_BY_VALUE               # the column of group labels (none: every row is the group `all`)
    group_by: GROUP_BY                  # optional: the breakdown's name, used when the group label itself is
                                        #   a marker ("All Students" / "[Data Suppressed]" is group `all`)
    labels: {SwD: disability}           # source label -> group id, on top of the shipped label map
    numerator: STUDENT_COUNT            # numerator + denominator, and/or value
    denominator: GROUP_COUNT
    value: PERCENT_OF_GROUP
    filters: {TEST_SUBJECT: ELA, GRADE_LEVEL: "3", TEST_RESULT: [Proficient, Advanced]}
    combine: sum                        # rows sharing a key add their numerators (same denominator): the
                                        #   levels Proficient + Advanced of one group make "proficient or above";
                                        #   a part with an empty count makes the sum not_available, never smaller
    scale: fraction | percent           # how `value` is written; values all <= 1 are refused without it
    markers: {"-": not_available}       # the source's own markers, on top of the kit's (ci_lib.inputs.markers)
    excel_errors: skip                  # rows with #VALUE! and the like are skipped (counted), not an error

Rows are matched in that order: filters, location, indicator, group, then numbers; the first that does not
match skips the row with its reason. Every row is counted (`ImportSummary`), and problems in a row that is
kept are `ImportFormatError`s naming file, row and column. `ci_lib.inputs.importers.kidscount` reads KIDS
COUNT exports with the same machinery.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ci_lib.errors import ImportFormatError
from ci_lib.ids import is_community_id
from ci_lib.inputs.importers.cia import OUTCOME_COLUMNS, long_outcomes, sorted_outcomes
from ci_lib.inputs.importers.school_year import parse_time_frame, parse_year
from ci_lib.inputs.importers.summary import ImportSummary
from ci_lib.inputs.markers import NOT_AVAILABLE, STATUSES, SUPPRESSED_AT_SOURCE, cell_status
from ci_lib.inputs.scale import fraction_message
from ci_lib.inputs.tables import read_rows, width_problems

# every key of a map file (`import table`, `import kidscount`), with what it says: docs/data-contract.md's table
MAP_KEYS: dict[str, tuple[str, str]] = {
    "location": ("table", "the column naming the place (kidscount: `Location`)"),
    "locations": ("both", "place as written in the file -> community id; rows of other places are skipped and "
                          "counted; a map none of whose places is in the file is an error"),
    "indicator": ("both", "a fixed indicator id, or `{column: C, values: {cell: indicator id}}` (other cells of C "
                          "are skipped and counted)"),
    "year": ("table", "the column of years or school years (`2020-21` is 2021), or a fixed year "
                      "(kidscount: `TimeFrame`)"),
    "group": ("both", "the column of group labels; none: every row is group `all` (kidscount: the breakdown "
                      "column, found when its cells are group labels)"),
    "group_by": ("table", "the breakdown's name column: a group label that is itself a marker under a breakdown "
                          "that maps to `all` (`All Students` / `[Data Suppressed]`) is the withheld `all` cell"),
    "labels": ("both", "source label -> group id, over params' `labels:` over the rubric's shipped label map "
                       "(its groups' `aliases`)"),
    "numerator": ("table", "the column of numerators (whole counts); with `denominator`"),
    "denominator": ("table", "the column of denominators; 0 or empty is no data"),
    "value": ("table", "the column of values (percents, or fractions with `scale: fraction`)"),
    "filters": ("both", "`{column: value or [values]}`: other rows are skipped and counted; a row withheld by "
                        "the source passes a filter whose cell is blank"),
    "combine": ("table", "`sum`: rows of one key add their numerators over one denominator (Proficient + "
                         "Advanced); a blank part makes the cell `not_available`; without it two rows of one "
                         "key are an error"),
    "scale": ("both", "`fraction` (values x 100) or `percent`; undeclared, values all <= 1 are refused (a "
                      "KIDS COUNT Percent is read as a fraction, and a mix of <= 1 and > 1 is refused)"),
    "markers": ("both", "`{text: suppressed_at_source | not_available}`: the source's own markers, over the "
                        "kit's table above"),
    "excel_errors": ("both", "`skip`: a row with an Excel error (`#VALUE!`, `#DIV/0!` ...) in a number cell is "
                             "skipped and counted; by default it is an error at its cell"),
    "number": ("kidscount", "`value`: a Number row without a Percent row is written as the value (a count "
                            "indicator); by default it is skipped and counted"),
    "formats": ("kidscount", "other DataFormats written as the value as they are, such as `[Currency]`; any "
                             "other DataFormat is an error unless filtered out"),
}
TABLE_KEYS = tuple(k for k, (where, _) in MAP_KEYS.items() if where in ("table", "both"))
SCALES = ("fraction", "percent")
EXCEL_ERRORS = frozenset({"#VALUE!", "#DIV/0!", "#N/A", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"})
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_THOUSANDS = re.compile(r"-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_INDICATOR_ID = re.compile(r"[a-z][a-z0-9_]{0,62}")
Key = tuple[str, str, int | str, str]  # community, indicator, year (or a period's label), group


def norm(label: object) -> str:
    """A label as compared: whitespace collapsed, case folded."""
    return " ".join(str(label).split()).casefold()


# ------------------------------------------------------------------------------------------------ the map
@dataclass
class TableMap:
    """A map file, checked: the columns it names and how their cells become outcome rows."""

    path: Path
    settings: dict[str, Any]
    locations: dict[str, str] = field(default_factory=dict)  # normalised place -> community id
    labels: dict[str, str] = field(default_factory=dict)  # normalised label -> group id
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # column -> allowed values, as written
    indicator: str | None = None
    indicator_column: str | None = None
    indicators: dict[str, str] = field(default_factory=dict)  # normalised cell -> indicator id
    year: int | None = None
    markers: dict[str, str] = field(default_factory=dict)  # normalised text -> status

    def column(self, key: str) -> str | None:
        value = self.settings.get(key)
        return None if value is None else str(value)

    def error(self, key: str, message: str) -> ImportFormatError:
        return ImportFormatError(self.path, None, key, message)

    def status(self, text: str) -> str | None:
        return self.markers.get(norm(text)) or cell_status(text)


def read_map(path: str | os.PathLike[str], keys: Iterable[str], label_map: Mapping[str, str],
             extra_labels: Mapping[str, str] | None = None) -> TableMap:
    """Read and check a map file; `label_map` is the rubric's, `extra_labels` the params' `labels:`.

    Labels are layered: the rubric's shipped map, then params, then the map file's own `labels:`.
    """
    from ci_lib.inputs.parameters import read_yaml

    path = Path(path)
    if not path.is_file():
        raise ImportFormatError(path, None, None, "map file not found")
    settings = read_yaml(path)  # plain YAML only, duplicate keys refused; its errors name the file, line, column
    allowed = tuple(keys)
    unknown = sorted(str(k) for k in settings if k not in allowed)
    if unknown:
        raise ImportFormatError(path, None, unknown[0], f"unknown key; known: {', '.join(allowed)}")
    table = TableMap(path, settings)
    table.locations = {norm(k): str(v) for k, v in mapping(table, "locations").items()}
    for place, community in table.locations.items():
        if not is_community_id(community):
            raise table.error("locations", f"{place!r}: {community!r} is not a community id (a lowercase slug "
                                           "such as jefferson-ky)")
    table.labels = {norm(k): str(v) for k, v in label_map.items()}
    for layer in (extra_labels or {}, mapping(table, "labels")):
        table.labels.update({norm(k): str(v) for k, v in layer.items()})
    for column, allowed_values in mapping(table, "filters").items():
        listed = allowed_values if isinstance(allowed_values, list) else [allowed_values]
        table.filters[str(column)] = tuple("" if v is None else str(v) for v in listed)
    indicator = settings.get("indicator")
    if isinstance(indicator, dict):
        unknown = sorted(set(map(str, indicator)) - {"column", "values"})
        if unknown or "column" not in indicator or not isinstance(indicator.get("values"), dict):
            raise table.error("indicator", "expected an indicator id, or {column: COLUMN, values: {cell: id}}")
        table.indicator_column = str(indicator["column"])
        table.indicators = {norm(k): str(v) for k, v in indicator["values"].items()}
    elif indicator is not None:
        table.indicator = str(indicator)
    for indicator_id in [*table.indicators.values(), *([table.indicator] if table.indicator else [])]:
        if not _INDICATOR_ID.fullmatch(indicator_id):
            raise table.error("indicator", f"{indicator_id!r} is not an indicator id (snake_case, such as "
                                           "hs_graduation)")
    year = settings.get("year")
    if isinstance(year, int) and not isinstance(year, bool):
        try:
            table.year = parse_year(year)
        except ValueError as exc:
            raise table.error("year", f"{exc} (or the name of the column of years)") from exc
    for text, status in mapping(table, "markers").items():
        if status not in STATUSES:
            raise table.error("markers", f"{text!r}: status {status!r} is not one of {', '.join(STATUSES)}")
        table.markers[norm(text)] = str(status)
    for key, choices in (("scale", SCALES), ("combine", ("sum",)), ("excel_errors", ("error", "skip"))):
        if settings.get(key) is not None and settings[key] not in choices:
            raise table.error(key, f"{settings[key]!r}: expected one of {', '.join(choices)}")
    return table


def mapping(table: TableMap, key: str) -> dict[Any, Any]:
    value = table.settings.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise table.error(key, "expected a mapping (key: value lines, or {key: value})")
    return value


def check_columns(table: TableMap, header: list[str], file: Path, keys: Iterable[str]) -> dict[str, int]:
    """Each column the map names -> its index in the file; a name the file lacks is an error naming both."""
    where = {name.strip(): i for i, name in reversed(list(enumerate(header)))}
    named = [(key, table.column(key)) for key in keys if isinstance(table.settings.get(key), str)]
    named += [("filters", column) for column in table.filters]
    named += [("indicator", table.indicator_column)] if table.indicator_column else []
    for key, column in named:
        if column not in where:
            shown = ", ".join(h.strip() for h in header if h.strip())
            raise ImportFormatError(table.path, None, key, f"column {column!r} is not in {file} (its columns: "
                                                           f"{shown})")
    return where


# ------------------------------------------------------------------------------------------------ rows
@dataclass
class Record:
    """One kept row: where it came from and what it says."""

    row: int
    key: Key
    numerator: float | None = None
    denominator: float | None = None
    value: float | None = None
    status: str = ""
    value_column: str = ""


def read_grid(path: Path) -> tuple[list[str], list[tuple[int, list[str]]], list[str]]:
    """The header and the rows of a CSV or worksheet, by the one reader (CR-only line endings included)."""
    if not path.is_file():
        raise ImportFormatError(path, None, None, "file not found")
    notes: list[str] = []
    grid, problems = read_rows(path, notes)
    if grid is None:
        raise ImportFormatError.of(problems[0])
    (_, header), rows = grid.rows[0], grid.rows[1:]
    problems = width_problems(path, len(header), [r for r in rows if any(c.strip() for c in r[1])], grid.sheet)
    if problems:
        raise ImportFormatError.of(problems[0])
    return [h.strip() for h in header], rows, notes


class Cells:
    """The cells of one row, by column name, with the checks that name file, row and column."""

    def __init__(self, path: Path, row: int, cells: list[str], where: Mapping[str, int], table: TableMap):
        self.path, self.row, self.cells, self.where, self.table = path, row, cells, where, table

    def text(self, column: str) -> str:
        index = self.where[column]
        return self.cells[index].strip() if index < len(self.cells) else ""

    def error(self, column: str, message: str) -> ImportFormatError:
        return ImportFormatError(self.path, self.row, column, message)

    def number(self, column: str, whole: bool) -> tuple[float | None, str | None]:
        """(number, None), (None, status) for a source's marker, (None, None) when empty; else an error."""
        text = self.text(column)
        if not text:
            return None, None
        status = self.table.status(text)
        if status is not None:
            return None, status
        if text.upper() in EXCEL_ERRORS:
            raise self.error(column, f"{text!r} is an Excel error, not a number nor a source's marker: fix the "
                                     f"cell in the source, or declare `excel_errors: skip` in {self.table.path} "
                                     "to skip such rows (counted)")
        plain = text.replace(",", "") if _THOUSANDS.fullmatch(text) else text
        if not _NUMBER.fullmatch(plain):
            digits = " written with digits 0-9" if any(c.isdigit() and not c.isascii() for c in text) else ""
            raise self.error(column, f"{text!r} is not a number{digits} nor a source's marker such as * or NA "
                                     "(see docs/data-contract.md); add the source's marker to `markers:` in the "
                                     "map if it is one")
        number = float(plain)
        if number < 0:
            raise self.error(column, f"{text!r} is negative")
        if whole and not number.is_integer():
            raise self.error(column, f"{text!r} is not a whole number (a count)")
        return number, None

    def excel_error(self, columns: Iterable[str]) -> str | None:
        """The first number column holding an Excel error, when the map skips such rows."""
        if self.table.settings.get("excel_errors") != "skip":
            return None
        return next((f"an Excel error ({self.text(c)}) in {c} (excel_errors: skip)" for c in columns
                     if self.text(c).upper() in EXCEL_ERRORS), None)


class Resolver:
    """Filters, place, indicator, year and group of a row: a key, or the reason the row is skipped."""

    def __init__(self, table: TableMap, summary: ImportSummary, location: str, year: str | None,
                 group: str | None, group_by: str | None):
        self.table, self.summary = table, summary
        self.location, self.year_column, self.group, self.group_by = location, year, group, group_by
        self.places_found: set[str] = set()  # the mapped places seen, and the others
        self.places_unmapped: list[str] = []

    def check_places(self, path: Path) -> None:
        """A map none of whose `locations:` is in the file is a mistake (a typo, another state), not 0 rows."""
        if self.places_found or not self.places_unmapped:
            return
        seen = sorted(set(self.places_unmapped))
        shown = ", ".join(repr(p) for p in seen[:8]) + (f" and {len(seen) - 8} more" if len(seen) > 8 else "")
        raise self.table.error("locations", f"none of the {len(seen)} locations of {path} (column "
                                            f"{self.location}) is in `locations:`: {shown}; map the ones to "
                                            "import, `Name: community-id`, spelt as in the file")

    def markers(self, cells: Cells, columns: Iterable[str]) -> set[str]:
        """The statuses of the source's markers in the row's group and number `columns`, counted for the file."""
        found = [status for column in columns if (status := self.table.status(cells.text(column)) if
                                                  cells.text(column) else None)]
        self.summary.file_markers.update(found)
        return set(found)

    def failed_filter(self, cells: Cells, withheld: bool) -> str | None:
        """The first filter column the row does not match (see `key` for a withheld row), or None."""
        return next((column for column, allowed in self.table.filters.items()
                     if cells.text(column) not in allowed and not (withheld and not cells.text(column))), None)

    def passes_filters(self, cells: Cells, withheld: bool) -> bool:
        return self.failed_filter(cells, withheld) is None

    def key(self, cells: Cells, withheld: bool = False) -> Key | None:
        """The row's key, or None after counting why the row is skipped.

        A `withheld` row (a marker suppressed at the source in its group or numbers) passes a filter whose
        cell is blank: a source that withholds a cell blanks its breakdown too (WISEdash writes no
        TEST_RESULT on a `[Data Suppressed]` row), and the cell is still the filtered one.
        """
        failed = self.failed_filter(cells, withheld)
        if failed is not None:
            allowed = self.table.filters[failed]
            self.summary.skip(f"filtered out: {failed} is not {' or '.join(map(repr, allowed))}")
            return None
        place = cells.text(self.location)
        community = self.table.locations.get(norm(place))
        if community is None:
            if len(self.places_unmapped) < 10_000:
                self.places_unmapped.append(place)
            self.summary.skip("location not in the map's `locations:`", place)
            return None
        self.places_found.add(community)
        indicator = self.table.indicator
        if self.table.indicator_column is not None:
            cell = cells.text(self.table.indicator_column)
            indicator = self.table.indicators.get(norm(cell))
            if indicator is None:
                self.summary.skip(f"{self.table.indicator_column} not in the map's `indicator: values:`", cell)
                return None
        if indicator is None:
            raise self.table.error("indicator", "the map names no indicator: give `indicator: <id>` or "
                                                "`indicator: {column: ..., values: {...}}`")
        group = self.group_of(cells)
        if group is None:
            return None
        return community, indicator, self.year_of(cells), group

    def year_of(self, cells: Cells) -> int | str:
        """The row's year, or a period's label (`2005-2009`) as outcomes.csv takes it: read at its end year and
        flagged (`period_start`) when loaded, so trends compare only periods that do not overlap."""
        if self.table.year is not None:
            return self.table.year
        if self.year_column is None:
            raise self.table.error("year", "the map names no year: give `year: <column>` or `year: 2021`")
        text = cells.text(self.year_column)
        try:
            frame = parse_time_frame(text)
        except ValueError as exc:
            raise cells.error(self.year_column, str(exc)) from exc
        return frame.label if frame.is_period else frame.year

    def group_of(self, cells: Cells) -> str | None:
        if self.group is None:
            return "all"
        label = cells.text(self.group)
        group = self.table.labels.get(norm(label))
        if group is not None:
            return group
        status = self.table.status(label) if label else None
        if status is not None and self.group_by is not None:
            group = self.table.labels.get(norm(cells.text(self.group_by)))
            if group == "all":  # "All Students" / "[Data Suppressed]": the all-students cell, withheld
                return group
        if status is not None:
            self.summary.statuses[status] += 1
            self.summary.skip(f"the group label itself is {status.replace('_', ' ')} (no group to write it to)",
                              label)
            return None
        self.summary.skip("group label not in the label map (add `labels: {<label>: <group id>}` to the map "
                          "or to params)", label or "(empty)")
        return None


def outcome_frame(records: list[Record]) -> pd.DataFrame:
    """The kept records as long outcome rows, sorted; `source_status` only when some cell has one."""
    columns: dict[str, list[object]] = {c: [] for c in OUTCOME_COLUMNS}
    for record in records:
        community, indicator, year, group = record.key
        for column, value in zip(OUTCOME_COLUMNS, (community, indicator, year, group,
                                                   _int(record.numerator), _int(record.denominator),
                                                   record.value), strict=True):
            columns[column].append(value)
    frame = long_outcomes(columns)
    statuses = [record.status for record in records]
    if any(statuses):
        frame["source_status"] = pd.Series(statuses, dtype="str")
    return sorted_outcomes(frame, ["community_id", "indicator_id", "year", "group"])


def _int(number: float | None) -> int | None:
    return None if number is None else int(number)


def scale_values(table: TableMap, path: Path, records: list[Record], source_says_percent: bool) -> list[str]:
    """Values to percents, in place; the indicators read as fractions are returned.

    `scale: fraction` multiplies by 100 (a value above 1 is then an error); `scale: percent` keeps them.
    Undeclared, values all <= 1 are refused ("looks like a fraction"), unless the source itself says they
    are percents (`source_says_percent`: a KIDS COUNT `DataFormat` of Percent, always written as a
    fraction): then they are read as fractions, and a mix of values <= 1 and > 1 is refused instead.
    """
    scale = table.settings.get("scale")
    by_indicator: dict[str, list[Record]] = {}
    for record in records:
        if record.value is not None:
            by_indicator.setdefault(record.key[1], []).append(record)
    scaled = []
    for indicator, found in sorted(by_indicator.items()):
        values = [float(r.value) for r in found if r.value is not None]
        first = found[0]
        above = next((r for r in found if r.value is not None and r.value > 1), None)
        if scale == "percent" or (scale is None and above is not None and not source_says_percent):
            continue
        if scale is None and not source_says_percent:
            raise ImportFormatError(path, first.row, first.value_column,
                                    f"{fraction_message(indicator, pd.Series(values))} (here: `scale:` in {table.path})")
        if above is not None and scale is None:
            small = sum(v <= 1 for v in values)
            raise ImportFormatError(path, above.row, above.value_column, (
                f"the Percent values of indicator {indicator!r} mix fractions and percents ({small} at most 1, "
                f"{len(values) - small} above 1, e.g. {above.value:g} here): declare `scale: fraction` in "
                f"{table.path} (a value above 1 is then an error to fix) or `scale: percent`"))
        if above is not None:
            raise ImportFormatError(path, above.row, above.value_column, (
                f"{above.value:g} is above 1, but the values are read as fractions (scale: fraction): fix the "
                "cell in the source, or leave its row out with `filters:`"))
        for record in found:
            record.value = round(float(record.value) * 100, 10) if record.value is not None else None
        scaled.append(indicator)
    return scaled


def add_record(records: dict[Key, Record], record: Record, table: TableMap, path: Path, column: str,
               summary: ImportSummary) -> None:
    """Keep `record`, or with `combine: sum` add it to the record of its key; two rows of one key are an error."""
    earlier = records.get(record.key)
    if earlier is None:
        records[record.key] = record
        summary.written += 1
        return
    described = ", ".join(f"{k}={v}" for k, v in zip(("community_id", "indicator_id", "year", "group"),
                                                     record.key, strict=True))
    if table.settings.get("combine") != "sum":
        raise ImportFormatError(path, record.row, column, (
            f"{described} was already read from row {earlier.row}: narrow the rows with `filters:` in "
            f"{table.path}, or declare `combine: sum` to add the numerators of such rows"))
    if SUPPRESSED_AT_SOURCE in (earlier.status, record.status):
        earlier.status, earlier.numerator, earlier.denominator, earlier.value = SUPPRESSED_AT_SOURCE, None, None, None
    elif earlier.status or record.status:
        earlier.status = earlier.status or record.status
        earlier.numerator = earlier.denominator = earlier.value = None
    elif earlier.denominator != record.denominator or earlier.value is not None or record.value is not None:
        raise ImportFormatError(path, record.row, column, (
            f"{described}: combine: sum adds numerators over one denominator, but row {earlier.row} has "
            f"{earlier.denominator if earlier.denominator is not None else 'a value'} and this row "
            f"{record.denominator if record.denominator is not None else 'a value'}"))
    else:
        earlier.numerator = (earlier.numerator or 0) + (record.numerator or 0)
    summary.skip("joined: added to an earlier row of the same key (combine: sum)")


# ------------------------------------------------------------------------------------------------ table
def read_table(path: str | os.PathLike[str], table: TableMap) -> tuple[pd.DataFrame, ImportSummary]:
    """Read a long table by its map into outcome rows, with the summary that accounts for every row."""
    path = Path(path)
    header, rows, notes = read_grid(path)
    summary = ImportSummary(str(path), notes=list(notes))
    if table.column("location") is None:
        raise table.error("location", "the map names no location column: give `location: <column>`")
    number_keys = [k for k in ("numerator", "denominator", "value") if table.column(k) is not None]
    if not number_keys or ((table.column("numerator") is None) != (table.column("denominator") is None)):
        raise table.error("numerator", "give `numerator:` and `denominator:` columns, and/or `value:`")
    where = check_columns(table, header, path, ("location", "year", "group", "group_by", *number_keys))
    resolver = Resolver(table, summary, str(table.column("location")), table.column("year") if table.year is None
                        else None, table.column("group"), table.column("group_by"))
    records: dict[Key, Record] = {}
    number_columns = [str(table.column(k)) for k in number_keys]
    for row, raw in rows:
        summary.read += 1
        if not any(c.strip() for c in raw):
            summary.skip("blank row")
            continue
        cells = Cells(path, row, raw, where, table)
        marked = resolver.markers(cells, [*([str(table.column("group"))] if table.column("group") else []),
                                          *number_columns])
        key = resolver.key(cells, withheld=SUPPRESSED_AT_SOURCE in marked)
        if key is None:
            continue
        skipped = cells.excel_error(number_columns)
        if skipped:
            summary.skip(skipped)
            continue
        record = table_record(cells, table, row, key, marked)
        if isinstance(record, str):
            summary.skip(record)
            continue
        add_record(records, record, table, path, number_columns[0], summary)
    resolver.check_places(path)
    kept = list(records.values())
    summary.notes += scaled_notes(scale_values(table, path, kept, source_says_percent=False))
    for record in kept:
        if record.status:
            summary.statuses[record.status] += 1
    frame = outcome_frame(kept)
    summary.outcome_rows = len(frame)
    return frame, summary


def scaled_notes(indicators: list[str]) -> list[str]:
    return [f"values of {indicator!r} read as fractions (0.79 = 79 %) and multiplied by 100"
            for indicator in indicators]


def table_record(cells: Cells, table: TableMap, row: int, key: Key, marked: set[str]) -> Record | str:
    """The numbers of a kept row (or its source status: a marker in its numbers, or its group label such as
    "[Data Suppressed]" under "All Students"), or why it has none."""
    found: dict[str, tuple[float | None, str | None]] = {}
    for name in ("numerator", "denominator", "value"):
        column = table.column(name)
        if column is not None:
            found[name] = cells.number(column, whole=name != "value")
    statuses = {status for _, status in found.values() if status} | marked
    if statuses:
        status = SUPPRESSED_AT_SOURCE if SUPPRESSED_AT_SOURCE in statuses else statuses.pop()
        return Record(row, key, status=status)
    numerator, _ = found.get("numerator", (None, None))
    denominator, _ = found.get("denominator", (None, None))
    value, _ = found.get("value", (None, None))
    if numerator is not None and denominator is None:
        raise cells.error(str(table.column("denominator")), "numerator given without denominator")
    if numerator is None and denominator is not None and value is None:
        if table.settings.get("combine") == "sum":  # a sum missing one part would be too small: not a number
            return Record(row, key, status=NOT_AVAILABLE)
        return "numerator empty, denominator given (no data for the cell)"
    if denominator == 0 and value is None:
        return "denominator 0 (no data for the cell)"
    if numerator is not None and denominator is not None and numerator > denominator:
        raise cells.error(str(table.column("numerator")),
                          f"numerator {numerator:g} is greater than denominator {denominator:g}")
    if numerator is None and value is None:
        return "no number in the row (empty cells: no data)"
    if numerator is None or not denominator:
        numerator = denominator = None
    return Record(row, key, numerator, denominator, value, value_column=str(table.column("value") or ""))


def importers_markdown() -> str:
    """The map file keys of `import table` and `import kidscount`, for docs/data-contract.md."""
    lines = ["## Map files of `import table` and `import kidscount`", "",
             "`ci-assess import table FILE --map MAP.yml --out OUT` and `ci-assess import kidscount FILE --map MAP.yml "
             "--out OUT` read a long table by a small YAML map (examples: `ci_lib/inputs/importers/maps/`). Each "
             "prints a summary: rows read, written, and skipped with a count per reason, so that read = written + "
             "skipped; a problem in a kept row is an error at `file:row:column`. Keys:", "",
             "| key | importer | says |", "|---|---|---|"]
    lines += [f"| `{key}` | {where} | {text} |" for key, (where, text) in MAP_KEYS.items()]
    return "\n".join([*lines, ""])
