"""The one orchestrator of a year: load → validate → score → prepare → execute → write scores → manifest → render.

`assess_year` is what `ci-assess run` (render off), `assess` and `render` (execution off) call, and what
`verify`, `demo` and the benchmarks call too, so there is one order of steps and one place that decides
what is cached. Its options are a small frozen record, not an argparse namespace.

Nothing heavy is imported at the top: a year whose inputs are unchanged (`execute.unchanged`) is answered
without pandas, the scoring or papermill.
"""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ci_lib import __version__
from ci_lib.atomic import write_json
from ci_lib.errors import KitError
from ci_lib.execute import cache, unchanged
from ci_lib.execute.results import RunOptions, RunReport, TaskResult
from ci_lib.layout import YearLayout

if TYPE_CHECKING:
    from ci_lib.execute.executors import Executor
    from ci_lib.inputs.parameters import YearParams
    from ci_lib.scoring import NetworkScores
    from ci_lib.website.ahead import PagesAhead

Progress = Callable[[TaskResult, int, int], None]

PACKAGES = ("pandas", "numpy", "pandera", "papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "matplotlib",
            "seaborn", "jupytext", "duckdb", "PyYAML")


@dataclass(frozen=True)
class AssessOptions(RunOptions):
    """What to assess and how: the `run`/`assess` options (`RunOptions`), plus which steps run (`execute`, `render`)."""

    execute: bool = True  # off: `render` alone, over what an earlier run executed
    render: bool = False  # on: `assess`; off: `run`
    engine: str = "auto"
    force_render: bool = False  # rebuild every page (verify: nothing carried over from a previous site)
    refresh_other_years: bool = True  # other years' built-in sites list this one in their year switcher

    @property
    def report_dir(self) -> Path:
        return YearLayout(Path(self.reports_root), self.year).report_dir

    def run_options(self) -> RunOptions:
        """The execution's part of these options (what the cache and the manifest see)."""
        return RunOptions(**{f.name: getattr(self, f.name) for f in fields(RunOptions)})


@dataclass
class YearResult(RunReport):
    """The run's report (results, manifest), how long execution took, and the site when it was rendered."""

    executed_s: float = 0.0
    site: dict[str, Any] | None = field(default=None)


def assess_year(options: AssessOptions, progress: Progress | None = None,
                executed: Callable[[YearResult], None] | None = None) -> YearResult:
    """Run the year's steps; `progress` sees each notebook's result, `executed` the report before the render."""
    started = time.perf_counter()
    ahead = None
    if options.render and options.execute and not uses_quarto(options.engine):
        from ci_lib.website.ahead import PagesAhead

        ahead = PagesAhead()  # the built-in renderer takes page bodies exported while the notebooks run
    try:
        if options.execute:
            report = execute_year(options, progress if ahead is None else with_pages_ahead(progress, ahead), ahead)
        else:
            report = YearResult(options.report_dir, [], {})
        report.executed_s = time.perf_counter() - started
        if executed is not None:
            executed(report)
        if options.render:
            report.site = render_year(options, ahead)
    finally:
        if ahead is not None:
            ahead.close()
    return report


def uses_quarto(engine: str) -> bool:
    from ci_lib.website.quarto import quarto_available

    return engine == "quarto" or (engine == "auto" and quarto_available())


def with_pages_ahead(progress: Progress | None, ahead: PagesAhead) -> Progress:
    def both(result: TaskResult, done: int, total: int) -> None:
        if progress is not None:
            progress(result, done, total)
        ahead.add(result)

    return both


def render_year(options: AssessOptions, ahead: PagesAhead | None) -> dict[str, Any]:
    from ci_lib.website.build import refresh_other_years, render

    info = render(options.report_dir, options.engine, force=options.force_render, ahead=ahead)
    if options.refresh_other_years:
        refresh_other_years(options.report_dir)
    return info


def execute_year(options: AssessOptions, progress: Progress | None, ahead: PagesAhead | None = None) -> YearResult:
    """The no-change answer when the year's inputs are as last remembered; otherwise the full run (`ahead`: what
    the render can build while the notebooks run)."""
    opts = options.run_options()
    # hashed before anything is read: an input edited during the run must not be remembered as done
    key = unchanged.inputs_key(opts) if unchanged.remembers(opts) else None  # a forced run remembers it too
    known = unchanged.unchanged_run(opts, key, progress)  # nothing changed: no pandas or papermill import
    if known is not None:
        return YearResult(known.report_dir, known.results, known.manifest)
    from ci_lib.execute.executors import make_executor

    executor = make_executor(opts.executor, opts.jobs, opts.scheduler)
    try:
        report = full_run(opts, progress, executor, key, ahead)
    except BaseException:  # Ctrl-C, SIGTERM, invalid input, a disk that cannot be written: no worker outlives it
        executor.stop()
        raise
    executor.close()
    return report


def full_run(opts: RunOptions, progress: Progress | None, executor: Executor, key: str | None,
             ahead: PagesAhead | None = None) -> YearResult:
    from ci_lib.execute.prepare import prepare
    from ci_lib.execute.run import execute_notebooks, score_year

    started = time.perf_counter()
    report_dir = YearLayout(Path(opts.reports_root), opts.year).report_dir

    def valid() -> None:  # the input is valid: workers start their kernels while the network is scored
        check_writable(report_dir)
        executor.start(warm=opts.warm)

    params, scores, data = score_year(opts, valid)  # invalid input stops here, before anything is written
    unchanged.forget(opts)
    scored = time.perf_counter()
    work = prepare(report_dir, data, scores, params)
    if ahead is not None:  # the render's score-only work starts now, while the notebooks run
        ahead.expect(report_dir, expected_manifest(report_dir, opts, params, scores, data), published_scores(scores))
    done = execute_notebooks(opts, report_dir, params, scores, work, executor, progress)
    finished = time.perf_counter()
    manifest = write_manifest(report_dir, opts, params, scores, data, done.results, done.keys,
                              {"score_s": round(scored - started, 3), "execute_s": round(finished - scored, 3)},
                              done.decided)
    report = YearResult(report_dir, sorted(done.results, key=lambda r: r.name), manifest)
    unchanged.remember(opts, key, report)
    return report


def check_writable(report_dir: Path) -> None:
    """Fail early, with a clear message, on a read-only or full output directory."""
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        probe = report_dir / f".write-probe-{os.getpid()}"
        probe.write_bytes(b"\0" * 65536)
        probe.unlink()
    except OSError as exc:
        reason = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
        raise KitError(f"{report_dir}: cannot write the year's outputs ({reason}); nothing was changed") from exc


def package_versions() -> dict[str, str]:
    from importlib import metadata  # (about 0.1 s to import: not on the no-change path)

    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def expected_manifest(report_dir: Path, opts: RunOptions, params: YearParams, scores: NetworkScores,
                      data: Any) -> dict[str, Any]:
    """The manifest this run will write if every notebook succeeds (its notebooks' entries without cache keys)."""
    layout = YearLayout.of(report_dir)
    results = [TaskResult("_network", "ok", 0.0, "", str(layout.network_notebook)),
               *[TaskResult(cid, "ok", 0.0, "", str(layout.notebook(cid))) for cid in sorted(scores.scores)]]
    return manifest_record(report_dir, opts, params, scores, data, results, {})


def published_scores(scores: NetworkScores) -> dict[str, dict[str, Any]]:
    """Every member's scores as its `scores/<id>.json` holds them (`ci_lib.execute.run.write_scores`), read back."""
    return {cid: json.loads(json.dumps(s, ensure_ascii=False)) for cid, s in scores.scores.items()}


def write_manifest(report_dir: Path, opts: RunOptions, params: YearParams, scores: NetworkScores, data: Any,
                   results: list[TaskResult], keys: dict[str, str], timings: dict[str, float],
                   decided: set[str] | None = None) -> dict[str, Any]:
    """Write the year's manifest (`manifest_record`) and how this run went (`timings.json`)."""
    layout = YearLayout.of(report_dir)
    manifest = manifest_record(report_dir, opts, params, scores, data, results, keys, decided)
    write_json(layout.shard_manifest(*opts.shard) if opts.shard else layout.manifest, manifest)
    write_json(layout.shard_timings(*opts.shard) if opts.shard else layout.timings, {
        "year": opts.year, **timings,
        "notebooks": {r.name: {"status": r.status, "seconds": r.seconds, "attempts": r.attempts}
                      for r in sorted(results, key=lambda r: r.name)}})
    return manifest


def manifest_record(report_dir: Path, opts: RunOptions, params: YearParams, scores: NetworkScores, data: Any,
                    results: list[TaskResult], keys: dict[str, str],
                    decided: set[str] | None = None) -> dict[str, Any]:
    """Provenance of the year: inputs and params files by hash, effective rules, rubric, packages, notebook statuses.

    Deterministic: the same inputs give the same bytes (no clock, no absolute path). How this run went
    (seconds per notebook, cached or executed) goes to `timings.json` beside it.

    A notebook's entry is this run's when this run decided it: a community it ran (`--only`, `--shard`) has
    exactly the entries of this run, so a local section since removed leaves none behind and a fixed one is ok.
    Entries of communities outside the run (and of `decided`'s shard) are kept from the previous manifest.
    """
    layout = YearLayout.of(report_dir)
    path = layout.shard_manifest(*opts.shard) if opts.shard else layout.manifest
    previous: dict[str, Any] = {}
    if path.exists():
        try:
            previous = json.loads(path.read_text()).get("notebooks", {})
        except ValueError:
            previous = {}
    from ci_lib.execute.run import shard_of
    from ci_lib.inputs.parameters import data_dir_for, movement_year
    from ci_lib.inputs.rubric import merge_rules

    in_scope = set(shard_of(sorted(scores.scores), opts.shard))
    ran = {name.removesuffix(":local") for name in (decided if decided is not None else {r.name for r in results})}
    notebooks = {name: {k: v for k, v in entry.items() if k != "seconds"}  # (older kits kept run times here)
                 for name, entry in previous.items()
                 if (community := name.removesuffix(":local")) not in ran
                 and (community in in_scope or (community == "_network" and name == "_network"))}
    for r in results:  # a cached notebook is an ok one: the manifest says what the year is, not how it ran
        notebooks[r.name] = {"status": "ok" if r.status == "cached" else r.status, "cache_key": keys.get(r.name, ""),
                             "error": r.error, "output": Path(r.output).relative_to(report_dir).as_posix()
                             if r.output else ""}
    manifest = {
        "kit_version": __version__,
        "year": opts.year,
        "title": params.title,
        "run_date": params.run_date,
        "framework": scores.rubric.framework,
        "rubric_sha256": scores.rubric.sha256,
        "data_dir": opts.relative(opts.data or data_dir_for(params.data, opts.params_root) or "."),
        "params_dir": opts.relative(opts.params_root),
        "inputs": data.file_sha256,
        "data_sha256": data.sha256,
        "params_sha256": params.sha256,
        # the params files by sha256 (`ci-assess verify` checks them), never their text: comments and notes
        # in them are not for publication; what they decided is recorded as the effective rules
        "params": dict(sorted(params.file_sha256.items())),
        "rules": {"network": merge_rules(scores.rubric.rules, params.rules),
                  "communities": {cid: params.rules_for(scores.rubric, cid)[0] for cid in sorted(scores.scores)}},
        "lock_sha256": cache.lock_sha256(),
        # the earlier year movement compares with, and its published scores as they were read
        "previous_year": unchanged.previous_record(Path(opts.reports_root), movement_year(params.previous_year, opts.year)),
        "packages": package_versions(),
        "shard": list(opts.shard) if opts.shard else None,
        "communities": sorted(scores.scores),
        "notebooks": dict(sorted(notebooks.items())),
        "rollup": scores.rollup,
    }
    return manifest
