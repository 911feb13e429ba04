"""Read a data directory (CSV or Excel), convert types and validate it against the contract.

Every problem is collected and reported as `file:row:column: message`; nothing is raised on the first.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from .contract import TABLES, TableSpec
from .errors import InvalidInput, Problem
from .rubric import Rubric

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
MAX_BYTES = 512 * 1024 * 1024


@dataclass
class NetworkData:
    """The validated inputs of one network: typed tables plus the hashes that identify them."""

    data_dir: Path
    communities: pd.DataFrame
    benchmarks: pd.DataFrame
    outcomes: pd.DataFrame
    file_sha256: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.file_sha256):
            digest.update(f"{name}:{self.file_sha256[name]}\n".encode())
        return digest.hexdigest()


def find_table(data_dir: Path, name: str) -> tuple[Path | None, list[Problem]]:
    found = [data_dir / f"{name}{suffix}" for suffix in (".csv", *EXCEL_SUFFIXES) if (data_dir / f"{name}{suffix}").exists()]
    if not found:
        return None, [Problem(f"{data_dir / name}.csv", None, None, "required file is missing")]
    if len(found) > 1:
        return None, [Problem(str(found[0]), None, None,
                              f"both {found[0].name} and {found[1].name} exist; keep only one")]
    return found[0], []


def decode(raw: bytes, path: Path, notes: list[str]) -> str:
    """UTF-8 (with or without BOM); Latin-1/cp1252 files are accepted with a note."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append(f"{path}: not UTF-8; read as Windows-1252 (Latin-1). Save as UTF-8 to silence this note.")
        return raw.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    header = text.splitlines()[0] if text else ""
    counts = {sep: header.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def read_text_table(path: Path, notes: list[str]) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV or Excel sheet as strings; blank cells become <NA>."""
    if path.stat().st_size > MAX_BYTES:
        return None, [Problem(str(path), None, None, f"file is larger than {MAX_BYTES // 2**20} MiB")]
    if path.suffix.lower() in EXCEL_SUFFIXES:
        try:
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for corrupt workbooks
            return None, [Problem(str(path), None, None, f"cannot read Excel workbook: {exc}")]
    else:
        text = decode(path.read_bytes(), path, notes)
        if not text.strip():
            return None, [Problem(str(path), 1, None, "file is empty (expected a header row)")]
        sep = sniff_delimiter(text)
        if sep != ",":
            notes.append(f"{path}: read with delimiter {sep!r}")
        problems = field_count_problems(path, text, sep)
        if problems:
            return None, problems
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.astype("string")
    for column in frame.columns:
        frame[column] = frame[column].str.strip().replace("", pd.NA)
    return frame, []


def field_count_problems(path: Path, text: str, sep: str) -> list[Problem]:
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    width = len(rows[0])
    return [
        Problem(str(path), number, None, f"expected {width} fields, found {len(row)}")
        for number, row in enumerate(rows[1:], start=2)
        if row and len(row) != width
    ]


def column_problems(path: Path, frame: pd.DataFrame, spec: TableSpec) -> list[Problem]:
    problems = []
    known = set(spec.schema.columns)
    for column in spec.required:
        if column not in frame.columns:
            close = difflib.get_close_matches(column, [c for c in frame.columns if c not in known], n=1)
            hint = f" (found {close[0]!r}: misspelt?)" if close else ""
            problems.append(Problem(str(path), 1, column, f"required column is missing{hint}"))
    duplicated = [c for c in frame.columns if list(frame.columns).count(c) > 1]
    problems += [Problem(str(path), 1, c, "column appears more than once") for c in sorted(set(duplicated))]
    return problems


def convert_numbers(path: Path, frame: pd.DataFrame, spec: TableSpec) -> tuple[pd.DataFrame, list[Problem]]:
    """Turn number columns into nullable numbers, reporting each cell that is not one."""
    problems: list[Problem] = []
    frame = frame.copy()
    for column in (*spec.integers, *spec.floats):
        if column not in frame.columns:
            continue
        raw = frame[column]
        parsed = pd.to_numeric(raw.str.replace(",", "", regex=False), errors="coerce")
        bad = raw.notna() & parsed.isna()
        kind = "a whole number" if column in spec.integers else "a number"
        if column in spec.integers:
            fractional = parsed.notna() & (parsed % 1 != 0)
            bad |= fractional
            parsed = parsed.where(~fractional)
        for index in frame.index[bad]:
            problems.append(Problem(str(path), int(index) + 2, column, f"{raw[index]!r} is not {kind}"))
        frame[column] = parsed.astype("Int64" if column in spec.integers else "Float64")
    return frame, problems


def schema_problems(path: Path, frame: pd.DataFrame, spec: TableSpec) -> list[Problem]:
    try:
        spec.schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return list(failure_problems(path, exc.failure_cases, spec))
    return []


def failure_problems(path: Path, cases: pd.DataFrame, spec: TableSpec) -> Iterable[Problem]:
    for case in cases.itertuples(index=False):
        index = case.index
        check = str(case.check)
        column = None if pd.isna(case.column) else str(case.column)
        if check == "column_in_dataframe" or (column == spec.name and "unique" not in check):
            continue  # reported by column_problems with a hint
        if "unique" in check or check == "multiple_fields_uniqueness":
            keys = ", ".join(spec.schema.unique or [])
            message = f"duplicate row: ({keys}) must be unique"
            column = (spec.schema.unique or [None])[-1]
        elif check == "not_nullable":
            message = "value is required"
        elif check.startswith("dtype(") or check.startswith("coerce_dtype("):
            message = f"wrong type: {case.failure_case!r}"
        else:
            message = f"{case.failure_case!r}: {check}"
        row = None if index is None or pd.isna(index) else int(index) + 2
        yield Problem(str(path), row, column, message)


def read_table(data_dir: Path, name: str, notes: list[str], hashes: dict[str, str]) -> tuple[pd.DataFrame | None, list[Problem]]:
    spec = TABLES[name]
    path, problems = find_table(data_dir, name)
    if path is None:
        return None, problems
    hashes[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    frame, problems = read_text_table(path, notes)
    if frame is None:
        return None, problems
    problems = column_problems(path, frame, spec)
    if problems:
        return None, problems
    for column in spec.optional:
        if column not in frame.columns:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="string")
    frame, problems = convert_numbers(path, frame, spec)
    problems += schema_problems(path, frame, spec)
    frame.attrs["path"] = str(path)
    return frame, problems


def cross_problems(data: dict[str, pd.DataFrame], rubric: Rubric | None,
                   local_indicators: set[str] | None) -> list[Problem]:
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
            unknown = frame["community_id"].notna() & ~frame["community_id"].isin(known)
            problems += [Problem(path, i + 2, "community_id", f"unknown community {frame.at[i, 'community_id']!r} "
                                 "(not in communities)") for i in frame.index[unknown]]
    bench = data.get("benchmarks")
    if bench is not None and rubric is not None:
        ids = {b.id for b in rubric.benchmarks}
        bad = bench["benchmark_id"].notna() & ~bench["benchmark_id"].isin(ids)
        problems += [Problem(bench.attrs["path"], i + 2, "benchmark_id",
                             f"unknown benchmark {bench.at[i, 'benchmark_id']!r} for framework {rubric.framework}")
                     for i in bench.index[bad]]
    out = data.get("outcomes")
    if out is not None:
        problems += outcome_row_problems(out, rubric, local_indicators)
    return problems


def outcome_row_problems(out: pd.DataFrame, rubric: Rubric | None,
                         local_indicators: set[str] | None) -> list[Problem]:
    """Row checks; indicator ids are checked only when the local indicators are known (params given)."""
    path = out.attrs["path"]
    problems: list[Problem] = []

    def add(mask: pd.Series, column: str, message: str) -> None:
        problems.extend(Problem(path, int(i) + 2, column, message) for i in out.index[mask.fillna(False)])

    num, den, val = out["numerator"], out["denominator"], out["value"]
    add(num.isna() & den.isna() & val.isna(), "value", "give numerator and denominator, or value")
    add(num.notna() & den.isna(), "denominator", "numerator given without denominator")
    add(num.isna() & den.notna(), "numerator", "denominator given without numerator")
    add(num > den, "numerator", "numerator is greater than denominator")
    add((den == 0) & val.isna(), "denominator", "denominator is 0: leave the row out when there is no data")
    with_both = num.notna() & den.notna() & val.notna() & (den > 0)
    computed = (num.astype("Float64") / den.astype("Float64") * 100).where(with_both)
    add((computed - val).abs() > 0.5, "value", "value disagrees with numerator/denominator")
    if rubric is not None and local_indicators is not None:
        indicators = {o.id for o in rubric.outcomes} | local_indicators
        add(out["indicator_id"].notna() & ~out["indicator_id"].isin(indicators), "indicator_id",
            "unknown indicator (not in the rubric nor declared as a local indicator in params)")
    if rubric is not None:
        add(out["group"].notna() & ~out["group"].isin(rubric.group_ids), "group", "unknown group (not in the rubric)")
    return problems


def load_network(data_dir: str | Path, rubric: Rubric | None = None,
                 local_indicators: Iterable[str] | None = ()) -> NetworkData:
    """Load and validate a data directory; raise InvalidInput listing every problem.

    `local_indicators=None` means the params are unknown: indicator ids outside the rubric are then
    reported as a note instead of an error.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InvalidInput([Problem(str(data_dir), None, None, "data directory does not exist")])
    notes: list[str] = []
    hashes: dict[str, str] = {}
    tables: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for name in TABLES:
        frame, found = read_table(data_dir, name, notes, hashes)
        problems += found
        if frame is not None:
            tables[name] = frame
    problems += cross_problems(tables, rubric, None if local_indicators is None else set(local_indicators))
    if problems:
        raise InvalidInput(problems)
    for name, frame in tables.items():
        tables[name] = frame.reset_index(drop=True)
    outcomes = tables["outcomes"]
    if rubric is not None and local_indicators is None:
        extra = sorted(set(outcomes["indicator_id"].dropna()) - {o.id for o in rubric.outcomes})
        if extra:
            notes.append(f"indicators not in the rubric, not checked without params (pass --year): {', '.join(extra)}")
    outcomes["value"] = outcomes["value"].astype("Float64")
    return NetworkData(data_dir=data_dir, communities=tables["communities"], benchmarks=tables["benchmarks"],
                       outcomes=outcomes, file_sha256=hashes, notes=notes)
