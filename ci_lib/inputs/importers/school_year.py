"""School-year labels as they appear in report cards and partner spreadsheets -> the END year (int).

Accepted: 2016, "2016", "2015-16", "2015-2016", "2015–16" (en or em dash), "2015/16", "SY2015-16",
"SY 2015-16" (any case, surrounding spaces ignored); numbers must be whole four-digit years. A range
must span exactly one year: "2015-17" and "2015-15" are errors, never guesses. Digits are 0-9 only: a
fullwidth or Arabic-Indic year ("２０１６") is an error that says so (as in `ci_lib.inputs.load`), not read.
"""

from __future__ import annotations

import numbers
import re

_LABEL = re.compile(r"(?:SY\s*)?([0-9]{4})(?:\s*[-\u2010-\u2015\u2212/]\s*([0-9]{4}|[0-9]{2}))?", re.IGNORECASE)
_EXPECTED = "expected a school year such as 2016, 2015-16, 2015-2016 or SY2015-16"


def parse_year(label: object) -> int:
    """Return the end year of a school-year `label`; raise ValueError if it is not one."""
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
        raise ValueError(f"{label!r} is not one school year: the second year must follow {first}")
    return second
