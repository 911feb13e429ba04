"""Micro benchmark of a community page's outcome charts: `CommunityPage.outcomes()` for every member of a year.

    python benchmarks/bench_charts.py reports/2025 [--repeat 5]

`reports/2025` is a year already run (e.g. `ci-assess demo --communities 10` then `ci-assess assess`). The first
pass builds the chart frames (a notebook's first page on a new kernel); the warm passes are what every later page
of a warm kernel costs. Prints the cold pass and the median warm pass, in CPU seconds for all members.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    from ci_lib.pages import plots
    from ci_lib.pages.report import CommunityPage

    parser = argparse.ArgumentParser()
    parser.add_argument("report_dir", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    year = int(args.report_dir.name)
    ids = sorted(p.stem for p in (args.report_dir / "_work").glob("*.json") if not p.stem.startswith(("_", "ledger")))
    pages = [CommunityPage.load(args.report_dir, cid, year) for cid in ids]

    def one_pass() -> float:
        started = time.process_time()  # CPU: the shared machine's load does not count
        for page in pages:
            page.__dict__.pop("_by_indicator", None)  # as a new page would group its rows
            page.outcomes()
        return time.process_time() - started

    plots.reset_caches()
    cold = one_pass()
    warm = [one_pass() for _ in range(args.repeat)]
    charts = sum(len(page.indicator_ids()) for page in pages)
    print(f"{len(pages)} members, {charts} charts: cold pass {cold:.3f} s; warm pass median {statistics.median(warm):.3f} s "
          f"(min {min(warm):.3f}, max {max(warm):.3f}); {1000 * statistics.median(warm) / charts:.1f} ms a chart")


if __name__ == "__main__":
    main()
