"""The README's Reliability numbers come from the tests' own inputs: they cannot drift silently."""

from __future__ import annotations

import re

from tests.paths import REPO_ROOT

REPO = REPO_ROOT
BAD = REPO / "tests" / "fixtures" / "bad"


def readme_number(label: str) -> int:
    match = re.search(rf"\*\*(\d+)\*\* {re.escape(label)}", (REPO / "README.md").read_text())
    assert match, f"README has no '**N** {label}'"
    return int(match.group(1))


def test_bad_input_counts_match_the_corpus():
    cases = [p for p in BAD.iterdir() if p.is_dir() and not p.name.startswith("_")]
    valid = [p for p in cases if p.name.startswith("valid_")]
    assert readme_number("malformed or unusual input directories") == len(cases)
    assert readme_number("of them valid but unusual") == len(valid)
    assert len(cases) - len(valid) >= 59
    with_absent = [p for p in cases if (p / "absent.txt").exists()]
    assert readme_number("also name the misleading messages they must not give") == len(with_absent)
