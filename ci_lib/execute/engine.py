"""Run a parameterized notebook through papermill on a kept-alive ("warm") kernel.

Kernel start and `import pandas, seaborn, matplotlib` dominate a small notebook. A `WarmKernel` starts
once per worker process with the kit's imports loaded; between notebooks its namespace, history and
execution counter are reset (`InteractiveShell.reset(new_session=True)`), figures are closed and the
working directory is set, so a notebook sees what a fresh kernel would show (proven in the tests).
The kernel keeps no input history: IPython would write every cell to one `history.sqlite` shared by all
workers' kernels (a commit per notebook, and a lock to wait for), which no batch run ever reads back.

`WarmEngine` is a papermill engine (registered here as `ci-warm`), so parameter injection, error cells and
papermill metadata are papermill's own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import DeadKernelError
from papermill.engines import papermill_engines
from papermill.exceptions import PapermillExecutionError

from ci_lib import compat
from ci_lib.execute.papermill_engine import WarmEngine

# gc.freeze: the imported modules' objects are never garbage, so full collections (one per reset) skip them
PRELOAD = "import ci_lib.pages.report, ci_lib.pages.plots, pandas, seaborn, matplotlib.pyplot, gc; gc.collect(); gc.freeze()"
RESET = """\
import os as _ci_os, matplotlib.pyplot as _ci_plt
_ci_plt.close("all")
_ci_os.chdir({cwd!r})
get_ipython().reset(new_session=True)
"""


class KernelFailure(RuntimeError):
    """The warm kernel could not run the kit's own set-up code."""


class KernelDied(RuntimeError):
    """The kernel died while a notebook ran; `notebook` holds the cells it had run until then (or None)."""

    def __init__(self, message: str, notebook: nbformat.NotebookNode | None):
        super().__init__(message)
        self.notebook = notebook


class WarmKernel:
    """A kernel kept alive across notebooks, with the kit's imports already loaded."""

    def __init__(self, kernel_name: str = "python3", startup_timeout: float = 60):
        self.kernel_name = kernel_name
        self.km = AsyncKernelManager(kernel_name=kernel_name)
        run_sync(self.km.start_kernel)(extra_arguments=["--IPKernelApp.log_level=ERROR",
                                                        "--HistoryManager.enabled=False"])
        self.kc = self.km.client()
        self.kc.start_channels()
        run_sync(self.kc.wait_for_ready)(timeout=startup_timeout)
        self.notebooks = 0
        self.executed: nbformat.NotebookNode | None = None  # the notebook `WarmEngine` last executed
        self.run(PRELOAD)

    def run(self, code: str, timeout: float = 120) -> None:
        reply = run_sync(self.kc.execute_interactive)(code, store_history=False, timeout=timeout,
                                                      output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise KernelFailure(f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}")

    def reset(self, cwd: Path) -> None:
        self.run(RESET.format(cwd=str(cwd)))

    @property
    def pid(self) -> int | None:
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        return getattr(process, "pid", None)

    def interrupt(self) -> None:
        if self.pid:
            os.kill(self.pid, signal.SIGINT)

    def alive(self) -> bool:
        return bool(run_sync(self.km.is_alive)())

    def kill(self) -> None:
        """Stop the kernel at once, from a signal handler: no message to it, no event loop.

        jupyter_client starts each kernel in a session of its own, so its process group holds the kernel and
        whatever a notebook started. Its connection file goes too; nothing else of it is left on disk.
        """
        pid = self.pid
        if pid:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.km.cleanup_connection_file()

    def shutdown(self) -> None:
        try:
            self.kc.stop_channels()
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # already gone: nothing left to clean
            pass


# papermill's public registry; the only registration (no `papermill.engine` entry point: it would load this
# module while papermill is still importing, and needs the package installed)
papermill_engines.register("ci-warm", WarmEngine)


@dataclass
class Execution:
    """What happened to one notebook."""

    status: str  # ok | failed
    error: str = ""
    retried: bool = False


def first_error_line(exc: BaseException) -> str:
    if isinstance(exc, PapermillExecutionError):
        text = f"{exc.ename}: {exc.evalue}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text.strip().splitlines()[0][:300] if text.strip() else type(exc).__name__


def execute(template: Path, output: Path, parameters: dict[str, Any], kernel: WarmKernel | None,
            timeout: float | None = None) -> tuple[nbformat.NotebookNode, Execution]:
    """Execute `template` with `parameters` in `output`'s directory; returns the executed notebook.

    With `kernel=None` papermill's default engine starts a fresh kernel (the reference behaviour).
    The notebook is returned even when a cell failed (with papermill's error cells in it). On a warm kernel
    papermill writes no file (`output_path=None`): the caller writes the notebook once, where it belongs,
    and the failed one is the notebook the engine kept. A fresh kernel's run is written to a hidden file
    after each cell.
    A kernel that dies mid-notebook raises `KernelDied` carrying the cells run until then.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.parent / f".{output.stem}.partial.ipynb"
    timer = None
    if kernel is not None:
        kernel.executed = None
        kernel.reset(output.parent.resolve())
        if timeout:
            timer = threading.Timer(timeout, kernel.interrupt)
            timer.daemon = True
            timer.start()
    common: dict[str, Any] = {"parameters": parameters, "progress_bar": False, "request_save_on_cell_execute": False,
                              "kernel_name": "python3"}
    status = Execution("ok")
    nb = None
    try:
        if kernel is None:
            # saved after each cell: should the kernel die, the hidden file holds what it ran
            nb = papermill.execute_notebook(str(template), str(partial), cwd=str(output.parent),
                                            execution_timeout=int(timeout) if timeout else None,
                                            **{**common, "request_save_on_cell_execute": True})
        else:
            with compat.skip_validation_on_write():
                nb = papermill.execute_notebook(str(template), None, engine_name="ci-warm", warm_kernel=kernel,
                                                **common)
            kernel.notebooks += 1
    except PapermillExecutionError as exc:
        status = Execution("failed", first_error_line(exc))
        if timer is not None and not timer.is_alive() and exc.ename == "KeyboardInterrupt":
            status.error = f"timed out after {timeout:g} s"
    except DeadKernelError as exc:
        if kernel is not None:
            ran = kernel.executed
        else:
            ran = nbformat.read(partial, as_version=4) if partial.exists() else None
        partial.unlink(missing_ok=True)
        raise KernelDied(first_error_line(exc), ran) from exc
    finally:
        if timer is not None:
            timer.cancel()
    if nb is None:  # papermill raised after adding its error cell: to the notebook the engine kept, or to the file
        nb = kernel.executed if kernel is not None else nbformat.read(partial, as_version=4)
        if nb is None:  # cannot happen: papermill raises only after the engine returned it
            raise RuntimeError("papermill reported a failed cell, but the warm engine kept no notebook")
    partial.unlink(missing_ok=True)
    return nb, status


__all__ = ["DeadKernelError", "Execution", "KernelDied", "WarmKernel", "execute"]
