"""Error types that carry a location, so every message names file, row and column."""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in an input file; `row` is the 1-based line in the file (header = 1).

    `priority` 0 marks a likely cause (an unknown id, a fraction for a percent): such lines are printed first.
    """

    file: str
    row: int | None
    column: str | None
    message: str
    priority: int = 1

    def __str__(self) -> str:
        row = "" if self.row is None else str(self.row)
        column = self.column or ""
        return f"{self.file}:{row}:{column}: {self.message}"


def ordered(problems: list[Problem]) -> list[Problem]:
    """Each problem once, likely causes first, then by file, row and column (how every list of them is shown)."""
    return sorted(set(problems), key=lambda p: (p.priority, p.file, p.row or 0, p.column or "", p.message))


class KitError(Exception):
    """A user-facing error: the CLI prints it without a traceback and exits 2."""

    exit_code = 2


class InvalidInput(KitError):
    """Input data breaks the contract; holds every problem found, not just the first.

    The one error of bad input, for the loader (every problem of a data directory) and the importers (which
    stop at their first, `ImportFormatError`); the CLI prints each problem on its own line and exits 2.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = ordered(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the input")

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ImportFormatError(InvalidInput, ValueError):
    """The one problem that stops an importer: `str()` gives `file:row:column: message`.

    `row` is the 1-based spreadsheet row (the header counts) or None when the problem is not tied to a
    row; `column` is the column's header text (or None). It is an `InvalidInput` holding that one
    `Problem` (the CLI prints it as it prints the loader's) and a `ValueError` (for plain Python callers).
    """

    def __init__(self, file: str | PathLike[str], row: int | None, column: str | None, message: str):
        super().__init__([Problem(str(file), row, column, message)])
        self.args = (str(file), row, column, message)  # pickles (a Dask worker's error) and unpickles as it was

    @classmethod
    def of(cls, problem: Problem) -> ImportFormatError:
        return cls(problem.file, problem.row, problem.column, problem.message)

    @property
    def problem(self) -> Problem:
        return self.problems[0]

    @property
    def file(self) -> str:
        return self.problem.file

    @property
    def row(self) -> int | None:
        return self.problem.row

    @property
    def column(self) -> str | None:
        return self.problem.column

    @property
    def message(self) -> str:
        return self.problem.message
