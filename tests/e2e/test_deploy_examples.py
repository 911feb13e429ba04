"""The cluster examples the guide gives (deploy/), run for real on this machine.

- Slurm: `deploy/slurm/assess_on_slurm.py` with `deploy/slurm/jobqueue.yaml`, through dask-jobqueue, with
  stand-ins for `sbatch` and `scancel` on PATH that run the job script here (as the Quarto tests use a
  stand-in `quarto`). The workers the "jobs" start run the year; its outputs equal the local executor's.
- Kubernetes: `deploy/kubernetes/shards-job.yaml` (an Indexed Job, then a Job that merges and renders) is
  checked for what the kit needs (completions = the shard count of the command, the shared volume at the
  project path, the same image), and its container commands are run here, one per completion index, in the
  order Kubernetes would: the merged year equals the local run. `dask-cluster.yaml` (the Dask operator's
  DaskCluster) is checked structurally: single-threaded workers, same image, same mount.
"""

from __future__ import annotations

import os
import shlex
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import NOTEBOOKS, REPO, YEAR
from tests.e2e.test_dask_cluster import assert_same_year, environment, run_cli, twin_projects

DEPLOY = REPO / "deploy"
RUN_TIMEOUT_S = 900  # a busy 2-core machine starts two workers and runs six notebooks in about 2 minutes

SBATCH = """#!/bin/bash
# stand-in for sbatch: runs the job script here, in a session of its own, and answers as sbatch does
script="${@: -1}"
cp "$script" "$STANDIN_LOGS/job-$$.sh"  # dask-jobqueue deletes its file as soon as sbatch returns
setsid bash "$STANDIN_LOGS/job-$$.sh" > "$STANDIN_LOGS/job-$$.log" 2>&1 < /dev/null &
echo "$!" >> "$STANDIN_LOGS/submitted"
echo "Submitted batch job $!"
"""
SCANCEL = """#!/bin/bash
# stand-in for scancel: ends each job's session
for id in "$@"; do kill -TERM -- "-$id" 2>/dev/null; echo "$id" >> "$STANDIN_LOGS/cancelled"; done
exit 0
"""


def stand_ins(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, text in (("sbatch", SBATCH), ("scancel", SCANCEL)):
        path = folder / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return folder


def end_jobs(logs: Path) -> None:
    """Whatever the stand-in submitted is ended with its session, however the test ends."""
    submitted = logs / "submitted"
    for line in (submitted.read_text().split() if submitted.exists() else []):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(int(line), sig)
            except (ProcessLookupError, PermissionError):
                break


def alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_slurm_example_runs_a_year_on_workers_its_jobs_start(tmp_path):
    pytest.importorskip("dask_jobqueue", reason="the [dask] extra (dask-jobqueue) is not installed")
    local, remote = twin_projects(tmp_path, n=6)
    done = run_cli(local, "--executor", "local", "--jobs", "2")
    assert done.returncode == 0, done.stdout[-3000:]

    # The example's configuration, with this machine's paths and size: every other key as shipped.
    config = yaml.safe_load((DEPLOY / "slurm" / "jobqueue.yaml").read_text())
    slurm = config["jobqueue"]["slurm"]
    assert slurm["cores"] == slurm["processes"], "one thread per worker process"
    slurm.update({"python": sys.executable, "job-script-prologue": [f"cd {shlex.quote(str(remote))}"],
                  "cores": 2, "processes": 2, "memory": "4GB", "local-directory": str(tmp_path / "scratch")})
    slurm["scheduler-options"] = {**slurm["scheduler-options"], "host": "127.0.0.1"}
    (tmp_path / "jobqueue.yaml").write_text(yaml.safe_dump(config))

    logs = tmp_path / "jobs"
    logs.mkdir()
    env = {**environment(tmp_path), "PATH": f"{stand_ins(tmp_path / 'bin')}{os.pathsep}{os.environ['PATH']}",
           "STANDIN_LOGS": str(logs)}
    command = [sys.executable, str(DEPLOY / "slurm" / "assess_on_slurm.py"), "--config", str(tmp_path / "jobqueue.yaml"),
               "--jobs", "1", "--wait", "600", "--", "run", "--year", str(YEAR), "--notebooks", str(NOTEBOOKS), "--quiet"]
    try:
        result = subprocess.run(command, cwd=remote, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
                                stdin=subprocess.DEVNULL)
        job_logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(logs.glob("job-*.log")))
        assert result.returncode == 0, result.stderr[-3000:] + job_logs
        assert "worker(s) joined" in result.stderr
        jobs = (logs / "submitted").read_text().split()
        assert len(jobs) == 1
        script = next(logs.glob("job-*.sh")).read_text()
        assert "--nthreads 1 " in script and "--nworkers 2 " in script and f"cd {remote}" in script
        full_log = next(logs.glob("job-*.log")).read_text(errors="replace")
        assert full_log.count("Start worker at") == 2, full_log[-3000:]  # the job's two workers joined
        assert_same_year(local, remote)
        # The cluster's close cancels the job it submitted.
        assert (logs / "cancelled").read_text().split() == jobs
    finally:
        end_jobs(logs)


def test_the_job_script_is_what_the_guide_promises():
    pytest.importorskip("dask_jobqueue", reason="the [dask] extra (dask-jobqueue) is not installed")
    result = subprocess.run([sys.executable, str(DEPLOY / "slurm" / "assess_on_slurm.py"), "--print-job-script"],
                            env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    script = result.stdout
    assert "#SBATCH --cpus-per-task=8" in script and "--nworkers 8" in script and "--nthreads 1" in script
    assert "cd /shared/ci-kit" in script and "/shared/ci-kit/.venv/bin/python -m distributed.cli.dask_worker" in script


def test_the_slurm_example_refuses_a_command_that_is_not_a_run():
    result = subprocess.run([sys.executable, str(DEPLOY / "slurm" / "assess_on_slurm.py"), "--", "render"],
                            env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "starting with run" in result.stderr


def kubernetes(name: str) -> dict:
    return yaml.safe_load((DEPLOY / "kubernetes" / name).read_text())


def pod_of(job: dict) -> dict:
    return job["spec"]["template"]["spec"]


def mounts_the_project(pod: dict, container: dict) -> None:
    """The project folder is the one shared claim, mounted where the container works."""
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert claims["project"] == "ci-kit-project" and mounts["project"] == "/shared/ci-kit"


def test_the_kubernetes_shard_jobs_run_here_give_the_local_executors_year(tmp_path):
    shards, merge = kubernetes("shards-job.yaml"), kubernetes("merge-job.yaml")
    spec = shards["spec"]
    assert spec["completionMode"] == "Indexed" and spec["completions"] == spec["parallelism"]
    run, joined = pod_of(shards)["containers"][0], pod_of(merge)["containers"][0]
    (shard_command,) = run["args"]
    assert f'--shard "${{JOB_COMPLETION_INDEX}}/{spec["completions"]}"' in shard_command
    assert run["image"] == joined["image"] and run["workingDir"] == joined["workingDir"] == "/shared/ci-kit"
    mounts_the_project(pod_of(shards), run)
    mounts_the_project(pod_of(merge), joined)

    local, remote = twin_projects(tmp_path, n=6)
    done = run_cli(local, "--executor", "local", "--jobs", "2")
    assert done.returncode == 0, done.stdout[-3000:]
    (remote / "notebooks").symlink_to(NOTEBOOKS)  # the image's project folder has the kit's notebooks
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "ci-assess").write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m ci_lib.cli "$@"\n')
    (bin_dir / "ci-assess").chmod(0o755)
    env = {**environment(remote), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    for index in range(spec["completions"]):  # the pods of the Indexed Job, one after another
        pod = subprocess.run([*run["command"], shard_command], cwd=remote, env={**env, "JOB_COMPLETION_INDEX": str(index)},
                             capture_output=True, text=True, timeout=RUN_TIMEOUT_S, stdin=subprocess.DEVNULL)
        assert pod.returncode == 0, (index, pod.stdout[-2000:], pod.stderr[-2000:])
        assert (remote / "reports" / f"run-{index}.jsonl").exists()
    done = subprocess.run([*joined["command"], *joined["args"]], cwd=remote, env=env, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_same_year(local, remote)
    assert (remote / "reports" / str(YEAR) / "_site" / "index.html").exists()


def test_the_dask_operator_cluster_matches_what_the_run_needs():
    cluster, shards = kubernetes("dask-cluster.yaml"), kubernetes("shards-job.yaml")
    image = pod_of(shards)["containers"][0]["image"]
    worker_pod, scheduler_pod = cluster["spec"]["worker"]["spec"], cluster["spec"]["scheduler"]["spec"]
    worker, scheduler = worker_pod["containers"][0], scheduler_pod["containers"][0]
    assert worker["image"] == scheduler["image"] == image
    args = [str(a) for a in worker["args"]]
    assert args[:2] == ["dask", "worker"] and args[args.index("--nthreads") + 1] == "1"
    mounts_the_project(worker_pod, worker)
    port = int(scheduler["args"][scheduler["args"].index("--port") + 1])
    assert {p["port"] for p in cluster["spec"]["scheduler"]["service"]["ports"]} == {port}
    guide = (REPO / "docs" / "guide.md").read_text()
    assert f"tcp://{cluster['metadata']['name']}-scheduler:{port}" in guide  # the address the guide tells users
