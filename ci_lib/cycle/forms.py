"""Self-assessment forms: one Excel workbook per community, for members to fill in and return (`ci-assess forms`).

A form holds one community's data only, and three sheets:

- Benchmarks: every benchmark of the year's framework by gateway and pillar, the rating and evidence of the
  year movement compares with (`previous_year`, by default the year before) for reference, and the cells the
  member fills in: Status (a drop-down of "Not started", "In progress", "Met"), Evidence and Comment. The
  Status and Evidence cells start as this year's ratings when the data directory has some, else as last
  year's, so a member changes only what moved.
- Outcomes: one block per indicator of the year (the framework's and the community's local ones), in the
  assessment's row set (Gender {All, Female, Male} x 12 populations, as `import cia` reads the wide table),
  with `N <year>` / `D <year>` columns newest first. Only this year's columns can be edited (prefilled from
  outcomes.csv when it has rows for the year); earlier years are shown from outcomes.csv. A source's marker
  (`*`, `NA`, `<10`: `ci_lib.inputs.markers`) may stand in a count cell. Rows the framework has no group for
  are greyed and locked: `collect` could not keep them.
- Instructions, in plain words.

Every sheet is protected (no password) with only the member's cells unlocked, so ids and labels stay as
`collect` expects them. The community id and year sit in locked cells above each sheet's header: `collect`
finds the community there, not in the file name. Same inputs give the same bytes: the zip entries and the
document properties carry a fixed time.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ci_lib.atomic import write_if_changed
from ci_lib.cycle.year import year_params_and_data
from ci_lib.errors import KitError
from ci_lib.inputs.importers.cia import _Labels
from ci_lib.inputs.load import NetworkData, load_year
from ci_lib.inputs.markers import NOT_AVAILABLE, SUPPRESSED_AT_SOURCE
from ci_lib.inputs.parameters import YearParams
from ci_lib.inputs.rubric import Outcome, Rubric

STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress", "met": "Met"}
MARKER_OF_STATUS = {SUPPRESSED_AT_SOURCE: "*", NOT_AVAILABLE: "NA"}  # how a stored cell status is shown
GENDERS = ("All", "Female", "Male")
POPULATIONS = ("All Students", "American Indian or Alaska Native", "Asian", "Black or African American",
               "Hispanic or Latine", "Middle Eastern or North African", "Native Hawaiian or Pacific Islander",
               "White", "Multi-Racial", "Other Race", "Low Income", "English Language Learner")
"""The assessment's populations, as the network's row set names them (herccia's output_populations)."""
PAST_YEARS = 4  # earlier years shown beside the year's columns on the Outcomes sheet

BENCHMARKS_SHEET, OUTCOMES_SHEET, INSTRUCTIONS_SHEET = "Benchmarks", "Outcomes", "Instructions"
COMMUNITY_LABEL, YEAR_LABEL, INDICATOR_LABEL = "Community id", "Year", "Indicator"
ID_HEADER, STATUS_HEADER, EVIDENCE_HEADER, COMMENT_HEADER = "Benchmark id", "Status", "Evidence", "Comment"
GENDER_HEADER, POPULATION_HEADER = "Gender", "Population"
HEADER_ROW = 4  # of both data sheets: title, community and year, a blank row, then the header
MAX_TEXT = 2000  # evidence and comments, as benchmarks.csv allows

EDITABLE_FILL = PatternFill("solid", fgColor="FFF2CC")  # style objects shared: openpyxl compares each new one
LOCKED_FILL = PatternFill("solid", fgColor="D9D9D9")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
UNLOCKED = Protection(locked=False)
WRAPPED = Alignment(wrap_text=True, vertical="top")
BOLD = Font(bold=True)


@dataclass(frozen=True)
class CycleInputs:
    """A year's params, framework and data directory, as `forms` and `collect` both read them."""

    year: int
    params: YearParams
    rubric: Rubric
    data_dir: Path
    network: NetworkData

    @property
    def previous_year(self) -> int:
        """The year whose ratings a form shows as last year's (`previous_year:` of network.yml)."""
        return int(self.params.previous_year or self.year - 1)

    def indicators_for(self, community_id: str) -> list[Outcome]:
        """The framework's outcomes, then the community's local indicators."""
        return self.rubric.with_local_outcomes(self.params.local_indicators_for(community_id)).outcomes

    def community_name(self, community_id: str) -> str:
        rows = self.network.communities.loc[self.network.communities["community_id"] == community_id, "name"]
        return str(rows.iloc[0]) if len(rows) else community_id

    @property
    def community_ids(self) -> list[str]:
        return [str(c) for c in self.network.communities["community_id"]]


def cycle_inputs(year: int, params_root: str | Path = "params", data: str | Path | None = None) -> CycleInputs:
    """Read and validate what a year's forms are made from (params/<year>, its framework, the data directory)."""
    params, data_dir = year_params_and_data(year, params_root, None if data is None else str(data))
    rubric = params.rubric()
    network = load_year(data_dir, params, rubric)
    return CycleInputs(year, params, rubric, Path(data_dir), network)


def status_label(status: object) -> str:
    return STATUS_LABELS.get(str(status), "") if isinstance(status, str) else ""


def text_of(value: object) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)


# ------------------------------------------------------------------------------------------- the workbook
def write_forms(inputs: CycleInputs, out_dir: str | Path, communities: Iterable[str] | None = None) -> list[Path]:
    """One workbook `<out_dir>/<community_id>.xlsx` per member (or per id of `communities`); returns the paths.

    A workbook whose bytes would not change is left as it is.
    """
    wanted = list(communities) if communities is not None else inputs.community_ids
    unknown = sorted(set(wanted) - set(inputs.community_ids))
    if unknown:
        raise KitError(f"{inputs.data_dir}: no community {unknown[0]!r} in communities")
    written = []
    for community_id in wanted:
        path = Path(out_dir) / f"{community_id}.xlsx"
        write_if_changed(path, form_bytes(inputs, community_id))
        written.append(path)
    return written


def form_bytes(inputs: CycleInputs, community_id: str) -> bytes:
    """The workbook of one community, as bytes that depend only on the inputs."""
    workbook = Workbook()
    benchmarks = workbook.active
    benchmarks.title = BENCHMARKS_SHEET
    fill_benchmarks(benchmarks, inputs, community_id)
    fill_outcomes(workbook.create_sheet(OUTCOMES_SHEET), inputs, community_id)
    fill_instructions(workbook.create_sheet(INSTRUCTIONS_SHEET), inputs, community_id)
    stamp = datetime.datetime(inputs.year, 1, 1)
    workbook.properties.created = stamp
    workbook.properties.creator = "ci-assess forms"
    workbook.properties.title = f"Self-assessment {inputs.year}: {inputs.community_name(community_id)}"
    workbook.properties.identifier = f"{community_id} {inputs.year}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return fixed_time(buffer.getvalue(), stamp)


def fixed_time(xlsx: bytes, stamp: datetime.datetime) -> bytes:
    """The workbook with every zip entry dated 1980-01-01 and its `modified` property set to `stamp`.

    openpyxl stamps both with the time of saving; nothing else in the file depends on when it was written.
    """
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            payload = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                payload = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + when, payload)
            target.writestr(zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)), payload,
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _heading(sheet: Worksheet, inputs: CycleInputs, community_id: str, title: str) -> None:
    """Rows 1-2 of a data sheet: the title, then the community id and year that `collect` reads."""
    sheet.cell(1, 1, f"{title} {inputs.year}: {inputs.community_name(community_id)}").font = Font(bold=True, size=14)
    for column, value in enumerate((COMMUNITY_LABEL, community_id, YEAR_LABEL, inputs.year), start=1):
        sheet.cell(2, column, value).font = Font(bold=column % 2 == 1)


def _header(sheet: Worksheet, row: int, names: list[str], widths: list[int]) -> None:

    for column, (name, width) in enumerate(zip(names, widths, strict=True), start=1):
        cell = sheet.cell(row, column, name)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = WRAPPED
        sheet.column_dimensions[get_column_letter(column)].width = width


def _editable(cell: Cell) -> None:
    cell.protection = UNLOCKED
    cell.fill = EDITABLE_FILL


def _protect(sheet: Worksheet) -> None:
    """Protection without a password: the member's cells are unlocked; columns may still be widened."""
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def benchmark_ratings(inputs: CycleInputs, community_id: str, year: int) -> dict[str, dict[str, str]]:
    """A community's ratings of `year` by benchmark id: status, self_status, evidence, reviewer (as text)."""
    frame = inputs.network.benchmarks
    rows = frame[(frame["community_id"] == community_id) & (frame["year"] == year)]
    columns = [c for c in ("status", "self_status", "evidence", "reviewer") if c in rows.columns]
    return {str(r["benchmark_id"]): {c: text_of(r[c]) for c in columns} for _, r in rows.iterrows()}


def fill_benchmarks(sheet: Worksheet, inputs: CycleInputs, community_id: str) -> None:

    previous = inputs.previous_year
    _heading(sheet, inputs, community_id, "Self-assessment")
    names = [ID_HEADER, "Gateway", "Pillar", "Benchmark", "Evidence expected", f"Rating {previous}",
             f"Evidence {previous}", STATUS_HEADER, EVIDENCE_HEADER, COMMENT_HEADER]
    _header(sheet, HEADER_ROW, names, [12, 16, 22, 48, 48, 13, 36, 14, 48, 36])
    last = benchmark_ratings(inputs, community_id, previous)
    this = benchmark_ratings(inputs, community_id, inputs.year)
    rubric = inputs.rubric
    row = HEADER_ROW
    for benchmark in rubric.benchmarks:
        row += 1
        before, now = last.get(benchmark.id, {}), this.get(benchmark.id)
        own = (now.get("self_status") or now.get("status")) if now else before.get("status")
        evidence = now.get("evidence", "") if now else before.get("evidence", "")
        values = [benchmark.id, rubric.gateway_label(benchmark.gateway), rubric.pillar_label(benchmark.pillar),
                  benchmark.title, benchmark.evidence_expected, status_label(before.get("status")),
                  before.get("evidence", ""), status_label(own), evidence, ""]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row, column, value or None)
            cell.alignment = WRAPPED
            if column >= 8:
                _editable(cell)
    choices = DataValidation(type="list", formula1='"' + ",".join(STATUS_LABELS.values()) + '"', allow_blank=True,
                             showErrorMessage=True, errorTitle="Status",
                             error="Choose Not started, In progress or Met (or leave it empty).")
    choices.add(f"H{HEADER_ROW + 1}:H{row}")
    sheet.add_data_validation(choices)
    sheet.freeze_panes = f"B{HEADER_ROW + 1}"
    _protect(sheet)


def form_years(year: int) -> list[int]:
    """The years of the Outcomes sheet's columns, newest first."""
    return [year - offset for offset in range(PAST_YEARS + 1)]


def outcome_cells(inputs: CycleInputs, community_id: str) -> dict[tuple[str, int, str], tuple[object, object]]:
    """(indicator, year, group) -> the (N, D) a form shows: counts, or a marker for a cell status."""
    frame = inputs.network.outcomes
    rows = frame[frame["community_id"] == community_id]
    cells: dict[tuple[str, int, str], tuple[object, object]] = {}
    for indicator, year, group, numerator, denominator, status in zip(
            rows["indicator_id"], rows["year"], rows["group"], rows["numerator"], rows["denominator"],
            rows["source_status"], strict=True):
        if status in MARKER_OF_STATUS:
            cells[str(indicator), int(year), str(group)] = (MARKER_OF_STATUS[status], MARKER_OF_STATUS[status])
        elif numerator is not pd.NA and denominator is not pd.NA:
            cells[str(indicator), int(year), str(group)] = (int(numerator), int(denominator))
    return cells


def row_groups(rubric: Rubric) -> list[tuple[str, str, str | None]]:
    """(gender, population, group id or None) of the assessment's row set, read as `import cia` reads it."""
    labels = _Labels(rubric.label_map)
    out = []
    for gender in GENDERS:
        for population in POPULATIONS:
            outcome, group = labels.resolve(gender, population)
            out.append((gender, population, group if outcome == "group" else None))
    return out


def fill_outcomes(sheet: Worksheet, inputs: CycleInputs, community_id: str) -> None:
    _heading(sheet, inputs, community_id, "Outcomes")
    years = form_years(inputs.year)
    names = [GENDER_HEADER, POPULATION_HEADER, *(f"{kind} {year}" for year in years for kind in "ND")]
    cells = outcome_cells(inputs, community_id)
    groups = row_groups(inputs.rubric)
    row = HEADER_ROW - 1
    for indicator in inputs.indicators_for(community_id):
        row += 1
        for column, value in enumerate((INDICATOR_LABEL, indicator.id, indicator.name), start=1):
            sheet.cell(row, column, value).font = BOLD
        if indicator.indicator:
            sheet.cell(row, 4, indicator.indicator)
        row += 1
        _header(sheet, row, names, [10, 34, *([9] * (len(names) - 2))])
        for gender, population, group in groups:
            row += 1
            sheet.cell(row, 1, gender)
            sheet.cell(row, 2, population)
            for position, year in enumerate(years):
                counts = cells.get((indicator.id, year, group), (None, None)) if group else (None, None)
                for offset, count in enumerate(counts):
                    cell = sheet.cell(row, 3 + 2 * position + offset, count)
                    if group is None:
                        cell.fill = LOCKED_FILL
                    elif year == inputs.year:
                        _editable(cell)
        row += 1  # a blank row between blocks
    sheet.freeze_panes = f"C{HEADER_ROW + 1}"
    _protect(sheet)


def fill_instructions(sheet: Worksheet, inputs: CycleInputs, community_id: str) -> None:
    year, previous = inputs.year, inputs.previous_year
    lines = [
        f"Self-assessment {year}: {inputs.community_name(community_id)}",
        "",
        "Thank you for filling in this form. It has two sheets to fill in: Benchmarks and Outcomes.",
        "Only the yellow cells can be changed. Please do not rename the sheets or change the grey cells.",
        "",
        "Benchmarks",
        f"Each row is one benchmark of the framework ({inputs.rubric.title}).",
        f"The columns 'Rating {previous}' and 'Evidence {previous}' show what the network recorded for {previous}.",
        "In 'Status', choose Not started, In progress or Met. It starts as your latest rating: change what moved.",
        "Leave 'Status' empty for a benchmark you do not rate this year.",
        "In 'Evidence', give a link or name the document that shows the benchmark is met or in progress.",
        "Use 'Comment' for anything the reviewers should know.",
        "Your status is your own rating. Network staff review it; the reviewed rating is the one that is scored.",
        "",
        "Outcomes",
        f"One block per indicator. Fill in the columns N {year} (students who reached the outcome) and "
        f"D {year} (all students counted) for each group.",
        "The earlier years are shown for comparison and are not changed by this form.",
        "Leave a cell empty (or write 0 in both) when you have no number.",
        "When your source withheld a number, copy its mark instead: * or <10 (suppressed), NA (not available).",
        "N can never be larger than D. Grey rows are not collected.",
        "",
        "When you are done, save the file (Excel or LibreOffice, .xlsx) and send it back to network staff.",
    ]
    for row, line in enumerate(lines, start=1):
        cell = sheet.cell(row, 1, line or None)
        cell.alignment = WRAPPED
        if row == 1 or line in (BENCHMARKS_SHEET, OUTCOMES_SHEET):
            cell.font = Font(bold=True, size=14 if row == 1 else 12)
    sheet.column_dimensions["A"].width = 110
    for column, value in enumerate((COMMUNITY_LABEL, community_id, YEAR_LABEL, year), start=1):
        sheet.cell(len(lines) + 2, column, value)
    _protect(sheet)
