"""Read a data directory (CSV or Excel), convert types and validate it against the contract.

Every problem is collected and reported as `file:row:column: message`; nothing is raised on the first.
The file itself (encoding, delimiter, NUL bytes, field counts, workbooks, size) is read by
`ci_lib.inputs.tables`, the reader the importers use too; this module gives the cells their meaning.
Bad input never escapes as anything but `InvalidInput`:

- rows are numbered as the user sees them: the line in the CSV file where the record starts (quoted
  fields may span lines; blank lines count) or the spreadsheet row; frames keep `index + 2 == row`;
- the header must be on row 1: a title or merged title cells above it are reported with the row where
  the header was found (not skipped silently), on the first worksheet of a workbook;
- UTF-8 with or without BOM; UTF-16 with BOM and Windows-1252/Latin-1 are read with a note; binary data
  or a workbook under a `.csv` name is reported; `,` `;` or tab delimiters (`;` files may use a decimal comma);
- blank rows are skipped; a communities file with no rows is an error, empty benchmarks/outcomes are valid.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ci_lib.digest import file_sha256
from ci_lib.errors import InvalidInput, KitError, Problem
from ci_lib.inputs.contract import TABLES, TableSpec
from ci_lib.inputs.lookup import per_value
from ci_lib.inputs.markers import NOT_AVAILABLE, SUPPRESSED_AT_SOURCE, cell_status
from ci_lib.inputs.plausibility import PlausibilityWarning, plausibility_warnings
from ci_lib.inputs.rubric import Rubric
from ci_lib.inputs.rules import DEFAULT_RULES, unit_of
from ci_lib.inputs.scale import SCALES, Scale, fraction_problems, scaled
from ci_lib.inputs.tables import (
    EXCEL_SUFFIXES,
    Rows,
    formula_problems,
    grouped,
    read_rows,
    width_problems,
)

if TYPE_CHECKING:
    from ci_lib.inputs.parameters import YearParams

OTHER_SUFFIXES = (".xls", ".ods", ".tsv", ".txt", ".CSV", ".XLSX")
HEADER_SEARCH_ROWS = 20
KNOWN_COLUMNS = {str(c) for spec in TABLES.values() for c in spec.schema.columns}
# [0-9], not \d: \d also matches other scripts' digits ('２０２５', '٢٠٢٥'), which pandas cannot parse
INTEGER_TEXT = r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0*)?"
COUNT_TEXT = r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)"  # fractional: estimates only
NUMBER_TEXT = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?"
PERIOD_DASH = re.compile(r"[0-9]\s*[-\u2010-\u2015\u2212]\s*[0-9]")  # a year cell written as a period
SCHOOL_YEAR = re.compile(r"([0-9]{4})\s*[-/\u2013]\s*([0-9]{2}|[0-9]{4})")
LARGEST_NUMBER = 10**15
SHOWN_ROWS = 3  # rows named on the one line reporting an unknown id
MARKED_COLUMNS = ("numerator", "denominator", "value")  # where a source's marker (ci_lib.inputs.markers) is a status
DATA_SETTINGS = "data.yml"  # optional, beside the tables: `scale: fraction` (see read_scale)


@dataclass
class NetworkData:
    """The validated inputs of one network: typed tables plus the hashes that identify them."""

    data_dir: Path
    communities: pd.DataFrame
    benchmarks: pd.DataFrame
    outcomes: pd.DataFrame
    file_sha256: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[PlausibilityWarning] = field(default_factory=list)  # valid, probably wrong (plausibility)

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.file_sha256):
            digest.update(f"{name}:{self.file_sha256[name]}\n".encode())
        return digest.hexdigest()


def find_table(data_dir: Path, name: str) -> tuple[Path | None, list[Problem]]:
    found = [data_dir / f"{name}{suffix}" for suffix in (".csv", *EXCEL_SUFFIXES)
             if (data_dir / f"{name}{suffix}").exists()]
    if not found:
        hint = ""
        others = [data_dir / f"{name}{suffix}" for suffix in OTHER_SUFFIXES if (data_dir / f"{name}{suffix}").exists()]
        if others:
            hint = f" (found {others[0].name}: save it as .csv (UTF-8) or .xlsx)"
        return None, [Problem(f"{data_dir / name}.csv", None, None, f"required file is missing{hint}")]
    if len(found) > 1:
        return None, [Problem(str(found[0]), None, None,
                              f"both {found[0].name} and {found[1].name} exist; keep only one")]
    if not found[0].is_file():
        return None, [Problem(str(found[0]), None, None, "is not a regular file")]
    return found[0], []


def find_header(rows: Rows) -> int | None:
    """Position in `rows` of the first row that names at least two contract columns (None: not found)."""
    for position, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if len({c.strip() for c in cells} & KNOWN_COLUMNS) >= 2:
            return position
    return None


def frame_from_rows(path: Path, rows: Rows, sheet: str | None) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The header is the first row; every data row keeps its line number as index + 2."""
    first = rows[0]
    rows = [first, *((number, cells) for number, cells in rows[1:] if "".join(cells).strip())]
    first_line, header = rows[0]
    where = f"sheet {sheet!r}: " if sheet is not None else ""
    if first_line != 1 or not any(c.strip() for c in header):
        return None, [Problem(str(path), 1, None, f"{where}row 1 is empty: the header must be on row 1")]
    found = find_header(rows)
    if found not in (None, 0):
        line = rows[found][0]
        return None, [Problem(str(path), 1, None,
                              f"{where}the header must be on row 1, but it was found on row {line} (below a title "
                              f"or merged cells): delete the row(s) above it")]
    header = [c.strip().lstrip("\ufeff").strip() for c in header]
    data = rows[1:]
    width = len(header)
    problems = width_problems(path, width, data, sheet)
    if problems:
        return None, problems
    data = [(number, cells if len(cells) == width else cells + [""] * (width - len(cells))) for number, cells in data]
    keep = []
    for position, name in enumerate(header):
        if name:
            keep.append(position)
        elif any(cells[position].strip() for _, cells in data):
            problems.append(Problem(str(path), 1, f"column {position + 1}",
                                    "header cell is empty but the column has values"))
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            problems.append(Problem(str(path), 1, name, "column appears more than once"))
        seen.add(name)
    if problems:
        return None, problems
    columns = [header[p] for p in keep]
    values = [cells for _, cells in data] if len(keep) == width else [[cells[p] for p in keep] for _, cells in data]
    frame = pd.DataFrame(values, columns=columns, index=pd.Index([number - 2 for number, _ in data], dtype="int64"),
                         dtype="string")
    for column in frame.columns:
        frame[column] = frame[column].str.strip().replace("", pd.NA)
    return frame, []


def frame_from_columns(columns: list[pd.Series]) -> pd.DataFrame | None:
    """`frame_from_rows` of a plain CSV file (`tables.plain_columns`: header and rows of one width), column by
    column; None when the header or a blank row needs `frame_from_rows` (and its problems)."""
    header = [str(c[0]).strip() for c in columns] if len(columns[0]) else []
    if not header or not all(header) or len(set(header)) < len(header):
        return None
    cells = [column.iloc[1:].str.strip() for column in columns]
    blank = np.logical_and.reduce([(c == "").to_numpy(dtype=bool) for c in cells])
    first = [[str(c[position]) for c in columns] for position in range(min(len(columns[0]), HEADER_SEARCH_ROWS))]
    if blank[:HEADER_SEARCH_ROWS].any() or find_header([(n + 1, row) for n, row in enumerate(first)]) not in (None, 0):
        return None
    index = pd.Index(np.flatnonzero(~blank), dtype="int64")
    data = {name: pd.Series(c.array[~blank] if blank.any() else c.array, index=index, dtype="string")
            for name, c in zip(header, cells, strict=True)}
    frame = pd.DataFrame(data, index=index)
    for name in frame.columns:
        frame[name] = frame[name].replace("", pd.NA)
    return frame


def read_text_table(path: Path, notes: list[str]) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV or Excel sheet as strings; blank cells become <NA>; frame.index + 2 is the file's line.

    With a frame, the problems are cells that read as blank but are not (formulas without a saved value).
    """
    grid, problems = read_rows(path, notes, plain=True)
    if grid is None:
        return None, problems
    frame = frame_from_columns(grid.columns) if grid.columns is not None else None
    if frame is not None:
        frame.attrs.update(delimiter=grid.delimiter, unsaved=[])
        return frame, []
    if grid.columns is not None:  # read again row by row, for the problems of its header or blank rows
        grid, problems = read_rows(path, notes)
        if grid is None:
            return None, problems
    rows, sheet = grid.rows, grid.sheet
    unsaved = formula_problems(path, rows, sheet, grid.formulas) if sheet is not None else []
    shown = grouped(unsaved, "hold a formula without a saved value")
    if any(p.row == 1 for p in unsaved):
        return None, shown  # the header itself is not known
    if not any(any(c.strip() for c in cells) for _, cells in rows):
        return None, shown or [Problem(str(path), 1, None, "file is empty (expected a header row)")]
    frame, problems = frame_from_rows(path, rows, sheet)
    if frame is None:
        return None, problems + shown
    frame.attrs["delimiter"] = grid.delimiter
    frame.attrs["unsaved"] = sorted({(p.row, str(p.column)) for p in unsaved if p.row is not None})
    return frame, shown


def column_problems(path: Path, frame: pd.DataFrame, spec: TableSpec) -> list[Problem]:
    problems = []
    known = set(spec.schema.columns)
    for column in spec.required:
        if column not in frame.columns:
            close = difflib.get_close_matches(column, [c for c in frame.columns if c not in known], n=1)
            hint = f" (found {close[0]!r}: misspelt?)" if close else ""
            problems.append(Problem(str(path), 1, column, f"required column is missing{hint}"))
    absent = [c for c in spec.schema.columns if c not in frame.columns]
    for column in frame.columns:
        if column in known or column in KNOWN_COLUMNS:
            continue
        close = difflib.get_close_matches(column, absent, n=1)
        if close and close[0] not in spec.required:  # a misspelt required column is reported above
            problems.append(Problem(str(path), 1, column, f"unknown column (misspelt {close[0]!r}?)"))
    duplicated = [c for c in frame.columns if list(frame.columns).count(c) > 1]
    problems += [Problem(str(path), 1, c, "column appears more than once") for c in sorted(set(duplicated))]
    return problems


def number_message(value: str, column: str, integer: bool, too_large: bool) -> str:
    shown = plain(value)
    if too_large:
        return f"{shown} is too large"
    school_year = SCHOOL_YEAR.fullmatch(value)
    if integer and column.endswith("year") and school_year:
        first, last = school_year.groups()
        end = int(last) if len(last) == 4 else int(first[:2] + last)
        return f"{shown} is a school year: give the end year as a whole number (e.g. {end})"
    what = "a whole number" if integer else "a number"
    if any(char.isdigit() and not char.isascii() for char in value):
        return f"{shown} is not {what}: it is written with non-ASCII digits (type the digits 0-9)"
    return f"{shown} is not {what}"


def numbers(text: pd.Series) -> pd.Series:
    """`pd.to_numeric(text, errors="coerce")` as Float64, parsed once per distinct text (a column of counts
    holds a few thousand, and to_numeric on Arrow-backed text boxes every cell)."""
    codes, uniques = pd.factorize(text)
    parsed = pd.to_numeric(pd.Series(uniques, dtype=text.dtype), errors="coerce").astype("Float64")
    return pd.Series(parsed.array.take(codes, allow_fill=True), index=text.index)


def convert_numbers(path: Path, frame: pd.DataFrame, spec: TableSpec) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn number columns into nullable numbers, reporting each cell that is not one.

    Whole numbers may carry thousands separators (`1,234`) or a zero fraction (`2015.0`, from
    spreadsheets); `nan`, `inf`, hexadecimal and the like are rejected. In a semicolon-separated file a
    comma in a decimal column is read as the decimal mark. Digits of other scripts (fullwidth `２０２５`,
    Arabic-Indic `٢٠٢٥`) are refused with a message of their own, not normalised: NFKC, the only general
    way to read them, also folds `²` and `①` into digits (`10²` would become 102), and a spreadsheet keeps
    numbers as numbers, so such a cell is text typed through an input method that the user can retype.
    Every bad cell is returned (the caller groups them for display).

    Counts (`spec.counts`) may be fractional (`1,234.6`, a survey estimate): each fractional cell is kept in
    `attrs["fractional"]` as (index, column, text) for `estimate_problems`, which knows the indicators'
    declarations. The counts stay Int64 unless a fractional one is kept (then Float64), so whole-number data
    reads exactly as it always did.
    """
    problems: list[Problem] = []
    frame = frame.copy()
    decimal_comma = frame.attrs.get("delimiter") == ";"
    fractional: list[tuple[int, str, str]] = []
    for column in (*spec.integers, *spec.counts, *spec.floats):
        if column not in frame.columns:
            continue
        raw = frame[column].astype("string")
        integer = column in spec.integers or column in spec.counts
        if integer:
            ok = raw.str.fullmatch(INTEGER_TEXT if column in spec.integers else COUNT_TEXT)
            text = raw.str.replace(",", "", regex=False)
        else:
            text = raw.str.replace(",", ".", regex=False) if decimal_comma else raw
            ok = text.str.fullmatch(NUMBER_TEXT)
        ok = ok.fillna(False).astype(bool)
        parsed = numbers(text.where(ok))
        too_large = (parsed.abs() >= LARGEST_NUMBER).fillna(False).astype(bool)
        bad = raw.notna() & (~ok | too_large)
        for index in frame.index[bad]:
            problems.append(Problem(str(path), int(index) + 2, column,
                                    number_message(str(raw[index]), column, integer, bool(too_large[index]))))
        parsed = parsed.where(~bad)
        if column in spec.counts:
            whole = (parsed.round() == parsed).fillna(True).astype(bool)
            fractional += [(int(i), column, str(raw[i])) for i in frame.index[~whole]]
            frame[column] = parsed
        else:
            frame[column] = parsed.round().astype("Int64") if integer else parsed
    if not fractional:
        for column in spec.counts:
            if column in frame.columns:
                frame[column] = frame[column].round().astype("Int64")
    frame.attrs["fractional"] = fractional
    return frame, problems


def with_periods(frame: pd.DataFrame) -> pd.DataFrame:
    """`year` cells written as a period (`2005-2009`: a multi-year estimate) -> the end year, with `period_start`.

    Every outcomes frame gets the `period_start` column (Int64, blank for single years); a school year
    (`2015-16`) stays an error that says to give its end year.
    """
    frame = frame.copy()
    frame["period_start"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    year = frame["year"].astype("string")
    dashed = per_value(year, lambda text: isinstance(text, str) and PERIOD_DASH.search(text) is not None).astype(bool)
    if not dashed.any():
        return frame
    from ci_lib.inputs.importers.school_year import period_of

    for index in frame.index[dashed]:
        period = period_of(str(year[index]))
        if period is not None:
            frame.at[index, "year"] = str(period.year)
            frame.at[index, "period_start"] = period.period_start
    return frame


def plain(value: object) -> str:
    """A failing value for a message: numpy scalars as Python values (`-90`, not `np.int64(-90)`), long text cut."""
    item = getattr(value, "item", None)
    value = item() if callable(item) else value
    if isinstance(value, str) and len(value) > 60:
        return repr(value[:50] + "…") + f" ({len(value)} characters)"
    return repr(value)


def schema_problems(path: Path, frame: pd.DataFrame, spec: TableSpec) -> list[Problem]:
    counts = {column: "Float64" for column in spec.counts if column in frame.columns}
    try:
        spec.schema.validate(frame.astype(counts) if counts else frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return list(failure_problems(path, exc.failure_cases, spec, frame))
    except pa.errors.SchemaError as exc:
        cases = getattr(exc, "failure_cases", None)
        if isinstance(cases, pd.DataFrame) and {"index", "check", "column", "failure_case"} <= set(cases.columns):
            return list(failure_problems(path, cases, spec, frame))
        return [Problem(str(path), None, None, f"does not match the data contract: {exc}")]
    return []


def duplicate_rows(frame: pd.DataFrame | None, keys: list[str]) -> dict[tuple, list[int]]:
    """Key values -> file lines of the rows holding them (only complete keys found more than once).

    A key with a blank part (empty, or a number that could not be read) is reported where it is blank,
    never as a duplicate of another row whose key is blank too.
    """
    if frame is None or not keys or not set(keys) <= set(frame.columns):
        return {}
    lines: dict[tuple, list[int]] = {}
    for index, values in zip(frame.index, frame[keys].astype("string").itertuples(index=False), strict=True):
        if not any(pd.isna(v) for v in values):
            lines.setdefault(tuple(str(v) for v in values), []).append(int(index) + 2)
    return {key: found for key, found in lines.items() if len(found) > 1}


def failure_problems(path: Path, cases: pd.DataFrame, spec: TableSpec,
                     frame: pd.DataFrame | None = None) -> Iterable[Problem]:
    keys = list(spec.schema.unique or [])
    duplicates = duplicate_rows(frame, keys)
    line_keys = {line: key for key, found in duplicates.items() for line in found}
    blank_key = set()
    if frame is not None and keys and set(keys) <= set(frame.columns):
        blank_key = {int(i) + 2 for i in frame.index[frame[keys].isna().any(axis=1)]}
    for case in cases.itertuples(index=False):
        index = case.index
        check = str(case.check)
        column = None if pd.isna(case.column) else str(case.column)
        row = None if index is None or pd.isna(index) else int(index) + 2
        if check == "column_in_dataframe" or (column == spec.name and "unique" not in check):
            continue  # reported by column_problems with a hint
        if "unique" in check or check == "multiple_fields_uniqueness":
            if row in blank_key:
                continue  # the blank part of its key is reported on its own
            message = f"duplicate row: ({', '.join(keys)}) must be unique"
            if row in line_keys:
                key = line_keys[row]
                others = [str(line) for line in duplicates[key] if line != row]
                message = (f"duplicate row: ({', '.join(keys)}) = ({', '.join(key)}) must be unique; "
                           f"also on row {', '.join(others)}")
            column = keys[-1] if keys else None
        elif check == "not_nullable":
            message = "value is required"
        elif check.startswith("dtype(") or check.startswith("coerce_dtype("):
            message = f"wrong type: {plain(case.failure_case)}"
        else:
            failed = case.failure_case  # a whole count is checked as Float64 (see schema_problems): shown whole
            if column in spec.counts and isinstance(failed, float) and failed.is_integer():
                failed = int(failed)
            message = f"{plain(failed)}: {check}"
        yield Problem(str(path), row, column, message)


def with_source_status(frame: pd.DataFrame) -> pd.DataFrame:
    """Markers in the number cells -> the row's `source_status`; the row's numbers are then blank.

    A row with a status needs no numbers and uses none: a denominator beside a suppressed numerator could
    only help derive what the source withheld. `suppressed_at_source` wins over `not_available` in one row.
    """
    frame = frame.copy()
    given = frame["source_status"].astype("string")
    found = pd.Series(pd.NA, index=frame.index, dtype="string")
    for column in MARKED_COLUMNS:
        status = pd.Series(per_value(frame[column], cell_status), index=frame.index, dtype="string")
        found = found.mask((status == SUPPRESSED_AT_SOURCE).fillna(False), SUPPRESSED_AT_SOURCE).fillna(status)
    status = given.fillna(found).fillna("")
    status = status.mask((found == SUPPRESSED_AT_SOURCE).fillna(False), SUPPRESSED_AT_SOURCE)
    marked = status.isin([SUPPRESSED_AT_SOURCE, NOT_AVAILABLE])
    for column in MARKED_COLUMNS:
        frame[column] = frame[column].mask(marked)
    frame["source_status"] = status
    return frame


def read_scale(data_dir: Path, hashes: dict[str, str]) -> dict[str, str] | str | None:
    """The scale of `value` declared in `data.yml` (`scale: fraction`, or per indicator); None when not declared.

    `fraction` values are multiplied by 100 on load; `percent` says values at most 1 really are percents.
    """
    from ci_lib.inputs.parameters import read_yaml

    path = data_dir / DATA_SETTINGS
    if not path.is_file():
        return None
    hashes[path.name] = file_sha256(path)
    settings = read_yaml(path)
    unknown = sorted(set(settings) - {"scale"})
    if unknown:
        raise KitError(f"{path}::{unknown[0]}: unknown setting (the only one is `scale`)")
    scale = settings.get("scale")
    per_indicator = scale if isinstance(scale, dict) else {"": scale}
    for indicator, value in per_indicator.items():
        if value not in SCALES:
            where = f"scale.{indicator}" if indicator else "scale"
            raise KitError(f"{path}::{where}: {value!r} is not a scale: use `fraction` (0.79 means 79%) or "
                           "`percent` (79 means 79%)")
    return scale if isinstance(scale, dict) else str(scale)


def read_table(data_dir: Path, name: str, notes: list[str], hashes: dict[str, str],
               scale: Scale = None) -> tuple[pd.DataFrame | None, list[Problem]]:
    spec = TABLES[name]
    path, problems = find_table(data_dir, name)
    if path is None:
        return None, problems
    try:
        hashes[path.name] = file_sha256(path)
    except OSError as exc:
        return None, [Problem(str(path), None, None, f"cannot read file: {exc.strerror or exc}")]
    frame, unsaved = read_text_table(path, notes)
    if frame is None:
        return None, unsaved
    problems = [dataclasses.replace(p, priority=0) for p in column_problems(path, frame, spec)]  # a likely cause
    if problems:
        return None, problems + unsaved
    if name == "communities" and frame.empty:
        return None, [Problem(str(path), 2, None, "no communities: the file has a header but no rows")]
    for column in spec.optional:
        if column not in frame.columns:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
    if name == "outcomes":
        frame = with_periods(with_source_status(frame))
    frame, not_numbers = convert_numbers(path, frame, spec)
    if name == "outcomes" and scale is not None:
        frame = scaled(frame, scale)
    # a cell that could not be read is blank now: its row is not checked again for being blank or for counts
    converted = {(p.row, p.column) for p in not_numbers} | {(row, column) for row, column in frame.attrs["unsaved"]}
    frame.attrs["unparsed"] = sorted({int(row) - 2 for row, _ in converted if row is not None})
    whole = (*spec.integers, *spec.counts)
    problems = [*grouped([p for p in not_numbers if p.column in whole], "cannot be read as whole numbers"),
                *grouped([p for p in not_numbers if p.column not in whole], "cannot be read as numbers"),
                *unsaved]
    problems += [p for p in schema_problems(path, frame, spec) if (p.row, p.column) not in converted]
    frame.attrs["path"] = str(path)
    return frame, problems


def unknown_id_problems(path: str, frame: pd.DataFrame, column: str, known: Iterable[str], what: str,
                        where: str) -> list[Problem]:
    """One line per unknown id, with the closest known id, the count of rows and the first few of them.

    A mistyped id in a long file would otherwise print one line per row (hundreds), burying the cause; the
    line is ranked first (priority 0) since every other problem of those rows may follow from it.
    """
    known = sorted(set(known))
    unknown = frame[column].notna() & ~frame[column].isin(known)
    lines: dict[str, list[int]] = {}
    for index in frame.index[unknown]:
        lines.setdefault(str(frame.at[index, column]), []).append(int(index) + 2)
    problems = []
    for value, rows in lines.items():
        close = difflib.get_close_matches(value, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        message = f"unknown {what} {value!r} ({where}{hint})"
        if len(rows) > 1:
            first = ", ".join(str(r) for r in rows[:SHOWN_ROWS])
            message += f" \u2014 {len(rows)} rows, first at rows {first}"
        problems.append(Problem(path, rows[0], column, message, priority=0))
    return problems


def cross_problems(data: dict[str, pd.DataFrame], rubric: Rubric | None,
                   local_indicators: set[str] | None, units: Mapping[str, str] | None = None,
                   estimates: set[str] | None = None) -> list[Problem]:
    """Checks across rows and tables: references, counts that make sense, ids the rubric knows."""
    problems: list[Problem] = []
    communities = data.get("communities")
    known = set(communities["community_id"].dropna()) if communities is not None else None
    for name in ("benchmarks", "outcomes"):
        frame = data.get(name)
        if frame is None:
            continue
        path = frame.attrs["path"]
        if known is not None:
            problems += unknown_id_problems(path, frame, "community_id", known, "community", "not in communities")
    bench = data.get("benchmarks")
    if bench is not None and rubric is not None:
        problems += unknown_id_problems(bench.attrs["path"], bench, "benchmark_id", {b.id for b in rubric.benchmarks},
                                        "benchmark", f"not in framework {rubric.framework}")
    out = data.get("outcomes")
    if out is not None:
        problems += outcome_row_problems(out, rubric, local_indicators, units or {})
        problems += estimate_problems(out, rubric, local_indicators, estimates or set())
    return problems


def estimate_problems(out: pd.DataFrame, rubric: Rubric | None, local_indicators: set[str] | None,
                      estimates: set[str]) -> list[Problem]:
    """Fractional counts and margins of error only for indicators declared `estimate: true`; each MOE beside its number.

    An American Community Survey count is an estimate (1234.6 people); a count of students is whole, and a
    fraction there is a typo or a share pasted as a count, so it stays an error that says how to declare an
    estimate. Indicators outside the rubric are not checked when the params are unknown (their ids are not
    checked either; a note says so).
    """
    path = out.attrs["path"]
    unparsed = set(out.attrs.get("unparsed", ()))
    declared = (rubric.estimate_ids if rubric is not None else set()) | estimates
    rubric_ids = {o.id for o in rubric.outcomes} if rubric is not None else set()

    def checked(indicator: object) -> bool:
        known = local_indicators is not None or str(indicator) in rubric_ids
        return known and str(indicator) not in declared

    def how(indicator: object) -> str:
        if str(indicator) in rubric_ids:
            return f"indicator {indicator!r} of the rubric counts whole numbers (it is not declared an estimate)"
        return (f"if indicator {indicator!r} is a survey estimate (such as the American Community Survey's), "
                "declare `estimate: true` for it under `local_indicators` in the year's params")

    fractional = [Problem(path, index + 2, column, f"{text!r} is not a whole number: {how(out.at[index, 'indicator_id'])}")
                  for index, column, text in out.attrs.get("fractional", ())
                  if index not in unparsed and checked(out.at[index, "indicator_id"])]
    problems = grouped(fractional, "are not whole numbers (counts of an indicator not declared `estimate: true`)")
    of_checked = per_value(out["indicator_id"], checked).astype(bool)
    for column, number in (("numerator_moe", "numerator"), ("denominator_moe", "denominator"), ("value_moe", None)):
        given = out[column].notna() & ~out.index.isin(list(unparsed))
        for index in out.index[given & of_checked]:
            problems.append(Problem(path, int(index) + 2, column, f"a margin of error is for an estimate: "
                                    f"{how(out.at[index, 'indicator_id'])}"))
        alone = out[number].isna() if number else out["value"].isna() & out["denominator"].isna()
        for index in out.index[given & alone]:
            problems.append(Problem(path, int(index) + 2, column, f"{column} given without {number or 'a value'}"))
    return problems


def outcome_row_problems(out: pd.DataFrame, rubric: Rubric | None, local_indicators: set[str] | None,
                         units: Mapping[str, str]) -> list[Problem]:
    """Row checks; indicator ids are checked only when the local indicators are known (params given).

    `units` (indicator id -> unit) decides each value's range and whether counts can give it: a percent is
    0-100 and a rate per 1,000 0-1000 (numerator / denominator x 100 or x 1000); a count, currency or score
    is any number >= 0 given as `value`. An indicator of unknown unit (no params) is only checked >= 0.
    """
    path = out.attrs["path"]
    problems: list[Problem] = []

    unparsed = set(out.attrs.get("unparsed", ()))  # a number that could not be read is reported already

    def add(mask: pd.Series, column: str, message: str) -> None:
        rows = out.index[mask.fillna(False).astype(bool)]
        problems.extend(Problem(path, int(i) + 2, column, message) for i in rows if i not in unparsed)

    num, den, val = out["numerator"], out["denominator"], out["value"]
    status = out["source_status"] if "source_status" in out.columns else pd.Series("", index=out.index)
    add(num.isna() & den.isna() & val.isna() & (status.fillna("") == ""), "value",
        "give numerator and denominator, or value (or a source's marker such as NA or *)")
    add(num.notna() & den.isna(), "denominator", "numerator given without denominator")
    add(num.isna() & den.notna(), "numerator", "denominator given without numerator")
    add(num > den, "numerator", "numerator is greater than denominator")
    add((den == 0) & val.isna(), "denominator", "denominator is 0: leave the row out when there is no data")
    fractions, found = fraction_problems(out, path, out.attrs.get("scale"), units)
    problems += found
    unit = pd.Series(per_value(out["indicator_id"], units), index=out.index)
    unit_names = sorted(str(name) for name in unit.dropna().unique())
    for name in unit_names:
        of_unit, what = unit == name, unit_of(name)
        if what.high is not None:
            over = out.index[(of_unit & (val > what.high)).fillna(False).astype(bool)]
            problems += [Problem(path, int(i) + 2, "value", f"{plain(val[i])}: a {what.label} must be within "
                                 f"0-{what.high:g}") for i in over if i not in unparsed]
        if what.per is None:
            add(of_unit & (num.notna() | den.notna()), "numerator", f"a {what.label} indicator is given as `value`, "
                "not numerator/denominator (they make a percent or a rate)")
    per = pd.Series(per_value(unit, {name: unit_of(name).per for name in unit_names}),
                    index=out.index).fillna(100).astype(float)
    with_both = num.notna() & den.notna() & val.notna() & (den > 0) & ~out["indicator_id"].isin(fractions)
    computed = (num.astype("Float64") / den.astype("Float64") * per).where(with_both)
    add((computed - val).abs() > 0.5 * per / 100, "value", "value disagrees with numerator/denominator")
    if rubric is not None and local_indicators is not None:
        indicators = {o.id for o in rubric.outcomes} | local_indicators
        problems += unknown_id_problems(path, out, "indicator_id", indicators, "indicator",
                                        "not in the rubric nor declared as a local indicator in params")
    if rubric is not None:
        problems += unknown_id_problems(path, out, "group", rubric.group_ids, "group", "not in the rubric")
        reported = out[out["group"].isin(list(rubric.combined))]
        for group, rows in sorted(reported.groupby("group").groups.items()):
            more = f" ({len(rows)} rows, first at rows {', '.join(str(int(i) + 2) for i in rows[:SHOWN_ROWS])})"
            problems.append(Problem(path, int(rows[0]) + 2, "group", f"{group!r} is a combined group of params "
                                    "`combined_groups:`: the kit computes it from its members' counts; remove "
                                    f"these rows or report them under another group id{more}", priority=0))
    return problems


STUDENT_FILES = ("students.parquet", "students.csv")


def with_student_rows(data_dir: Path, tables: dict[str, pd.DataFrame], rubric: Rubric | None,
                      local_indicators: Iterable[str] | None, hashes: dict[str, str], problems: list[Problem],
                      notes: list[str]) -> pd.DataFrame:
    """Aggregate optional student-level records (DuckDB) into outcome rows; the records themselves stay here.

    Only counts per community x indicator x year x group come out; no student row is ever copied to reports.
    """
    from ci_lib.inputs.importers import ImportFormatError, aggregate_students

    outcomes = tables["outcomes"]
    found = [data_dir / name for name in STUDENT_FILES if (data_dir / name).exists()]
    if not found:
        return outcomes
    if len(found) > 1:
        problems.append(Problem(str(found[0]), None, None, "both students.parquet and students.csv exist; keep one"))
        return outcomes
    path = found[0]
    try:
        hashes[path.name] = file_sha256(path)
    except OSError as exc:
        problems.append(Problem(str(path), None, None, f"cannot read file: {exc.strerror or exc}"))
        return outcomes
    try:
        rows = aggregate_students(path)
    except ImportFormatError as exc:
        problems.extend(exc.problems)
        return outcomes
    known = set(tables["communities"]["community_id"]) if "communities" in tables else set()
    for cid in sorted(set(rows["community_id"]) - known):
        problems.append(Problem(str(path), None, "community_id", f"unknown community {cid!r} (not in communities)"))
    if rubric is not None and local_indicators is not None:
        indicators = {o.id for o in rubric.outcomes} | set(local_indicators)
        for indicator in sorted(set(rows["indicator_id"]) - indicators):
            problems.append(Problem(str(path), 1, indicator, "unknown indicator column (not in the rubric nor "
                                    "declared as a local indicator in params)"))
    key = ["community_id", "indicator_id", "year", "group"]
    clash = rows.merge(outcomes[key].astype({"year": "Int64"}), on=key, how="inner")
    if len(clash):
        first = clash.iloc[0]
        problems.append(Problem(str(path), None, first["indicator_id"], f"{len(clash)} aggregated cells are also in "
                                f"outcomes.csv (e.g. {first['community_id']} {first['year']} {first['group']}); "
                                "give each cell once"))
    notes.append(f"{path}: {len(rows)} outcome cells aggregated from student-level records")
    combined = pd.concat([outcomes, rows.astype(outcomes[rows.columns].dtypes.to_dict())], ignore_index=True)
    combined.attrs = dict(outcomes.attrs)
    return combined


def notes_of(problems: list[Problem], notes: list[str]) -> list[Problem]:
    """The notes on how a failing file was read (sheet, encoding, delimiter), printed with its problems.

    They are what explains problems such as missing columns when the workbook's first sheet holds
    instructions, and the CLI prints notes only for data that loads.
    """
    failing = {p.file for p in problems}
    return [Problem(file, None, None, f"note: {note.removeprefix(f'{file}: ')}")
            for note in notes for file in failing if note.startswith(f"{file}: ")]


def load_network(data_dir: str | Path, rubric: Rubric | None = None,
                 local_indicators: Iterable[str] | Mapping[str, str] | None = (), estimates: Iterable[str] = (),
                 params: YearParams | None = None) -> NetworkData:
    """Load and validate a data directory; raise InvalidInput listing every problem.

    `local_indicators=None` means the params are unknown: indicator ids outside the rubric are then
    reported as a note instead of an error. A mapping (`YearParams.local_indicator_units`) also gives each
    local indicator's unit, which decides the range of its values. `estimates` are the local indicators
    declared `estimate: true` (`YearParams.estimate_indicator_ids`; the rubric's own are read from `rubric`).
    Valid data gets its plausibility warnings (`warnings`), with the year's `params` (the jump threshold of
    each community, the units of local indicators) when given.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        what = "is not a directory" if data_dir.exists() else "data directory does not exist"
        raise InvalidInput([Problem(str(data_dir), None, None, what)])
    notes: list[str] = []
    hashes: dict[str, str] = {}
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    scale = read_scale(data_dir, hashes)
    for name in TABLES:
        frame, found = read_table(data_dir, name, notes, hashes, scale)
        problems += found
        if frame is not None:
            frame.attrs["scale"] = scale
            tables[name] = frame
    units = {o.id: o.unit for o in rubric.outcomes} if rubric is not None else {}
    if isinstance(local_indicators, Mapping):
        units.update(local_indicators)
    problems += cross_problems(tables, rubric, None if local_indicators is None else set(local_indicators), units,
                              set(estimates))
    where = None
    if not problems and "outcomes" in tables:
        where = file_lines(tables["outcomes"])
        tables["outcomes"] = with_student_rows(data_dir, tables, rubric, local_indicators, hashes, problems, notes)
    if problems:
        raise InvalidInput(problems + notes_of(problems, notes))
    for name, frame in tables.items():
        tables[name] = frame.reset_index(drop=True)
        tables[name].attrs = {"path": frame.attrs["path"]}
    outcomes = tables["outcomes"]
    if rubric is not None and local_indicators is None:
        extra = sorted(set(outcomes["indicator_id"].dropna()) - {o.id for o in rubric.outcomes})
        if extra:
            notes.append(f"indicators not in the rubric, not checked without params (pass --year): {', '.join(extra)}")
    outcomes["value"] = outcomes["value"].astype("Float64")
    outcomes["source_status"] = outcomes["source_status"].fillna("").astype(str)
    warnings = network_warnings(outcomes, where, data_dir, rubric, params)
    return NetworkData(data_dir=data_dir, communities=tables["communities"], benchmarks=tables["benchmarks"],
                       outcomes=outcomes, file_sha256=hashes, notes=notes, warnings=warnings)


def file_lines(outcomes: pd.DataFrame) -> tuple[str, np.ndarray]:
    """The outcomes file and the line of each of its rows (rows aggregated from students are added after)."""
    return str(outcomes.attrs["path"]), (outcomes.index.to_numpy() + 2).astype(float)


def load_year(data_dir: str | Path, params: YearParams, rubric: Rubric | None = None) -> NetworkData:
    """A data directory read as the year's params declare it: the year's rubric (with the groups params add),
    its local indicators' units, its estimates and its plausibility thresholds."""
    return load_network(data_dir, rubric or params.rubric(), params.local_indicator_units(),
                        params.estimate_indicator_ids(), params)


def network_warnings(outcomes: pd.DataFrame, where: tuple[str, np.ndarray] | None, data_dir: Path,
                     rubric: Rubric | None, params: YearParams | None) -> list[PlausibilityWarning]:
    """The plausibility warnings of valid outcomes (`ci_lib.inputs.plausibility`), each at its file and line."""
    if where is None or outcomes.empty:
        return []
    path, lines = where
    extra = len(outcomes) - len(lines)  # rows aggregated from student-level records have no line of their own
    students = next((str(data_dir / name) for name in STUDENT_FILES if (data_dir / name).exists()), path)
    rules = rubric.rules if rubric is not None else DEFAULT_RULES
    units = {o.id: o.unit for o in rubric.outcomes} if rubric is not None else {}
    overrides: dict[str, float] = {}
    if params is not None:
        from ci_lib.inputs.rubric import merge_rules

        rules = merge_rules(rules, params.rules)
        units = {**params.local_indicator_units(), **units}
        overrides = {cid: float(merge_rules(rules, c["rules"])["plausibility"]["max_jump_pp"])
                     for cid, c in params.communities.items() if (c.get("rules") or {}).get("plausibility")}
    return plausibility_warnings(outcomes, (path, students), np.r_[lines, np.full(extra, np.nan)], rubric, units,
                                 float(rules["plausibility"]["max_jump_pp"]), overrides)


def read_community_ids(data_dir: str | Path) -> set[str] | None:
    """The community ids of a data directory, or None when communities cannot be read (reported elsewhere)."""
    path, problems = find_table(Path(data_dir), "communities")
    if path is None or problems:
        return None
    try:
        frame, found = read_text_table(path, [])
    except Exception:  # any unreadable file is reported by load_network with its location
        return None
    if frame is None or found or "community_id" not in frame.columns:
        return None
    return set(frame["community_id"].dropna().astype(str))
