"""`audit-site`: scan a built site for leaks, unescaped markup, missing alt text and broken links."""

from __future__ import annotations

import argparse
import sys

from ci_lib.errors import KitError


def add_audit_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("path")
    p.add_argument("--data", help="private inputs: recompute suppression to prove the blanks are complete")
    p.add_argument("--year", type=int)
    p.add_argument("--params", default="params")


def audit_site(path: str, data: str | None = None, year: int | None = None, params: str = "params") -> int:
    """Every finding on stderr and exit 1, or one line of what was checked; `data` needs the `year`."""
    if data is not None and year is None:
        raise KitError("audit-site --data needs --year: the year whose params set the suppression to recompute")
    from ci_lib.website import audit

    result = audit.audit_site(path, data, year, params)
    checked = ", ".join(f"{v} {k}" for k, v in result.checked.items())
    for finding in result.findings:
        print(finding, file=sys.stderr)
    if result.findings:
        print(f"audit FAILED: {len(result.findings)} finding(s); checked {checked}", file=sys.stderr)
        return 1
    print(f"audit passed: {checked}")
    return 0
