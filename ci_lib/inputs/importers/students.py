"""Student-level records -> long outcome rows, aggregated inside DuckDB (rows never reach pandas).

Input (parquet or CSV, one row per student and year):

- required: ``student_id`` (not otherwise used: duplicates are not checked), ``community_id``, ``year``
  (integer END year of the school year);
- group columns, any subset of: ``race`` (a group id such as ``black``), ``low_income`` (0/1),
  ``english_learner`` (0/1), ``gender`` (a group id: ``female``/``male``), ``disability`` (0/1);
- every other column is an outcome flag named by its indicator id: 1 = success, 0 = in the cohort
  without success, NULL = not in that indicator's cohort.

Output rows (the 7 outcome columns, ``value`` NA): group ``all`` and every group a student belongs to —
race and gender values as they are; ``low_income`` 1 -> ``low_income``, 0 -> ``not_low_income``;
``english_learner`` 1 -> ``english_learner``; ``disability`` 1 -> ``disability`` — with numerator =
sum(flag) and denominator = count(non-NULL flag), only where the denominator is > 0. A NULL group value
puts the student in ``all`` only. Rows are sorted by (community_id, indicator_id, year, group).

The whole aggregation is ONE SQL query: a first GROUP BY folds the students into cells of
(community, year, every group column) with per-flag sums, counts and a count of invalid values; GROUPING
SETS roll the (small) cell table up per group column; UNPIVOT turns the per-flag columns into rows.
Validation rides on the same scan: invalid flag or 0/1 values are counted, and ids are checked on the
small result. Problems raise ImportFormatError naming the file and the column. In a parquet file, an
integer flag whose row-group statistics put it within [0, 1] skips the per-row check (see build_query).
DuckDB runs with a memory limit (`memory_limit`, default 2 GiB) and without insertion order; it reads only
the columns the query names, dictionary-encoded text as it is.
"""

from __future__ import annotations

import csv
import gzip
import os
import re
from pathlib import Path

import duckdb
import pandas as pd

from ci_lib.errors import ImportFormatError
from ci_lib.ids import COMMUNITY_ID
from ci_lib.inputs.importers.cia import OUTCOME_COLUMNS, OUTCOME_DTYPES

REQUIRED = ("student_id", "community_id", "year")
# group column -> SQL mapping its (raw) value to a group id; NULL = no group, '!invalid' = a bad value
BINARY_GROUPS = {"low_income": ("low_income", "not_low_income"), "english_learner": ("english_learner", None),
                 "disability": ("disability", None)}
TEXT_GROUPS = ("race", "gender")
GROUP_COLUMNS = ("race", "low_income", "english_learner", "gender", "disability")
INVALID = "!invalid"
# DuckDB's own default is 80 % of the machine's RAM; the aggregation's state is the small cell table, so a
# bounded limit costs nothing and keeps the import inside the kit's memory budget (issue #23: <= 4 GiB)
DEFAULT_MEMORY_LIMIT = "2GiB"
_ID = re.compile(r"[a-z][a-z0-9_]{0,62}")
_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT",
                  "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
_NUMERIC_PREFIXES = ("FLOAT", "DOUBLE", "DECIMAL")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _source(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return "read_parquet($path)"
    if name.endswith((".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz")):
        # no BOOLEAN candidate: "yes"/"true" stay text and are reported, flags must be 0/1
        return "read_csv($path, auto_type_candidates = ['BIGINT', 'DOUBLE', 'VARCHAR'])"
    raise ImportFormatError(path, None, None, "expected a .parquet or .csv file of student records")


def _as_number(column: str, sql_type: str) -> str:
    """SQL giving the column as a number (NULL when it is not one)."""
    if sql_type in _INTEGER_TYPES or sql_type.startswith(_NUMERIC_PREFIXES):
        return _q(column)
    if sql_type == "BOOLEAN":
        return f"CAST({_q(column)} AS INTEGER)"
    return f"TRY_CAST({_q(column)} AS DOUBLE)"


def _binary_group(column: str, sql_type: str) -> str:
    yes, no = BINARY_GROUPS[column]
    number = _as_number(column, sql_type)
    no_sql = "NULL" if no is None else f"'{no}'"
    return (f"CASE WHEN {_q(column)} IS NULL THEN NULL WHEN {number} = 1 THEN '{yes}' "
            f"WHEN {number} = 0 THEN {no_sql} ELSE '{INVALID}' END")


def build_query(columns: dict[str, str], *, with_min_year: bool, source: str,
                binary_flags: frozenset[str] = frozenset()) -> tuple[str, list[str]]:
    """The single aggregation query for a file whose columns (name -> DuckDB type) are `columns`.

    A flag in `binary_flags` is known to hold only 0, 1 or NULL (the parquet statistics say so), so it
    needs no per-row ``count_if`` check, and it is summed as DOUBLE (exact: whole numbers below 2**53)
    rather than into DuckDB's HUGEINT sum state; on the first GROUP BY's 60,000-odd cells the two
    together cost less than half the CPU of the checked HUGEINT sum (4 million rows, measured).
    """
    groups = [c for c in GROUP_COLUMNS if c in columns]
    flags = [c for c in columns if c not in REQUIRED and c not in GROUP_COLUMNS]
    cell_aggregates, cell_columns = [], []
    for i, flag in enumerate(flags):
        number = _as_number(flag, columns[flag])
        if flag in binary_flags:
            cell_aggregates += [f"sum(CAST({_q(flag)} AS DOUBLE)) AS n{i}", f"count({_q(flag)}) AS d{i}"]
            cell_columns.append(f"n{i}, d{i}, CAST(0 AS BIGINT) AS x{i}")
            continue
        if number == _q(flag):
            invalid = f"count_if({number} NOT IN (0, 1))"
        else:
            invalid = f"count_if({_q(flag)} IS NOT NULL AND ({number} IS NULL OR {number} NOT IN (0, 1)))"
        cell_aggregates += [f"sum({number}) AS n{i}", f"count({_q(flag)}) AS d{i}", f"{invalid} AS x{i}"]
        cell_columns.append(f"n{i}, d{i}, x{i}")
    mapped = []
    for g in groups:
        expr = _binary_group(g, columns[g]) if g in BINARY_GROUPS else f"CAST({_q(g)} AS VARCHAR)"
        mapped.append(f"{expr} AS g_{g}")
    # in the (community_id, year) set every GROUPING() is 1: the 'all' group
    group_case = source_case = "'all'"
    if groups:
        group_case = "CASE " + " ".join(f"WHEN GROUPING(g_{g}) = 0 THEN g_{g}" for g in groups)
        source_case = "CASE " + " ".join(f"WHEN GROUPING(g_{g}) = 0 THEN '{g}'" for g in groups)
        group_case, source_case = group_case + " ELSE 'all' END", source_case + " ELSE 'all' END"
    sets = ", ".join(["(community_id, year)", *(f"(community_id, year, g_{g})" for g in groups)])
    rolled = ", ".join(f"sum(n{i}) AS n{i}, sum(d{i}) AS d{i}, sum(x{i}) AS x{i}" for i in range(len(flags)))
    unpivot = ", ".join(f"(n{i}, d{i}, x{i}) AS {_q(flag)}" for i, flag in enumerate(flags))
    raw_groups = "".join(f", {_q(g)}" for g in groups)
    where = f"WHERE {_q('year')} >= $min_year" if with_min_year else ""
    query = f"""
WITH cells AS (
    SELECT CAST({_q('community_id')} AS VARCHAR) AS community_id, {_q('year')} AS year{raw_groups},
           {', '.join(cell_aggregates)}
    FROM {source}
    {where}
    GROUP BY ALL
),
mapped AS (
    SELECT community_id, year, {', '.join([*mapped, *cell_columns])}
    FROM cells
),
rolled AS (
    SELECT community_id, year,
           {group_case} AS "group",
           {source_case} AS source,
           {rolled}
    FROM mapped
    GROUP BY GROUPING SETS ({sets})
),
long AS (
    SELECT * FROM rolled
    UNPIVOT INCLUDE NULLS ((numerator, denominator, invalid) FOR indicator_id IN ({unpivot}))
)
SELECT community_id, indicator_id, CAST(year AS BIGINT) AS year, "group", source,
       CAST(coalesce(numerator, 0) AS DOUBLE) AS numerator, CAST(denominator AS BIGINT) AS denominator,
       CAST(invalid AS BIGINT) AS invalid
FROM long
WHERE denominator > 0 AND "group" IS NOT NULL
ORDER BY community_id, indicator_id, year, "group", source
"""
    return query, flags


def _binary_flags(con: duckdb.DuckDBPyConnection, path: Path, source: str, columns: dict[str, str]) -> frozenset[str]:
    """Integer flag columns whose parquet statistics put every row group's values within [0, 1].

    Row-group min/max statistics are in the file's footer (DuckDB trusts them too, to skip row groups), so
    this reads no data; a column without statistics in some row group is simply checked row by row.
    """
    flags = [c for c in columns if c not in REQUIRED and c not in GROUP_COLUMNS and columns[c] in _INTEGER_TYPES]
    if _is_csv(source) or not flags:
        return frozenset()
    rows = con.execute(
        "SELECT path_in_schema FROM parquet_metadata($path) WHERE path_in_schema IN (SELECT unnest($flags)) "
        "GROUP BY path_in_schema HAVING bool_and(coalesce(TRY_CAST(stats_min_value AS DOUBLE) >= 0 "
        "AND TRY_CAST(stats_max_value AS DOUBLE) <= 1, false))", {"path": str(path), "flags": flags}).fetchall()
    return frozenset(str(name) for (name,) in rows)


def _is_csv(source: str) -> bool:
    return source.startswith("read_csv(")


def _ragged_row(path: Path) -> ImportFormatError | None:
    """The first record whose field count differs from the header's, or None.

    DuckDB's sniffer reads a CSV with such a row in its sample as ONE column named after the whole header
    line (or gives up), which would be reported as a missing `student_id`; this Python pass runs only
    when DuckDB could not read the file as expected, so a valid file is never read twice.
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8-sig", errors="replace", newline="") as handle:
            first = handle.readline()
            counts = {sep: first.count(sep) for sep in (",", ";", "\t", "|")}
            delimiter = max(counts, key=lambda sep: counts[sep])
            handle.seek(0)
            reader = csv.reader(handle, delimiter=delimiter)
            width, start = None, 1
            for cells in reader:
                if width is None:
                    width = len(cells)
                elif cells and len(cells) != width:
                    return ImportFormatError(path, start, None, f"row {start} has {len(cells)} fields, "
                                             f"the header has {width}")
                start = reader.line_num + 1
    except (OSError, EOFError, csv.Error):
        return None
    return None


def _schema(con: duckdb.DuckDBPyConnection, path: Path, source: str) -> dict[str, str]:
    try:
        description = con.execute(f"SELECT * FROM {source} LIMIT 0", {"path": str(path)}).description
    except duckdb.Error as exc:
        ragged = _ragged_row(path) if _is_csv(source) else None
        if ragged is not None:
            raise ragged from exc
        raise ImportFormatError(path, None, None, f"cannot read student records: {exc}") from exc
    columns = {str(name): str(sql_type).upper() for name, sql_type, *_ in description}
    if _is_csv(source) and any(column not in columns for column in REQUIRED):
        ragged = _ragged_row(path)
        if ragged is not None:
            raise ragged
    return columns


def _read_error(path: Path, columns: dict[str, str], exc: duckdb.Error) -> ImportFormatError:
    """A clean error from DuckDB's, e.g. a CSV value the type sniffer did not see in its sample."""
    text = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    fields = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if line and fields:  # a ragged row after the sniffer's sample
        return ImportFormatError(path, int(line.group(1)), None, f"row {line.group(1)} has {fields.group(2)} fields, "
                                 f"the header has {fields.group(1)}")
    column = re.search(r'converting column "([^"]+)"', text)
    value = re.search(r'Could not convert string "(.*?)"', text)
    if line and column and value:
        return ImportFormatError(path, int(line.group(1)), column.group(1),
                                 f"'{value.group(1)}' is not a number like the values above it "
                                 "(outcome flags and 0/1 group columns hold 0, 1 or empty)")
    first_line = text.splitlines()[0] if text else type(exc).__name__
    return ImportFormatError(path, None, None, f"cannot read student records: {first_line}")


def _check_schema(path: Path, columns: dict[str, str]) -> None:
    lower = {c.lower() for c in columns}
    if len(lower) != len(columns):
        raise ImportFormatError(path, 1, None, "column names repeat (names are compared case-insensitively)")
    for column in REQUIRED:
        if column not in columns:
            raise ImportFormatError(path, 1, column, "required column is missing")
    if columns["year"] not in _INTEGER_TYPES:
        raise ImportFormatError(path, None, "year", f"must hold whole END years such as 2016, not "
                                f"{columns['year']} values")
    flags = [c for c in columns if c not in REQUIRED and c not in GROUP_COLUMNS]
    if not flags:
        raise ImportFormatError(path, 1, None, "no outcome flag columns (columns named by indicator id)")
    for flag in flags:
        if not _ID.fullmatch(flag):
            raise ImportFormatError(path, 1, flag, "not an indicator id (lowercase snake_case) nor a known "
                                    f"column ({', '.join(REQUIRED + GROUP_COLUMNS)})")


def _check_result(path: Path, result: pd.DataFrame) -> None:
    def fail(column: str, message: str) -> None:
        raise ImportFormatError(path, None, column, message)

    if result["community_id"].isna().any():
        fail("community_id", "is empty in some rows")
    bad_ids = sorted({c for c in result["community_id"].unique() if not COMMUNITY_ID.fullmatch(c)})
    if bad_ids:
        fail("community_id", f"{bad_ids[0]!r} is not a slug ({COMMUNITY_ID.pattern})")
    if result["year"].isna().any():
        fail("year", "is empty in some rows")
    invalid = result.loc[(result["source"] == "all") & (result["invalid"] > 0)]
    if len(invalid):
        counts = invalid.groupby("indicator_id", sort=True)["invalid"].sum()
        fail(str(counts.index[0]), f"{int(counts.iloc[0])} value(s) are not 0, 1 or empty "
             "(an outcome flag is 1 = success, 0 = no success, empty = not in the cohort)")
    groups = result.loc[result["source"] != "all", ["source", "group"]].drop_duplicates()
    for source, group in sorted(groups.itertuples(index=False, name=None)):
        if group == INVALID:
            fail(source, "values must be 0, 1 or empty")
        if not _ID.fullmatch(group) or group == "all":
            fail(source, f"{group!r} is not a group id (lowercase snake_case such as 'black' or 'female')")
    clash = result.duplicated(["community_id", "indicator_id", "year", "group"], keep=False)
    if clash.any():
        first = result.loc[clash].iloc[0]
        sources = sorted(result.loc[clash & (result["group"] == first["group"]), "source"].unique())
        fail(sources[-1], f"group {first['group']!r} also comes from column(s) {', '.join(sources[:-1])}")


def aggregate_students(path: str | os.PathLike[str], *, min_year: int | None = None,
                       memory_limit: str = DEFAULT_MEMORY_LIMIT) -> pd.DataFrame:
    """Aggregate a student-level parquet/CSV file into long outcome rows (see the module docstring).

    `min_year` keeps only records with year >= min_year; `memory_limit` is DuckDB's (e.g. "2GiB"), above
    which it spills or fails rather than grow. Raises ImportFormatError on a bad file.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFormatError(path, None, None, "file not found")
    source = _source(path)
    con = duckdb.connect(config={"memory_limit": memory_limit, "preserve_insertion_order": False})
    try:
        con.execute("SET enable_progress_bar = false")  # the CLI reports progress itself; no bar on stderr
        columns = _schema(con, path, source)
        _check_schema(path, columns)
        params: dict[str, object] = {"path": str(path)}
        if min_year is not None:
            params["min_year"] = int(min_year)
        try:
            query, _ = build_query(columns, with_min_year=min_year is not None, source=source,
                                   binary_flags=_binary_flags(con, path, source, columns))
            result = con.execute(query, params).df()
        except duckdb.Error as exc:
            raise _read_error(path, columns, exc) from exc
    finally:
        con.close()
    _check_result(path, result)
    numerator = result["numerator"]
    if len(result) and not (numerator == numerator.round()).all():  # pragma: no cover - invalid caught above
        raise ImportFormatError(path, None, None, "outcome flags summed to a fraction")
    out = result.assign(numerator=numerator.round().astype("int64"), value=None)
    out = out.loc[:, list(OUTCOME_COLUMNS)].astype(OUTCOME_DTYPES)
    return out.reset_index(drop=True)
