"""The importers' error type: a clean, located message `file:row:column: message`."""

from __future__ import annotations

from os import PathLike

from ci_lib.errors import KitError, Problem


class ImportFormatError(KitError, ValueError):
    """A file that an importer cannot read as its format says.

    `row` is the 1-based spreadsheet row (the header counts) or None when the problem is not tied to a
    row; `column` is the column's header text (or None). `str()` gives `file:row:column: message`, with an
    empty field for a missing row or column, the same shape as `ci_lib.errors.Problem`. It is a `KitError`
    (the CLI prints it without a traceback and exits 2) and a `ValueError` (for plain Python callers).
    """

    def __init__(self, file: str | PathLike[str], row: int | None, column: str | None, message: str):
        self.file = str(file)
        self.row = row
        self.column = column
        self.message = message
        super().__init__(self.file, row, column, message)

    @property
    def problem(self) -> Problem:
        return Problem(self.file, self.row, self.column, self.message)

    def __str__(self) -> str:
        return str(self.problem)
