"""`ci-assess docs`: regenerate the generated parts of the documentation (docs/data-contract.md, and
docs/page-input.schema.json from the page input's types in `ci_lib.execute.page_input`).

The data contract page is written from the pandera schemas (`ci_lib.inputs.contract.describe_contract`), so the
documentation can never disagree with what `ci-assess validate` checks. A test compares the committed file
with the generated text; `ci-assess docs --check` does the same (exit 1 when it is out of date).
"""

from __future__ import annotations

from pathlib import Path

DATA_CONTRACT = Path("docs") / "data-contract.md"
PAGE_INPUT_SCHEMA = Path("docs") / "page-input.schema.json"
NOTICE = ("<!-- Generated from the schemas in ci_lib/inputs/contract.py by `ci-assess docs` (or `make docs`): "
          "do not edit by hand. -->")

SCALE_AND_ZEROS = """\
## Scale of `value`, and zeros

`value` is a percent (79 for 79%). An indicator whose every given `value` (3 or more) is at most 1 is refused:
it looks like a fraction (KIDS COUNT exports write 0.79 for 79%). Multiply by 100, or declare the scale in a
`data.yml` beside the tables: `scale: fraction` (every indicator; values are multiplied by 100 on load) or
`scale: {indicator_id: fraction}` for some; `percent` instead of `fraction` says that small values really
are percents (no check).

In the assessment's wide table (`ci-assess import cia`), `0`/`0`, `NA`/`NA` and empty cells are missing (no
row); a zero numerator over a positive denominator is a real zero (a row with numerator 0); a marker in N or
D gives a row with that `source_status` and no numbers (`NA` over a positive denominator is
`not_available`, counted in the import's summary: if your tool writes zeros as `NA`, write 0).
"""

ESTIMATES_AND_PERIODS = """\
## Estimates and periods

An indicator declared `estimate: true` (in `local_indicators` of the year's params, or in the rubric) is a
survey estimate, such as the American Community Survey's: its `numerator` and `denominator` may be fractional
(`1234.6`), and its rows may give margins of error (90% confidence, as the Census Bureau publishes them) in
`numerator_moe`, `denominator_moe` (of the counts) and `value_moe` (of the value, in its unit). A fractional
count or a margin of error of any other indicator is an error that says how to declare the estimate. The
margin of error of a percent from counts without `value_moe` is the Census Bureau's approximation for a
proportion p = N/D (*Understanding and Using American Community Survey Data*, 2020, ch. 8):
sqrt(MOE_N^2 - p^2 MOE_D^2) / D, or sqrt(MOE_N^2 + p^2 MOE_D^2) / D when the first is not real, times 100.
A trend whose change is no larger than sqrt(MOE_1^2 + MOE_2^2) is flat (`trend_reason: within_margin_of_error`).

A `year` written as a period, `2005-2009` (or `2005–2009`, `2005 - 2009`; more than one year, both in full), is a
multi-year estimate at its end year: `year` 2009 with `period_start` 2005 in the long data. Periods are accepted
for any indicator. Trends compare a period only with cells that end before it starts (2005-2009 with
2010-2014, never with 2006-2010); with only overlapping periods a trend is `insufficient_data` with
`trend_reason: overlapping_periods`. A school year (`2015-16`) is not a period: give its end year.
"""


def data_contract_markdown() -> str:
    from ci_lib.inputs.contract import describe_contract
    from ci_lib.inputs.markers import markers_markdown
    from ci_lib.scoring.schema import rules_markdown, scores_markdown

    return "\n".join([
        NOTICE,
        "",
        describe_contract().rstrip(),
        "",
        "Tables may be `.csv` or `.xlsx` (first sheet). Every problem is reported as `file:row:column: message` "
        "(row 1 is the header) by `ci-assess validate DATA_DIR`, which exits 2 on invalid input. Ids of "
        "benchmarks, indicators and groups must exist in the year's rubric (`ci_lib/inputs/rubrics/<framework>.yml`) "
        "or, for indicators, be declared as `local_indicators` in the year's params. An outcome row gives "
        "either `numerator` and `denominator` or `value`. See the [user guide](guide.md) for the params files "
        "and the scores JSON.",
        "",
        markers_markdown().rstrip(),
        "",
        SCALE_AND_ZEROS.rstrip(),
        "",
        ESTIMATES_AND_PERIODS.rstrip(),
        "",
        rules_markdown().rstrip(),
        "",
        scores_markdown().rstrip(),
        "",
    ])


def generated() -> dict[Path, str]:
    """Relative path (from the project root) -> the text it must hold."""
    from ci_lib.execute.page_input import schema_text

    return {DATA_CONTRACT: data_contract_markdown(), PAGE_INPUT_SCHEMA: schema_text()}


def kit_root() -> Path:
    """The kit's checkout (an editable install), where docs/ lives; else the current folder."""
    checkout = Path(__file__).resolve().parents[2]
    return checkout if (checkout / "pyproject.toml").exists() else Path(".")
