"""The commands that execute and render a year: `run`, `render`, `assess` and `merge` (after `--shard` runs)."""

from __future__ import annotations

import argparse
import json
import signal
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_lib.cli.interrupts import Interrupted, sigterm_as_interrupt

if TYPE_CHECKING:
    from ci_lib.pipeline import AssessOptions


def run_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """The CLI's conversion for `run` and `assess`: the parsed options as one `AssessOptions` (the pipeline's own
    typed record), plus how to report progress."""
    from ci_lib.pipeline import AssessOptions

    options = AssessOptions(year=args.year, data=args.data, params_root=args.params, reports_root=args.reports,
                            notebooks=args.notebooks, jobs=args.jobs, only=tuple(args.only), executor=args.executor,
                            scheduler=args.scheduler, shard=args.shard, force=args.force, timeout=args.timeout,
                            warm=not args.cold)
    return {"options": options, "quiet": args.quiet, "log_json": args.log_json,
            **({"engine": args.engine} if "engine" in args else {})}


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


def add_render_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--reports", default="reports")
    add_engine_option(p)


def add_engine_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=["auto", "quarto", "builtin"], default="auto")


def add_assess_options(p: argparse.ArgumentParser) -> None:
    add_run_options(p)
    add_engine_option(p)


def add_merge_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--reports", default="reports")


def progress_printer(quiet: bool, log_json: str | None):
    """A rich progress bar with live ok/cached/failed counts and ETA, plus optional JSON lines."""
    counts: Counter[str] = Counter()
    if log_json:  # a scheduler's job names a log in a folder the run has not made yet (reports/ on a first run)
        Path(log_json).parent.mkdir(parents=True, exist_ok=True)
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


def do_run(options: AssessOptions, quiet: bool = False, log_json: str | None = None) -> int:
    """`run` (and `assess`, with `options.render`): `pipeline.assess_year`, with a progress bar and a summary."""
    from ci_lib.pipeline import assess_year

    printer = progress_printer(quiet, log_json)
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
            report = assess_year(options, callback, executed)
    except KeyboardInterrupt as exc:  # (the run has stopped its workers and kernels)
        raise Interrupted(finished["ok"] + finished["cached"], getattr(exc, "signum", signal.SIGINT)) from None
    finally:
        printer.close()  # type: ignore[attr-defined]
    if report.site is not None:
        print_site(report.site)
    return 1 if report.failed else 0


def do_assess(options: AssessOptions, engine: str = "auto", quiet: bool = False, log_json: str | None = None) -> int:
    """`assess`: `run` with the render on (one `pipeline.assess_year`)."""
    return do_run(replace(options, render=True, engine=engine), quiet, log_json)


def do_render(year: int, reports: str, engine: str) -> None:
    from ci_lib.pipeline import AssessOptions, assess_year

    print_site(assess_year(AssessOptions(year, reports_root=reports, execute=False, render=True, engine=engine)).site)


def print_site(info: Any) -> None:
    print(f"site ({info['engine']}, {info['communities']} community pages, {info['seconds']:.1f} s): "
          f"{Path(info['site']) / 'index.html'}")
    if info["failed"]:
        print(f"not published (failed notebooks): {', '.join(info['failed'])}")


def merge(year: int, reports: str) -> int:
    """`merge`: the shard manifests of `reports/<year>` joined into its manifest.json."""
    from ci_lib.execute.merge import merge_shards
    from ci_lib.layout import YearLayout

    layout = YearLayout(Path(reports), year)
    merged = merge_shards(layout.report_dir)
    shards = json.loads(layout.timings.read_text())["shards"]
    print(f"merged {shards} shards: {len(merged['notebooks'])} notebooks")
    return 0
