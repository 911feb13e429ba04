"""The commands of the yearly cycle, in its order: `new-year` (start a year's params), `forms` for members to
fill in, `collect` to merge the returned ones, `review` (self-ratings against reviewed ones), `status` (where the
cycle stands per community)."""

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
    p.add_argument("--set", dest="set_rating", nargs=3, metavar=("COMMUNITY", "BENCHMARK", "STATUS"), default=None,
                   help="record the network's reviewed rating of one benchmark (the partnership's self-rating is kept)")
    p.add_argument("--reviewer", default="", help="with --set: who reviewed it")
    p.add_argument("--note", default="", help="with --set: the reviewer's note, shown beside the difference")


def review(year: int, data: str | None = None, params: str = "params", as_json: bool = False,
           set_rating: list[str] | None = None, reviewer: str = "", note: str = "") -> int:
    """`review`: per community, the benchmarks whose reviewed rating differs from the self-rating; with
    `--set`, first record one reviewed rating."""
    from ci_lib.cycle.review import record_review, review_summary

    if set_rating:
        community, benchmark, status = set_rating
        before, after = record_review(year, community, benchmark, status, reviewer, note, params, data)
        print(f"{community} {benchmark} {year}: reviewed {after} (was {before}) by {reviewer}", file=sys.stderr)
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


def add_status_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--data", default=None, help="data directory (default: `data:` in network.yml)")
    p.add_argument("--params", default="params")
    p.add_argument("--reports", default="reports", help="reports root (default: reports)")
    p.add_argument("--notebooks", default="notebooks", help="the templates a run executes (for `up to date`)")
    p.add_argument("--json", dest="as_json", action="store_true", help="print the status as JSON (ci_lib/cycle/status.py)")


def status(year: int, data: str | None = None, params: str = "params", reports: str = "reports",
           notebooks: str = "notebooks", as_json: bool = False) -> int:
    """`status`: per community, form returned, data valid, notebook run, page built."""
    from ci_lib.cycle.status import cycle_status

    state = cycle_status(year, params, data, reports, notebooks)
    if as_json:
        return print_json(state)
    from rich.console import Console
    from rich.table import Table

    words = {"returned": "returned", "returned_with_problems": "returned, {} problem(s)", "not_returned": "not returned",
             "unknown": "unknown", "run": "run", "failed": "failed", "not_run": "not run"}
    table = Table(title=f"Status {year}")
    table.add_column("community", no_wrap=True)
    for column in ("form", "data", "notebook", "page"):
        table.add_column(column)
    for c in state["communities"]:
        data_cell = f"{c['data_errors']} error(s)" if c["data_errors"] else "valid" if state["data_valid"] else "–"
        if c["not_rated"]:
            data_cell += f", {c['not_rated']} not rated"
        table.add_row(c["community_id"], words[c["form"]].format(c["form_problems"]), data_cell,
                      words[c["notebook"]], "built" if c["page"] else "–")
    totals, fresh = state["totals"], state["notebooks_up_to_date"]
    table.caption = (f"forms returned {totals['forms_returned']}/{totals['communities']}"
                     + ("" if state["forms_record"] else " (no form collected yet)")
                     + f"; data {'valid' if state['data_valid'] else str(state['data_problems']) + ' problem(s)'}"
                     + (f" ({state['network_problems']} not tied to a community: `ci-assess validate`)"
                        if state["network_problems"] else "")
                     + f"; notebooks run {totals['notebooks_run']}, failed {totals['notebooks_failed']}"
                     + {True: " (up to date)", False: " (inputs changed since the last run)", None: ""}[fresh]
                     + f"; pages {totals['pages']}" + ("" if state["site_built"] else " (no site built)"))
    Console().print(table)
    return 0
