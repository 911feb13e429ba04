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
