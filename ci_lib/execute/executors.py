"""Executors: where notebooks run. All yield results as they complete, in any order.

- `SerialExecutor`: this process, one warm kernel (debugging, tiny networks).
- `PoolExecutor`: a process pool of `jobs` workers, each with its own warm kernel.
- `DaskExecutor`: a Dask distributed cluster (a LocalCluster when no scheduler address is given). Its workers
  may run tasks on several threads: each worker process still runs one notebook at a time (`tasks.run_task`).

`start()` may be called before the tasks are known (the pool starts its workers' kernels while the run
scores the network); `close()` releases the workers when the run is done, `stop()` ends them at once when it
is not (Ctrl-C, SIGTERM, an error). `map()` may be called several times in between.

A pool's processes end with the run however it ends. Each worker ignores Ctrl-C (the run, which gets it
too from the terminal, stops them), stops its kernel and exits on SIGTERM, and watches its parent: Linux
sends it SIGTERM when the run dies (`PR_SET_PDEATHSIG`, so kill -9 included), and a thread polling the
parent's pid does the same where that is not available. Each kernel watches its worker in turn
(ipykernel's parent poller, which jupyter_client turns on for every kernel it launches). The multiprocessing
resource tracker exits once the run and its workers have closed its pipe.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import multiprocessing
import multiprocessing.process
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Protocol

from ci_lib.execute.tasks import NotebookTask, TaskResult, kill_worker_kernel, run_task, shutdown_worker_kernel, worker_kernel

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_S = 0.5


class Executor(Protocol):
    def start(self, warm: bool = True) -> None: ...

    def map(self, tasks: list[NotebookTask]) -> Iterator[TaskResult]: ...

    def close(self) -> None: ...

    def stop(self) -> None: ...


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def crashed(task: NotebookTask, exc: BaseException) -> TaskResult:
    return TaskResult(task.name, "failed", 0.0, f"worker crashed: {type(exc).__name__}: {exc}"[:300])


def stop_worker(signum: int = signal.SIGTERM, frame: Any = None) -> None:
    """SIGTERM in a worker: kill its kernel and exit now, with nothing printed (the run reports the interruption)."""
    kill_worker_kernel()
    os._exit(128 + signum)


def watch_parent(parent: int) -> None:
    """In a worker: get SIGTERM when the run process `parent` ends, however it ends.

    `PR_SET_PDEATHSIG` (Linux) delivers it when the parent's thread that spawned this worker ends, which is the
    run's main thread. A daemon thread checking the parent's pid covers other systems, and a failed prctl.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the run ended before this worker was watching
        stop_worker()

    def poll() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=poll, name="ci-watch-parent", daemon=True).start()


def start_worker(parent: int, warm: bool) -> None:
    """Pool initializer: watch the run, leave Ctrl-C to it, then (with `warm`) start this worker's kernel now.

    A failure to start the kernel here is retried, and reported, by the task.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop_worker)
    watch_parent(parent)
    if warm:
        try:
            worker_kernel()
        except Exception:  # noqa: BLE001 - run_task starts the kernel again and reports what goes wrong
            pass


@contextlib.contextmanager
def ctrl_c_ignored() -> Iterator[None]:
    """While workers are spawned: they inherit SIGINT ignored, so a Ctrl-C before their initializer runs
    cannot print a traceback from one of them. Only from the main thread (where signal handlers live)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def nothing() -> None:
    """A task that makes the pool spawn one more worker."""


def abandon_notebook() -> None:
    """Ctrl-C while this process ran a notebook: kill its kernel, and end the notebook's asyncio tasks.

    The interrupt left them pending on this thread's event loop; run again (by a kernel shutdown, or at exit)
    they would meet the dead kernel and print an exception nobody retrieved. Cancelled and awaited, they don't.
    """
    kill_worker_kernel()
    if "jupyter_core.utils" not in sys.modules:  # no notebook ran in this process
        return
    import asyncio

    from jupyter_core.utils import ensure_event_loop

    with contextlib.suppress(Exception):
        loop = ensure_event_loop()
        pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending and not loop.is_running():
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


class SerialExecutor:
    def start(self, warm: bool = True) -> None:
        pass

    def close(self) -> None:
        pass

    def stop(self) -> None:
        with ctrl_c_ignored():
            abandon_notebook()

    def map(self, tasks: list[NotebookTask]) -> Iterator[TaskResult]:
        try:
            for task in tasks:
                yield run_task(task)
        except BaseException:  # interrupted: the kernel is killed, not asked to shut down
            with ctrl_c_ignored():
                abandon_notebook()
            raise
        finally:
            shutdown_worker_kernel()


class PoolExecutor:
    def __init__(self, jobs: int | None = None):
        self.jobs = jobs or default_jobs()
        self.pool: ProcessPoolExecutor | None = None
        self.workers: list[multiprocessing.process.BaseProcess] = []

    def start(self, warm: bool = True) -> None:
        """Spawn every worker now; with `warm`, each starts its kernel (about 2 s) while the caller scores."""
        if self.jobs == 1 or self.pool is not None:
            return
        before = set(multiprocessing.active_children())
        with ctrl_c_ignored():
            self.pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=start_worker, initargs=(os.getpid(), warm))
            for _ in range(self.jobs):  # the pool spawns a worker per submitted task while none is idle
                self.pool.submit(nothing)
        self.workers = [p for p in multiprocessing.active_children() if p not in before]

    def close(self) -> None:
        """Release the workers without waiting for them to stop their kernels (about 0.2 s): the render that
        follows a run overlaps it. The pool still stops every worker, and the interpreter waits for them at exit."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
            self.workers = []

    def stop(self, wait: float = 2.0) -> None:
        """End the workers now (each kills its kernel on SIGTERM), abandoning their notebooks; waits up to `wait` s.

        A second Ctrl-C meanwhile is ignored: the workers are already being stopped.
        """
        if self.pool is None:  # (one job: notebooks ran in this process)
            with ctrl_c_ignored():
                abandon_notebook()
            return
        with ctrl_c_ignored():
            for worker in self.workers:
                with contextlib.suppress(OSError, ValueError):
                    worker.terminate()
            self.pool.shutdown(wait=False, cancel_futures=True)
            deadline = time.monotonic() + wait
            for worker in self.workers:
                with contextlib.suppress(ValueError):
                    worker.join(max(0.0, deadline - time.monotonic()))
            # Let the pool's manager thread see its workers gone and close its wake-up pipe before this process
            # exits: else concurrent.futures' exit hook may write to that pipe while the thread closes it, and
            # print "Exception ignored ... Bad file descriptor" with a traceback (CPython 3.11's _ThreadWakeup
            # checks `_closed` and writes without a lock). Bounded: a stuck pool is left to the exit hook.
            joined = threading.Thread(target=self.pool.shutdown, kwargs={"wait": True, "cancel_futures": True},
                                      daemon=True)
            joined.start()
            joined.join(max(0.5, deadline - time.monotonic()))
        self.pool = None
        self.workers = []

    def map(self, tasks: list[NotebookTask]) -> Iterator[TaskResult]:
        if not tasks:
            return
        if self.pool is None and (self.jobs == 1 or len(tasks) <= 1):
            yield from SerialExecutor().map(tasks)
            return
        if self.pool is None:
            self.start(warm=False)  # each task starts its worker's kernel
        assert self.pool is not None
        futures = {self.pool.submit(run_task, task): task for task in tasks}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # a worker process died (BrokenProcessPool, MemoryError...)
                yield crashed(futures[future], exc)


def located(task: NotebookTask) -> NotebookTask:
    """`task` with absolute paths: a cluster's workers run elsewhere than the run (another directory, another
    machine that mounts the reports folder at the same path), and would read relative ones from their own."""
    return dataclasses.replace(task, template=os.path.abspath(task.template), output=os.path.abspath(task.output),
                               failed_output=os.path.abspath(task.failed_output))


def as_asked(result: TaskResult, task: NotebookTask) -> TaskResult:
    """`result` of `located(task)`, naming the file it wrote as `task` does (the run relates it to its own paths)."""
    written = {os.path.abspath(task.output): task.output, os.path.abspath(task.failed_output): task.failed_output}
    return dataclasses.replace(result, output=written.get(result.output, result.output))


class DaskExecutor:
    def __init__(self, scheduler: str | None = None, jobs: int | None = None):
        self.scheduler = scheduler
        self.jobs = jobs or default_jobs()

    def start(self, warm: bool = True) -> None:
        pass

    def close(self) -> None:
        pass

    def stop(self) -> None:
        pass  # `map` closes its client and cluster on the way out

    def map(self, tasks: list[NotebookTask]) -> Iterator[TaskResult]:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed

        cluster = None
        if self.scheduler:
            client = Client(self.scheduler)
        else:
            cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
        try:
            futures = client.map(run_task, [located(task) for task in tasks], pure=False,
                                 key=[f"notebook-{t.name}" for t in tasks])
            by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
            for future in dask_completed(futures):
                try:
                    yield as_asked(future.result(), by_key[future.key])
                except Exception as exc:
                    yield crashed(by_key[future.key], exc)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()


def make_executor(kind: str, jobs: int | None, scheduler: str | None) -> Executor:
    if kind == "dask":
        return DaskExecutor(scheduler, jobs)
    if kind == "serial":
        return SerialExecutor()
    return PoolExecutor(jobs)
