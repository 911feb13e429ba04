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

`value` is in the indicator's unit (see Units): for a percent, 79 for 79%. A percent indicator whose every given
`value` (3 or more) is at most 1 is refused: it looks like a fraction (KIDS COUNT exports write 0.79 for 79%).
Multiply by 100, or declare the scale: in a data directory, a `data.yml` beside the tables with
`scale: fraction` (every indicator; values are multiplied by 100 on load) or `scale: {indicator_id: fraction}`
for some; on import, `--scale fraction` (`ci-assess import cia ...`, or `scale: fraction` in an importer's map
file). `percent` instead of `fraction` says that small values really are percents (no check). The check and its
message are one function, `ci_lib.inputs.scale.fraction_problems` (`refuse_fractions` for importers); indicators
of other units (a score of 0.8) are not checked.

In the assessment's wide table (`ci-assess import cia`), `0`/`0`, `NA`/`NA` and empty cells are missing (no
row); a zero numerator over a positive denominator is a real zero (a row with numerator 0); a marker in N or
D gives a row with that `source_status` and no numbers (`NA` over a positive denominator is
`not_available`, counted in the import's summary: if your tool writes zeros as `NA`, write 0). A year may
give values instead of counts, in a column `V <year>` (also `Value`, `Percent` or `%` before the year): the
indicator's value in its unit (dollars for a currency), empty for no data, a marker for a status.
"""

UNITS_INTRO = """\
## Units

An indicator's `unit` (the rubric's outcomes, or `unit:` of a local indicator in params; default `percent`)
decides the range of its values, whether counts can give it, how a change is measured and whether it has
disparity gaps. A `points` change is later minus earlier in the unit (percentage points for percents); a
`relative` change is the change as a percent of the earlier value (Results-Based Accountability's "baseline %
change"), used for every trend method (baseline, prior, consecutive, streaks) and compared with the minimum
change in the same measure: a local indicator's `min_change` is in points for percents and rates, in percent of
the earlier value for counts, currency and scores. Each outcome row of the scores JSON says which measure its
trend used (`change_kind`); `change_pp` is always latest minus baseline in the unit and `change_pct` the relative
change. Gaps are differences in points, so counts, currency and scores have none (the page says why).
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
    from ci_lib.inputs.importers.table import importers_markdown
    from ci_lib.inputs.markers import markers_markdown
    from ci_lib.inputs.plausibility import plausibility_markdown
    from ci_lib.inputs.rules import units_markdown
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
        UNITS_INTRO + "\n" + units_markdown().rstrip(),
        "",
        SCALE_AND_ZEROS.rstrip(),
        "",
        importers_markdown().rstrip(),
        ESTIMATES_AND_PERIODS.rstrip(),
        plausibility_markdown().rstrip(),
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
