"""`ci-assess run`: validate, score once, prepare slices, execute notebooks, write the manifest."""

from __future__ import annotations

import difflib
import errno
import json
import os
import time
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from ci_lib import __version__
from ci_lib.atomic import write_json
from ci_lib.errors import KitError
from ci_lib.escape import markdown_text
from ci_lib.execute import cache, unchanged
from ci_lib.execute.executors import Executor, make_executor
from ci_lib.execute.local_sections import drop_local, extra_notebook, merge_local
from ci_lib.execute.merge import shard_manifest_path
from ci_lib.execute.prepare import prepare
from ci_lib.execute.results import RunOptions, RunReport, TaskResult
from ci_lib.execute.tasks import NotebookTask
from ci_lib.ids import check_community_id
from ci_lib.inputs.load import load_network
from ci_lib.inputs.parameters import YearParams, data_dir_for, load_params
from ci_lib.inputs.rubric import load_rubric, merge_rules
from ci_lib.layout import YearLayout
from ci_lib.scoring import NetworkScores, score_network

PACKAGES = ("pandas", "numpy", "pandera", "papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "matplotlib",
            "seaborn", "jupytext", "duckdb", "PyYAML")


def package_versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def shard_of(ids: list[str], shard: tuple[int, int] | None) -> list[str]:
    """Deterministic split for Kubernetes Indexed Jobs / Slurm arrays: shard I of N takes every N-th id."""
    if shard is None:
        return ids
    index, count = shard
    return [cid for i, cid in enumerate(sorted(ids)) if i % count == index]


def front_matter(s: dict[str, Any], labels: dict[str, str], run_date: str | None) -> dict[str, Any]:
    """The notebook's Quarto front matter. Pandoc and Quarto's listing read these values as Markdown, so
    partner text is escaped as Markdown text (the YAML itself is written by `yaml.safe_dump`)."""
    reached = markdown_text(labels.get(s["gateway"]["reached"] or "", "Not yet Exploring"))
    state = markdown_text(s["state"])
    matter: dict[str, Any] = {"title": markdown_text(s["name"]), "description": f"{reached} · {state}",
                              "categories": [reached, state]}
    if run_date:
        matter["date"] = run_date
    return matter


def score_year(opts: RunOptions, valid: Callable[[], None] | None = None) -> tuple[YearParams, NetworkScores, Any]:
    """Validate and score the year; `valid` is called once the input is known to be valid, before scoring."""
    params = load_params(opts.year, opts.params_root)
    data_dir = opts.data or data_dir_for(params.data, opts.params_root)
    if not data_dir:
        raise KitError(f"{opts.params_root}/{opts.year}/network.yml: no `data:` directory; pass --data DIR")
    rubric = load_rubric(params.framework)
    data = load_network(data_dir, rubric, params.all_local_indicator_ids())
    known = set(data.communities["community_id"])
    unknown = sorted(set(params.communities) - known)
    if unknown:
        raise KitError(f"{opts.params_root}/{opts.year}/{unknown[0]}.yml: params for unknown community {unknown[0]!r}")
    for cid in opts.only:
        if cid not in known:  # (every known id is a valid slug: the loader checked them)
            close = difflib.get_close_matches(cid, sorted(known), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise KitError(f"--only {cid!r}: not a community in {data_dir}/communities.csv{hint}")
        check_community_id(cid)
    if valid is not None:
        valid()
    scores = score_network(data, rubric, params, opts.year)
    return params, scores, data


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


def run_year(opts: RunOptions, progress: Callable[[TaskResult, int, int], None] | None = None,
             inputs_key: str | None = None) -> RunReport:
    """Run the year; `inputs_key`, when the caller already has it (`unchanged.inputs_key`), is not hashed again."""
    # hashed before anything is read: an input edited during the run must not be remembered as done
    if inputs_key is None and unchanged.applies(opts):
        inputs_key = unchanged.inputs_key(opts)
    known = unchanged.unchanged_run(opts, inputs_key, progress)
    if known is not None:
        return known
    executor = make_executor(opts.executor, opts.jobs, opts.scheduler)
    try:
        report = execute_year(opts, progress, executor, inputs_key)
    except BaseException:  # Ctrl-C, SIGTERM, invalid input, a disk that cannot be written: no worker outlives it
        executor.stop()
        raise
    executor.close()
    return report


class OutputUnwritable(KitError):
    """A notebook's output could not be written (read-only or full disk): the run stops at the first one."""


def checked(result: TaskResult, finished: int) -> TaskResult:
    """`result`, unless it says the outputs cannot be written: then the run stops, once, saying where."""
    if result.stop:
        raise OutputUnwritable(f"{result.stop}; the run stopped after {finished} notebooks. Files already written "
                               "are complete (writes are atomic); free space or fix permissions, then rerun to resume")
    return result


def execute_year(opts: RunOptions, progress: Callable[[TaskResult, int, int], None] | None,
                 executor: Executor, inputs_key: str | None) -> RunReport:
    started = time.perf_counter()

    def valid() -> None:  # the input is valid: workers start their kernels while the network is scored
        check_writable(YearLayout(Path(opts.reports_root), opts.year).report_dir)
        executor.start(warm=opts.warm)

    params, scores, data = score_year(opts, valid)  # invalid input stops here, before anything is written
    unchanged.forget(opts)
    scored = time.perf_counter()
    layout = YearLayout(Path(opts.reports_root), opts.year)
    report_dir = layout.report_dir
    work = prepare(report_dir, data, scores, params)
    ids = opts.only or list(scores.scores)
    ids = shard_of(ids, opts.shard)
    lock = cache.lock_sha256()
    community_template = str(Path(opts.notebooks) / "community.ipynb")
    network_template = str(Path(opts.notebooks) / "network.ipynb")
    for template in (community_template, network_template):
        if not Path(template).exists():
            raise KitError(f"{template}: notebook template not found (run from the project root, or pass --notebooks)")
    gateway_labels = {g["id"]: g["label"] for g in scores.rubric.gateways}
    tasks: list[NotebookTask] = []
    keys: dict[str, str] = {}
    results: list[TaskResult] = []
    run_network = opts.shard is None or opts.shard[0] == 0
    if run_network:
        parameters = {"year": opts.year, "report_dir": "."}
        keys["_network"] = cache.cache_key(network_template, parameters, work["_network"], lock)
        tasks.append(NotebookTask("_network", network_template, str(layout.network_notebook),
                                  str(layout.failed_network_notebook), parameters,
                                  {"title": params.title, "description": f"Network overview, {opts.year}"},
                                  opts.timeout, opts.warm))
    for cid in ids:
        parameters = {"community_id": cid, "year": opts.year, "report_dir": ".."}
        keys[cid] = cache.cache_key(community_template, parameters, work[cid], lock)
        tasks.append(NotebookTask(cid, community_template, str(layout.notebook(cid)),
                                  str(layout.failed_notebook(cid)), parameters,
                                  front_matter(scores.scores[cid], gateway_labels, params.run_date),
                                  opts.timeout, opts.warm))
    pending, fresh = [], []
    for task in tasks:
        outputs = [Path(task.output)]
        if task.name != "_network":
            outputs.append(layout.scores_file(task.name))
        if not opts.force and cache.is_fresh(report_dir, task.name, keys[task.name], outputs):
            fresh.append(TaskResult(task.name, "cached", 0.0, "", task.output))
        else:
            cache.clear(report_dir, task.name)
            pending.append(task)
    local = local_section_tasks(report_dir, params, [t for t in tasks if t.name != "_network"], keys, opts)
    total = len(tasks) + len(local)  # every result below advances the progress once: it never passes its total

    def report(result: TaskResult) -> None:
        results.append(result)
        if progress:
            progress(result, len(results), total)

    for result in fresh:
        report(result)
    for result in executor.map(pending):
        checked(result, len(results))
        if result.status == "ok":
            cache.mark_done(report_dir, result.name, keys[result.name])
        report(result)
    ok = {r.name for r in results if r.status in {"ok", "cached"}}
    local_pending = []
    rerun = {t.name for t in pending}  # a re-executed page lost its merged local section
    for task, main_name in local:
        if main_name not in ok:
            report(TaskResult(task.name, "failed", 0.0, "skipped: the standard notebook failed"))
        elif not opts.force and cache.is_fresh(report_dir, task.name, keys[task.name], [Path(task.output)]) and \
                main_name not in rerun:
            report(TaskResult(task.name, "cached", 0.0, "", task.output))
        else:
            cache.clear(report_dir, task.name)
            local_pending.append(task)
    for result in executor.map(local_pending):
        checked(result, len(results))
        main_name = result.name.removesuffix(":local")
        if result.status == "ok":
            merge_local(layout.notebook(main_name), Path(result.output))
            cache.mark_done(report_dir, result.name, keys[result.name])
        report(result)
    with_local = {r.name.removesuffix(":local") for r in results if r.name.endswith(":local") and r.status != "failed"}
    for task in tasks:  # a section merged by an earlier run, now failed or no longer named, leaves the page
        if task.name != "_network" and task.name in ok and task.name not in with_local:
            drop_local(Path(task.output))
    finished = time.perf_counter()
    decided = {t.name for t in tasks} | {task.name for task, _ in local}
    manifest = write_manifest(report_dir, opts, params, scores, data, results, keys,
                              {"score_s": round(scored - started, 3), "execute_s": round(finished - scored, 3)},
                              decided)
    run_report = RunReport(report_dir, sorted(results, key=lambda r: r.name), manifest)
    unchanged.remember(opts, inputs_key, run_report)
    return run_report


def local_section_tasks(report_dir: Path, params: YearParams, community_tasks: list[NotebookTask],
                        keys: dict[str, str], opts: RunOptions) -> list[tuple[NotebookTask, str]]:
    """One task per community whose params name an `extra_notebook`, keyed on it and its main notebook."""
    found = []
    for main in community_tasks:
        path = extra_notebook(params.community(main.name), main.name)
        if path is None:
            continue
        name = f"{main.name}:local"
        keys[name] = cache.cache_key(str(path), main.parameters, keys[main.name].encode(), cache.lock_sha256())
        task = NotebookTask(name, str(path), str(YearLayout.of(report_dir).local_notebook(main.name)),
                            str(YearLayout.of(report_dir).failed_local_notebook(main.name)), main.parameters, {},
                            opts.timeout, opts.warm)
        found.append((task, main.name))
    return found


def timings_path(report_dir: Path, shard: tuple[int, int] | None) -> Path:
    return YearLayout.of(report_dir).shard_timings(*shard) if shard else YearLayout.of(report_dir).timings


def write_manifest(report_dir: Path, opts: RunOptions, params: YearParams, scores: NetworkScores, data: Any,
                   results: list[TaskResult], keys: dict[str, str], timings: dict[str, float],
                   decided: set[str] | None = None) -> dict[str, Any]:
    """Provenance of the year: inputs and params files by hash, effective rules, rubric, packages, notebook statuses.

    Deterministic: the same inputs give the same bytes (no clock, no absolute path). How this run went
    (seconds per notebook, cached or executed) goes to `timings.json` beside it.

    A notebook's entry is this run's when this run decided it: a community it ran (`--only`, `--shard`) has
    exactly the entries of this run, so a local section since removed leaves none behind and a fixed one is ok.
    Entries of communities outside the run (and of `decided`'s shard) are kept from the previous manifest.
    """
    path = shard_manifest_path(report_dir, opts.shard) if opts.shard else YearLayout.of(report_dir).manifest
    previous: dict[str, Any] = {}
    if path.exists():
        try:
            previous = json.loads(path.read_text()).get("notebooks", {})
        except ValueError:
            previous = {}
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
        "packages": package_versions(),
        "shard": list(opts.shard) if opts.shard else None,
        "communities": sorted(scores.scores),
        "notebooks": dict(sorted(notebooks.items())),
        "rollup": scores.rollup,
    }
    write_json(path, manifest)
    write_json(timings_path(report_dir, opts.shard), {
        "year": opts.year, **timings,
        "notebooks": {r.name: {"status": r.status, "seconds": r.seconds, "attempts": r.attempts}
                      for r in sorted(results, key=lambda r: r.name)}})
    return manifest
