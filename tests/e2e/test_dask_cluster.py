"""A real Dask cluster on loopback: `dask scheduler` and `dask worker` processes, as a cluster runs them.

Dask's workers run several tasks at once, one per thread (`--nthreads`, by default several). The kit's
notebooks must still never share a kernel or a process-wide patch: a year run on multi-threaded workers has
the outputs of the local executor, byte for byte. Every process started here is in a session of its own and
is ended, with its group, however the test ends; every wait has a timeout, so a hang fails the test.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from ci_lib.execute import engine, tasks
from ci_lib.execute.tasks import NotebookTask, run_task
from tests.conftest import NOTEBOOKS, REPO, YEAR, make_project

RUN_TIMEOUT_S = 420  # the local run of these 10 notebooks takes about 1.5 minutes on a busy 2-core machine
START_TIMEOUT_S = 120
RUN_SPECIFIC = frozenset({"timings", "host", "hostname", "executor", "scheduler", "started", "finished", "seconds"})


class Overlap:
    """Counts how many threads are inside a stand-in at once (the most seen is `most`)."""

    def __init__(self) -> None:
        self.inside = self.most = 0
        self.guard = threading.Lock()

    def around(self, work):
        with self.guard:
            self.inside += 1
            self.most = max(self.most, self.inside)
        try:
            time.sleep(0.05)  # a window for another thread to come in, were it let
            return work()
        finally:
            with self.guard:
                self.inside -= 1


def test_threads_of_one_process_run_their_notebooks_one_at_a_time(tmp_path, monkeypatch):
    """A Dask worker calls `run_task` from each of its threads: the kernel and papermill are the process's."""
    overlap = Overlap()

    def execute(template, output, parameters, kernel, timeout=None):
        return overlap.around(lambda: (nbformat.v4.new_notebook(), engine.Execution("ok")))

    monkeypatch.setattr(engine, "execute", execute)
    monkeypatch.setattr(tasks, "worker_kernel", lambda restart=False: None)
    jobs = [NotebookTask(f"c{i}", "t.ipynb", str(tmp_path / f"c{i}.ipynb"), str(tmp_path / "failed" / f"c{i}.ipynb"), {})
            for i in range(8)]
    with ThreadPoolExecutor(4) as threads:
        results = list(threads.map(run_task, jobs))
    assert [r.status for r in results] == ["ok"] * 8
    assert overlap.most == 1


def test_threads_asking_for_the_kernel_at_once_start_one_and_share_it_in_turn(monkeypatch):
    overlap = Overlap()

    class Kernel:
        def __init__(self) -> None:
            overlap.around(lambda: None)

    monkeypatch.setattr(engine, "WarmKernel", Kernel)
    monkeypatch.setattr(tasks, "_KERNEL", None)
    with ThreadPoolExecutor(4) as threads:
        kernels = list(threads.map(lambda _: tasks.worker_kernel(), range(4)))
    assert len({id(k) for k in kernels}) == 1 and overlap.most == 1


def environment(tmp: Path) -> dict[str, str]:
    """The kit of this checkout in every process (the CLI, workers, their kernels); Dask's files under `tmp`."""
    return {**os.environ, "PYTHONPATH": str(REPO), "DASK_TEMPORARY_DIRECTORY": str(tmp)}


def end(process: subprocess.Popen, wait: float = 15) -> None:
    """End `process` and everything in its session (a worker's nanny, the worker it spawned)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(wait)
    with contextlib.suppress(ProcessLookupError, PermissionError):  # a straggler of the group
        os.killpg(process.pid, signal.SIGKILL)


def dask_cli(*args: str) -> list[str]:
    """`dask scheduler ...` / `dask worker ...` with the interpreter running the tests (its venv's distributed)."""
    return [sys.executable, "-m", "dask", *args]


class Cluster:
    """A scheduler and workers on 127.0.0.1, each a process group of its own."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.scheduler_file = tmp / "scheduler.json"
        self.env = environment(tmp)
        self.logs = tmp / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.scheduler: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []

    def spawn(self, name: str, command: list[str], cwd: Path) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("wb")
        return subprocess.Popen(command, cwd=cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)

    def start_scheduler(self) -> str:
        """Port 0: the system picks a free one, which the scheduler file then names."""
        self.scheduler = self.spawn("scheduler", dask_cli(
            "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
            "--scheduler-file", str(self.scheduler_file)), self.tmp)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError, KeyError):
                return str(json.loads(self.scheduler_file.read_text())["address"])
            if self.scheduler.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"the scheduler did not start:\n{self.log('scheduler')}")

    def start_worker(self, nthreads: int) -> subprocess.Popen:
        """A worker (with its nanny) started elsewhere than the project: the tasks must name their own paths."""
        index = len(self.workers)
        home = self.tmp / f"worker-{index}"
        home.mkdir()
        worker = self.spawn(f"worker-{index}", dask_cli(
            "worker", "--scheduler-file", str(self.scheduler_file), "--nthreads", str(nthreads), "--nworkers", "1",
            "--host", "127.0.0.1", "--no-dashboard", "--local-directory", str(home), "--name", f"worker-{index}",
            "--death-timeout", "60"), home)
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, count: int) -> dict:
        """Until `count` workers have joined; returns the scheduler's view of them."""
        from distributed import Client

        with Client(scheduler_file=str(self.scheduler_file), timeout=START_TIMEOUT_S) as client:
            client.wait_for_workers(count, timeout=START_TIMEOUT_S)
            return dict(client.scheduler_info(n_workers=-1)["workers"])

    def running_on(self, name: str) -> list[str]:
        """The tasks the scheduler has given to the worker called `name` and not yet seen finish."""
        from distributed import Client

        with Client(scheduler_file=str(self.scheduler_file), timeout=START_TIMEOUT_S) as client:
            named = {info["name"]: address for address, info in client.scheduler_info(n_workers=-1)["workers"].items()}
            return [str(key) for key in client.processing().get(named[name], ())]

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def logs_text(self) -> str:
        return "\n".join(f"--- {path.stem}\n{self.log(path.stem)}" for path in sorted(self.logs.glob("*.log")))

    def close(self) -> None:
        for worker in self.workers:
            end(worker)
        if self.scheduler is not None:
            end(self.scheduler)


@contextlib.contextmanager
def cluster(tmp: Path) -> Iterator[Cluster]:
    running = Cluster(tmp)
    try:
        yield running
    finally:
        running.close()


def run_cli(root: Path, *extra: str, timeout: float = RUN_TIMEOUT_S, env: dict[str, str] | None = None,
            log: Path | None = None) -> subprocess.CompletedProcess:
    """`ci-assess run` from the project root, as a user types it (relative params, data and reports paths).

    In a session of its own: on timeout the run and whatever it started are killed, and the test fails.
    """
    command = [sys.executable, "-m", "ci_lib.cli", "run", "--year", str(YEAR), "--notebooks", str(NOTEBOOKS),
               "--quiet", *extra]
    out = (log or root / "run.log").open("wb")
    process = subprocess.Popen(command, cwd=root, env=env or environment(root), stdout=out, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        end(process, wait=5)
        text = (log or root / "run.log").read_text(errors="replace")[-3000:]
        raise AssertionError(f"`ci-assess run {' '.join(extra)}` did not finish in {timeout:g} s:\n{text}") from None
    finally:
        end(process, wait=5)
    return subprocess.CompletedProcess(command, process.returncode,
                                       (log or root / "run.log").read_text(errors="replace"), "")


def without_run_specifics(value: object) -> object:
    """The manifest, minus what says when and where it ran rather than what it holds."""
    if isinstance(value, dict):
        return {k: without_run_specifics(v) for k, v in value.items() if k not in RUN_SPECIFIC}
    if isinstance(value, list):
        return [without_run_specifics(v) for v in value]
    return value


def year_outputs(report_dir: Path) -> dict[str, bytes]:
    """The year's outputs that must not depend on the executor: scores, notebooks, manifest."""
    outputs = {str(p.relative_to(report_dir)): p.read_bytes()
               for pattern in ("scores/*.json", "communities/*.ipynb", "index.ipynb")
               for p in sorted(report_dir.glob(pattern))}
    manifest = json.loads((report_dir / "manifest.json").read_text())
    outputs["manifest.json"] = json.dumps(without_run_specifics(manifest), sort_keys=True).encode()
    return outputs


def twin_projects(tmp: Path, n: int = 9) -> tuple[Path, Path]:
    """One network generated once, copied: both runs read the same bytes."""
    local = make_project(tmp / "local", n=n).root
    shutil.copytree(local, tmp / "dask", symlinks=True)
    return local, tmp / "dask"


def assert_same_year(local: Path, remote: Path) -> None:
    expected, got = year_outputs(local / "reports" / str(YEAR)), year_outputs(remote / "reports" / str(YEAR))
    assert sorted(got) == sorted(expected)
    assert len([name for name in expected if name.startswith("communities/")]) >= 6
    different = [name for name in expected if got[name] != expected[name]]
    assert different == [], f"differ from the local executor's: {different}"


def test_a_year_on_multithreaded_dask_workers_is_byte_identical_to_the_local_executor(tmp_path):
    pytest.importorskip("distributed", reason="the [dask] extra (dask[distributed]) is not installed")
    """Two `dask worker --nthreads 4` processes, ten notebooks: more than the eight threads, so threads run a
    second notebook. The old code then hung, idle, until killed (7 of 10 written): each thread had started a
    kernel for its first notebook, and for its second took the worker's one module-global kernel, which
    another thread was using. Now each worker runs one notebook at a time. The run is typed from the project
    root, with the default relative paths, and the workers run elsewhere (the old code had them write there)."""
    local, remote = twin_projects(tmp_path)
    done = run_cli(local, "--executor", "local", "--jobs", "2")
    assert done.returncode == 0, done.stdout[-3000:]
    with cluster(tmp_path / "cluster") as running:
        address = running.start_scheduler()
        for _ in range(2):
            running.start_worker(nthreads=4)
        workers = running.wait_for_workers(2)
        assert sorted(w["nthreads"] for w in workers.values()) == [4, 4]
        done = run_cli(remote, "--executor", "dask", "--scheduler", address)
        assert done.returncode == 0, done.stdout[-3000:] + running.logs_text()
    assert_same_year(local, remote)


def test_a_worker_killed_mid_run_leaves_a_year_identical_to_the_local_executor(tmp_path):
    """Issue #23 item 5: two workers, one SIGKILLed (with its nanny, so nothing restarts it) once a few notebooks
    are written. The scheduler gives its tasks to the other worker; a task carries its own inputs (absolute
    paths, parameters, front matter) and writes atomically, so running it again elsewhere is harmless."""
    pytest.importorskip("distributed", reason="the [dask] extra (dask[distributed]) is not installed")
    local, remote = twin_projects(tmp_path)
    done = run_cli(local, "--executor", "local", "--jobs", "2")
    assert done.returncode == 0, done.stdout[-3000:]
    written = remote / "reports" / str(YEAR) / "communities"
    with cluster(tmp_path / "cluster") as running:
        address = running.start_scheduler()
        survivor, victim = running.start_worker(nthreads=2), running.start_worker(nthreads=2)
        running.wait_for_workers(2)
        log = remote / "run.log"
        command = [sys.executable, "-m", "ci_lib.cli", "run", "--year", str(YEAR), "--notebooks", str(NOTEBOOKS),
                   "--quiet", "--executor", "dask", "--scheduler", address]
        run = subprocess.Popen(command, cwd=remote, env=environment(remote), stdout=log.open("wb"),
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + RUN_TIMEOUT_S
            while len(list(written.glob("*.ipynb"))) < 2 and run.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            assert run.poll() is None, f"the run ended before a worker could be killed:\n{log.read_text()[-3000:]}"
            assert running.running_on("worker-1"), "too late: the victim has no notebook left to lose"
            os.killpg(victim.pid, signal.SIGKILL)
            victim.wait(30)
            try:
                run.wait(max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise AssertionError(f"the run did not finish after a worker was killed:\n{log.read_text()[-3000:]}"
                                     f"\n{running.logs_text()}") from None
        finally:
            end(run, wait=5)
        assert run.returncode == 0, log.read_text()[-3000:] + running.logs_text()
        assert survivor.poll() is None  # the other worker carried on
    assert_same_year(local, remote)
