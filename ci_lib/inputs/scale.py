"""Fractions written for percents (0.79 for 79%): found, refused with how to declare them, or scaled.

KIDS COUNT exports and many state files write shares as fractions; read as percents they would pass
validation as 0.79 % and every trend would read flat. The check and its message live here, once, for the
data directory (`ci_lib.inputs.load`, declared in `data.yml`) and every importer (`--scale` or a map file's
`scale:`): `fraction_problems` finds them in long outcome rows, `refuse_fractions` raises for an importer,
`scaled` multiplies declared fractions by 100.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ci_lib.errors import ImportFormatError, Problem
from ci_lib.inputs.rules import DEFAULT_UNIT

SCALES = ("percent", "fraction")
FRACTION_MIN_VALUES = 3  # fewer values all <= 1 may be real small percents; the check needs a pattern
Scale = Mapping[str, str] | str | None  # one scale for every indicator, or one per indicator id
HOW_TO_DECLARE = ("declare `scale: fraction` in data.yml beside the tables (a data directory), or import with "
                  "`--scale fraction` (`ci-assess import ...`, or `scale: fraction` in its --map file); "
                  "`percent` instead of `fraction` if these really are percents")


def scale_of(scale: Scale, indicator: str) -> str | None:
    return scale.get(indicator) if isinstance(scale, Mapping) else scale


def fraction_message(indicator: str, values: pd.Series) -> str:
    """The one message for a series that looks like fractions: what was found and both ways to declare it."""
    first = values.iloc[0]
    shown = repr(first.item() if hasattr(first, "item") else first)
    return (f"every value of indicator {indicator!r} is at most 1 ({len(values)} values, e.g. {shown}): looks like "
            f"a fraction (0.79 for 79%); multiply by 100, or {HOW_TO_DECLARE}")


def fraction_problems(rows: pd.DataFrame, path: str, scale: Scale = None, units: Mapping[str, str] | None = None,
                      lines: Sequence[int] | None = None) -> tuple[set[str], list[Problem]]:
    """Percent indicators whose every given `value` (at least `FRACTION_MIN_VALUES`) is at most 1.

    `rows` are long outcome rows (`indicator_id`, `value`); an indicator with a declared scale is not checked,
    nor one whose unit (`units`, id -> unit) is not a percent: a score of 0.8 or a rate of 0.4 per 1,000 may
    be real. Each is reported once, at its first row: `lines[i]` is the file line of row i (default: the
    loader's `index + 2`). Returns the ids found and one problem each (priority 0: a likely cause).
    """
    given = rows[rows["value"].notna() & rows["indicator_id"].notna()]
    found: set[str] = set()
    problems = []
    for indicator, values in given.groupby("indicator_id", sort=True)["value"]:
        unit = (units or {}).get(str(indicator), DEFAULT_UNIT)
        if (len(values) < FRACTION_MIN_VALUES or values.max() > 1 or unit != DEFAULT_UNIT
                or scale_of(scale, str(indicator)) is not None):
            continue
        found.add(str(indicator))
        position = rows.index.get_loc(values.index[0])
        line = int(lines[position]) if lines is not None else int(values.index[0]) + 2
        problems.append(Problem(path, line, "value", fraction_message(str(indicator), values), priority=0))
    return found, problems


def refuse_fractions(rows: pd.DataFrame, path: str, scale: Scale = None, units: Mapping[str, str] | None = None,
                     lines: Sequence[int] | None = None) -> None:
    """For an importer: raise `ImportFormatError` at the first series that looks like fractions."""
    _, problems = fraction_problems(rows, path, scale, units, lines)
    if problems:
        raise ImportFormatError.of(problems[0])


def scaled(frame: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """Values (and their margins of error, `value_moe`) of indicators declared `fraction` as percents (x 100)."""
    fraction = frame["indicator_id"].map(lambda i: scale_of(scale, str(i)) == "fraction").astype(bool)
    frame = frame.copy()
    for column in ("value", "value_moe"):
        if column in frame.columns:  # 0.29 * 100 is 28.999999999999996: rounded
            frame[column] = frame[column].mask(fraction, (frame[column] * 100).round(9))
    frame.attrs["fraction_scaled"] = True
    return frame
