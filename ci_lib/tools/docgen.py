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


def data_contract_markdown() -> str:
    from ci_lib.inputs.contract import describe_contract
    from ci_lib.inputs.markers import markers_markdown
    from ci_lib.inputs.plausibility import plausibility_markdown
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
