"""School-year labels and period time frames as they appear in report cards, KIDS COUNT exports and partner
spreadsheets -> the END year (int).

Accepted: 2016, "2016", "2015-16", "2015-2016", "2015–16" (en or em dash), "2015/16", "SY2015-16",
"SY 2015-16" (any case, surrounding spaces ignored); numbers must be whole four-digit years. A school year
must span exactly one year: "2015-17" and "2015-15" are errors, never guesses. Digits are 0-9 only: a
fullwidth or Arabic-Indic year ("２０１６") is an error that says so (as in `ci_lib.inputs.load`), not read.

A span of more than one year written in full ("2005-2009", "2005–2009", "2005 - 2009") is a PERIOD: a
multi-year estimate such as the American Community Survey's 5-year estimates. `parse_time_frame` reads it
as its end year with `period_start` set; `parse_year` (one year only) refuses it and says it is a period,
so no caller loses the flag by accident (trends compare only periods that do not overlap).
"""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass

_LABEL = re.compile(r"(?:SY\s*)?([0-9]{4})(?:\s*[-\u2010-\u2015\u2212/]\s*([0-9]{4}|[0-9]{2}))?", re.IGNORECASE)
_PERIOD = re.compile(r"([0-9]{4})\s*[-\u2010-\u2015\u2212]\s*([0-9]{4})")
_EXPECTED = "expected a school year such as 2016, 2015-16, 2015-2016 or SY2015-16"


@dataclass(frozen=True)
class TimeFrame:
    """A year (the END year of a school year) or a period estimate ending in `year` (`period_start` set)."""

    year: int
    period_start: int | None = None

    @property
    def is_period(self) -> bool:
        return self.period_start is not None

    @property
    def label(self) -> str:
        """The time frame as outcomes.csv's `year` column takes it: `2016`, or `2005-2009` for a period."""
        return f"{self.period_start}-{self.year}" if self.period_start is not None else str(self.year)


def period_of(text: str) -> TimeFrame | None:
    """`2005-2009` (both years in full, spanning more than one year) as a period; None for anything else."""
    match = _PERIOD.fullmatch(text.strip())
    if match is None:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    return TimeFrame(end, start) if end - start >= 2 else None


def parse_time_frame(label: object) -> TimeFrame:
    """A school-year label (as `parse_year`) or a period (`2005-2009`, read at its end year, flagged)."""
    period = period_of(label) if isinstance(label, str) else None
    return period if period is not None else TimeFrame(_parse_one_year(label))


def parse_year(label: object) -> int:
    """Return the end year of a school-year `label`; raise ValueError if it is not one (a period included)."""
    period = period_of(label) if isinstance(label, str) else None
    if period is not None and period.period_start is not None:
        raise ValueError(f"{label!r} is a period of {period.year - period.period_start + 1} years (a multi-year "
                         f"estimate), not one school year: a time frame ({period.label} in outcomes.csv's year column) "
                         f"is read at its end year, {period.year}, flagged as a period (parse_time_frame)")
    return _parse_one_year(label)


def _parse_one_year(label: object) -> int:
    if isinstance(label, bool):
        raise ValueError(f"{label!r} is not a year: {_EXPECTED}")
    if isinstance(label, numbers.Real):
        number = float(label)
        if number.is_integer() and 1000 <= number <= 9999:
            return int(number)
        raise ValueError(f"{label!r} is not a year: {_EXPECTED}")
    if not isinstance(label, str):
        raise ValueError(f"{label!r} is not a year: {_EXPECTED}")
    match = _LABEL.fullmatch(label.strip())
    if match is None and any(char.isdigit() and not char.isascii() for char in label):
        raise ValueError(f"{label!r} is not a year: it is written with non-ASCII digits (type the digits 0-9)")
    if match is None:
        raise ValueError(f"{label!r} is not a year: {_EXPECTED}")
    start, end = match.group(1), match.group(2)
    if end is None:
        return int(start)
    first = int(start)
    if len(end) == 4:
        second = int(end)
        ok = second == first + 1
    else:
        second = first + 1
        ok = int(end) == second % 100
    if not ok:
        raise ValueError(f"{label!r} is not one school year: the second year must follow {first} (a period of "
                         "several years is written with both years in full, such as 2005-2009)")
    return second
