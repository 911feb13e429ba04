"""Collect the returned self-assessment forms into the data directory (`ci-assess collect DIR --year Y`).

Every workbook of DIR (`*.xlsx`, `*.xlsm`) is read as `ci_lib.cycle.forms` wrote it, also after Excel or
LibreOffice saved it again: the sheets are found by their header rows (a renamed sheet is read, with a
warning), the community and year by the cells above the header (not by the file name). Every cell the
member fills in is checked, and each problem is reported as `file:sheet:row:column: message` (the column
as its letter). A workbook with a problem merges nothing; the other workbooks still merge (the command
then exits 2).

What a form merges, for its community and the year only:

- benchmarks.csv: a Status is the partnership's SELF-rating. It goes to `self_status`, and also to
  `status` (the rating that scores) unless the row was reviewed already (its `reviewer` is filled), so a
  year scores before staff review it and a review is never overwritten. Evidence replaces the row's
  evidence. A benchmark left without a status is left as it is (a new one is not rated).
- outcomes.csv: the year's N and D cells, one long row per group with a count or a source's marker, written
  by the importers' writer (`ci_lib.inputs.importers.cia.write_rows`). A row whose numbers changed is
  replaced; an empty cell removes nothing. Earlier years' columns are never read.

Records of other members and other years keep their bytes; each file is written atomically and only when it
changes, so collecting the same forms twice changes nothing. `DATA/collected.json` records, per year and
community, the workbook collected last, and no time, so it is reproducible; `ci-assess status` reads it to
tell which forms came back::

    {"years": {"2026": {"alder-bay": {
        "file": "alder-bay.xlsx", "sha256": "<of that file>", "problems": 0, "merged": true,
        "merged_sha256": "<of the last workbook of this member that merged, or null>",
        "benchmarks_rated": 33, "benchmarks_blank": 0, "outcome_rows": 98,
        "comments": {"<benchmark id>": "<the member's comment>"}}}}}

A member is in it once its form was collected, merged or not; members of communities.csv missing from it
have not returned one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from ci_lib.atomic import write_bytes, write_if_changed
from ci_lib.cycle.forms import (
    BENCHMARKS_SHEET,
    COMMENT_HEADER,
    COMMUNITY_LABEL,
    EVIDENCE_HEADER,
    GENDER_HEADER,
    ID_HEADER,
    INDICATOR_LABEL,
    MAX_TEXT,
    OUTCOMES_SHEET,
    POPULATION_HEADER,
    STATUS_HEADER,
    STATUS_LABELS,
    YEAR_LABEL,
    CycleInputs,
    benchmark_ratings,
)
from ci_lib.cycle.records import CsvRecords, Record
from ci_lib.digest import file_sha256
from ci_lib.errors import ImportFormatError, KitError, Problem
from ci_lib.inputs.importers.cia import OUTCOME_COLUMNS, OUTCOME_DTYPES, _cell, _cell_status, _Labels, write_rows
from ci_lib.inputs.tables import Rows, excel_rows, unsaved_message

COLLECTED = "collected.json"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
OTHER_SUFFIXES = (".xls", ".ods", ".numbers", ".csv")
STATUS_WORDS = {" ".join(label.casefold().split()): status for status, label in STATUS_LABELS.items()}


def _key(text: str) -> str:
    """A header or status as compared: case, spaces, `_` and `-` do not matter."""
    return " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()


def parse_status(text: str) -> str | None:
    """`not_started` | `in_progress` | `met` for a label or id in any case ("Met", "met ", "In progress")."""
    return STATUS_WORDS.get(_key(text))


@dataclass
class Form:
    """What one returned workbook says, and what is wrong with it."""

    path: Path
    sha256: str
    community_id: str | None = None
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ratings: dict[str, tuple[str, str]] = field(default_factory=dict)  # benchmark id -> (status, evidence)
    blank: list[str] = field(default_factory=list)  # benchmark ids without a status
    comments: dict[str, str] = field(default_factory=dict)
    outcomes: list[dict[str, object]] = field(default_factory=list)  # long rows of the year

    @property
    def merges(self) -> bool:
        return not self.problems and self.community_id is not None


@dataclass
class Sheet:
    """A worksheet of a form: its rows as text, where its header is, and its unsaved formula cells."""

    path: Path
    title: str
    rows: Rows
    header_at: int  # position in rows
    formulas: set[tuple[int, int]]

    def problem(self, row: int | None, column: int | None, message: str) -> Problem:
        """`file:sheet:row:column: message`, the column by letter (`column` is 0-based)."""
        letter = None if column is None else get_column_letter(column + 1)
        return Problem(f"{self.path}:{self.title}", row, letter, message)

    def unsaved(self, row: int, column: int) -> Problem:
        return self.problem(row, column, unsaved_message(self.title, f"{get_column_letter(column + 1)}{row}"))

    def cell(self, cells: list[str], column: int | None) -> str:
        return cells[column].strip() if column is not None and column < len(cells) else ""

    def metadata(self) -> dict[str, tuple[int, int, str]]:
        """The labelled cells above the header ('community id' -> (row, column, value))."""
        found: dict[str, tuple[int, int, str]] = {}
        for number, cells in self.rows[:self.header_at]:
            for column, text in enumerate(cells[:-1]):
                if _key(text) in (_key(COMMUNITY_LABEL), _key(YEAR_LABEL)):
                    found.setdefault(_key(text), (number, column + 1, cells[column + 1].strip()))
        return found


def benchmarks_header(cells: list[str]) -> bool:
    keys = {_key(c) for c in cells}
    return _key(ID_HEADER) in keys and _key(STATUS_HEADER) in keys


def outcomes_header(cells: list[str]) -> bool:
    keys = {_key(c) for c in cells}
    return {_key(GENDER_HEADER), _key(POPULATION_HEADER)} <= keys and any(k.startswith("n ") for k in keys)


def read_sheets(path: Path) -> tuple[dict[str, tuple[Rows, set[tuple[int, int]]]], list[Problem]]:
    """Every worksheet of a workbook as rows of text (through the kit's one Excel reader)."""
    try:
        workbook = openpyxl.load_workbook(path, read_only=True)
        titles = list(workbook.sheetnames)
        workbook.close()
    except Exception as exc:  # zipfile and openpyxl raise many types for a damaged workbook
        return {}, [Problem(str(path), None, None, f"cannot read Excel workbook: {type(exc).__name__}: {exc}")]
    sheets = {}
    for title in titles:
        rows, _, formulas, problems = excel_rows(path, [], title)
        if problems:
            return {}, problems
        sheets[title] = (rows, {(row, column - 1) for row, column, _ in formulas})
    return sheets, []


def find_sheet(form: Form, sheets: dict[str, tuple[Rows, set[tuple[int, int]]]], name: str,
               is_header: Callable[[list[str]], bool]) -> Sheet | None:
    """The sheet called `name`, else the first one whose header says it is that sheet (with a warning)."""
    ordered = sorted(sheets, key=lambda title: title != name)
    for title in ordered:
        rows, formulas = sheets[title]
        header_at = next((i for i, (_, cells) in enumerate(rows) if is_header(cells)), None)
        if header_at is None:
            continue
        if title != name:
            form.warnings.append(f"{form.path}: sheet {title!r} read as the {name} sheet (its name was changed)")
        return Sheet(form.path, title, rows, header_at, formulas)
    form.problems.append(Problem(str(form.path), None, None, f"no {name} sheet: no sheet has the {name} header row "
                                                             "(was a sheet deleted, or the header row changed?)"))
    return None


def read_form(path: Path, inputs: CycleInputs) -> Form:
    """Read and check one returned workbook; nothing is merged here."""
    form = Form(path, file_sha256(path))
    sheets, problems = read_sheets(path)
    if problems:
        form.problems += problems
        return form
    found = [find_sheet(form, sheets, name, test)
             for name, test in ((BENCHMARKS_SHEET, benchmarks_header), (OUTCOMES_SHEET, outcomes_header))]
    benchmarks, outcomes = found
    form.community_id = form_community(form, [s for s in found if s is not None], inputs)
    if form.community_id is None:
        return form
    if benchmarks is not None:
        read_benchmarks(form, benchmarks, inputs)
    if outcomes is not None:
        read_outcomes(form, outcomes, inputs)
    return form


def form_community(form: Form, sheets: list[Sheet], inputs: CycleInputs) -> str | None:
    """The community a form is for (from its sheets' `Community id` cells), checked with the year's members."""
    found: dict[str, tuple[Sheet, int, int]] = {}
    for sheet in sheets:
        labels = sheet.metadata()
        if _key(YEAR_LABEL) in labels:
            row, column, value = labels[_key(YEAR_LABEL)]
            if value != str(inputs.year):
                form.problems.append(sheet.problem(row, column, f"this form is for year {value or '(empty)'}, "
                                                                f"not {inputs.year}"))
        if _key(COMMUNITY_LABEL) in labels:
            row, column, value = labels[_key(COMMUNITY_LABEL)]
            found.setdefault(value, (sheet, row, column))
    if not found and form.path.stem in inputs.community_ids:
        form.warnings.append(f"{form.path}: no '{COMMUNITY_LABEL}' cell: read as the form of {form.path.stem} "
                             "(its file name)")
        return form.path.stem
    if len(found) != 1:
        what = "no" if not found else "two different"
        form.problems.append(Problem(str(form.path), None, None, f"{what} '{COMMUNITY_LABEL}' cells: cannot tell "
                                                                 "which community this form is for"))
        return None
    community_id, (sheet, row, column) = next(iter(found.items()))
    if community_id not in inputs.community_ids:
        form.problems.append(sheet.problem(row, column, f"unknown community {community_id!r} (not in communities)"))
        return None
    return community_id


def columns_of(sheet: Sheet, cells: list[str], names: Iterable[str], form: Form) -> dict[str, int] | None:
    """Where each named column is in a header row; a problem for each one missing."""
    where = {_key(c): i for i, c in reversed(list(enumerate(cells)))}
    missing = [n for n in names if _key(n) not in where]
    for name in missing:
        form.problems.append(sheet.problem(sheet.rows[sheet.header_at][0], None, f"column '{name}' is missing"))
    return None if missing else {name: where[_key(name)] for name in names}


def read_benchmarks(form: Form, sheet: Sheet, inputs: CycleInputs) -> None:
    header_row, header = sheet.rows[sheet.header_at]
    columns = columns_of(sheet, header, (ID_HEADER, STATUS_HEADER, EVIDENCE_HEADER, COMMENT_HEADER), form)
    if columns is None:
        return
    known = {b.id for b in inputs.rubric.benchmarks}
    seen: dict[str, int] = {}
    for number, cells in sheet.rows[sheet.header_at + 1:]:
        benchmark_id, status_text, evidence, comment = (sheet.cell(cells, columns[n]) for n in columns)
        for name in (STATUS_HEADER, EVIDENCE_HEADER, COMMENT_HEADER):
            if (number, columns[name]) in sheet.formulas:
                form.problems.append(sheet.unsaved(number, columns[name]))
        if not benchmark_id:
            if status_text or evidence:
                form.problems.append(sheet.problem(number, columns[ID_HEADER], "a rating without a benchmark id"))
            continue
        if benchmark_id not in known:
            form.problems.append(sheet.problem(number, columns[ID_HEADER], f"unknown benchmark id {benchmark_id!r} "
                                                                          f"(not in {inputs.rubric.framework})"))
            continue
        if benchmark_id in seen:
            form.problems.append(sheet.problem(number, columns[ID_HEADER], f"benchmark {benchmark_id} is already "
                                                                          f"on row {seen[benchmark_id]}"))
            continue
        seen[benchmark_id] = number
        for name, text in ((EVIDENCE_HEADER, evidence), (COMMENT_HEADER, comment)):
            if len(text) > MAX_TEXT:
                form.problems.append(sheet.problem(number, columns[name], f"longer than {MAX_TEXT} characters"))
        if comment:
            form.comments[benchmark_id] = comment
        if not status_text:
            form.blank.append(benchmark_id)
            continue
        status = parse_status(status_text)
        if status is None:
            form.problems.append(sheet.problem(number, columns[STATUS_HEADER], f"{status_text!r} is not a status: "
                                               "choose Not started, In progress or Met (or leave it empty)"))
            continue
        form.ratings[benchmark_id] = (status, evidence)
    missing = [b.id for b in inputs.rubric.benchmarks if b.id not in seen]
    if missing:
        form.warnings.append(f"{form.path}:{sheet.title}: {len(missing)} benchmark row(s) missing "
                             f"({', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}): left as they were")


def read_outcomes(form: Form, sheet: Sheet, inputs: CycleInputs) -> None:
    """Every block (an `Indicator` row, a header, one row per gender and population) of the year's columns."""
    assert form.community_id is not None
    indicators = {o.id for o in inputs.indicators_for(form.community_id)}
    labels = _Labels(inputs.rubric.label_map)
    indicator: str | None = None
    layout: dict[str, int] | None = None
    seen: dict[tuple[str, str], int] = {}
    not_collected = 0
    for number, cells in sheet.rows[sheet.header_at - 1:]:
        if _key(sheet.cell(cells, 0)) == _key(INDICATOR_LABEL):
            indicator, layout = sheet.cell(cells, 1), None
            if indicator not in indicators:
                form.problems.append(sheet.problem(number, 1, f"unknown indicator {indicator!r} for "
                                                              f"{form.community_id} in {inputs.year}"))
                indicator = None
            continue
        if outcomes_header(cells):
            names = (GENDER_HEADER, POPULATION_HEADER, f"N {inputs.year}", f"D {inputs.year}")
            layout = columns_of(sheet, cells, names, form) if indicator is not None else None
            continue
        if layout is None or indicator is None or not any(c.strip() for c in cells):
            continue
        n_column, d_column = layout[f"N {inputs.year}"], layout[f"D {inputs.year}"]
        texts = [sheet.cell(cells, n_column), sheet.cell(cells, d_column)]
        outcome, group = labels.resolve(sheet.cell(cells, layout[GENDER_HEADER]) or None,
                                        sheet.cell(cells, layout[POPULATION_HEADER]))
        if outcome != "group":
            not_collected += any(texts)
            continue
        row = outcome_row(form, sheet, number, (n_column, d_column), texts)
        if row is None:
            continue
        if (indicator, group) in seen:
            form.problems.append(sheet.problem(number, layout[POPULATION_HEADER], f"group {group} of {indicator} is "
                                                                                  f"already on row {seen[indicator, group]}"))
            continue
        seen[indicator, group] = number
        if row:
            form.outcomes.append({"community_id": form.community_id, "indicator_id": indicator, "year": inputs.year,
                                  "group": group, **row})
    if not_collected:
        form.warnings.append(f"{form.path}:{sheet.title}: {not_collected} row(s) with counts for a group the framework "
                             "does not have (greyed in the form): not collected")


def outcome_row(form: Form, sheet: Sheet, number: int, columns: tuple[int, int],
                texts: list[str]) -> dict[str, object] | None:
    """The numbers of one N/D pair as `import cia` reads them ({} for no data, None after a problem)."""
    read: list[tuple[int | float | None, str | None]] = []
    for column, text in zip(columns, texts, strict=True):
        if (number, column) in sheet.formulas:
            form.problems.append(sheet.unsaved(number, column))
            return None
        try:
            read.append(_cell(sheet.path, number, get_column_letter(column + 1), text or None))
        except ImportFormatError as exc:
            form.problems.append(sheet.problem(number, column, exc.problem.message))
            return None
    (numerator, n_status), (denominator, d_status) = read
    if n_status is not None or d_status is not None:
        status = _cell_status(numerator, n_status, denominator, d_status)
        return {} if status is None else {"numerator": None, "denominator": None, "source_status": status}
    if not denominator or numerator is None:
        return {}  # zeros and blanks mean no data, as in the assessment's wide table
    if numerator > denominator:
        form.problems.append(sheet.problem(number, columns[0], f"N {numerator} is greater than D {denominator}"))
        return None
    return {"numerator": numerator, "denominator": denominator, "source_status": ""}


# ------------------------------------------------------------------------------------------------ merging
@dataclass
class Merged:
    """What merging changed, per community."""

    benchmarks: dict[str, int] = field(default_factory=dict)  # community -> ratings written or changed
    outcomes: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # community -> (added, updated, same)


def table_path(inputs: CycleInputs, name: str) -> Path:
    frame = getattr(inputs.network, name)
    path = Path(frame.attrs.get("path") or inputs.data_dir / f"{name}.csv")
    if path.suffix != ".csv":
        raise KitError(f"{path}: collect merges into CSV tables: save it as {name}.csv (UTF-8) first")
    return path


def merge_benchmarks(inputs: CycleInputs, forms: list[Form], merged: Merged) -> None:
    path = table_path(inputs, "benchmarks")
    table = CsvRecords.read(path)
    for column in ("evidence", "self_status"):
        if any(f.ratings for f in forms):
            table.add_column(column)
    by_key = {(table.value(r, "community_id"), year_text(table.value(r, "year")), table.value(r, "benchmark_id")): r
              for r in table.records if any(c.strip() for c in r.cells)}
    for form in forms:
        assert form.community_id is not None
        changed = 0
        for benchmark in inputs.rubric.benchmarks:
            if benchmark.id not in form.ratings:
                continue
            status, evidence = form.ratings[benchmark.id]
            record = by_key.get((form.community_id, str(inputs.year), benchmark.id))
            values = {"self_status": status, "evidence": evidence}
            if record is None:
                cells = [""] * len(table.header)
                values |= {"community_id": form.community_id, "year": str(inputs.year),
                           "benchmark_id": benchmark.id, "status": status}
                for column, value in values.items():
                    cells[table.index(column)] = value
                table.append(cells)
                changed += 1
                continue
            if not table.value(record, "reviewer"):
                values["status"] = status  # not reviewed yet: the self-rating scores until staff review it
            cells = list(record.cells)
            for column, value in values.items():
                cells[table.index(column)] = value
            changed += table.replace(record, cells)
        merged.benchmarks[form.community_id] = changed
    write_if_changed(path, table.text().encode("utf-8"))


def year_text(text: str) -> str:
    try:
        return str(int(float(text)))
    except ValueError:
        return text


def _count_text(value: object) -> str:
    return "" if value is None or value is pd.NA else year_text(str(value).strip())


def merge_outcomes(inputs: CycleInputs, forms: list[Form], merged: Merged) -> None:
    """Replace changed rows of the forms' communities and year, then append through `write_rows`."""
    path = table_path(inputs, "outcomes")
    table = CsvRecords.read(path)
    by_key: dict[tuple[str, ...], Record] = {}
    for each in table.records:
        key = [table.value(each, c) for c in ("community_id", "indicator_id", "year", "group")]
        by_key[key[0], key[1], year_text(key[2]), key[3]] = each
    new_rows: list[dict[str, object]] = []
    for form in forms:
        assert form.community_id is not None
        added = updated = same = 0
        for row in form.outcomes:
            record = by_key.get((str(row["community_id"]), str(row["indicator_id"]), str(row["year"]), str(row["group"])))
            wanted = [_count_text(row["numerator"]), _count_text(row["denominator"]), "", str(row["source_status"])]
            if record is not None:
                found = [_count_text(table.value(record, c)) for c in ("numerator", "denominator", "value")]
                if found + [table.value(record, "source_status")] == wanted:
                    same += 1
                    continue
                table.remove(record)
            added, updated = added + (record is None), updated + (record is not None)
            new_rows.append(row)
        merged.outcomes[form.community_id] = (added, updated, same)
    if not new_rows:
        return
    if any(row["source_status"] for row in new_rows):
        table.add_column("source_status")
    frame = pd.DataFrame({c: pd.Series([r.get(c) for r in new_rows], dtype=OUTCOME_DTYPES.get(c, "str"))
                          for c in (*OUTCOME_COLUMNS, "source_status")})
    scratch = path.with_name(f".{path.name}.collect.tmp")
    try:
        scratch.write_bytes(table.text().encode("utf-8"))
        write_rows(frame, scratch, append=True)
        write_bytes(path, scratch.read_bytes(), durable=True)
    finally:
        scratch.unlink(missing_ok=True)


def record_collected(inputs: CycleInputs, forms: list[Form]) -> dict[str, Any]:
    """DATA/collected.json: the workbook last collected per year and community (see the module docstring).

    Returns the year's record: every member whose form was ever collected for the year."""
    path = inputs.data_dir / COLLECTED
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError) as exc:
        raise KitError(f"{path}: cannot read it ({exc}): delete it to start the record again") from exc
    years = data.setdefault("years", {})
    year = years.setdefault(str(inputs.year), {})
    for form in sorted(forms, key=lambda f: str(f.path.name)):
        if form.community_id is None:
            continue
        before = year.get(form.community_id, {})
        year[form.community_id] = {
            "file": form.path.name, "sha256": form.sha256, "problems": len(form.problems), "merged": form.merges,
            "merged_sha256": form.sha256 if form.merges else before.get("merged_sha256"),
            "benchmarks_rated": len(form.ratings), "benchmarks_blank": len(form.blank),
            "outcome_rows": len(form.outcomes), "comments": dict(sorted(form.comments.items())),
        }
    years[str(inputs.year)] = dict(sorted(year.items()))
    data["years"] = dict(sorted(years.items()))
    write_if_changed(path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    return years[str(inputs.year)]


# ---------------------------------------------------------------------------------------------- the command
@dataclass
class Collected:
    """The outcome of `collect_forms`: every form read, what merged, and who has not returned one."""

    forms: list[Form]
    merged: Merged
    not_returned: list[str]  # members with no workbook in the folder and none collected before for the year
    problems: list[Problem]  # files that are not forms at all (a .ods, two forms of one community)

    @property
    def all_problems(self) -> list[Problem]:
        return [*self.problems, *(p for f in self.forms for p in f.problems)]


def workbooks(folder: Path) -> tuple[list[Path], list[Problem]]:
    if not folder.is_dir():
        raise KitError(f"{folder}: no such folder of returned forms")
    found, problems = [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("~$", ".~lock", ".")) or not path.is_file():
            continue  # Excel's and LibreOffice's lock files, hidden files
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            found.append(path)
        elif path.suffix.lower() in OTHER_SUFFIXES:
            problems.append(Problem(str(path), None, None, "not an .xlsx workbook: open it and save it as .xlsx"))
    return found, problems


def collect_forms(folder: str | os.PathLike[str], inputs: CycleInputs) -> Collected:
    """Read every workbook of `folder`, merge the ones without problems, record what was collected."""
    paths, problems = workbooks(Path(folder))
    forms = [read_form(path, inputs) for path in paths]
    by_community: dict[str, list[Form]] = {}
    for form in forms:
        if form.community_id is not None:
            by_community.setdefault(form.community_id, []).append(form)
    for community_id, same in by_community.items():
        if len(same) > 1:
            names = ", ".join(f.path.name for f in same)
            for form in same:
                form.problems.append(Problem(str(form.path), None, None, f"{len(same)} forms for {community_id} "
                                                                         f"({names}): keep one in the folder"))
    good = [f for f in forms if f.merges]
    merged = Merged()
    if good:
        merge_benchmarks(inputs, good, merged)
        merge_outcomes(inputs, good, merged)
    returned = set(by_community) | set(record_collected(inputs, forms))  # this folder, or collected before
    return Collected(forms, merged, [c for c in inputs.community_ids if c not in returned], problems)


def summary_lines(inputs: CycleInputs, result: Collected) -> list[str]:
    """Per community: ratings and what moved since the previous year, outcome rows added; then who is missing."""
    previous = inputs.previous_year
    lines = []
    for form in sorted(result.forms, key=lambda f: (f.community_id or "", f.path.name)):
        if not form.merges:
            lines.append(f"{form.community_id or form.path.name} ({form.path.name}): {len(form.problems)} problem(s): "
                         "nothing merged from this form")
            continue
        assert form.community_id is not None
        last = benchmark_ratings(inputs, form.community_id, previous)
        moved = [f"{b} {STATUS_LABELS.get(last.get(b, {}).get('status', ''), 'not rated')} -> {STATUS_LABELS[s]}"
                 for b, (s, _) in form.ratings.items() if last.get(b, {}).get("status") != s]
        added, updated, same = result.merged.outcomes.get(form.community_id, (0, 0, 0))
        shown = "; ".join(moved[:6]) + (f"; and {len(moved) - 6} more" if len(moved) > 6 else "")
        lines.append(f"{form.community_id} ({form.path.name}): {len(form.ratings)} benchmark(s) rated, "
                     f"{len(form.blank)} left empty; {len(moved)} moved since {previous}" + (f": {shown}" if moved else "")
                     + f"; outcomes {inputs.year}: {added} row(s) added, {updated} updated, {same} unchanged")
    if result.not_returned:
        lines.append(f"not returned ({len(result.not_returned)}): {', '.join(result.not_returned)}")
    return lines
