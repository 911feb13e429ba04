"""The data contract as pandera schemas: one schema per input table, checks declared beside columns.

Tables are read as text first (see `load.py`), converted column by column with every unparseable cell
reported, and then validated here lazily so that a user can fix a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandera.pandas as pa

from ci_lib.ids import COMMUNITY_ID
from ci_lib.inputs.markers import STATUSES as SOURCE_STATUSES

STATUSES = ("not_started", "in_progress", "met")
URL_OR_EMPTY = r"(https?://\S+)?"
# margins of error of an `estimate: true` indicator's cells (90% confidence, as the Census Bureau publishes them)
MOE_COLUMNS = ("numerator_moe", "denominator_moe", "value_moe")


def _slug(column: str = "community_id") -> pa.Column:
    return pa.Column(
        str,
        pa.Check.str_matches(COMMUNITY_ID.pattern + "$", error="must be a slug of a-z, 0-9 and '-' (max 63)"),
        nullable=False,
        title=column,
    )


def _text(nullable: bool = False, required: bool = True) -> pa.Column:
    checks = [] if nullable else [pa.Check(lambda s: s.str.strip().str.len() > 0, element_wise=False,
                                           error="must not be empty")]
    checks.append(pa.Check(lambda s: s.str.len() <= 500, error="longer than 500 characters"))
    return pa.Column(str, checks, nullable=nullable, required=required)


def _year() -> pa.Column:
    return pa.Column("Int64", pa.Check.in_range(1990, 2100, error="year must be between 1990 and 2100"))


COMMUNITIES = pa.DataFrameSchema(
    {
        "community_id": _slug(),
        "name": _text(),
        "state": _text(),
        "anchor_entity": _text(),
        "joined_year": _year(),
        "region": _text(nullable=True, required=False),
        "website": pa.Column(str, pa.Check.str_matches(URL_OR_EMPTY + "$", error="must be an http(s) URL"),
                             nullable=True, required=False),
    },
    unique=["community_id"],
    name="communities",
)

BENCHMARKS = pa.DataFrameSchema(
    {
        "community_id": _slug(),
        "year": _year(),
        "benchmark_id": _text(),
        "status": pa.Column(str, pa.Check.isin(STATUSES, error="must be one of " + ", ".join(STATUSES))),
        "evidence": pa.Column(str, pa.Check(lambda s: s.str.len() <= 2000, error="longer than 2000 characters"),
                              nullable=True),
        "reviewer": _text(nullable=True, required=False),
        # the partnership's own rating (its self-assessment form); `status` is the network's reviewed one, which scores
        "self_status": pa.Column(str, pa.Check.isin(STATUSES, error="must be empty or one of " + ", ".join(STATUSES)),
                                 nullable=True, required=False),
        "review_note": pa.Column(str, pa.Check(lambda s: s.str.len() <= 2000, error="longer than 2000 characters"),
                                 nullable=True, required=False),
    },
    unique=["community_id", "year", "benchmark_id"],
    name="benchmarks",
)

OUTCOMES = pa.DataFrameSchema(
    {
        "community_id": _slug(),
        "indicator_id": pa.Column(str, pa.Check.str_matches(r"[a-z][a-z0-9_]{0,62}$",
                                                            error="must be a snake_case id")),
        "year": _year(),
        "group": pa.Column(str, pa.Check.str_matches(r"[a-z][a-z0-9_]{0,62}$", error="must be a group id")),
        "numerator": pa.Column("Float64", pa.Check.ge(0, error="counts cannot be negative"), nullable=True),
        "denominator": pa.Column("Float64", pa.Check.ge(0, error="counts cannot be negative"), nullable=True),
        "value": pa.Column("Float64", pa.Check.ge(0, error="cannot be negative; a percent is at most 100, a rate "
                                                            "per 1,000 at most 1000 (see Units)"),
                           nullable=True, required=False),
        **{column: pa.Column("Float64", pa.Check.ge(0, error="a margin of error cannot be negative"), nullable=True,
                             required=False) for column in MOE_COLUMNS},
        "source_status": pa.Column(str, pa.Check.isin(("", *SOURCE_STATUSES),
                                                      error="must be one of " + ", ".join(SOURCE_STATUSES)),
                                   nullable=True, required=False),
    },
    unique=["community_id", "indicator_id", "year", "group"],
    name="outcomes",
)


@dataclass(frozen=True)
class TableSpec:
    """How a table is read: its schema, which columns are numbers, and which are optional."""

    name: str
    schema: pa.DataFrameSchema
    integers: tuple[str, ...] = ()
    floats: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()  # whole numbers, but fractional for an indicator declared `estimate: true`

    @property
    def required(self) -> list[str]:
        return [c for c in self.schema.columns if c not in self.optional]


TABLES = {
    "communities": TableSpec("communities", COMMUNITIES, integers=("joined_year",), optional=("region", "website")),
    "benchmarks": TableSpec("benchmarks", BENCHMARKS, integers=("year",),
                            optional=("reviewer", "evidence", "self_status", "review_note")),
    "outcomes": TableSpec("outcomes", OUTCOMES, integers=("year",), counts=("numerator", "denominator"),
                          floats=("value", *MOE_COLUMNS),
                          optional=("value", "numerator", "denominator", "source_status", *MOE_COLUMNS)),
}


# What a table's columns mean together, beyond each column's checks (printed under the table)
TABLE_NOTES = {
    "benchmarks": "`status` is the rating that scores: the network's reviewed rating (until staff review a "
                  "benchmark, the partnership's own). `self_status` is the partnership's self-rating from its "
                  "assessment, kept beside it (empty: not recorded); `reviewer` and `review_note` say who reviewed "
                  "it and why a reviewed rating differs. Pages mark where the two differ, and "
                  "`ci-assess review --year Y` lists the differences per community.",
}


def describe_contract() -> str:
    """Markdown reference of the data contract generated from the schemas (for the user guide)."""
    lines = ["# Data contract", ""]
    for spec in TABLES.values():
        lines += [f"## `{spec.name}.csv`", "", "| column | type | required | checks |", "|---|---|---|---|"]
        for name, col in spec.schema.columns.items():
            checks = "; ".join(str(c.error or c.name) for c in col.checks) or "-"
            req = "no" if name in spec.optional else "yes"
            kind = "Int64 (Float64 for `estimate: true`)" if name in spec.counts else col.dtype
            if name == "year" and spec.name == "outcomes":
                kind = "Int64, or a period `2005-2009`"
            lines.append(f"| `{name}` | {kind} | {req} | {checks} |")
        unique = spec.schema.unique
        if unique:
            lines.append(f"\nEach row is unique by ({', '.join(unique)}).")
        if spec.name in TABLE_NOTES:
            lines.append(f"\n{TABLE_NOTES[spec.name]}")
        lines.append("")
    return "\n".join(lines)
