"""Executors: where notebooks run. All yield results as they complete, in any order.

- `SerialExecutor`: this process, one warm kernel (debugging, tiny networks).
- `PoolExecutor`: a process pool of `jobs` workers, each with its own warm kernel.
- `DaskExecutor`: a Dask distributed cluster (a LocalCluster when no scheduler address is given).

`start()` may be called before the tasks are known (the pool starts its workers' kernels while the run
scores the network); `close()` releases the workers. `map()` may be called several times in between.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Protocol

from .tasks import NotebookTask, TaskResult, run_task, shutdown_worker_kernel, worker_kernel


class Executor(Protocol):
    def start(self, warm: bool = True) -> None: ...

    def map(self, tasks: list[NotebookTask]) -> Iterator[TaskResult]: ...

    def close(self) -> None: ...


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def crashed(task: NotebookTask, exc: BaseException) -> TaskResult:
    return TaskResult(task.name, "failed", 0.0, f"worker crashed: {type(exc).__name__}: {exc}"[:300])


def warm_up() -> None:
    """Pool initializer: start this worker's kernel now. A failure here is retried, and reported, by the task.

    First, papermill is kept from importing pyarrow (with numpy, about 0.2 CPU-s a worker, while the kernels start
    and the parent scores on the same cores): it does so only for an HDFS handler, and a worker reads and writes
    local notebooks only. Only in this pool's own processes; notebooks run in kernels, unaffected.
    """
    sys.modules.setdefault("pyarrow", None)  # type: ignore[arg-type]  # papermill's `from pyarrow.fs import` fails
    try:
        worker_kernel()
    except Exception:  # noqa: BLE001 - run_task starts the kernel again and reports what goes wrong
        pass


def nothing() -> None:
    """A task that makes the pool spawn one more worker."""


class SerialExecutor:
    def start(self, warm: bool = True) -> None:
        pass

    def close(self) -> None:
        pass

    def map(self, tasks: list[NotebookTask]) -> Iterator[TaskResult]:
        try:
            for task in tasks:
                yield run_task(task)
        finally:
            shutdown_worker_kernel()


class PoolExecutor:
    def __init__(self, jobs: int | None = None):
        self.jobs = jobs or default_jobs()
        self.pool: ProcessPoolExecutor | None = None

    def start(self, warm: bool = True) -> None:
        """Spawn every worker now; with `warm`, each starts its kernel (about 2 s) while the caller scores."""
        if self.jobs == 1 or self.pool is not None:
            return
        self.pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=warm_up if warm else None)
        for _ in range(self.jobs):  # the pool spawns a worker per submitted task while none is idle
            self.pool.submit(nothing)

    def close(self) -> None:
        """Release the workers without waiting for them to stop their kernels (about 0.2 s): the render that
        follows a run overlaps it. The pool still stops every worker, and the interpreter waits for them at exit."""
        if self.pool is not None:
            self.pool.shutdown(wait=False)
            self.pool = None

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


class DaskExecutor:
    def __init__(self, scheduler: str | None = None, jobs: int | None = None):
        self.scheduler = scheduler
        self.jobs = jobs or default_jobs()

    def start(self, warm: bool = True) -> None:
        pass

    def close(self) -> None:
        pass

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
            futures = client.map(run_task, tasks, pure=False, key=[f"notebook-{t.name}" for t in tasks])
            by_key = {f.key: t for f, t in zip(futures, tasks, strict=True)}
            for future in dask_completed(futures):
                try:
                    yield future.result()
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
