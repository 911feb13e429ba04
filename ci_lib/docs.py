"""`ci-assess docs`: regenerate the generated parts of the documentation (docs/data-contract.md).

The data contract page is written from the pandera schemas (`ci_lib.contract.describe_contract`), so the
documentation can never disagree with what `ci-assess validate` checks. A test compares the committed file
with the generated text; `ci-assess docs --check` does the same (exit 1 when it is out of date).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .atomic import write_text

DATA_CONTRACT = Path("docs") / "data-contract.md"
NOTICE = ("<!-- Generated from the schemas in ci_lib/contract.py by `ci-assess docs` (or `make docs`): "
          "do not edit by hand. -->")


def data_contract_markdown() -> str:
    from .contract import describe_contract
    from .scoring.schema import rules_markdown, scores_markdown

    return "\n".join([
        NOTICE,
        "",
        describe_contract().rstrip(),
        "",
        "Tables may be `.csv` or `.xlsx` (first sheet). Every problem is reported as `file:row:column: message` "
        "(row 1 is the header) by `ci-assess validate DATA_DIR`, which exits 2 on invalid input. Ids of "
        "benchmarks, indicators and groups must exist in the year's rubric (`ci_lib/rubrics/<framework>.yml`) "
        "or, for indicators, be declared as `local_indicators` in the year's params. An outcome row gives "
        "either `numerator` and `denominator` or `value`. See the [user guide](guide.md) for the params files "
        "and the scores JSON.",
        "",
        rules_markdown().rstrip(),
        "",
        scores_markdown().rstrip(),
        "",
    ])


def generated() -> dict[Path, str]:
    """Relative path (from the project root) -> the text it must hold."""
    return {DATA_CONTRACT: data_contract_markdown()}


def kit_root() -> Path:
    """The kit's checkout (an editable install), where docs/ lives; else the current folder."""
    checkout = Path(__file__).resolve().parents[1]
    return checkout if (checkout / "pyproject.toml").exists() else Path(".")


def command(args: Any) -> int:
    root = Path(getattr(args, "root", None) or kit_root())
    stale = []
    for rel, text in generated().items():
        path = root / rel
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            print(f"{path}: up to date")
        elif args.check:
            stale.append(path)
            print(f"{path}: out of date; run `ci-assess docs` (or `make docs`)", file=sys.stderr)
        else:
            write_text(path, text)
            print(f"{path}: regenerated")
    return 1 if stale else 0
