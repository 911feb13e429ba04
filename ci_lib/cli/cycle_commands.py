"""The commands of the yearly cycle: `forms` for members to fill in, `collect` to merge the returned ones."""

from __future__ import annotations

import argparse
import sys


def add_forms_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--params", default="params")
    p.add_argument("--data", default=None, help="data directory (default: `data:` in network.yml)")
    p.add_argument("--out", default=None, help="folder of the workbooks (default: forms/<year>)")
    p.add_argument("--community", action="append", default=None, dest="communities",
                   help="only this member (repeatable; default: every member of communities.csv)")


def forms(year: int, params: str = "params", data: str | None = None, out: str | None = None,
          communities: list[str] | None = None) -> int:
    """`forms`: one self-assessment workbook per member, `<out>/<community_id>.xlsx`."""
    from ci_lib.cycle.forms import cycle_inputs, write_forms

    inputs = cycle_inputs(year, params, data)
    folder = out or f"forms/{year}"
    written = write_forms(inputs, folder, communities)
    print(f"wrote {len(written)} form(s) to {folder}/ (framework {inputs.rubric.framework}, last year's ratings "
          f"from {inputs.previous_year}); send each member its own file, then run "
          f"`ci-assess collect <folder> --year {year}` on the returned ones")
    return 0


def add_collect_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", help="folder of the returned workbooks (.xlsx)")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--data", default=None, help="data directory (default: `data:` in network.yml)")
    p.add_argument("--params", default="params")


def collect(folder: str, year: int, data: str | None = None, params: str = "params") -> int:
    """`collect`: problems as `file:sheet:row:column: message` on stderr; forms without one are merged.

    Exit 2 when any workbook had a problem (the others are merged all the same), else 0.
    """
    from ci_lib.cycle.collect import collect_forms, summary_lines
    from ci_lib.cycle.forms import cycle_inputs

    inputs = cycle_inputs(year, params, data)
    result = collect_forms(folder, inputs)
    for form in result.forms:
        for warning in form.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    problems = result.all_problems
    for problem in problems:
        print(problem, file=sys.stderr)
    for line in summary_lines(inputs, result):
        print(line)
    merged = sum(f.merges for f in result.forms)
    print(f"collected {merged} of {len(result.forms)} form(s) into {inputs.data_dir}"
          + (f"; {len(problems)} problem(s): fix them and collect again" if problems else ""))
    return 2 if problems else 0
