"""`ci-assess status`: where a year's cycle stands, per community: form returned, data valid, notebook run,
page built.

Each stage is read from the files it leaves, never recomputed: the forms from `DATA/collected.json`
(written by `ci-assess collect`; without it the forms are `unknown`), the data by validating the data
directory as `validate --year` does (each problem counted against the community of its row), the notebooks
from `reports/<year>/` (`scores/<id>.json`, a kept failed notebook, the ledger's entry, and whether the
year's inputs still have the key of its last whole run), the site from `_site/communities/<id>.html`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ci_lib.cycle.year import year_params_and_data
from ci_lib.errors import InvalidInput, Problem
from ci_lib.execute.cache import read_ledger
from ci_lib.execute.results import RunOptions
from ci_lib.execute.unchanged import inputs_key
from ci_lib.inputs.load import load_year, read_community_ids, read_text_table
from ci_lib.layout import YearLayout
from ci_lib.scoring.ratings import unrated_benchmarks

COLLECTED = "collected.json"  # DATA/collected.json, written by `ci-assess collect` (ci_lib.cycle.collect)
FORM_STATES = ("returned", "returned_with_problems", "not_returned", "unknown")
NOTEBOOK_STATES = ("run", "failed", "not_run")

# The JSON of `ci-assess status --json` (fields are only ever added):
STATUS_SCHEMA = """\
{ "year", "data", "params", "reports",
  "forms_record": path of DATA/collected.json or null (no form collected yet: every form "unknown"),
  "data_valid": bool, "data_problems": int, "network_problems": int (problems tied to no community's row),
  "notebooks_up_to_date": bool|null (the inputs still have the key of the last whole run; null: no such run or
                          an input that cannot be read, such as the templates under --notebooks),
  "site_built": bool,
  "communities": [{"community_id", "form": "returned|returned_with_problems|not_returned|unknown", "form_file",
                   "form_problems", "data_errors", "not_rated", "notebook": "run|failed|not_run", "page": bool}],
  "totals": {"communities", "forms_returned", "data_errors", "notebooks_run", "notebooks_failed", "pages"} }"""


def form_states(data_dir: Path, year: int, ids: list[str]) -> tuple[dict[str, dict[str, Any]], Path | None]:
    """Each member's form as `collect` recorded it; `unknown` for all when nothing was ever collected."""
    path = data_dir / COLLECTED
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {cid: {"form": "unknown", "form_file": None, "form_problems": None} for cid in ids}, None
    years = record.get("years") if isinstance(record, dict) else None
    this_year = years.get(str(year)) if isinstance(years, dict) else None
    this_year = this_year if isinstance(this_year, dict) else {}
    states: dict[str, dict[str, Any]] = {}
    for cid in ids:
        entry = this_year.get(cid)
        if not isinstance(entry, dict):
            states[cid] = {"form": "not_returned", "form_file": None, "form_problems": None}
            continue
        problems = int(entry.get("problems") or 0)
        states[cid] = {"form": "returned_with_problems" if problems else "returned", "form_file": entry.get("file"),
                       "form_problems": problems}
    return states, path


def problems_by_community(problems: list[Problem]) -> tuple[dict[str, int], int]:
    """Problems counted against the community named on their row; the rest (a missing file, a header) apart."""
    counts: dict[str, int] = {}
    elsewhere = 0
    frames: dict[str, pd.DataFrame | None] = {}
    for problem in problems:
        if problem.file not in frames:
            try:
                frames[problem.file] = read_text_table(Path(problem.file), [])[0]
            except Exception:  # an unreadable file: its problems are the network's, already reported
                frames[problem.file] = None
        frame = frames[problem.file]
        row = None if problem.row is None else problem.row - 2
        if frame is None or row is None or row not in frame.index or "community_id" not in frame.columns:
            elsewhere += 1
            continue
        cid = frame.at[row, "community_id"]
        if pd.isna(cid):
            elsewhere += 1
        else:
            counts[str(cid).strip()] = counts.get(str(cid).strip(), 0) + 1
    return counts, elsewhere


def cycle_status(year: int, params_root: str | Path = "params", data: str | None = None,
                 reports_root: str | Path = "reports", notebooks: str | Path = "notebooks") -> dict[str, Any]:
    """The year's cycle per community, as `ci-assess status --json` prints it (`STATUS_SCHEMA`)."""
    params, data_dir = year_params_and_data(year, params_root, data)
    rubric = params.rubric()
    layout = YearLayout(Path(reports_root), year)
    problems: list[Problem] = []
    unrated: dict[str, list[str]] = {}
    try:
        network = load_year(data_dir, params, rubric)
        members = network.communities[network.communities["joined_year"].fillna(0) <= year]["community_id"]
        ids = sorted(str(c) for c in members)
        unrated = unrated_benchmarks(network.benchmarks, network.communities, rubric, year)
    except InvalidInput as exc:
        problems = exc.problems
        ids = sorted(read_community_ids(data_dir) or set(params.communities))
    errors, elsewhere = problems_by_community(problems)
    forms, record = form_states(Path(data_dir), year, ids)
    done = read_ledger(layout.report_dir)["notebooks"] if layout.report_dir.exists() else {}
    rows = []
    for cid in ids:
        if layout.failed_notebook(cid).exists():
            notebook = "failed"
        elif layout.scores_file(cid).exists() and cid in done:
            notebook = "run"
        else:
            notebook = "not_run"
        rows.append({"community_id": cid, **forms[cid], "data_errors": errors.get(cid, 0),
                     "not_rated": len(unrated.get(cid, [])), "notebook": notebook, "page": layout.page(cid).exists()})
    return {
        "year": year, "data": str(data_dir), "params": str(params_root), "reports": str(layout.report_dir),
        "forms_record": None if record is None else str(record),
        "data_valid": not problems, "data_problems": len(problems), "network_problems": elsewhere,
        "notebooks_up_to_date": up_to_date(year, params_root, data, reports_root, notebooks, layout),
        "site_built": layout.site_index.exists(),
        "communities": rows,
        "totals": {"communities": len(rows), "forms_returned": sum(r["form"].startswith("returned") for r in rows),
                   "data_errors": sum(r["data_errors"] for r in rows),
                   "notebooks_run": sum(r["notebook"] == "run" for r in rows),
                   "notebooks_failed": sum(r["notebook"] == "failed" for r in rows),
                   "pages": sum(r["page"] for r in rows)},
    }


def up_to_date(year: int, params_root: str | Path, data: str | None, reports_root: str | Path,
               notebooks: str | Path, layout: YearLayout) -> bool | None:
    """Whether the year's inputs still have the key its last whole successful run recorded (None: no such run, or
    an input, such as the templates under `notebooks`, that cannot be read)."""
    recorded = read_ledger(layout.report_dir)["year"] if layout.report_dir.exists() else None
    if not recorded:
        return None
    options = RunOptions(year=year, data=data, params_root=str(params_root), reports_root=str(reports_root),
                         notebooks=str(notebooks))
    key = inputs_key(options)
    return None if key is None else key == recorded
