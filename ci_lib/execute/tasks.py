"""One notebook to execute, and the worker-side function that executes it (in any process).

Each worker process keeps one warm kernel (module global): papermill is not thread-safe, so one
process runs one notebook at a time. A dead kernel is replaced and the notebook retried once.
"""

from __future__ import annotations

import multiprocessing.util
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import yaml

from ..atomic import write_text
from .results import TaskResult

if TYPE_CHECKING:
    from .engine import WarmKernel

# The engine (papermill, nbclient, jupyter_client: about 0.2 CPU-s to import) is imported by the functions that
# run in workers: the parent builds tasks and pickles `run_task` by name while it scores, on a busy machine.
_KERNEL: WarmKernel | None = None


@dataclass
class NotebookTask:
    name: str  # community id, or "_network"
    template: str
    output: str
    failed_output: str
    parameters: dict[str, Any]
    front_matter: dict[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    warm: bool = True


def worker_kernel(restart: bool = False) -> WarmKernel:
    from .engine import WarmKernel

    global _KERNEL
    if restart and _KERNEL is not None:
        _KERNEL.shutdown()
        _KERNEL = None
    if _KERNEL is None:
        _KERNEL = WarmKernel()
        multiprocessing.util.Finalize(None, shutdown_worker_kernel, exitpriority=10)
    return _KERNEL


def shutdown_worker_kernel() -> None:
    global _KERNEL
    if _KERNEL is not None:
        _KERNEL.shutdown()
        _KERNEL = None


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop run-time noise (timings, durations, paths, random cell ids): identical inputs, identical bytes.

    Changes `nb` in place (it is this run's own copy) and returns it.
    """
    pm = nb.metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration", "input_path", "output_path"):
        pm.pop(key, None)
    errors = 0
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:  # cells papermill inserts get random ids
            cell.id = "injected-parameters"
        elif "papermill-error-cell-tag" in tags:
            cell.id = f"papermill-error-cell-{errors}"
            errors += 1
        cpm = cell.metadata.get("papermill")
        if cpm is not None:
            for key in ("start_time", "end_time", "duration"):
                cpm.pop(key, None)
    return nb


def with_front_matter(nb: nbformat.NotebookNode, front_matter: dict[str, Any]) -> nbformat.NotebookNode:
    """Quarto reads a first raw cell of YAML as the page's front matter (title, categories...)."""
    if front_matter:
        text = "---\n" + yaml.safe_dump(front_matter, sort_keys=False, allow_unicode=True) + "---"
        cell = nbformat.v4.new_raw_cell(text)
        cell.metadata["ci_front_matter"] = True
        cell.id = "front-matter"
        nb.cells.insert(0, cell)
    return nb


def run_task(task: NotebookTask) -> TaskResult:
    """Execute one notebook and write it atomically (to `failed_output` when a cell raised)."""
    from .engine import Execution, KernelFailure, execute, first_error_line

    start = time.perf_counter()
    template, output = Path(task.template), Path(task.output)
    attempts = 0
    while True:
        attempts += 1
        try:
            kernel = worker_kernel(restart=attempts > 1) if task.warm else None
            nb, outcome = execute(template, output, task.parameters, kernel, task.timeout)
            break
        except (KernelFailure, RuntimeError, OSError) as exc:  # DeadKernelError is a RuntimeError
            if attempts >= 2:
                return TaskResult(task.name, "failed", time.perf_counter() - start,
                                  f"kernel died twice: {first_error_line(exc)}", attempts=attempts)
    nb = with_front_matter(normalise(nb), task.front_matter)
    invalid: dict[str, Any] = {}  # the one schema check of the executed notebook (see `engine.checked_once`)
    text = nbformat.writes(nb, capture_validation_error=invalid)
    if "ValidationError" in invalid and outcome.status == "ok":
        outcome = Execution("failed", f"invalid notebook: {first_error_line(invalid['ValidationError'])}")
    target = output if outcome.status == "ok" else Path(task.failed_output)
    write_text(target, text)
    if outcome.status == "ok":
        Path(task.failed_output).unlink(missing_ok=True)
    return TaskResult(task.name, outcome.status, round(time.perf_counter() - start, 3), outcome.error, str(target),
                      attempts)
