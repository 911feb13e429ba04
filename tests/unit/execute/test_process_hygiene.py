"""Process hygiene: however `ci-assess run` ends (kill -9, SIGTERM, Ctrl-C), its workers and kernels end with it.

Each test starts a real run in its own session (as a terminal's foreground job), waits until both pool
workers' kernels are up and a notebook is executing, ends the run process, then waits (a bound, not a timing
assertion) until every process that descended from it is gone.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from tests.conftest import NOTEBOOKS, REPO, YEAR, make_project
from tests.e2e.test_run import kernels_under

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="walks /proc (Linux)")


def process_table() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state, start time) of every process (Linux /proc)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            table[int(entry.name)] = (int(fields[1]), fields[0], fields[19])
    return table


def descendants(pid: int) -> dict[int, str]:
    """The living processes below `pid`, each with its start time (so a reused pid is not mistaken for it)."""
    table = process_table()
    found: dict[int, str] = {}
    for child, (_, state, started) in table.items():
        ancestor = table[child][0]
        while ancestor and ancestor != pid and ancestor in table:
            ancestor = table[ancestor][0]
        if ancestor == pid and state != "Z":
            found[child] = started
    return found


def still_alive(processes: dict[int, str]) -> dict[int, str]:
    table = process_table()
    return {pid: started for pid, started in processes.items()
            if pid in table and table[pid][2] == started and table[pid][1] != "Z"}


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"


def slow_templates(tmp_path: Path) -> Path:
    """The kit's templates with a community notebook that takes a minute: the run is busy when it is ended."""
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder)
    nb = nbformat.read(folder / "community.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell("import time\nfor _ in range(600):\n    time.sleep(0.1)"))
    nbformat.write(nb, folder / "community.ipynb")
    return folder


def start_busy_run(tmp_path: Path, jobs: int = 2) -> tuple[subprocess.Popen, dict[int, str]]:
    """A 5-community run with `jobs` workers, once their kernels are up and executing; returns it and its
    descendants. With one job, the run executes in its own process, on one kernel."""
    project = make_project(tmp_path, n=5)
    command = [sys.executable, "-m", "ci_lib.cli", "run", "--year", str(YEAR), "--data", str(project.data),
               "--params", str(project.params), "--reports", str(project.reports),
               "--notebooks", str(slow_templates(tmp_path)), "--jobs", str(jobs), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=tmp_path)
    deadline = time.monotonic() + 240
    started = project.report_dir / "_work"
    while time.monotonic() < deadline and proc.poll() is None:
        # both kernels up, and the run past scoring (its slices prepared): the workers are executing notebooks
        if len(kernels_under(proc.pid)) == jobs and started.is_dir():
            break
        time.sleep(0.2)
    time.sleep(1.0)  # the kernels have taken their first notebooks
    assert proc.poll() is None, proc.communicate()
    assert len(kernels_under(proc.pid)) == jobs
    below = descendants(proc.pid)
    expected = 1 if jobs == 1 else 2 * jobs  # (jobs workers, jobs kernels, and the resource tracker)
    assert len(below) >= expected, {pid: command_line(pid) for pid in below}
    return proc, below


def wait_until_gone(processes: dict[int, str], bound: float = 20) -> dict[int, str]:
    deadline = time.monotonic() + bound
    while still_alive(processes) and time.monotonic() < deadline:
        time.sleep(0.2)
    return {pid: command_line(pid) for pid in still_alive(processes)}


def end(proc: subprocess.Popen, processes: dict[int, str]) -> None:
    """Clean up after a failed assertion: nothing of the test's run outlives it."""
    for pid in still_alive(processes):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


def test_kill_9_of_the_run_process_ends_its_workers_and_kernels(tmp_path):
    proc, below = start_busy_run(tmp_path)
    try:
        os.kill(proc.pid, signal.SIGKILL)  # the run process alone: its children are not signalled
        proc.wait()
        assert wait_until_gone(below) == {}
    finally:
        end(proc, below)


def test_sigterm_to_the_run_process_ends_its_workers_and_kernels(tmp_path):
    proc, below = start_busy_run(tmp_path)
    try:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        assert wait_until_gone(below) == {}
        err = proc.stderr.read().decode() if proc.stderr else ""
        assert "Traceback" not in err, err
        assert proc.returncode == 128 + signal.SIGTERM
    finally:
        end(proc, below)


@pytest.mark.parametrize("jobs", [2, 1], ids=["pool", "in-process"])
def test_ctrl_c_exits_with_one_line_and_no_traceback(tmp_path, jobs):
    proc, below = start_busy_run(tmp_path, jobs)
    try:
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole foreground process group
        _, err_bytes = proc.communicate(timeout=60)
        err = err_bytes.decode()
        assert "Traceback" not in err, err
        assert proc.returncode == 130
        assert err.strip().splitlines() == [err.strip().splitlines()[-1]]
        assert err.startswith("interrupted; ") and err.rstrip().endswith("notebooks finished, rerun to resume"), err
        assert wait_until_gone(below) == {}
    finally:
        end(proc, below)
