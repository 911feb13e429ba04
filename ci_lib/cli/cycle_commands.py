"""The commands of the yearly cycle: `new-year` (start a year's params), `review` (self-ratings against reviewed
ones), `status` (where the cycle stands per community)."""

from __future__ import annotations

import argparse


def add_new_year_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("year", type=int, help="the year to start, such as 2026")
    p.add_argument("--from", dest="previous", type=int, default=None,
                   help="the year to carry params from (default: the latest earlier year under --params)")
    p.add_argument("--params", default="params")
    p.add_argument("--data", default=None,
                   help="data directory whose communities.csv lists the members (default: `data:` of that year); "
                        "written as the new year's `data:`")


def new_year(year: int, previous: int | None = None, params: str = "params", data: str | None = None) -> int:
    """`new-year`: params/<year>/ from the previous year, then what staff must review before the year runs."""
    from ci_lib.cycle.new_year import start_year

    new = start_year(year, params, previous, data)
    print(f"created {new.folder} from {new.folder.parent / str(new.previous)}: network.yml, "
          f"{len(new.carried)} member file(s) carried, {len(new.scaffolded)} new from the scaffold")
    print(f"Review before running {year}:")
    for line in new.review:
        print(f"  - {line}")
    return 0


def add_review_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--data", default=None, help="data directory (default: `data:` in network.yml)")
    p.add_argument("--params", default="params")
    p.add_argument("--json", dest="as_json", action="store_true", help="print the summary as JSON (ci_lib/cycle/review.py)")


def review(year: int, data: str | None = None, params: str = "params", as_json: bool = False) -> int:
    """`review`: per community, the benchmarks whose reviewed rating differs from the self-rating."""
    from ci_lib.cycle.review import review_summary

    summary = review_summary(year, params, data)
    if as_json:
        return print_json(summary)
    from rich.console import Console
    from rich.table import Table

    totals, differing = summary["totals"], [c for c in summary["communities"] if c["differ"]]
    table = Table(title=f"Review {year}: reviewed ratings that differ from the self-assessment")
    table.add_column("community", no_wrap=True)
    for column in ("self-rated / reviewed", "differ (lower, higher)", "gateway", "if self-rated"):
        table.add_column(column)
    for c in differing:
        table.add_row(c["community_id"], f"{c['self_rated']} / {c['reviewed']}",
                      f"{c['differ']} ({c['reviewed_lower']}, {c['reviewed_higher']})", c["gateway"]["reviewed"] or "–",
                      c["gateway"]["self_rated"] or "–")
    table.caption = (f"{totals['communities_differing']} of {totals['communities']} communities differ; "
                     f"{totals['self_rated']} of {totals['rated']} ratings self-rated, {totals['reviewed']} with a "
                     "reviewer; lower / higher: the reviewed rating against the self-rating")
    Console().print(table)
    for c in differing:
        print(f"{c['community_id']}:")
        for d in c["differences"]:
            by = f" ({d['reviewer']})" if d["reviewer"] else ""
            note = f": {d['review_note']}" if d["review_note"] else ""
            print(f"  {d['benchmark_id']} self-rated {d['self_status']}, reviewed {d['status']}{by}{note}")
    return 0


def print_json(payload: object) -> int:
    import json
    import sys

    json.dump(payload, sys.stdout, indent=1, ensure_ascii=False)
    print()
    return 0
