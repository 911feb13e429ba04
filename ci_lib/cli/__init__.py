"""`ci-assess`: a thin command-line layer over the library. User errors exit 2 without a traceback."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ci_lib import __version__
from ci_lib.errors import InvalidInput, KitError


class Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler or `kill` ending the run): handled as Ctrl-C is, and exits 128 + 15."""

    signum = signal.SIGTERM


class Interrupted(Exception):
    """A run ended by Ctrl-C or SIGTERM after `finished` notebooks: one line, exit 128 + the signal."""

    def __init__(self, finished: int, signum: int):
        verb = "terminated" if signum == signal.SIGTERM else "interrupted"
        super().__init__(f"{verb}; {finished} notebooks finished, rerun to resume")
        self.exit_code = 128 + signum


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While a run executes, SIGTERM unwinds it as Ctrl-C does: its workers are stopped and it says so."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminated(signum: int, frame: Any) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def parse_shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(x) for x in text.split("/"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError("--shard takes I/N, e.g. 0/4") from exc
    if not (count >= 1 and 0 <= index < count):
        raise argparse.ArgumentTypeError("--shard I/N needs 0 <= I < N")
    return index, count


def add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--data", help="data directory (default: `data:` in params/<year>/network.yml)")
    p.add_argument("--params", default="params", help="params root (default: params)")
    p.add_argument("--reports", default="reports", help="reports root (default: reports)")
    p.add_argument("--notebooks", default="notebooks", help="notebook templates (default: notebooks)")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument("--only", nargs="+", default=[], metavar="ID", help="run only these communities")
    p.add_argument("--executor", choices=["local", "serial", "dask"], default="local")
    p.add_argument("--scheduler", help="Dask scheduler address (default: a LocalCluster)")
    p.add_argument("--shard", type=parse_shard, help="I/N: run the I-th of N shards (Indexed Jobs, Slurm arrays)")
    p.add_argument("--force", action="store_true", help="ignore the cache and re-execute everything")
    p.add_argument("--timeout", type=float, default=600, help="seconds allowed per notebook (default 600)")
    p.add_argument("--cold", action="store_true", help="fresh kernel per notebook (slow; for comparison)")
    p.add_argument("--quiet", action="store_true", help="no progress bar (CI)")
    p.add_argument("--log-json", metavar="FILE", help="append one JSON line per notebook (for schedulers)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ci-assess", description="Civic Infrastructure Assessment Kit")
    parser.add_argument("--version", action="version", version=f"ci-assess {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check a data directory against the data contract")
    p.add_argument("data_dir")
    p.add_argument("--framework", default=None, help="rubric to check ids against (default: every known one)")
    p.add_argument("--year", type=int, help="use params/<year> (framework, local indicators)")
    p.add_argument("--params", default="params")
    p.add_argument("--strict", action="store_true", help="warnings (such as unrated benchmarks) exit 2 too")

    p = sub.add_parser("score", help="scores without notebooks (fast path)")
    p.add_argument("data_dir")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--community")
    p.add_argument("--json", action="store_true", help="print the scores JSON")
    p.add_argument("--params", default="params")

    add_run_options(sub.add_parser("run", help="execute the notebooks of a year"))

    p = sub.add_parser("render", help="build reports/<year>/_site")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--reports", default="reports")
    p.add_argument("--engine", choices=["auto", "quarto", "builtin"], default="auto")

    p = sub.add_parser("assess", help="run + render")
    add_run_options(p)
    p.add_argument("--engine", choices=["auto", "quarto", "builtin"], default="auto")

    p = sub.add_parser("demo", help="generate data/demo and assess it")
    p.add_argument("--year", type=int, default=2025)
    p.add_argument("--out", default="data/demo")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--communities", type=int, default=70)
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--generate-only", action="store_true")
    p.add_argument("--engine", choices=["auto", "quarto", "builtin"], default="auto")
    p.add_argument("--quiet", action="store_true")

    p = sub.add_parser("new-community", help="scaffold params/<year>/<ID>.yml with commented defaults")
    p.add_argument("community_id")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--params", default="params")

    p = sub.add_parser("params", help="create missing params from communities.csv (never overwrites)")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--data", help="data directory (default: `data:` in network.yml)")
    p.add_argument("--params", default="params")

    p = sub.add_parser("import", help="import partner data formats into long outcomes rows")
    isub = p.add_subparsers(dest="format", required=True)
    q = isub.add_parser("cia", help='the "Civic Infrastructure Assessment" wide table (CSV or .xlsx)')
    q.add_argument("file")
    q.add_argument("--community", required=True)
    q.add_argument("--indicator", required=True)
    q.add_argument("--out", required=True, help="outcomes CSV to write (or append to with --append)")
    q.add_argument("--append", action="store_true")
    q.add_argument("--sheet", default=None)
    q.add_argument("--framework", default="toa-2019", help="rubric whose label map names the groups")
    q = isub.add_parser("students", help="student-level parquet/CSV aggregated with DuckDB")
    q.add_argument("file")
    q.add_argument("--out", required=True)
    q.add_argument("--append", action="store_true")
    q.add_argument("--min-year", type=int)

    p = sub.add_parser("merge", help="join shard manifests (after --shard runs) into manifest.json")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--reports", default="reports")

    p = sub.add_parser("audit-site", help="scan a built site for leaks, unescaped markup, alt text, links")
    p.add_argument("path")
    p.add_argument("--data", help="private inputs: recompute suppression to prove the blanks are complete")
    p.add_argument("--year", type=int)
    p.add_argument("--params", default="params")

    p = sub.add_parser("doctor", help="compare the installed packages with requirements.lock (exit 1 on drift)")
    p.add_argument("--lock", help="lock file (default: requirements.lock here, else the kit's checkout)")
    p = sub.add_parser("verify", help="re-derive a published year from its manifest; compare byte for byte")
    p.add_argument("report_dir", help="a published year, e.g. reports/2025")
    p.add_argument("--notebooks", help="notebook templates (default: notebooks/ of the project root)")
    p.add_argument("--params", help="params root (default: the manifest's params_dir)")
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--keep", action="store_true", help="keep the re-derived year (its path is printed)")
    p = sub.add_parser("publish", help="release bundle ci-assessment-<year>.tar.gz (site, manifest, SHA256SUMS)")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--reports", default="reports")
    p.add_argument("--out", help="directory for the bundle (default: the reports root)")
    p = sub.add_parser("lab", help="JupyterLab in the project root (needs the [lab] extra)")
    p.add_argument("lab_args", nargs=argparse.REMAINDER, help="after --: passed on to jupyter lab")
    p = sub.add_parser("check-notebooks", help="notebook rules: parameters, paths, network, plots, pairing, outputs")
    p.add_argument("--notebooks", default="notebooks", help="folder of templates (default: notebooks)")
    p = sub.add_parser("docs", help="regenerate docs/data-contract.md from the schemas")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 when a generated page is out of date")
    p.add_argument("--root", help="folder holding docs/ (default: the kit's checkout)")
    return parser


def progress_printer(quiet: bool, log_json: str | None):
    """A rich progress bar with live ok/cached/failed counts and ETA, plus optional JSON lines."""
    counts: Counter[str] = Counter()
    log = open(log_json, "a", encoding="utf-8") if log_json else None  # noqa: SIM115 - closed by caller
    bar: dict[str, Any] = {}
    if not quiet:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        progress = Progress(TextColumn("[bold]notebooks"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[counts]}"), TimeRemainingColumn(), transient=False)
        bar["progress"] = progress

    def callback(result: Any, done: int, total: int) -> None:
        counts[result.status] += 1
        if log:
            log.write(json.dumps({"name": result.name, "status": result.status, "seconds": result.seconds,
                                  "error": result.error, "done": done, "total": total}) + "\n")
            log.flush()
        if "progress" in bar:
            progress = bar["progress"]
            if "task" not in bar:
                progress.start()
                bar["task"] = progress.add_task("run", total=total, counts="")
            text = " ".join(f"{k} {counts[k]}" for k in ("ok", "cached", "failed") if counts[k])
            progress.update(bar["task"], total=max(total, done), completed=done, counts=text)

    def close() -> None:
        if "progress" in bar and "task" in bar:
            bar["progress"].stop()
        if log:
            log.close()

    callback.close = close  # type: ignore[attr-defined]
    return callback


def print_summary(report: Any) -> None:
    """One line of counts, then a table of the notebooks worth a look (all of them for small runs)."""
    from rich.console import Console
    from rich.table import Table

    counts = Counter(r.status for r in report.results)
    console = Console()
    console.print(f"{report.report_dir}: ok {counts['ok']} · cached {counts['cached']} · failed {counts['failed']}")
    shown = report.results if len(report.results) <= 25 else [r for r in report.results if r.status == "failed"]
    if not shown:
        return
    table = Table()
    table.add_column("notebook")
    table.add_column("status")
    table.add_column("seconds", justify="right")
    table.add_column("error")
    for r in shown:
        style = {"failed": "red", "cached": "dim"}.get(r.status, "")
        table.add_row(r.name, f"[{style}]{r.status}[/]" if style else r.status, f"{r.seconds:.2f}", r.error)
    if len(shown) < len(report.results):
        table.caption = f"{len(report.results) - len(shown)} notebooks ok or cached not listed"
    console.print(table)


def assess_options(args: argparse.Namespace, render: bool = False, engine: str = "auto"):
    from ci_lib.pipeline import AssessOptions

    return AssessOptions(year=args.year, data=args.data, params_root=args.params, reports_root=args.reports,
                         notebooks=args.notebooks, jobs=args.jobs, only=tuple(args.only), executor=args.executor,
                         scheduler=args.scheduler, shard=args.shard, force=args.force, timeout=args.timeout,
                         warm=not args.cold, render=render, engine=engine)


def do_run(args: argparse.Namespace, render: bool = False, engine: str = "auto") -> int:
    """`run` (and `assess`, with `render`): `pipeline.assess_year`, with a progress bar and a summary."""
    from ci_lib.pipeline import assess_year

    printer = progress_printer(args.quiet, args.log_json)
    finished: Counter[str] = Counter()

    def callback(result: Any, done: int, total: int) -> None:
        finished[result.status] += 1
        printer(result, done, total)

    def executed(report: Any) -> None:  # before the render: the summary reads as it did when they were two commands
        printer.close()  # type: ignore[attr-defined]
        print_summary(report)
        print(f"executed in {report.executed_s:.1f} s; manifest: {report.report_dir / 'manifest.json'}")

    try:
        with sigterm_as_interrupt():
            report = assess_year(assess_options(args, render, engine), callback, executed)
    except KeyboardInterrupt as exc:  # (the run has stopped its workers and kernels)
        raise Interrupted(finished["ok"] + finished["cached"], getattr(exc, "signum", signal.SIGINT)) from None
    finally:
        printer.close()  # type: ignore[attr-defined]
    if report.site is not None:
        print_site(report.site)
    return 1 if report.failed else 0


def do_assess(args: argparse.Namespace, engine: str) -> int:
    """`assess`: `run` with the render on (one `pipeline.assess_year`)."""
    return do_run(args, render=True, engine=engine)


def do_render(year: int, reports: str, engine: str) -> None:
    from ci_lib.pipeline import AssessOptions, assess_year

    print_site(assess_year(AssessOptions(year, reports_root=reports, execute=False, render=True, engine=engine)).site)


def print_site(info: Any) -> None:
    print(f"site ({info['engine']}, {info['communities']} community pages, {info['seconds']:.1f} s): "
          f"{Path(info['site']) / 'index.html'}")
    if info["failed"]:
        print(f"not published (failed notebooks): {', '.join(info['failed'])}")


def do_validate(args: argparse.Namespace) -> int:
    from ci_lib.inputs.load import load_network
    from ci_lib.inputs.rubric import available_frameworks, load_rubric

    local: set[str] | None = None
    rubric = None
    if args.year:
        from ci_lib.inputs.load import read_community_ids
        from ci_lib.inputs.parameters import load_params

        params = load_params(args.year, args.params, known_communities=read_community_ids(args.data_dir))
        rubric = load_rubric(args.framework or params.framework)
        local = params.all_local_indicator_ids()
    elif args.framework:
        rubric = load_rubric(args.framework)
    else:
        # ids known to any framework version: a union rubric for checking only
        rubric = load_rubric(available_frameworks()[-1])
        for name in available_frameworks():
            other = load_rubric(name)
            rubric = rubric.with_local_outcomes([])
            rubric.benchmarks = list({b.id: b for b in [*rubric.benchmarks, *other.benchmarks]}.values())
    data = load_network(args.data_dir, rubric, local)
    for note in data.notes:
        print(f"note: {note}", file=sys.stderr)
    statuses = data.outcomes["source_status"].value_counts()
    suppressed, not_available = statuses.get("suppressed_at_source", 0), statuses.get("not_available", 0)
    if suppressed or not_available:
        print(f"note: {suppressed} cells suppressed at the source, {not_available} not available (markers such as "
              "* and NA; see docs/data-contract.md)", file=sys.stderr)
    warnings = unrated_warnings(args, data)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{args.data_dir}: valid ({len(data.communities)} communities, {len(data.benchmarks)} benchmark ratings, "
          f"{len(data.outcomes)} outcome rows)" + (f"; {len(warnings)} warning(s)" if warnings else ""))
    return 2 if warnings and args.strict else 0


def unrated_warnings(args: argparse.Namespace, data: Any) -> list[str]:
    """One line per member whose assessment year has benchmarks without a rating (scored `not_rated`).

    The year is --year, else the latest year of benchmarks.csv; the framework is --framework, else that
    year's params, else the default rubric (as `score` uses).
    """
    from ci_lib.inputs.rubric import load_rubric
    from ci_lib.scoring.ratings import unrated_benchmarks

    years = data.benchmarks["year"].dropna()
    year = args.year or (int(years.max()) if len(years) else None)
    if year is None:
        return []
    from ci_lib.inputs.parameters import load_params

    params = load_params(year, args.params) if (Path(args.params) / str(year) / "network.yml").exists() else None
    rubric = load_rubric(args.framework or (params.framework if params else "toa-2019"))
    name = next((k for k in data.file_sha256 if k.startswith("benchmarks.")), "benchmarks.csv")
    where = Path(args.data_dir) / name
    out = []
    for cid, ids in unrated_benchmarks(data.benchmarks, data.communities, rubric, year).items():
        shown = ", ".join(ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")
        carried = params is not None and params.rules_for(rubric, cid)[0].get("carry_forward_unrated")
        what = ("last year's rating is carried forward where there is one" if carried else
                "scored not_rated, credit 0; the assessment is marked incomplete")
        out.append(f"{where}: {cid} {year}: {len(ids)} benchmark(s) not rated: {shown} ({what})")
    return out


def do_score(args: argparse.Namespace) -> int:
    from ci_lib.inputs.load import load_network
    from ci_lib.inputs.parameters import load_params
    from ci_lib.inputs.rubric import load_rubric
    from ci_lib.scoring import score_network

    params = load_params(args.year, args.params) if (Path(args.params) / str(args.year) / "network.yml").exists() else None
    rubric = load_rubric(params.framework if params else "toa-2019")
    data = load_network(args.data_dir, rubric, params.all_local_indicator_ids() if params else ())
    only = [args.community] if args.community else None
    if args.community and args.community not in set(data.communities["community_id"]):
        raise KitError(f"--community {args.community}: not in {args.data_dir}/communities.csv")
    scores = score_network(data, rubric, params, args.year, only)
    if args.json:
        payload: Any = scores.scores[args.community] if args.community else list(scores.scores.values())
        json.dump(payload, sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Scores {args.year} ({rubric.framework})")
    for col in ("community", "gateway", "next", "missing", "core improving", "gaps closing", "proof point"):
        table.add_column(col)
    incomplete = 0
    for s in scores.scores.values():
        summ, gateway = s["summary"], s["gateway"]
        incomplete += bool(gateway.get("incomplete"))
        table.add_row(s["community_id"], rubric.gateway_label(gateway["reached"]) + (" *" if gateway.get("incomplete") else ""),
                      rubric.gateway_label(gateway["next"]) if gateway["next"] else "–", str(len(gateway["missing"])),
                      "–" if summ["indicators_improving_share"] is None else f"{summ['indicators_improving_share']:.0%}",
                      "–" if summ["gaps_closing_share"] is None else f"{summ['gaps_closing_share']:.0%}",
                      "yes" if summ["proof_point"] else "no")
    if incomplete:
        table.caption = f"* assessment incomplete: {incomplete} member(s) have benchmarks not rated (see `validate`)"
    Console().print(table)
    return 0


def do_demo(args: argparse.Namespace) -> int:
    from ci_lib.tools import demo

    info = demo.generate(args.out, seed=args.seed, n=args.communities, year=args.year)
    years = [args.year - 1, args.year]  # two assessment years: the archive and year-over-year movement
    written = [p for y in years for p in demo.write_demo_params("params", y, args.out, info["local"])]
    print(f"demo network: {len(info['communities'])} communities in {args.out}"
          + (f"; created {len(written)} params file(s) in params/" if written else ""))
    if args.generate_only:
        return 0
    code = 0
    for year in years:  # the earlier year first: the later one shows the movement since it
        print(f"— assessment {year}")
        ns = argparse.Namespace(year=year, data=args.out, params="params", reports="reports", notebooks="notebooks",
                                jobs=args.jobs, only=[], executor="local", scheduler=None, shard=None, force=False,
                                timeout=600, cold=False, quiet=args.quiet, log_json=None)
        code = max(code, do_assess(ns, args.engine))
    return code


def do_params(args: argparse.Namespace) -> int:
    from ci_lib.inputs.load import load_network
    from ci_lib.inputs.parameters import data_dir_for, load_params
    from ci_lib.tools.scaffold import missing_params

    params = load_params(args.year, args.params)
    data_dir = args.data or data_dir_for(params.data, args.params)
    if not data_dir:
        raise KitError("no data directory: pass --data")
    data = load_network(data_dir, None, None)
    created = missing_params(list(data.communities["community_id"]), args.year, args.params)
    print(f"created {len(created)} params file(s); existing files left as they were")
    return 0


def do_import(args: argparse.Namespace) -> int:
    from ci_lib.inputs.importers import aggregate_students, read_cia, write_rows
    from ci_lib.inputs.rubric import load_rubric

    if args.format == "cia":
        result = read_cia(args.file, community_id=args.community, indicator_id=args.indicator,
                          label_map=load_rubric(args.framework).label_map, sheet=args.sheet)
        for row, label in result.unknown_labels:
            print(f"{args.file}:{row}:: unknown group label {label!r} (add it to the rubric's label_map); "
                  "row not imported", file=sys.stderr)
        rows = result.rows
        extra = f", {result.skipped_zero_cells} empty cells skipped" + "".join(
            f", {n} {status.replace('_', ' ')}" for status, n in sorted(result.source_status_cells.items()))
        if result.na_over_positive:
            print(f"{args.file}::: note: {result.na_over_positive} cells have NA over a positive denominator: kept "
                  "as not_available (if your tool writes a zero count as NA, write 0 instead)", file=sys.stderr)
    else:
        rows = aggregate_students(args.file, min_year=args.min_year)
        extra = " (aggregated; no student-level row is written)"
    write_rows(rows, args.out, append=args.append)
    print(f"{'appended' if args.append else 'wrote'} {len(rows)} outcome rows to {args.out}{extra}")
    return 0


def do_audit(args: argparse.Namespace) -> int:
    if args.data is not None and args.year is None:
        raise KitError("audit-site --data needs --year: the year whose params set the suppression to recompute")
    from ci_lib.website.audit import audit_site

    audit = audit_site(args.path, args.data, args.year, args.params)
    checked = ", ".join(f"{v} {k}" for k, v in audit.checked.items())
    for finding in audit.findings:
        print(finding, file=sys.stderr)
    if audit.findings:
        print(f"audit FAILED: {len(audit.findings)} finding(s); checked {checked}", file=sys.stderr)
        return 1
    print(f"audit passed: {checked}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The `ci-assess` command; `argv=None` means this process's own command line (the console script)."""
    try:
        return command(argv)
    finally:
        if argv is None and threading.current_thread() is threading.main_thread():
            # The command is over; what is left is the interpreter waiting for released pool workers to stop
            # their kernels (well under a second). A Ctrl-C then would only print a traceback from that wait.
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def command(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "validate":
            return do_validate(args)
        if args.command == "score":
            return do_score(args)
        if args.command == "run":
            return do_run(args)
        if args.command == "render":
            do_render(args.year, args.reports, args.engine)
            return 0
        if args.command == "assess":
            return do_assess(args, args.engine)
        if args.command == "demo":
            return do_demo(args)
        if args.command == "new-community":
            from ci_lib.tools.scaffold import new_community

            print(f"created {new_community(args.community_id, args.year, args.params)}")
            return 0
        if args.command == "params":
            return do_params(args)
        if args.command == "import":
            return do_import(args)
        if args.command == "merge":
            from ci_lib.execute.merge import merge_shards

            merged = merge_shards(Path(args.reports) / str(args.year))
            shards = json.loads((Path(args.reports) / str(args.year) / "timings.json").read_text())["shards"]
            print(f"merged {shards} shards: {len(merged['notebooks'])} notebooks")
            return 0
        if args.command == "audit-site":
            return do_audit(args)
        if args.command in {"doctor", "verify", "publish"}:
            import importlib

            module = {"doctor": "ci_lib.tools.environment", "verify": "ci_lib.release.verify",
                      "publish": "ci_lib.release.publish"}[args.command]
            return int(importlib.import_module(module).command(args))
        if args.command in {"lab", "check-notebooks", "docs"}:
            import importlib

            module = {"lab": "ci_lib.tools.lab", "check-notebooks": "ci_lib.execute.notebook_checks",
                      "docs": "ci_lib.tools.docgen"}[args.command]
            return int(importlib.import_module(module).command(args))
    except InvalidInput as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s); nothing was written.", file=sys.stderr)
        return 2
    except KitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Interrupted as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        reason = "the disk is full" if exc.errno == 28 else exc.strerror or str(exc)
        print(f"error: {where}{reason}. Files already written are complete (writes are atomic); "
              "re-run to resume.", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print("interrupted; completed notebooks are kept and the next run resumes", file=sys.stderr)
        return 128 + getattr(exc, "signum", signal.SIGINT)
    return 2

