"""Reader for the partnership "Civic Infrastructure Assessment" (CIA) wide format, and a safe writer.

The wide table (one indicator per sheet or CSV file) looks like::

    Kindergarten Readiness                      <- optional title rows (merged cells are fine)
    Gender   Population          N 2019  D 2019  N 2019-20  D 2019-20
    All      All Students        412     980     0          0
    Female   All Students        220     490     ...
    Female   Black or African American  ...      <- intersection: group female_black

- The header row is the first row holding a cell like ``N 2019``; rows above it are ignored, and so is
  everything from a second such header row on (one table per sheet: the first one is read).
  Count columns are ``N <year>`` and ``D <year>`` (also ``Numerator``/``Denominator``), where <year> is
  anything `parse_year` reads (``2019``, ``2018-19``, ``SY 2018-19``...): the END year is used.
- Labels are either one column (``Population``, ``Group``, ...; values may be ``Female / Black``) or two
  columns ``Gender`` and ``Population``. A blank Gender cell continues the Gender above it (vertically
  merged cells). Labels are matched case-insensitively, whitespace-normalised, against `label_map`.
  Gender "All"/"All Genders"/"Total" + a population -> that population's group; Population
  "All Students" + Gender "Female"/"Male" -> ``female``/``male``; a specific gender AND a specific
  population is an intersection: group ``<gender>_<population>`` (``female_black``, ``male_low_income``:
  the rubric's gender x race, x income and x English learner groups) when `label_map` names that group
  (the rubric's maps every group id to itself), else skipped, counted in `skipped_intersections`.
  Labels not in `label_map` are listed in `unknown_labels` (row, label) and not emitted. Built in, even
  when `label_map` lacks them: "All Students"/"All"/"Total" -> ``all``; "Female"/"Male" -> ``female``,
  ``male``.
- Every row below the header is accounted for (`CiaImport`): ``rows_read`` = ``rows_mapped`` +
  ``len(unknown_labels)`` + ``skipped_intersections`` + ``skipped_unlabelled`` (rows with no label and no
  counts: notes, footers); every cell-year of a mapped row is written (a row of `rows`) or counted in
  ``skipped_zero_cells``: ``cells_read`` = ``len(rows)`` + ``skipped_zero_cells``.
- Zeros mean missing (partnership convention): a cell-year whose D is 0 or empty, or whose N is empty,
  is "no data" and emits no row (counted in `skipped_zero_cells`, for mapped rows only); N > 0 with D 0
  or empty is also treated as no data, not as an error. N == 0 with D > 0 IS data: zero successes.
- A source's marker in an N or D cell (`NA`, `*`, `LNE`, `[Data Suppressed]`, `<10` ...: the table in
  `ci_lib.inputs.markers`) is a status, not an error: a marker `suppressed_at_source` in N or D gives a row with that
  `source_status` and no numbers; `NA`/`NA` (R writes missing counts so), `NA`/0 and `NA`/empty are missing
  like 0/0; `NA` over a positive D gives a `not_available` row, counted in `na_over_positive` (R scripts such
  as herccia write a zero count as `NA`: the kit does not guess it is 0). `rows` has a `source_status` column
  only when some cell has a status, so imports without markers write the same columns as before.
- A year may give a value instead of counts: a column ``V <year>`` (also ``Value``, ``Percent``, ``%``),
  in the indicator's unit as outcomes.csv's `value` (a percent, or dollars for a currency indicator...);
  empty is no data, a marker a status. A series of percents whose every value is at most 1 is refused as
  fractions (`ci_lib.inputs.scale`) unless `scale` says `fraction` (values x 100) or `percent`.
- Counts are checked only in rows that map to a group (ignored rows may hold notes or "*"). Errors are
  `ImportFormatError` naming file, spreadsheet row (1-based, header included) and column header.
"""

from __future__ import annotations

import io
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ci_lib.atomic import write_bytes
from ci_lib.errors import ImportFormatError
from ci_lib.ids import check_community_id
from ci_lib.inputs.importers.school_year import parse_time_frame
from ci_lib.inputs.markers import NOT_AVAILABLE, SUPPRESSED_AT_SOURCE, cell_status
from ci_lib.inputs.scale import refuse_fractions, scaled
from ci_lib.inputs.tables import read_rows, unsaved_message

OUTCOME_COLUMNS = ("community_id", "indicator_id", "year", "group", "numerator", "denominator", "value")
OUTCOME_KEY = ("community_id", "indicator_id", "year", "group")
OUTCOME_DTYPES = {"community_id": "str", "indicator_id": "str", "year": "Int64", "group": "str",
                  "numerator": "Int64", "denominator": "Int64", "value": "Float64"}

_INDICATOR_ID = re.compile(r"[a-z][a-z0-9_]{0,62}")
_HEADER_CELL = re.compile(r"(?:N|V|%|Value|Percent)\s*(?:SY\s*)?\d", re.IGNORECASE)  # marks the header row
_COUNT_COLUMN = re.compile(r"(N|D|Numerator|Denominator|V|Value|Percent|%)\s*((?:SY\s*)?\d.*)", re.IGNORECASE)
_VALUE_KINDS = {"V": "V", "P": "V", "%": "V"}  # first letter of a value column's name
_SPLIT = re.compile(r"\s+/\s+")
_SINGLE_LABEL_HEADERS = ("population", "group", "student group", "subgroup", "student population",
                         "demographic", "demographics", "category", "label")
ALL_GENDER_LABELS = frozenset({"all", "all genders", "all gender", "both", "both genders", "total"})
ALL_POPULATION_LABELS = frozenset({"all", "all students", "total", "overall", "all student groups",
                                   "total population"})
GENDER_LABELS = {"female": "female", "male": "male"}
Grid = list[tuple[int, list[str | None]]]  # (line or sheet row, cells: stripped text, None when blank)


@dataclass
class CiaImport:
    """What `read_cia` found: long outcome rows plus what it left out and why (plain counters, so that a
    summary can account for every row: see the module docstring for how they add up)."""

    rows: pd.DataFrame
    unknown_labels: list[tuple[int, str]] = field(default_factory=list)
    skipped_zero_cells: int = 0
    skipped_intersections: int = 0  # gender x population rows whose group the label map does not name
    source_status_cells: Counter[str] = field(default_factory=Counter)
    na_over_positive: int = 0
    rows_read: int = 0  # non-blank rows of the table below its header
    rows_mapped: int = 0  # rows that map to a group (their cells are written or skipped as empty)
    skipped_unlabelled: int = 0  # rows with neither a label nor counts (notes, footers)
    cells_read: int = 0  # cell-years of mapped rows: len(rows) + skipped_zero_cells


def empty_outcomes() -> pd.DataFrame:
    return long_outcomes({c: [] for c in OUTCOME_COLUMNS})


def long_outcomes(columns: Mapping[str, list[object]]) -> pd.DataFrame:
    """Long outcome rows from column lists: `year` is text when a period's label (`2005-2009`, as outcomes.csv
    takes it) is among the years, and counts are decimals when an estimate's count is fractional."""
    dtypes = dict(OUTCOME_DTYPES)
    columns = dict(columns)
    if any(isinstance(year, str) for year in columns["year"]):
        dtypes["year"] = "str"
        columns["year"] = [str(year) for year in columns["year"]]
    for count in ("numerator", "denominator"):
        if any(isinstance(v, float) and not v.is_integer() for v in columns[count]):
            dtypes[count] = "Float64"
    return pd.DataFrame({c: pd.Series(columns[c], dtype=dtypes[c]) for c in OUTCOME_COLUMNS})


def end_year(year: object) -> int:
    """A year or a period's label (`2005-2009`) as the year it ends: the order rows are written in."""
    return parse_time_frame(year).year if isinstance(year, str) else int(year)  # type: ignore[call-overload]


def sorted_outcomes(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """`frame` sorted by `by`, its `year` by the year each time frame ends."""
    keyed = frame.assign(end_year=frame["year"].map(end_year) if len(frame) else frame["year"])
    order = [("end_year" if column == "year" else column) for column in by]
    return keyed.sort_values(order, kind="stable").drop(columns="end_year").reset_index(drop=True)


def _norm(label: str) -> str:
    return " ".join(label.split()).casefold()


def _cell_text(value: str | None) -> str | None:
    """A cell as stripped text; None when empty."""
    return (value.strip() or None) if value is not None else None


# ---------------------------------------------------------------------------------------------- reading
def _read_grid(path: Path, sheet: str | int | None) -> tuple[Grid, dict[tuple[int, int], str]]:
    """Every row of the file or sheet as (line or sheet row number, cells), cells None when empty, and the
    cells (row, 0-based column) holding a formula without a saved value, with the message that says so.

    Read by `ci_lib.inputs.tables`, as the loader reads a data directory: an Excel error cell (`#VALUE!`)
    stays the text it shows and is reported as not a count, and an unsaved formula (which reads as blank)
    is not taken for "no data"; the first problem reading the file is raised.
    """
    if not path.is_file():
        raise ImportFormatError(path, None, None, "file not found")
    if path.suffix.lower() == ".xls":
        raise ImportFormatError(path, None, None, "old .xls workbooks are not read: save as .xlsx or .csv")
    grid, problems = read_rows(path, [], sheet)
    if grid is None:
        raise ImportFormatError.of(problems[0])
    unsaved = {(row, column - 1): unsaved_message(grid.sheet or "", reference)
               for row, column, reference in grid.formulas}
    return [(number, [c.strip() or None for c in cells]) for number, cells in grid.rows], unsaved


@dataclass
class _Layout:
    header_row: int
    gender_col: int | None
    label_col: int
    label_name: str
    gender_name: str
    years: dict[int | str, tuple[int, str, int, str]]  # year (or period) -> (N index, N header, D index, D header)
    values: dict[int | str, tuple[int, str]] = field(default_factory=dict)  # year -> (V index, V header)


def _layout(path: Path, grid: Grid) -> tuple[_Layout, int]:
    header_at = next((i for i, (_, cells) in enumerate(grid)
                      if any(isinstance(c, str) and _HEADER_CELL.match(c.strip()) for c in cells)), None)
    if header_at is None:
        raise ImportFormatError(path, None, None, "no 'N <year>' / 'D <year>' columns: the file has no count "
                                "columns (labels only?); add, after the label columns, a numerator 'N <year>' and "
                                "a denominator 'D <year>' column for each year, such as 'N 2023-2024', "
                                "'D 2023-2024' or 'N 2019' (any order of years; or values: 'V 2019')")
    header_row, cells = grid[header_at]
    names = [_cell_text(c) for c in cells]
    found: dict[str, dict[int | str, tuple[int, str]]] = {"N": {}, "D": {}, "V": {}}
    for index, name in enumerate(names):
        match = _COUNT_COLUMN.fullmatch(name) if name is not None else None
        if name is None or match is None:
            continue
        kind = _VALUE_KINDS.get(match.group(1)[0].upper(), match.group(1)[0].upper())
        try:
            frame = parse_time_frame(match.group(2))
        except ValueError as exc:
            raise ImportFormatError(path, header_row, name,
                                    f"cannot read the year of this column: {exc}") from exc
        year: int | str = frame.label if frame.is_period else frame.year  # a period (ACS 5-year) keeps its label
        if year in found[kind]:
            raise ImportFormatError(path, header_row, name,
                                    f"year {year} already has column '{found[kind][year][1]}'")
        found[kind][year] = (index, name)
    for kind, other in (("N", "D"), ("D", "N")):
        for year, (_, name) in found[kind].items():
            if year not in found[other]:
                raise ImportFormatError(path, header_row, name, f"no matching '{other} {year}' column")
    for year, (_, name) in found["V"].items():
        if year in found["N"]:
            raise ImportFormatError(path, header_row, name, f"year {year} has counts ('{found['N'][year][1]}') and a "
                                    "value: give one or the other")
    if not found["N"] and not found["V"]:
        raise ImportFormatError(path, header_row, None, "no 'N <year>' / 'D <year>' columns")
    years = {y: (found["N"][y][0], found["N"][y][1], found["D"][y][0], found["D"][y][1])
             for y in sorted(found["N"], key=end_year)}
    first_count = min(i for k in found for i, _ in found[k].values())
    candidates = {_norm(name or ""): i for i, name in reversed(list(enumerate(names[:first_count])))}
    if first_count == 0:
        raise ImportFormatError(path, header_row, names[0], "no label column before the first N/D column")
    if "gender" in candidates and "population" in candidates:
        label_col, gender_col = candidates["population"], candidates["gender"]
    else:
        gender_col = None
        label_col = next((candidates[h] for h in _SINGLE_LABEL_HEADERS if h in candidates),
                         next((i for i in range(first_count) if names[i]), 0))
    gender_name = (names[gender_col] or "Gender") if gender_col is not None else "Gender"
    label_name = names[label_col] or "label"
    return _Layout(header_row, gender_col, label_col, label_name, gender_name, years,
                   {y: found["V"][y] for y in sorted(found["V"], key=end_year)}), header_at


def _count(path: Path, row: int, column: str, value: str | None, estimate: bool = False) -> int | float | None:
    """A count cell -> int (None when empty), or a decimal for a survey `estimate` (an ACS count such as
    1234.6); anything else is an ImportFormatError."""
    shown = _cell_text(value)
    if shown is None:
        return None
    text = shown.replace(",", "") if re.fullmatch(r"-?[0-9]{1,3}(,[0-9]{3})+", shown) else shown
    # [0-9], not \d: float() would read '４１２' silently (see ci_lib.inputs.load.convert_numbers)
    number = float(text) if re.fullmatch(r"-?[0-9]+(\.[0-9]*)?", text) else None
    if number is None:
        ascii_hint = " written with digits 0-9" if any(c.isdigit() and not c.isascii() for c in str(shown)) else ""
        raise ImportFormatError(path, row, column, f"'{shown}' is not a count: expected a whole number{ascii_hint} "
                                "(0 or empty means no data)")
    if number < 0:
        raise ImportFormatError(path, row, column, f"'{shown}' is negative: counts cannot be negative")
    if not float(number).is_integer():
        if estimate:
            return number
        raise ImportFormatError(path, row, column, f"'{shown}' is not a whole number (a survey estimate's count may "
                                "be fractional: import with --estimate and declare `estimate: true` for the indicator)")
    return int(number)


def _cell(path: Path, row: int, column: str, value: str | None,
          estimate: bool = False) -> tuple[int | float | None, str | None]:
    """A count cell -> (count, None), or (None, status) for a source's marker."""
    status = cell_status(value.strip()) if isinstance(value, str) else None
    if status is not None:
        return None, status
    return _count(path, row, column, value, estimate), None


def _cell_status(numerator: float | None, n_status: str | None, denominator: float | None,
                 d_status: str | None) -> str | None:
    """The status of a cell-year with a marker in N or D: a status, or None when it is missing (no row)."""
    if SUPPRESSED_AT_SOURCE in (n_status, d_status):
        return SUPPRESSED_AT_SOURCE
    other = denominator if n_status is not None else numerator
    if (n_status is not None and d_status is not None) or not other:
        return None  # NA/NA, NA/0, NA/empty: as 0/0
    return NOT_AVAILABLE


class _Labels:
    """Resolve spreadsheet labels to kit group ids."""

    def __init__(self, label_map: Mapping[str, str]):
        self.map: dict[str, str] = {}
        self.groups = set(label_map.values())
        for key, group in label_map.items():
            norm = _norm(str(key))
            if self.map.get(norm, group) != group:
                raise ValueError(f"label_map maps {key!r} to both {self.map[norm]!r} and {group!r}")
            self.map[norm] = group

    def population(self, label: str) -> str | None:
        norm = _norm(label)
        group = self.map.get(norm)
        if group is None and norm in ALL_POPULATION_LABELS:
            group = "all"
        return group

    def gender(self, label: str) -> str | None:
        """'all' for an all-genders label, the gender's group id, or None if unknown."""
        norm = _norm(label)
        if norm in ALL_GENDER_LABELS:
            return "all"
        return self.map.get(norm) or GENDER_LABELS.get(norm)

    def any_label(self, label: str) -> str | None:
        """'all', a group id, or None: one part of a "Female / Black" style label."""
        return "all" if _norm(label) in ALL_GENDER_LABELS else self.population(label) or self.gender(label)

    def crossed(self, first: str, second: str) -> tuple[str, str]:
        """The intersection of a gender and a population: ('group', 'female_black') when the map names that
        group (whichever order the two parts come in), else ('intersection', '')."""
        for gender, population in ((first, second), (second, first)):
            if gender in GENDER_LABELS.values() and f"{gender}_{population}" in self.groups:
                return "group", f"{gender}_{population}"
        return "intersection", ""

    def resolve(self, gender: str | None, population: str) -> tuple[str, str]:
        """('group', id) | ('intersection', '') | ('unknown', label)."""
        if gender is None:  # single label column: the whole label, else "<part> / <part>" in any order
            group = self.any_label(population)
            if group is not None:
                return "group", group
            parts = _SPLIT.split(population.strip())
            if len(parts) != 2:
                return "unknown", population
            first, second = (self.any_label(p) for p in parts)
            if first == "all":
                return ("group", second) if second is not None else ("unknown", parts[1])
            if second == "all":
                return ("group", first) if first is not None else ("unknown", parts[0])
            if first is not None and second is not None:
                return self.crossed(first, second)
            if first is not None or second is not None:
                return "intersection", ""
            return "unknown", population
        gender_group = self.gender(gender)
        if gender_group is None:
            return "unknown", gender
        population_group = self.population(population)
        if gender_group == "all":
            return ("group", population_group) if population_group is not None else ("unknown", population)
        if population_group == "all":
            return "group", gender_group
        if population_group is None:
            return "unknown", population
        return self.crossed(gender_group, population_group)


def _value(path: Path, row: int, column: str, value: str | None) -> tuple[float | None, str | None]:
    """A value cell -> (number, None), (None, status) for a source's marker, (None, None) when empty."""
    shown = _cell_text(value)
    if shown is None:
        return None, None
    status = cell_status(shown)
    if status is not None:
        return None, status
    text = shown.replace(",", "") if re.fullmatch(r"-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?", shown) else shown
    if not re.fullmatch(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", text):
        raise ImportFormatError(path, row, column, f"'{shown}' is not a number (empty means no data)")
    if float(text) < 0:
        raise ImportFormatError(path, row, column, f"'{shown}' is negative: values cannot be negative")
    return float(text), None


def read_cia(path: str | os.PathLike[str], *, community_id: str, indicator_id: str,
             label_map: Mapping[str, str], sheet: str | int | None = None, scale: str | None = None,
             estimate: bool = False) -> CiaImport:
    """Read one CIA wide table (CSV or .xlsx) into long outcome rows for `community_id`/`indicator_id`.

    `label_map` maps spreadsheet labels to group ids (e.g. the rubric's `label_map`); `sheet` picks the
    Excel sheet (name or 0-based index; default the first); `scale` (`fraction` or `percent`) declares what
    the values of `V <year>` columns are; `estimate` accepts fractional counts (survey estimates). The
    conventions (zeros mean missing, intersections as groups, header detection, the counters, fractions
    refused, periods kept as their labels) are in the module docstring. Raises ImportFormatError.
    """
    path = Path(path)
    try:
        check_community_id(community_id)
    except ValueError as exc:
        raise ImportFormatError(path, None, None, str(exc)) from exc
    if not isinstance(indicator_id, str) or not _INDICATOR_ID.fullmatch(indicator_id):
        raise ImportFormatError(path, None, None,
                                f"invalid indicator id {indicator_id!r}: expected snake_case")
    labels = _Labels(label_map)
    grid, unsaved = _read_grid(path, sheet)
    layout, header_at = _layout(path, grid)
    result = CiaImport(rows=empty_outcomes())
    out: dict[str, list[object]] = {c: [] for c in OUTCOME_COLUMNS}
    seen: dict[tuple[str, int | str], int] = {}
    statuses: list[str] = []
    lines: list[int] = []
    gender_above: str | None = None
    count_cols = [i for v in layout.years.values() for i in (v[0], v[2])] + [i for i, _ in layout.values.values()]
    width = 1 + max([layout.label_col, layout.gender_col or 0, *count_cols])
    for row, cells in grid[header_at + 1:]:
        cells = cells + [None] * (width - len(cells))
        if all(c is None for c in cells):
            continue
        if any(isinstance(c, str) and _HEADER_CELL.match(c.strip()) for c in cells):
            break  # a second table's header row: one table per sheet, the first one is read
        label = _cell_text(cells[layout.label_col])
        gender: str | None = None
        if layout.gender_col is not None:
            gender = _cell_text(cells[layout.gender_col]) or gender_above
            if label is not None and gender is None:
                raise ImportFormatError(path, row, layout.gender_name,
                                        "Gender is empty and there is no Gender above it")
            gender_above = gender
        has_counts = any(_cell_text(cells[i]) is not None for i in count_cols)
        result.rows_read += 1
        if label is None:
            if has_counts:
                raise ImportFormatError(path, row, layout.label_name, "row has counts but no label")
            result.skipped_unlabelled += 1
            continue
        outcome, group = labels.resolve(gender, label)
        if outcome == "unknown":
            result.unknown_labels.append((row, group))
            continue
        if outcome == "intersection":
            result.skipped_intersections += 1
            continue
        result.rows_mapped += 1
        result.cells_read += len(layout.years)
        for year, (n_col, n_name, d_col, d_name) in layout.years.items():
            for position, name in ((n_col, n_name), (d_col, d_name)):
                if (row, position) in unsaved:
                    raise ImportFormatError(path, row, name, unsaved[row, position])
            numerator, n_status = _cell(path, row, n_name, cells[n_col], estimate)
            denominator, d_status = _cell(path, row, d_name, cells[d_col], estimate)
            status = ""
            if n_status is not None or d_status is not None:
                found = _cell_status(numerator, n_status, denominator, d_status)
                if found is None:
                    result.skipped_zero_cells += 1
                    continue
                status, numerator, denominator = found, None, None
                result.source_status_cells[status] += 1
                result.na_over_positive += n_status == NOT_AVAILABLE and d_status is None
            elif not denominator or numerator is None:
                result.skipped_zero_cells += 1
                continue
            elif numerator > denominator:
                raise ImportFormatError(path, row, n_name,
                                        f"numerator {numerator} is greater than denominator {denominator}")
            if (group, year) in seen:
                raise ImportFormatError(path, row, n_name, f"group '{group}' year {year} was already read "
                                        f"from row {seen[group, year]} (two labels map to '{group}')")
            seen[group, year] = row
            for column, value in zip(OUTCOME_COLUMNS, (community_id, indicator_id, year, group, numerator,
                                                       denominator, None), strict=True):
                out[column].append(value)
            statuses.append(status)
            lines.append(row)
        for year, (v_col, v_name) in layout.values.items():
            number, marker = _value(path, row, v_name, cells[v_col])
            if number is None and marker is None:
                result.skipped_zero_cells += 1
                continue
            if (group, year) in seen:
                raise ImportFormatError(path, row, v_name, f"group '{group}' year {year} was already read "
                                        f"from row {seen[group, year]} (two labels map to '{group}')")
            seen[group, year] = row
            for column, given in zip(OUTCOME_COLUMNS, (community_id, indicator_id, year, group, None, None, number),
                                     strict=True):
                out[column].append(given)
            statuses.append(marker or "")
            lines.append(row)
            if marker is not None:
                result.source_status_cells[marker] += 1
    frame = long_outcomes(out)
    if scale == "fraction":
        frame = scaled(frame, scale)
    elif scale is None:
        refuse_fractions(frame, str(path), lines=lines)
    if any(statuses):
        frame["source_status"] = pd.Series(statuses, dtype="str")
    result.rows = sorted_outcomes(frame, ["year", "group"])
    return result


# ---------------------------------------------------------------------------------------------- writing
def _key_text(frame: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """Comparable keys: strings stripped, years as canonical integers where they parse."""
    def year(v: object) -> str:
        text = "" if v is None or v is pd.NA else str(v).strip()
        try:
            return str(int(float(text)))
        except ValueError:
            return text
    return [(str(c).strip(), str(i).strip(), year(y), str(g).strip())
            for c, i, y, g in zip(*(frame[k].tolist() for k in OUTCOME_KEY), strict=True)]


def _describe(key: tuple[str, str, str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in zip(OUTCOME_KEY, key, strict=True))


def write_rows(rows: pd.DataFrame, out_path: str | os.PathLike[str], append: bool) -> None:
    """Write long outcome `rows` to the CSV `out_path` (atomically: temp file + os.replace).

    append=False replaces the file. append=True adds the rows to the end of an existing file, keeping its
    bytes and column order (a missing file is created with a header); it refuses, with ImportFormatError
    naming the existing row, any (community_id, indicator_id, year, group) already in the file.
    """
    out_path = Path(out_path)
    missing = [c for c in OUTCOME_COLUMNS if c not in rows.columns]
    if missing:
        raise ValueError(f"rows lack column(s) {', '.join(missing)}")
    written = [*OUTCOME_COLUMNS, *(["source_status"] if "source_status" in rows.columns
                                   and rows["source_status"].fillna("").astype(str).ne("").any() else [])]
    rows = rows.loc[:, written]
    new_keys = _key_text(rows)
    repeated = [k for k, n in Counter(new_keys).items() if n > 1]
    if repeated:
        raise ImportFormatError(out_path, None, None, f"rows to write repeat {_describe(min(repeated))}")
    if not (append and out_path.exists() and out_path.stat().st_size > 0):
        write_bytes(out_path, durable=True, data=rows.to_csv(index=False, na_rep="", lineterminator="\n").encode())
        return
    raw = out_path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(out_path, None, None, "cannot append: the file is not UTF-8") from exc
    try:
        existing = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ImportFormatError(out_path, None, None, f"cannot append: not a readable CSV ({exc})") from exc
    columns = [str(c) for c in existing.columns]
    for column in OUTCOME_KEY:
        if column not in columns:
            raise ImportFormatError(out_path, 1, column, "cannot append: the file has no such column")
    for column in written:
        if column not in columns and rows[column].notna().any():
            raise ImportFormatError(out_path, 1, column, "cannot append: the file has no such column")
    line_of: dict[tuple[str, str, str, str], int] = {}
    for offset, key in enumerate(_key_text(existing)):
        line_of.setdefault(key, offset + 2)
    clashes = [k for k in new_keys if k in line_of]
    if clashes:
        first = min(clashes, key=lambda k: line_of[k])
        more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
        raise ImportFormatError(out_path, line_of[first], None,
                                f"already holds {_describe(first)}{more}: refusing to append duplicates")
    first_line = text.split("\n", 1)[0]
    newline = "\r\n" if first_line.endswith("\r") else "\n"
    body = rows.reindex(columns=columns).to_csv(index=False, header=False, na_rep="", lineterminator=newline)
    separator = b"" if raw.endswith(b"\n") else newline.encode()
    write_bytes(out_path, durable=True, data=raw + separator + body.encode())
