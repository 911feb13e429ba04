"""Error types that carry a location, so every message names file, row and column."""

from __future__ import annotations

from dataclasses import dataclass


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


class KitError(Exception):
    """A user-facing error: the CLI prints it without a traceback and exits 2."""

    exit_code = 2


class InvalidInput(KitError):
    """Input data breaks the contract; holds every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.priority, p.file, p.row or 0, p.column or "",
                                                                    p.message))
        super().__init__(f"{len(self.problems)} problem(s) in the input")

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
