"""Importers: turn the formats partnerships really keep into long outcome rows of the data contract.

- `parse_year` reads school-year labels ("2015-16", "SY 2015-16", ...) as the END year; `parse_time_frame`
  also reads periods ("2005-2009", multi-year estimates) at their end year, flagged (`TimeFrame`);
- `read_cia` reads the partnership "Civic Infrastructure Assessment" wide table (CSV or .xlsx) and
  `write_rows` writes or appends long outcome rows to an outcomes CSV atomically, refusing duplicates;
- `aggregate_students` aggregates student-level parquet/CSV records with one DuckDB query.

Every format problem is an `ImportFormatError` printed as `file:row:column: message`.
"""

from ci_lib.errors import ImportFormatError
from ci_lib.inputs.importers.cia import CiaImport, read_cia, write_rows
from ci_lib.inputs.importers.school_year import TimeFrame, parse_time_frame, parse_year
from ci_lib.inputs.importers.students import aggregate_students

__all__ = ["CiaImport", "ImportFormatError", "TimeFrame", "aggregate_students", "parse_time_frame", "parse_year",
           "read_cia", "write_rows"]
