"""The commands on a year's inputs: `validate` a data directory, `import` partner formats, create `params`,
scaffold a `new-community`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ci_lib.errors import KitError


def add_validate_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("data_dir")
    p.add_argument("--framework", default=None, help="rubric to check ids against (default: every known one)")
    p.add_argument("--year", type=int, help="use params/<year> (framework, local indicators)")
    p.add_argument("--params", default="params")
    p.add_argument("--strict", action="store_true", help="warnings (such as unrated benchmarks) exit 2 too")


def validate(data_dir: str, framework: str | None = None, year: int | None = None, params: str = "params",
             strict: bool = False) -> int:
    """`validate`: notes and warnings on stderr, one line of counts; exit 2 on a warning with `strict`."""
    from ci_lib.inputs.load import load_network
    from ci_lib.inputs.rubric import available_frameworks, load_rubric

    local: set[str] | None = None
    rubric = None
    if year:
        from ci_lib.inputs.load import read_community_ids
        from ci_lib.inputs.parameters import load_params

        year_params = load_params(year, params, known_communities=read_community_ids(data_dir))
        rubric = load_rubric(framework or year_params.framework)
        local = year_params.all_local_indicator_ids()
    elif framework:
        rubric = load_rubric(framework)
    else:
        # ids known to any framework version: a union rubric for checking only
        rubric = load_rubric(available_frameworks()[-1])
        for name in available_frameworks():
            other = load_rubric(name)
            rubric = rubric.with_local_outcomes([])
            rubric.benchmarks = list({b.id: b for b in [*rubric.benchmarks, *other.benchmarks]}.values())
    data = load_network(data_dir, rubric, local)
    for note in data.notes:
        print(f"note: {note}", file=sys.stderr)
    statuses = data.outcomes["source_status"].value_counts()
    suppressed, not_available = statuses.get("suppressed_at_source", 0), statuses.get("not_available", 0)
    if suppressed or not_available:
        print(f"note: {suppressed} cells suppressed at the source, {not_available} not available (markers such as "
              "* and NA; see docs/data-contract.md)", file=sys.stderr)
    warnings = unrated_warnings(data, data_dir, year, framework, params)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{data_dir}: valid ({len(data.communities)} communities, {len(data.benchmarks)} benchmark ratings, "
          f"{len(data.outcomes)} outcome rows)" + (f"; {len(warnings)} warning(s)" if warnings else ""))
    return 2 if warnings and strict else 0


def unrated_warnings(data: Any, data_dir: str, year: int | None, framework: str | None, params_root: str) -> list[str]:
    """One line per member whose assessment year has benchmarks without a rating (scored `not_rated`).

    The year is --year, else the latest year of benchmarks.csv; the framework is --framework, else that
    year's params, else the default rubric (as `score` uses).
    """
    from ci_lib.inputs.rubric import load_rubric
    from ci_lib.scoring.ratings import unrated_benchmarks

    years = data.benchmarks["year"].dropna()
    year = year or (int(years.max()) if len(years) else None)
    if year is None:
        return []
    from ci_lib.inputs.parameters import load_params

    params = load_params(year, params_root) if (Path(params_root) / str(year) / "network.yml").exists() else None
    rubric = load_rubric(framework or (params.framework if params else "toa-2019"))
    name = next((k for k in data.file_sha256 if k.startswith("benchmarks.")), "benchmarks.csv")
    where = Path(data_dir) / name
    out = []
    for cid, ids in unrated_benchmarks(data.benchmarks, data.communities, rubric, year).items():
        shown = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
        carried = params is not None and params.rules_for(rubric, cid)[0].get("carry_forward_unrated")
        what = ("last year's rating is carried forward where there is one" if carried else
                "scored not_rated, credit 0; the assessment is marked incomplete")
        out.append(f"{where}: {cid} {year}: {len(ids)} benchmark(s) not rated: {shown} ({what})")
    return out


def add_import_options(p: argparse.ArgumentParser) -> None:
    formats = p.add_subparsers(dest="format", required=True)
    q = formats.add_parser("cia", help='the "Civic Infrastructure Assessment" wide table (CSV or .xlsx)')
    q.add_argument("file")
    q.add_argument("--community", required=True)
    q.add_argument("--indicator", required=True)
    q.add_argument("--out", required=True, help="outcomes CSV to write (or append to with --append)")
    q.add_argument("--append", action="store_true")
    q.add_argument("--sheet", default=None)
    q.add_argument("--framework", default="toa-2019", help="rubric whose label map names the groups")
    q = formats.add_parser("students", help="student-level parquet/CSV aggregated with DuckDB")
    q.add_argument("file")
    q.add_argument("--out", required=True)
    q.add_argument("--append", action="store_true")
    q.add_argument("--min-year", type=int)


def import_rows(format: str, file: str, out: str, append: bool = False, community: str | None = None,
                indicator: str | None = None, sheet: str | None = None, framework: str = "toa-2019",
                min_year: int | None = None) -> int:
    """`import cia|students`: long outcomes rows written to (or appended to) `out`; `community` and
    `indicator` are those of a `cia` table, `min_year` filters `students`."""
    from ci_lib.inputs.importers import aggregate_students, read_cia, write_rows
    from ci_lib.inputs.rubric import load_rubric

    if format == "cia":
        if community is None or indicator is None:
            raise KitError("import cia needs --community and --indicator")
        result = read_cia(file, community_id=community, indicator_id=indicator,
                          label_map=load_rubric(framework).label_map, sheet=sheet)
        for row, label in result.unknown_labels:
            print(f"{file}:{row}:: unknown group label {label!r} (add it to the rubric's label_map); "
                  "row not imported", file=sys.stderr)
        rows = result.rows
        extra = f", {result.skipped_zero_cells} empty cells skipped" + "".join(
            f", {n} {status.replace('_', ' ')}" for status, n in sorted(result.source_status_cells.items()))
        if result.na_over_positive:
            print(f"{file}::: note: {result.na_over_positive} cells have NA over a positive denominator: kept "
                  "as not_available (if your tool writes a zero count as NA, write 0 instead)", file=sys.stderr)
    else:
        rows = aggregate_students(file, min_year=min_year)
        extra = " (aggregated; no student-level row is written)"
    write_rows(rows, out, append=append)
    print(f"{'appended' if append else 'wrote'} {len(rows)} outcome rows to {out}{extra}")
    return 0


def add_params_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--data", help="data directory (default: `data:` in network.yml)")
    p.add_argument("--params", default="params")


def create_params(year: int, data: str | None = None, params: str = "params") -> int:
    """`params`: a params file for each member of communities.csv that has none; existing ones are kept."""
    from ci_lib.cycle.scaffold import missing_params
    from ci_lib.inputs.load import load_network
    from ci_lib.inputs.parameters import data_dir_for, load_params

    year_params = load_params(year, params)
    data_dir = data or data_dir_for(year_params.data, params)
    if not data_dir:
        raise KitError("no data directory: pass --data")
    network = load_network(data_dir, None, None)
    created = missing_params(list(network.communities["community_id"]), year, params)
    print(f"created {len(created)} params file(s); existing files left as they were")
    return 0


def add_new_community_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("community_id")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--params", default="params")


def new_community(community_id: str, year: int, params: str = "params") -> int:
    """`new-community`: params/<year>/<ID>.yml with commented defaults."""
    from ci_lib.cycle import scaffold

    print(f"created {scaffold.new_community(community_id, year, params)}")
    return 0
