"""The network's downloads (`reports/<year>/downloads/`): scores, outcomes and gaps as CSV, and one workbook.

- `scores.csv`: a row per member (`YearContent.scores_csv`).
- `outcomes.csv`: every published member's outcome rows, the columns of its `data/<id>-outcomes.csv`
  (`ci_lib.execute.published`), the files one after the other: streamed, never held whole in memory.
- `gaps.csv`: every member's disparity gaps as its scores publish them, with labels; a suppressed gap is a row
  with blank numbers and its status.
- `assessment-<year>.xlsx`: a sheet per table (scores, outcomes, gaps, benchmarks) and a README sheet saying
  what each sheet and column is, the marks, the year, framework, rules and privacy rule. Written with
  openpyxl's write-only mode (rows streamed); an outcomes table longer than a sheet continues on
  "outcomes 2", ... Text cells are neutralised against formulas as in the CSV files (`escape.csv_cell`),
  numbers stay numbers. The bytes depend on the year's files only: fixed workbook properties and zip entry
  times, so two builds of the same year give the same file (`verify` compares it byte for byte).

Every value here is a published one: the per-community files and the scores JSON are the only sources, and
`ci-assess audit-site` checks these files against them (and against the private counts with `--data`).
"""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
import functools
import io
import itertools
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd

from ci_lib import compat, vocabulary
from ci_lib.errors import KitError
from ci_lib.escape import csv_cell
from ci_lib.execute.published import (
    BENCHMARK_COLUMNS,
    COLUMN_NOTES,
    GAP_COLUMNS,
    OUTCOME_COLUMNS,
    outcome_words,
    outcomes_csv,
)
from ci_lib.layout import YearLayout
from ci_lib.website.content import YearContent

SHEET_ROWS = 1_048_576  # Excel's rows per sheet, the header row included
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can say: no build time in the file
# zlib level of the workbook's entries. openpyxl's (zipfile's) default, 6, took a third of the workbook's CPU at
# 70 members (0.69 CPU-s for 40 MB of sheet XML, 3.01 MB); 3 takes 0.24 CPU-s for 3.35 MB. Deterministic as
# any level is: the same sheets give the same bytes.
ZIP_LEVEL = 3
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters an xlsx cell cannot hold (openpyxl refuses them)

def names(layout: YearLayout) -> dict[str, Path]:
    """The network downloads of a year, by what they hold."""
    return {"scores": layout.scores_csv, "outcomes": layout.network_outcomes_csv, "gaps": layout.gaps_csv,
            "workbook": layout.workbook}


def downloads_exist(layout: YearLayout) -> bool:
    return all(path.is_file() for path in names(layout).values())


def write_downloads(content: YearContent, into: Path | None = None) -> dict[str, Path]:
    """Write the year's network downloads into `downloads/`; a file whose bytes are unchanged is left as it is.

    `into`: another folder (`ci_lib.website.ahead` builds them there while the notebooks run; `move_downloads`
    puts them in place)."""
    layout = content.layout
    folder = into or layout.downloads
    files = {what: folder / path.name for what, path in names(layout).items()}
    folder.mkdir(parents=True, exist_ok=True)
    write_stream(files["scores"], lambda out: out.write(content.scores_csv().encode("utf-8")))
    write_stream(files["outcomes"], lambda out: write_network_outcomes(content, out))
    write_stream(files["gaps"], lambda out: write_csv(out, GAP_COLUMNS, gap_rows(content)))
    write_stream(files["workbook"], lambda out: write_workbook(content, out, files["outcomes"]))
    if into is None:
        drop_other_workbooks(layout)
    return files


def move_downloads(built: dict[str, Path], layout: YearLayout) -> None:
    """Downloads written elsewhere (`write_downloads(content, into)`) moved into the year's `downloads/`, as
    `write_downloads` would leave it: a file whose bytes are unchanged is left as it is (its mtime kept)."""
    layout.downloads.mkdir(parents=True, exist_ok=True)
    for what, target in names(layout).items():
        if target.exists() and filecmp.cmp(built[what], target, shallow=False):
            continue
        shutil.move(built[what], target)
    drop_other_workbooks(layout)


def drop_other_workbooks(layout: YearLayout) -> None:
    for old in layout.downloads.glob("assessment-*.xlsx"):  # a workbook of another name (the year renamed)
        if old != layout.workbook:
            old.unlink()


def write_stream(path: Path, write: Callable[[IO[bytes]], Any]) -> bool:
    """Write `path` through a temp file beside it, replacing it only when the bytes differ (mtimes kept)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        if path.exists() and filecmp.cmp(tmp, path, shallow=False):
            os.unlink(tmp)
            return False
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


# -- outcomes ----------------------------------------------------------------------------------------------
HEADER = (",".join(OUTCOME_COLUMNS) + "\n").encode("utf-8")


def write_network_outcomes(content: YearContent, out: IO[bytes]) -> None:
    """Each published member's `data/<id>-outcomes.csv` after one header, in community id order."""
    out.write(HEADER)
    for cid in sorted(content.scores):
        path = content.layout.outcomes_csv(cid)
        with path.open("rb") as handle:
            if handle.readline() == HEADER:
                shutil.copyfileobj(handle, out, 1 << 20)
            else:  # a year published by an earlier kit (re-rendered to refresh its year switcher)
                out.write(earlier_kit_rows(content, path, cid))


def earlier_kit_rows(content: YearContent, path: Path, community_id: str) -> bytes:
    """The rows of an outcomes file of an earlier kit (indicator_id, group, year, value[, status]) in this
    kit's columns, labelled from the year's rubric."""
    frame = pd.read_csv(path, dtype={"indicator_id": str, "group": str}, keep_default_na=False, na_values=[""])
    missing = {"indicator_id", "group", "year", "value"} - set(frame.columns)
    if missing:
        raise KitError(f"{path}: not a published outcomes file (no {', '.join(sorted(missing))})")
    frame["community_id"] = community_id
    frame["status"] = frame["status"].fillna("").astype(str) if "status" in frame else ""
    r = content.rubric
    families = getattr(r, "families", None) or {}
    lookups = outcome_words([{"id": o.id, "name": o.name, "unit": o.unit} for o in r.outcomes],
                            {"groups": {g.id: g.label for g in r.groups},
                             "families": {f: family.label for f, family in families.items()}},
                            getattr(r, "group_families", None) or {})
    return outcomes_csv(frame, lookups).split(b"\n", 1)[1]


def outcome_lines(path: Path) -> Iterator[list[str]]:
    """The rows of the network outcomes file as its CSV has them (every cell text)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        yield from reader


YEAR, VALUE = OUTCOME_COLUMNS.index("year"), OUTCOME_COLUMNS.index("value")


def outcome_record(row: list[str]) -> list[Any]:
    """A row of the network outcomes file, typed: year an integer, value a number or None."""
    typed: list[Any] = list(row)
    typed[YEAR] = int(row[YEAR])
    typed[VALUE] = float(row[VALUE]) if row[VALUE] else None
    return typed


def outcome_rows_xml(rows: Iterable[list[str]]) -> Iterator[str]:
    """The outcomes sheet's rows (`outcome_lines`) as SpreadsheetML numbered from 2: each the
    `compat.sheet_row_xml` of its `sheet_row`, the text cells of a series (every year of a member's indicator
    and group) built once and each row filled from them (`compat.SheetRowPattern`; the same XML, tested).
    Ninety percent of a workbook's cells are these rows'."""
    patterns: dict[tuple[Any, ...], compat.SheetRowPattern] = {}
    for number, row in enumerate(rows, start=2):
        year, value = int(row[YEAR]), float(row[VALUE]) if row[VALUE] else None
        if value is not None and not math.isfinite(value):
            value = None
        key = (*row[:YEAR], value is None, *row[VALUE + 1:])
        pattern = patterns.get(key)
        if pattern is None:
            if len(patterns) > 4096:  # a series' rows are consecutive: a few patterns live at a time
                patterns.clear()
            cells = sheet_row([*row[:YEAR], 0, None, *row[VALUE + 1:]])
            cells[YEAR], cells[VALUE] = compat.SLOT, None if value is None else compat.SLOT
            pattern = patterns[key] = compat.SheetRowPattern(cells)
        yield pattern.row(number, year) if value is None else pattern.row(number, year, value)


# -- gaps and benchmarks -----------------------------------------------------------------------------------
def gap_rows(content: YearContent) -> Iterator[list[Any]]:
    rubric = content.rubric
    indicators = {o.id: o.name for o in rubric.outcomes}
    groups = {g.id: g.label for g in reversed(rubric.groups)}  # `Rubric.group_label` (the first of an id), a lookup
    for cid, s in sorted(content.scores.items()):
        for d in s.get("disparities", []):
            status = "suppressed" if d.get("suppressed") else ""
            group, reference = d["group"], d["reference_group"]
            yield [cid, s["name"], d["indicator_id"], indicators.get(d["indicator_id"], d["indicator_id"]),
                   d.get("family") or "", rubric.family_label(d["family"]) if d.get("family") else "",
                   group, groups.get(group, group), reference, groups.get(reference, reference),
                   d.get("baseline_year"), d.get("latest_year"),
                   d.get("gap_baseline_pp"), d.get("gap_latest_pp"), d.get("gap_change_pp"), d.get("gap_trend") or "",
                   vocabulary.word(vocabulary.GAP_TREND, d.get("gap_trend")) if d.get("gap_trend") else "",
                   d.get("closing"), d.get("core"), status, vocabulary.MARK_WORDS[status] if status else ""]


def benchmark_rows(content: YearContent) -> Iterator[list[Any]]:
    rubric = content.rubric
    titles = {b.id: b.title for b in rubric.benchmarks}
    for cid, s in sorted(content.scores.items()):
        for b in s.get("benchmarks", []):
            unrated = b["status"] == "not_rated"
            yield [cid, s["name"], b["benchmark_id"], titles.get(b["benchmark_id"], ""), b["gateway"],
                   content.gateway_label(b["gateway"]), b["pillar"], rubric.pillar_label(b["pillar"]), b["status"],
                   vocabulary.word(vocabulary.STATUS, b["status"]), None if unrated else b.get("credit"),
                   bool(b.get("carried_forward")), b.get("self_status") or "", b.get("evidence") or "",
                   b.get("review_note") or ""]


def csv_value(value: Any) -> Any:
    """A cell of a published CSV: text neutralised, None blank, numbers and booleans as they are."""
    if value is None:
        return ""
    return csv_text(value) if isinstance(value, str) else value


@functools.lru_cache(maxsize=1 << 16)
def csv_text(value: str) -> str:
    """`csv_cell` of a text, worked out once each (ids and labels repeat on every row)."""
    return csv_cell(value)


def write_csv(out: IO[bytes], columns: list[str], rows: Iterable[list[Any]]) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    text.detach()


# -- the workbook ------------------------------------------------------------------------------------------
@dataclass
class Table:
    """A sheet's content: its columns, how many rows, and the rows (an iterator: read once, while written);
    `cells` makes a row's cells (`sheet_row`), `xml` a run of rows' SpreadsheetML numbered from 2 where
    the table has a faster way than `compat.sheet_row_xml` of each row's cells."""

    columns: list[str]
    count: int
    rows: Iterable[list[Any]]
    cells: Callable[[list[Any]], list[Any]] | None = None  # None: `sheet_row`
    xml: Callable[[Iterable[list[Any]]], Iterator[str]] | None = None


class WorkbookZip(zipfile.ZipFile):
    """The workbook's zip: every entry dated `ZIP_TIME` (a plain ZipFile stamps each with the clock or the
    file's mtime); with `rows` (by entry name), those sheets' data rows spliced into the XML openpyxl wrote
    for their header row (`compat.splice_sheet_rows`: openpyxl's own cell writer, without lxml, writes some
    7,000 cells a second, a 10,000-member network's outcomes about ninety million).
    """

    def __init__(self, file: IO[bytes], rows: dict[str, Iterable[str]]):
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=ZIP_LEVEL)
        self.rows = rows

    def entry(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
        info.compress_type = self.compression
        # zipfile's `open` of a ZipInfo takes the level from it, not from the archive
        info._compresslevel = ZIP_LEVEL  # type: ignore[attr-defined]
        info.external_attr = 0o644 << 16
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, compress_type: Any = None,  # type: ignore[override]
                 compresslevel: Any = None) -> None:
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self.entry(str(zinfo_or_arcname))
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None,  # type: ignore[override]
              compresslevel: Any = None, *, strict_timestamps: bool = True) -> None:
        name = str(arcname or filename)
        with open(filename, "rb") as source, self.open(self.entry(name), "w", force_zip64=True) as target:
            if name not in self.rows:
                shutil.copyfileobj(source, target, 1 << 20)
            elif not compat.splice_sheet_xml(source, target, self.rows[name]):
                raise KitError(f"openpyxl wrote {name} without a <sheetData> element")


@functools.lru_cache(maxsize=1 << 16)
def clean_text(value: str) -> str:
    """Text as a workbook cell holds it (labels repeat on every row: cleaned once each)."""
    return CONTROL.sub("", csv_cell(value))[:32767]


def sheet_row(values: list[Any]) -> list[Any]:
    """A data row as its cells: text cleaned, a blank ("" or a number that is not finite) no cell at all,
    numbers as Python's (a numpy scalar by its `item()`)."""
    return [sheet_value(v) for v in values]


def sheet_value(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return clean_text(value) if value else None
    if kind is bool or kind is int or value is None:
        return value
    if kind is not float:
        value = value.item() if hasattr(value, "item") else clean_text(str(value))
        if not isinstance(value, float):
            return value
    return value if math.isfinite(value) else None


def cell(value: Any) -> Any:
    """A workbook cell: text neutralised against formulas (as `csv_cell`) and cleaned of control characters."""
    return clean_text(value) if isinstance(value, str) else value


def workbook_time(content: YearContent) -> dt.datetime:
    """The workbook's created/modified time: the year's run date, else 1 January of the year (never the clock)."""
    try:
        return dt.datetime.fromisoformat(str(content.manifest.get("run_date"))).replace(tzinfo=None)
    except ValueError:
        return dt.datetime(content.year, 1, 1)


def write_workbook(content: YearContent, out: IO[bytes], outcomes: Path | None = None) -> None:
    """README first, then a sheet per table; a table longer than a sheet continues on "<title> 2", ...

    `outcomes`: the network outcomes file written for it (default: the year's `downloads/outcomes.csv`)."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook(write_only=True)
    when = workbook_time(content)
    book.properties.creator = "Civic Infrastructure Assessment Kit"
    book.properties.title = f"{content.title}: published data"
    book.properties.created = book.properties.modified = when
    book.properties.lastModifiedBy = None
    tables = workbook_tables(content, outcomes or content.layout.network_outcomes_csv)
    readme = new_sheet(book, "README", ["topic", "text"], (28, 120))
    for row in readme_rows(content, tables):
        readme.append([cell(v) for v in row])
    streamed: dict[str, Iterable[str]] = {}
    splice = compat.sheet_rows_spliced()
    for title, table in tables.items():
        rows, cells = iter(table.rows), table.cells or sheet_row
        for part in range(max(1, math.ceil(table.count / (SHEET_ROWS - 1)))):
            sheet = new_sheet(book, title if part == 0 else f"{title} {part + 1}", table.columns)
            chunk = itertools.islice(rows, SHEET_ROWS - 1)
            if splice:
                streamed[f"xl/worksheets/sheet{len(book.worksheets)}.xml"] = (
                    table.xml(chunk) if table.xml is not None else rows_xml(map(cells, chunk)))
            else:  # openpyxl's own cell writer (`CI_ASSESS_NO_COMPAT=1`, or an openpyxl not checked)
                for row in chunk:
                    sheet.append(cells(row))
    with WorkbookZip(out, streamed) as archive:
        ExcelWriter(book, archive).save()


def rows_xml(rows: Iterable[list[Any]]) -> Iterator[str]:
    return (compat.sheet_row_xml(number, row) for number, row in enumerate(rows, start=2))


def workbook_tables(content: YearContent, outcomes: Path) -> dict[str, Table]:
    """The sheets after the README, in order (`outcomes`: the network outcomes file)."""
    header, *score_rows = content.scores_rows()
    with outcomes.open("rb") as handle:
        outcome_count = sum(1 for _ in handle) - 1
    gaps = sum(len(s.get("disparities", [])) for s in content.scores.values())
    benchmarks = sum(len(s.get("benchmarks", [])) for s in content.scores.values())
    return {"scores": Table(header, len(score_rows), score_rows),
            "outcomes": Table(OUTCOME_COLUMNS, outcome_count, outcome_lines(outcomes),
                              lambda row: sheet_row(outcome_record(row)), outcome_rows_xml),
            "gaps": Table(GAP_COLUMNS, gaps, gap_rows(content)),
            "benchmarks": Table(BENCHMARK_COLUMNS, benchmarks, benchmark_rows(content))}


def new_sheet(book: Any, title: str, columns: list[str], widths: tuple[int, ...] = ()) -> Any:
    """A write-only sheet with its header row, frozen, and its column widths."""
    from openpyxl.utils import get_column_letter

    ws = book.create_sheet(title)
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths or [max(12, len(c) + 2) for c in columns], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.append(columns)
    return ws


def readme_rows(content: YearContent, tables: dict[str, Table]) -> list[list[str]]:
    """What the workbook is: the year, framework, rules and privacy rule, the marks, each sheet and column."""
    from ci_lib.inputs.rules import suppression_sentence

    rules = content.effective_rules()
    r = content.rubric
    rows = [["workbook", f"{content.title}: the published data of the network's {content.year} assessment. "
                         "Every value is a published one: suppressed values are blank, as on the site."],
            ["year", str(content.year)],
            ["framework", f"{r.title} ({r.framework}, rubric sha256 {r.sha256[:12]})"],
            ["kit", f"Civic Infrastructure Assessment Kit {content.manifest.get('kit_version', '')}; run date "
                    f"{content.manifest.get('run_date') or 'not recorded'}; data sha256 "
                    f"{str(content.manifest.get('data_sha256', ''))[:12]}"],
            ["privacy rule", "Suppression: " + suppression_sentence(int(rules.get("min_cell", 10)))],
            ["rules", "The rules applied this year (the rubric's, with the network's params over them; the Methods "
                      "page says each in words): " + "; ".join(f"{k} = {rule_text(v)}" for k, v in sorted(rules.items()))],
            *[["mark " + vocabulary.MARKS[k], vocabulary.MARK_WORDS[k]] for k in vocabulary.MARKS],
            ["sheets", "README (this sheet), " + ", ".join(tables) + "; a table longer than a sheet continues on a "
                       "sheet of the same name numbered 2, 3, ... The same tables are downloads/scores.csv, "
                       "downloads/outcomes.csv and downloads/gaps.csv."]]
    what = {"scores": "one row per member: gateway reached, next gateway, shares improving and closing, proof point",
            "outcomes": "every member's published outcome values, one row per indicator, group and year",
            "gaps": "every member's disparity gaps, one row per indicator and group (a suppressed gap has blank "
                    "numbers and its status)",
            "benchmarks": "every member's benchmark ratings, one row per benchmark"}
    for title, table in tables.items():
        rows.append([f"sheet {title}", f"{what[title]} ({table.count} rows)"])
        rows += [[f"{title}.{c}", COLUMN_NOTES.get(c, "")] for c in table.columns]
    return rows


def rule_text(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {rule_text(v)}" for k, v in sorted(value.items())) + "}"
    return "none" if value is None else str(value)
