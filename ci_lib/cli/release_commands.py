"""The commands on a finished year: `publish` its release bundle, `verify` it re-derives byte for byte."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from ci_lib.cli.interrupts import sigterm_as_interrupt


def add_publish_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--reports", default="reports")
    p.add_argument("--out", help="directory for the bundle (default: the reports root)")


def publish_year(year: int, reports: str = "reports", out: str | None = None) -> int:
    """`publish`: ci-assessment-<year>.tar.gz in `out` (default: the reports root), with its size and sha256."""
    from ci_lib.digest import file_sha256
    from ci_lib.layout import YearLayout
    from ci_lib.release.publish import publish

    target, files = publish(YearLayout(Path(reports), year).report_dir, out or reports)
    print(f"{target}: {len(files)} files ({sum(len(b) for b in files.values()) / 1e6:.1f} MB unpacked), "
          f"sha256 {file_sha256(target)}")
    return 0


def add_verify_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("report_dir", help="a published year, e.g. reports/2025")
    p.add_argument("--notebooks", help="notebook templates (default: notebooks/ of the project root)")
    p.add_argument("--params", help="params root (default: the manifest's params_dir)")
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--keep", action="store_true", help="keep the re-derived year (its path is printed)")


def verify(report_dir: str, notebooks: str | None = None, params: str | None = None, jobs: int | None = None,
           keep: bool = False) -> int:
    """`verify reports/<year>`: prints every difference; exit 0 when identical, 1 otherwise."""
    from ci_lib.release.verify import verify_year

    print(f"verifying {report_dir}: checking inputs, then re-deriving the year (this re-executes it)")
    try:
        with sigterm_as_interrupt():  # so SIGTERM unwinds through verify_year's cleanup of its scratch folder
            result = verify_year(report_dir, notebooks, params, jobs, keep)
    except KeyboardInterrupt as exc:
        print("verify interrupted: nothing was compared; its scratch folder is removed", file=sys.stderr)
        return 128 + getattr(exc, "signum", signal.SIGINT)
    for problem in result.problems:
        print(problem, file=sys.stderr)
    for artifact in result.differing:
        print(f"artifact {artifact}", file=sys.stderr)
    if result.kept:
        print(f"re-derived year kept in {result.kept}")
    if not result.ok:
        print(f"verify FAILED: {len(result.problems)} input problem(s), {len(result.differing)} of "
              f"{result.compared} artifacts differ", file=sys.stderr)
        return 1
    print(f"verified: inputs match the manifest and all {result.compared} artifacts re-derive byte for byte")
    return 0
