"""Importers: turn the formats partnerships really keep into long outcome rows of the data contract.

- `parse_year` reads school-year labels ("2015-16", "SY 2015-16", ...) as the END year; `parse_time_frame`
  also reads periods ("2005-2009", multi-year estimates) at their end year, flagged (`TimeFrame`);
- `read_cia` reads the partnership "Civic Infrastructure Assessment" wide table (CSV or .xlsx) and
  `write_rows` writes or appends long outcome rows to an outcomes CSV atomically, refusing duplicates;
- `aggregate_students` aggregates student-level parquet/CSV records with one DuckDB query;
- `read_kidscount` (KIDS COUNT Data Center exports) and `read_table` (long report-card tables) read a file
  by a map file (`read_map`; examples in `maps/`), each with an `ImportSummary` accounting for every row.

Every format problem is an `ImportFormatError` printed as `file:row:column: message`.
"""

from ci_lib.errors import ImportFormatError
from ci_lib.inputs.importers.cia import CiaImport, read_cia, write_rows
from ci_lib.inputs.importers.kidscount import read_kidscount
from ci_lib.inputs.importers.school_year import TimeFrame, parse_time_frame, parse_year
from ci_lib.inputs.importers.students import aggregate_students
from ci_lib.inputs.importers.summary import ImportSummary
from ci_lib.inputs.importers.table import read_map, read_table

__all__ = ["CiaImport", "ImportFormatError", "ImportSummary", "TimeFrame", "aggregate_students", "parse_time_frame",
           "parse_year", "read_cia", "read_kidscount", "read_map", "read_table", "write_rows"]
