"""The one reader of CSV and Excel tables, for the data directory (`ci_lib.inputs.load`) and the importers.

It turns a file into rows of cell text, each tagged with the line or sheet row a user sees, and reports
what makes a file unreadable as `Problem`s (`file:row:column: message`), never as a traceback:

- size: files over `MAX_BYTES` are refused before they are read;
- encoding: UTF-8 with or without BOM; UTF-16 with a BOM and Windows-1252/Latin-1 are read with a note;
  binary data, or a workbook under a `.csv` name, is reported;
- delimiter: `,` `;` or tab, from the first line holding one (a note when it is not a comma);
- NUL bytes in a cell are reported at their cell (a damaged file), grouped per column;
- quoted fields may span lines: a row's number is the line where it starts;
- `.xlsx`/`.xlsm` via openpyxl (read-only, saved values): a formula with no saved value (which reads as a
  blank) is found in the sheet XML and returned with its cell, for the caller to report where it matters;
- field counts: `width_problems` reports rows with more (or, for CSV, other) fields than the header.

What the cells mean (a data contract, a wide table) is the caller's business.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ci_lib import compat
from ci_lib.errors import Problem

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
MAX_BYTES = 512 * 1024 * 1024
DELIMITERS = (",", ";", "\t")
SHOWN_PER_COLUMN = 5  # bad cells listed one by one per column and kind; the rest are counted on one line
FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")

Rows = list[tuple[int, list[str]]]  # (line in the file or sheet row, cells)
Formula = tuple[int, int, str]  # (sheet row, column number, cell reference) of a formula with no saved value


@dataclass
class Grid:
    """A file read as rows of cell text; `sheet` is the worksheet's title (None for CSV).

    `columns` (with `rows` empty) holds a plain CSV file's cells column by column instead (`plain_columns`).
    """

    path: Path
    rows: Rows
    sheet: str | None = None
    delimiter: str = ","
    formulas: list[Formula] = field(default_factory=list)
    columns: list[pd.Series] | None = None


def plain_columns(raw: bytes) -> list[pd.Series] | None:
    """The cells of a plain CSV file column by column (Arrow-backed text, row i of the file at position i), or
    None when the file is not plain.

    Plain: ASCII text without quotes and control characters (line ends `\n` or `\r\n`), every line (blank
    ones too) with the header's count of commas. Such a file's records are its lines and its cells the text
    between commas, so Arrow's parser (C++, a second a million rows) reads what `csv_rows` would, row for
    row; any other file, and every file with a problem to report, is read by `csv_rows`.
    """
    if not raw.isascii() or raw.translate(None, PLAIN_BYTES) or raw.count(b"\r") != raw.count(b"\r\n"):
        return None
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    width = raw[: raw.find(b"\n") if b"\n" in raw else len(raw)].count(b",") + 1
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(raw), read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
            parse_options=pa_csv.ParseOptions(quote_char=False, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(width)},
                                                  strings_can_be_null=False, null_values=[]))
    except pa.ArrowInvalid:  # a line with another count of fields: reported by csv_rows and width_problems
        return None
    if table.num_columns != width:
        return None
    return [pd.Series(pd.arrays.ArrowStringArray(column.combine_chunks() if column.num_chunks != 1
                                                 else column.chunk(0))) for column in table.columns]


# the bytes a plain file may hold: printable ASCII, tab and line ends (quotes make a file not plain)
PLAIN_BYTES = bytes(b for b in range(32, 127) if b != ord('"')) + b"\t\n\r"


def read_rows(path: Path, notes: list[str], sheet: str | int | None = None,
              plain: bool = False) -> tuple[Grid | None, list[Problem]]:
    """Read a CSV file or a worksheet as rows of text; None and the problems when the file cannot be read.

    `notes` gets how the file was read when that is not plain UTF-8 CSV (encoding, delimiter, sheet).
    `sheet` picks a worksheet of a workbook (title or 0-based index; default the first). With `plain`, a
    plain CSV file (`plain_columns`) comes back as `Grid.columns`.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [Problem(str(path), None, None, f"cannot read file: {exc.strerror or exc}")]
    if size > MAX_BYTES:
        return None, [Problem(str(path), None, None, f"file is larger than {MAX_BYTES // 2**20} MiB")]
    if path.suffix.lower() in EXCEL_SUFFIXES:
        rows, title, formulas, problems = excel_rows(path, notes, sheet)
        if problems:
            return None, problems
        grid = Grid(path, rows, title, formulas=formulas)
        has_nul = any("\x00" in cell for _, cells in rows for cell in cells)
    else:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return None, [Problem(str(path), None, None, f"cannot read file: {exc.strerror or exc}")]
        binary = binary_problem(path, raw)
        if binary is not None:
            return None, [binary]
        text = decode(raw, path, notes)
        if not text.strip():
            return None, [Problem(str(path), 1, None, "file is empty (expected a header row)")]
        sep = sniff_delimiter(text)
        if sep != ",":
            decimal = " (a comma in a decimal number is read as the decimal mark)" if sep == ";" else ""
            notes.append(f"{path}: read with delimiter {sep!r}{decimal}")
        columns = plain_columns(raw) if plain and sep == "," else None
        if columns is not None:
            return Grid(path, [], delimiter=sep, columns=columns), []
        rows, problems = csv_rows(path, text, sep)
        if problems:
            return None, problems
        grid = Grid(path, rows, delimiter=sep)
        has_nul = "\x00" in text  # the whole file: one C-level scan
    nul = nul_problems(path, rows) if has_nul else []
    if nul:
        return None, nul
    return grid, []


def width_problems(path: Path, width: int, rows: Rows, sheet: str | None) -> list[Problem]:
    """Rows whose field count is not the header's `width`.

    In CSV every record must have the header's fields (a short one is often a quote never closed); a
    worksheet row may be shorter (trailing blanks are not stored) but holds no value right of the header.
    """
    problems = []
    for number, cells in rows:
        if sheet is None and len(cells) != width:
            hint = " (a quote opened on this row is never closed?)" if len(cells) < width and any(
                "\n" in c for c in cells) else ""
            problems.append(Problem(str(path), number, None, f"expected {width} fields, found {len(cells)}{hint}"))
        elif sheet is not None and len(cells) > width:
            problems.append(Problem(str(path), number, None, f"sheet {sheet!r}: a value in column {len(cells)} lies "
                                                              f"outside the header's {width} columns"))
    return problems


def decode(raw: bytes, path: Path, notes: list[str]) -> str:
    """UTF-8 (with or without BOM); UTF-16 with a BOM and Latin-1/cp1252 files are accepted with a note."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
        else:
            notes.append(f"{path}: read as UTF-16. Save as UTF-8 to silence this note.")
            return text
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append(f"{path}: not UTF-8; read as Windows-1252 (Latin-1). Save as UTF-8 to silence this note.")
        return raw.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """The delimiter of the first line holding one: comma, semicolon or tab (comma when none appears).

    The first such line is the header of a data table, or the header below the title rows of a wide table
    (a lone title holds no delimiter).
    """
    header = next((line for line in text.splitlines() if any(sep in line for sep in DELIMITERS)), "")
    counts = {sep: header.count(sep) for sep in DELIMITERS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def binary_problem(path: Path, raw: bytes) -> Problem | None:
    """A CSV must be text: a workbook or other binary data saved under a .csv name is reported, not parsed."""
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        return Problem(str(path), None, None, "is a spreadsheet workbook, not CSV text: export it as CSV (UTF-8) "
                                              "or give it the .xlsx suffix")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 text holds NUL bytes
    head = raw[: 64 * 1024]  # a sample for the control-character ratio; NUL bytes are looked for in every cell
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13))
    if controls > len(head) // 100:
        line = head[: head.find(b"\x00")].count(b"\n") + 1 if b"\x00" in head else None
        return Problem(str(path), line, None, "is not a text file (binary data): expected CSV text")
    return None


def grouped(problems: list[Problem], what: str) -> list[Problem]:
    """The first `SHOWN_PER_COLUMN` problems of each column, then one line counting the rest of that column.

    A column of text where numbers belong (or a damaged file) would otherwise bury the report under one
    identical line per row; `what` completes "N more cells in column C ...".
    """
    by_column: dict[tuple[str, str | None], list[Problem]] = {}
    for problem in sorted(problems, key=lambda p: (p.file, p.row or 0)):
        by_column.setdefault((problem.file, problem.column), []).append(problem)
    out: list[Problem] = []
    for (file, column), found in by_column.items():
        out += found[:SHOWN_PER_COLUMN]
        rest = found[SHOWN_PER_COLUMN:]
        if rest:
            rows = f"rows {rest[0].row}-{rest[-1].row}" if len(rest) > 1 else f"row {rest[0].row}"
            out.append(Problem(file, rest[0].row, column, f"{len(rest)} more cells in column {column} {what} "
                                                          f"({rows}; only the first {SHOWN_PER_COLUMN} are listed)"))
    return out


def nul_problems(path: Path, rows: Rows) -> list[Problem]:
    """Every cell holding a NUL byte: a sign of a damaged file or a binary format, never data to keep."""
    header = rows[0][1] if rows else []
    found = []
    for number, cells in rows:
        for position, cell in enumerate(cells):
            if "\x00" in cell:
                name = header[position].strip() if position < len(header) and "\x00" not in header[position] else ""
                found.append(Problem(str(path), number, name or f"column {position + 1}",
                                     "NUL byte (\\x00) in the cell: the file is damaged or not plain text; "
                                     "remove it or export the file again"))
    return grouped(found, "hold a NUL byte")


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a user sees (2015.0 -> '2015', dates ISO, blank -> '')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def unsaved_formulas(sheet: Any, path: Path | None = None) -> list[Formula]:
    """Formula cells of a read-only worksheet that hold no saved result.

    Read with `data_only`, such a cell looks blank (openpyxl gives None), so an unsaved formula in a
    count column would pass for an empty count. A workbook written by a program that does not calculate
    (a script, openpyxl) has them until it is opened and saved in Excel or LibreOffice. A formula whose
    saved result is the empty string (`t="str"` with an empty value) is a blank on purpose, not one of these.
    The sheet XML is parsed only when it holds a formula element at all.
    """
    from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    source = compat.worksheet_xml(sheet)
    if source is None:
        return formulas_from_cells(sheet, path) if path is not None else []
    with source() as stream:
        tail = b""
        while chunk := stream.read(1 << 20):
            if FORMULA_ELEMENT.search(tail + chunk):
                break
            tail = chunk[-64:]
        else:
            return []
    cell_tag, row_tag = f"{{{SHEET_MAIN_NS}}}c", f"{{{SHEET_MAIN_NS}}}row"
    formula_tag, value_tag = f"{{{SHEET_MAIN_NS}}}f", f"{{{SHEET_MAIN_NS}}}v"
    found: list[Formula] = []
    row_number, column_number = 0, 0
    with source() as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            if element.tag == row_tag and event == "start":
                row_number = int(element.get("r") or row_number + 1)
                column_number = 0
            elif element.tag == cell_tag and event == "end":
                reference = element.get("r")
                row, column_number = (coordinate_to_tuple(reference) if reference
                                      else (row_number, column_number + 1))
                saved = element.find(value_tag)
                if element.find(formula_tag) is not None and (
                        saved is None or (not saved.text and element.get("t") != "str")):
                    found.append((row, column_number, reference or f"{get_column_letter(column_number)}{row}"))
                element.clear()
            elif element.tag == row_tag:
                element.clear()
    return found


def formulas_from_cells(sheet: Any, path: Path) -> list[Formula]:
    """`unsaved_formulas` through openpyxl's public cells: the sheet read again with formulas, not values.

    The fallback where the sheet's XML is not at hand (`compat.worksheet_xml`): a formula cell whose saved
    value reads as blank. Slower (every cell is read again), and a formula saved as an empty string counts.
    """
    import openpyxl
    from openpyxl.utils.cell import get_column_letter

    values = {(cell.row, cell.column): cell.value for row in sheet.iter_rows() for cell in row
              if getattr(cell, "row", None) is not None}
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        found: list[Formula] = []
        for row in workbook[sheet.title].iter_rows():
            for cell in row:
                if getattr(cell, "data_type", None) == "f" and values.get((cell.row, cell.column)) is None:
                    found.append((cell.row, cell.column, f"{get_column_letter(cell.column)}{cell.row}"))
        return found
    finally:
        workbook.close()


def formula_problems(path: Path, rows: Rows, sheet: str, formulas: list[Formula]) -> list[Problem]:
    """An unsaved formula in the header row or under a header cell, at its row and column."""
    header = [c.strip() for c in rows[0][1]] if rows and rows[0][0] == 1 else []
    width = max([len(header), *(column for row, column, _ in formulas if row == 1)])
    header += [""] * (width - len(header))
    return [Problem(str(path), row, header[column - 1] or f"column {column}", unsaved_message(sheet, reference))
            for row, column, reference in formulas if column <= width]


def unsaved_message(sheet: str, reference: str) -> str:
    return (f"sheet {sheet!r} cell {reference}: formula without a saved value: open and save the workbook in "
            "Excel/LibreOffice, or enter the value")


def excel_rows(path: Path, notes: list[str],
               sheet_name: str | int | None = None) -> tuple[Rows, str, list[Formula], list[Problem]]:
    """Every row of a worksheet with its sheet row number (blank rows included), and its unsaved formulas.

    The worksheet is `sheet_name` (a title or a 0-based index), by default the first, with a note when
    there are others. Cells are the text a user sees (`cell_text`): an Excel error cell (`#VALUE!`) stays
    that text, never a blank, so it is reported where a number belongs.
    """
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl/zipfile raise many types for corrupt workbooks
        return [], "", [], [Problem(str(path), None, None,
                                    f"cannot read Excel workbook: {type(exc).__name__}: {exc}")]
    try:
        sheets = workbook.worksheets
        if not sheets:
            return [], "", [], [Problem(str(path), None, None, "the workbook has no worksheet")]
        if sheet_name is not None:
            try:
                sheet = workbook[sheet_name] if isinstance(sheet_name, str) else sheets[sheet_name]
            except (IndexError, KeyError) as exc:
                return [], "", [], [Problem(str(path), None, None, f"cannot read sheet {sheet_name!r}: {exc}")]
        else:
            sheet = sheets[0]
        if sheet_name is None and len(sheets) > 1:
            notes.append(f"{path}: read the first sheet {sheet.title!r} only ({len(sheets)} sheets; the data must be "
                         "on the first)")
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # a stale <dimension> (e.g. A1:XFD1048576) would pad every row to 16384 cells
        rows: Rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(v) for v in values]
            while cells and not cells[-1].strip():
                cells.pop()
            rows.append((number, cells))
        return rows, sheet.title, unsaved_formulas(sheet, path), []
    except Exception as exc:  # a truncated or corrupt sheet fails while iterating
        return [], "", [], [Problem(str(path), None, None,
                                    f"cannot read Excel workbook: {type(exc).__name__}: {exc}")]
    finally:
        workbook.close()


def csv_rows(path: Path, text: str, sep: str) -> tuple[Rows, list[Problem]]:
    """Parse CSV text into rows tagged with the line they start on (quoted fields may span lines)."""
    rows: Rows = []
    reader = csv.reader(io.StringIO(text, newline=None), delimiter=sep)
    start = 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        message = str(exc)
        if "field larger than field limit" in message:
            message = (f"a field is longer than {csv.field_size_limit()} characters "
                       "(a quote opened here and never closed?)")
        return rows, [Problem(str(path), start, None, f"cannot parse CSV: {message}")]
    return rows, []
