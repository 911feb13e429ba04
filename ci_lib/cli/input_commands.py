"""The commands on a year's inputs: `validate` a data directory, `import` partner formats, create `params`,
scaffold a `new-community`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ci_lib.errors import KitError, ordered


def add_validate_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("data_dir")
    p.add_argument("--framework", default=None, help="rubric to check ids against (default: every known one)")
    p.add_argument("--year", type=int, help="use params/<year> (framework, local indicators)")
    p.add_argument("--params", default="params")
    p.add_argument("--strict", action="store_true", help="warnings (such as unrated benchmarks) exit 2 too")


def validate(data_dir: str, framework: str | None = None, year: int | None = None, params: str = "params",
             strict: bool = False) -> int:
    """`validate`: notes and warnings on stderr, one line of counts; exit 2 on a warning with `strict`.

    Warnings are the members with unrated benchmarks, then the plausibility warnings of the outcomes
    (`ci_lib.inputs.plausibility`), each at its file:row:column.
    """
    from ci_lib.inputs.load import load_network
    from ci_lib.inputs.rubric import available_frameworks, load_rubric

    local: dict[str, str] | None = None
    estimates: set[str] = set()
    rubric = None
    year_params = None
    if year:
        from ci_lib.inputs.load import read_community_ids
        from ci_lib.inputs.parameters import load_params

        year_params = load_params(year, params, known_communities=read_community_ids(data_dir))
        rubric = year_params.rubric(framework)
        local = year_params.local_indicator_units()
        estimates = year_params.estimate_indicator_ids()
    elif framework:
        rubric = load_rubric(framework)
    else:
        # ids known to any framework version: a union rubric for checking only
        rubric = load_rubric(available_frameworks()[-1])
        for name in available_frameworks():
            other = load_rubric(name)
            rubric = rubric.with_local_outcomes([])
            rubric.benchmarks = list({b.id: b for b in [*rubric.benchmarks, *other.benchmarks]}.values())
    data = load_network(data_dir, rubric, local, estimates, year_params)
    for note in data.notes:
        print(f"note: {note}", file=sys.stderr)
    statuses = data.outcomes["source_status"].value_counts()
    suppressed, not_available = statuses.get("suppressed_at_source", 0), statuses.get("not_available", 0)
    if suppressed or not_available:
        print(f"note: {suppressed} cells suppressed at the source, {not_available} not available (markers such as "
              "* and NA; see docs/data-contract.md)", file=sys.stderr)
    warnings = unrated_warnings(data, data_dir, year, framework, params)
    warnings += [str(w) for w in ordered(list(data.warnings))]  # plausibility: file:row:column, likely causes first
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
    add_label_options(q)
    q.add_argument("--estimate", action="store_true", help="the counts are survey estimates (ACS): fractional "
                   "numerators and denominators are read; declare the indicator `estimate: true` in params")
    q.add_argument("--scale", choices=("fraction", "percent"), default=None,  # ci_lib.inputs.scale.SCALES
                   help="what the values of 'V <year>' columns are: fraction (0.79 for 79%%, multiplied by 100) or "
                        "percent; a series of values all at most 1 is refused unless declared")
    q = formats.add_parser("students", help="student-level parquet/CSV aggregated with DuckDB")
    q.add_argument("file")
    q.add_argument("--out", required=True)
    q.add_argument("--append", action="store_true")
    q.add_argument("--min-year", type=int)
    for name, help_text in (("kidscount", "a KIDS COUNT Data Center export (Number and Percent rows)"),
                            ("table", "a long report-card table, read by a map file (columns, labels, filters)")):
        q = formats.add_parser(name, help=help_text)
        q.add_argument("file")
        q.add_argument("--map", required=True, help="the map file (YAML): see docs/guide.md, and the examples "
                                                     "in ci_lib/inputs/importers/maps/")
        q.add_argument("--out", required=True, help="outcomes CSV to write (or append to with --append)")
        q.add_argument("--append", action="store_true")
        add_label_options(q)


def add_label_options(q: argparse.ArgumentParser) -> None:
    """How an import names groups: a rubric's label map, and what a year's params add (see import_labels)."""
    q.add_argument("--framework", default=None, help="rubric whose label map names the groups (default: "
                                                     "the --year's, else toa-2019)")
    q.add_argument("--year", type=int, help="also read the groups and `labels:` params/<year> adds")
    q.add_argument("--params", default="params")


def import_rows(format: str, file: str, out: str, append: bool = False, community: str | None = None,
                indicator: str | None = None, sheet: str | None = None, framework: str | None = None,
                min_year: int | None = None, map: str | None = None, year: int | None = None,
                params: str = "params", scale: str | None = None, estimate: bool = False) -> int:
    """`import cia|students|kidscount|table`: long outcomes rows written to (or appended to) `out`, and a
    summary on stdout whose counts account for every row read; `community` and `indicator` are those of a
    `cia` table, `min_year` filters `students`, `map` drives `kidscount` and `table`, `scale` declares a `cia` table's
    value columns."""
    from ci_lib.inputs.importers import aggregate_students, read_cia, write_rows
    from ci_lib.inputs.importers.summary import ImportSummary, cia_summary

    if format == "cia":
        if community is None or indicator is None:
            raise KitError("import cia needs --community and --indicator")
        label_map, labels = import_labels(framework, year, params)
        result = read_cia(file, community_id=community, indicator_id=indicator, label_map={**label_map, **labels},
                          sheet=sheet, scale=scale, estimate=estimate)
        for row, label in result.unknown_labels:
            print(f"{file}:{row}:: unknown group label {label!r} (add it to the `aliases` of a "
                  "group in params `groups:` and pass --year, or to the rubric's label_map); row not imported", file=sys.stderr)
        rows = result.rows
        summary = cia_summary(result, file)
        if result.na_over_positive:
            print(f"{file}::: note: {result.na_over_positive} cells have NA over a positive denominator: kept "
                  "as not_available (if your tool writes a zero count as NA, write 0 instead)", file=sys.stderr)
    elif format in ("kidscount", "table"):
        rows, summary = read_mapped(format, file, str(map), framework, year, params)
    else:
        rows = aggregate_students(file, min_year=min_year)
        summary = ImportSummary(file, unit="aggregated cells", read=len(rows), written=len(rows),
                                outcome_rows=len(rows), notes=["no student-level row is written"])
    write_rows(rows, out, append=append)
    print("\n".join(summary.lines(out, append)))
    return 0


def import_labels(framework: str | None, year: int | None, params_root: str) -> tuple[dict[str, str], dict[str, str]]:
    """The labels an import names groups by: the rubric's label map (with the groups params/<year> adds, and
    their aliases), and params' own `labels:`; without --year, the framework's (default toa-2019) alone."""
    if year is None:
        from ci_lib.inputs.rubric import load_rubric

        return dict(load_rubric(framework or "toa-2019").label_map), {}
    from ci_lib.inputs.parameters import load_params

    year_params = load_params(year, params_root)
    return dict(year_params.rubric(framework).label_map), dict(year_params.labels)


def read_mapped(format: str, file: str, map_file: str, framework: str | None, year: int | None,
                params_root: str) -> tuple[Any, Any]:
    """`import kidscount|table`: the map read with the rubric's labels and params' `labels:`, then the file."""
    from ci_lib.inputs.importers.kidscount import KIDSCOUNT_KEYS, read_kidscount
    from ci_lib.inputs.importers.table import TABLE_KEYS, read_map, read_table

    label_map, labels = import_labels(framework, year, params_root)
    keys = KIDSCOUNT_KEYS if format == "kidscount" else TABLE_KEYS
    table = read_map(map_file, keys, label_map, labels)
    return read_kidscount(file, table) if format == "kidscount" else read_table(file, table)


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
