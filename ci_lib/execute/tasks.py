"""One notebook to execute, and the worker-side function that executes it (in any process).

Each worker process keeps one warm kernel (module global) and runs one notebook at a time, whatever the
number of threads that call `run_task` (a Dask worker runs tasks on `--nthreads` threads): papermill and the
engine's patches (`engine.checked_once`) are process-wide, and two notebooks on one kernel would take each
other's replies and wait forever. The threads take turns (`ONE_NOTEBOOK_AT_A_TIME`).

A dead kernel is replaced and the notebook retried once; if it dies again, the cells it ran are kept in
`failed/` with a note. An output that cannot be written (read-only or
full disk) is not retried: the result says so (`TaskResult.unwritable`) and the run stops.
"""

from __future__ import annotations

import errno
import multiprocessing.util
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import yaml

from ci_lib.atomic import write_text
from ci_lib.execute.results import TaskResult

if TYPE_CHECKING:
    from ci_lib.execute.engine import WarmKernel

# The engine (papermill, nbclient, jupyter_client: about 0.2 CPU-s to import) is imported by the functions that
# run in workers: the parent builds tasks and pickles `run_task` by name while it scores, on a busy machine.
_KERNEL: WarmKernel | None = None
# Held while this process starts, uses or shuts down its kernel. Re-entrant: `run_task` holds it around
# `worker_kernel`, which a pool worker's initializer also calls on its own. Not taken by `kill_worker_kernel`,
# which a signal handler calls while the same thread may be holding it.
ONE_NOTEBOOK_AT_A_TIME = threading.RLock()
SHUTDOWN_WAIT_S = 5.0


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
    from ci_lib.execute.engine import WarmKernel

    global _KERNEL
    with ONE_NOTEBOOK_AT_A_TIME:
        if restart and _KERNEL is not None:
            _KERNEL.shutdown()
            _KERNEL = None
        if _KERNEL is None:
            _KERNEL = WarmKernel()
            multiprocessing.util.Finalize(None, shutdown_worker_kernel, exitpriority=10)
        return _KERNEL


def shutdown_worker_kernel() -> None:
    """Stop this process's kernel once no notebook uses it; one still running after `SHUTDOWN_WAIT_S` (on
    another thread, as the process exits) has its kernel killed instead of waited for."""
    global _KERNEL
    if not ONE_NOTEBOOK_AT_A_TIME.acquire(timeout=SHUTDOWN_WAIT_S):
        kill_worker_kernel()
        return
    try:
        if _KERNEL is not None:
            _KERNEL.shutdown()
            _KERNEL = None
    finally:
        ONE_NOTEBOOK_AT_A_TIME.release()


def kill_worker_kernel() -> None:
    """Stop this process's kernel at once (a worker told to stop, or whose run has gone): see `WarmKernel.kill`."""
    global _KERNEL
    if _KERNEL is not None:
        _KERNEL.kill()
        _KERNEL = None


# errors of the file system, not of a kernel: retrying cannot help, and every other notebook would meet them too
WRITE_ERRORS = frozenset({errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM})


def unwritable(exc: OSError, fallback: Path) -> str:
    """The one line naming the path that cannot be written and why."""
    reason = "the disk is full" if exc.errno in {errno.ENOSPC, errno.EDQUOT} else exc.strerror or str(exc)
    return f"{exc.filename or fallback}: cannot write ({reason})"


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


def died_note(error: str, attempts: int) -> nbformat.NotebookNode:
    """The cell that ends a notebook whose kernel died: what happened, and that the outputs above are real."""
    cell = nbformat.v4.new_markdown_cell(
        f"**Not finished: the kernel died** while this notebook ran ({error}; attempt {attempts} of {attempts}). "
        "The cells above show what it had run and printed until then.")
    cell.id = "ci-kernel-died"
    cell.metadata["tags"] = ["ci-kernel-died"]
    return cell


def run_task(task: NotebookTask) -> TaskResult:
    """Execute one notebook and write it atomically (to `failed_output` when a cell raised or the kernel died).

    Safe to call from several threads of a process: they run their notebooks one after another.
    """
    with ONE_NOTEBOOK_AT_A_TIME:
        return execute_task(task)


def execute_task(task: NotebookTask) -> TaskResult:
    """`run_task`, by the thread that holds `ONE_NOTEBOOK_AT_A_TIME`."""
    from ci_lib.execute.engine import Execution, KernelDied, KernelFailure, execute, first_error_line

    start = time.perf_counter()
    template, output, failed = Path(task.template), Path(task.output), Path(task.failed_output)

    def result(status: str, error: str, target: Path | None = None, stop: str = "") -> TaskResult:
        return TaskResult(task.name, status, round(time.perf_counter() - start, 3), error,
                          str(target) if target else "", attempts, stop)

    attempts = 0
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return result("failed", unwritable(exc, output.parent), stop=unwritable(exc, output.parent))
    while True:
        attempts += 1
        try:
            kernel = worker_kernel(restart=attempts > 1) if task.warm else None
            nb, outcome = execute(template, output, task.parameters, kernel, task.timeout)
            break
        except OSError as exc:
            if exc.errno in WRITE_ERRORS:
                return result("failed", unwritable(exc, output.parent), stop=unwritable(exc, output.parent))
            ran, error = None, first_error_line(exc)
        except KernelDied as exc:
            ran, error = exc.notebook, first_error_line(exc)
        except (KernelFailure, RuntimeError) as exc:  # DeadKernelError (while starting) is a RuntimeError
            ran, error = None, first_error_line(exc)
        if attempts >= 2:
            if ran is None:  # the kernel could not start, or died before papermill began: nothing ran to keep
                return result("failed", f"kernel died twice: {error}")
            nb, outcome = ran, Execution("failed", f"kernel died twice: {error}", retried=True)
            nb.cells.append(died_note(error, attempts))
            break
    nb = with_front_matter(normalise(nb), task.front_matter)
    invalid: dict[str, Any] = {}  # the one schema check of the executed notebook (see `compat.skip_validation_on_write`)
    text = nbformat.writes(nb, capture_validation_error=invalid)
    if "ValidationError" in invalid and outcome.status == "ok":
        outcome = Execution("failed", f"invalid notebook: {first_error_line(invalid['ValidationError'])}")
    target = output if outcome.status == "ok" else failed
    try:
        write_text(target, text)
        if outcome.status == "ok":
            failed.unlink(missing_ok=True)
    except OSError as exc:
        return result("failed", unwritable(exc, target), stop=unwritable(exc, target))
    return result(outcome.status, outcome.error, target)
