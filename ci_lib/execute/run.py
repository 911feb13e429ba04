"""Executing a prepared year: one task per notebook with no valid output, then the local sections.

Validating, scoring, preparing, the manifest and the render are the pipeline's (`ci_lib.pipeline.assess_year`);
`score_year` lives here because a notebook run on its own (`ci_lib.pages.standalone`) scores as a run does.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ci_lib.atomic import write_if_changed
from ci_lib.errors import KitError
from ci_lib.escape import markdown_text
from ci_lib.execute import cache
from ci_lib.execute.executors import Executor
from ci_lib.execute.local_sections import drop_local, extra_notebook, merge_local
from ci_lib.execute.results import RunOptions, TaskResult
from ci_lib.execute.tasks import NotebookTask
from ci_lib.ids import check_community_id
from ci_lib.inputs.load import load_year
from ci_lib.inputs.parameters import YearParams, data_dir_for, load_params
from ci_lib.layout import YearLayout
from ci_lib.scoring import NetworkScores, score_network
from ci_lib.vocabulary import NO_GATEWAY


@dataclass
class Executed:
    """What `execute_notebooks` did: every result, each notebook's cache key, the notebooks this run decided."""

    results: list[TaskResult]
    keys: dict[str, str]
    decided: set[str]


def shard_of(ids: list[str], shard: tuple[int, int] | None) -> list[str]:
    """Deterministic split for Kubernetes Indexed Jobs / Slurm arrays: shard I of N takes every N-th id."""
    if shard is None:
        return ids
    index, count = shard
    return [cid for i, cid in enumerate(sorted(ids)) if i % count == index]


def front_matter(s: dict[str, Any], labels: dict[str, str], run_date: str | None) -> dict[str, Any]:
    """The notebook's Quarto front matter. Pandoc and Quarto's listing read these values as Markdown, so
    partner text is escaped as Markdown text (the YAML itself is written by `yaml.safe_dump`)."""
    reached = markdown_text(labels.get(s["gateway"]["reached"] or "", NO_GATEWAY))
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
    rubric = params.rubric()
    data = load_year(data_dir, params, rubric)
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


class OutputUnwritable(KitError):
    """A notebook's output could not be written (read-only or full disk): the run stops at the first one."""


def checked(result: TaskResult, finished: int) -> TaskResult:
    """`result`, unless it says the outputs cannot be written: then the run stops, once, saying where."""
    if result.stop:
        raise OutputUnwritable(f"{result.stop}; the run stopped after {finished} notebooks. Files already written "
                               "are complete (writes are atomic); free space or fix permissions, then rerun to resume")
    return result


def write_scores(report_dir: Path, community_id: str, scores: NetworkScores) -> None:
    """`scores/<id>.json` of a community whose notebook succeeded: written by the pipeline from the scoring pass
    (the notebook only shows them), so a template that shows less still publishes every score."""
    write_if_changed(YearLayout.of(report_dir).scores_file(community_id),
                     (json.dumps(scores.scores[community_id], indent=1, ensure_ascii=False) + "\n").encode())


def execute_notebooks(opts: RunOptions, report_dir: Path, params: YearParams, scores: NetworkScores,
                      work: dict[str, bytes], executor: Executor,
                      progress: Callable[[TaskResult, int, int], None] | None) -> Executed:
    """Execute the year's notebooks that have no valid output (each keyed by `cache.cache_key`), then the local
    sections; write each succeeded community's scores. Returns every result, the keys and what this run decided."""
    ids = shard_of(list(opts.only) or list(scores.scores), opts.shard)
    layout = YearLayout.of(report_dir)
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
    done = cache.read_ledger(report_dir)["notebooks"]
    for task in tasks:
        outputs = [Path(task.output)]
        if task.name != "_network":
            outputs.append(layout.scores_file(task.name))
        if not opts.force and cache.is_fresh(done, task.name, keys[task.name], outputs):
            fresh.append(TaskResult(task.name, "cached", 0.0, "", task.output))
        else:
            pending.append(task)
    cache.clear(report_dir, [t.name for t in pending])
    local = local_section_tasks(layout, params, [t for t in tasks if t.name != "_network"], keys, lock, opts)
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
            if result.name != "_network":
                write_scores(report_dir, result.name, scores)
            cache.mark_done(report_dir, result.name, keys[result.name])
        report(result)
    ok = {r.name for r in results if r.status in {"ok", "cached"}}
    local_pending = []
    rerun = {t.name for t in pending}  # a re-executed page lost its merged local section
    for task, main_name in local:
        if main_name not in ok:
            report(TaskResult(task.name, "failed", 0.0, "skipped: the standard notebook failed"))
        elif not opts.force and cache.is_fresh(done, task.name, keys[task.name], [Path(task.output)]) and \
                main_name not in rerun:
            report(TaskResult(task.name, "cached", 0.0, "", task.output))
        else:
            local_pending.append(task)
    cache.clear(report_dir, [t.name for t in local_pending])
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
    decided = {t.name for t in tasks} | {task.name for task, _ in local}
    return Executed(results, keys, decided)


def local_section_tasks(layout: YearLayout, params: YearParams, community_tasks: list[NotebookTask],
                        keys: dict[str, str], lock: str, opts: RunOptions) -> list[tuple[NotebookTask, str]]:
    """One task per community whose params name an `extra_notebook`, keyed on it and its main notebook."""
    found = []
    for main in community_tasks:
        path = extra_notebook(params.community(main.name), main.name)
        if path is None:
            continue
        name = f"{main.name}:local"
        keys[name] = cache.cache_key(str(path), main.parameters, keys[main.name], lock, kind="local")
        task = NotebookTask(name, str(path), str(layout.local_notebook(main.name)),
                            str(layout.failed_local_notebook(main.name)), main.parameters, {}, opts.timeout, opts.warm)
        found.append((task, main.name))
    return found
