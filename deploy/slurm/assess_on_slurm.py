"""Run a year's notebooks on a Slurm cluster: dask-jobqueue submits the workers, `ci-assess run` uses them.

From the shared project folder, on a login node:

    python deploy/slurm/assess_on_slurm.py --jobs 4 -- run --year 2025
    python deploy/slurm/assess_on_slurm.py --print-job-script       # what sbatch would be given

Each Slurm job is one node's worth of single-threaded Dask workers (`jobqueue.yaml` beside this file, or
--config). The scheduler runs here, in this process; the run waits until the first worker has joined, then
hands the notebooks to the cluster (`--executor dask --scheduler <address>`). When the run ends, the jobs are
cancelled. Render afterwards (`ci-assess render --year 2025`), here or anywhere: it needs no cluster.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import dask.config
import yaml

CONFIG = Path(__file__).with_name("jobqueue.yaml")


def load_config(path: Path) -> None:
    """Merge `path` over Dask's configuration, keeping the defaults of every key it does not set."""
    dask.config.update(dask.config.config, yaml.safe_load(path.read_text(encoding="utf-8")) or {}, priority="new")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=CONFIG, help="Dask jobqueue configuration (YAML)")
    parser.add_argument("--jobs", type=int, default=2, help="Slurm jobs to submit (each: one node's workers)")
    parser.add_argument("--wait", type=float, default=1800, help="seconds to wait for the first worker")
    parser.add_argument("--print-job-script", action="store_true", help="print the sbatch script and exit")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="after --: the ci-assess command, e.g. run --year 2025")
    args = parser.parse_args(argv)
    load_config(args.config)

    from dask_jobqueue import SLURMCluster
    from distributed import Client

    from ci_lib.cli import main as ci_assess

    command = [a for a in args.command if a != "--"]
    if not args.print_job_script and (not command or command[0] != "run"):
        parser.error("give the ci-assess command after --, starting with run (e.g. -- run --year 2025)")
    with SLURMCluster() as cluster:
        if args.print_job_script:
            print(cluster.job_script())
            return 0
        cluster.scale(jobs=args.jobs)
        with Client(cluster) as client:
            try:
                client.wait_for_workers(1, timeout=args.wait)
            except TimeoutError:
                print(f"assess_on_slurm: no worker joined {cluster.scheduler_address} in {args.wait:g} s; are the "
                      f"jobs queued (squeue --me)? their output names the cause", file=sys.stderr)
                return 1
            print(f"assess_on_slurm: {len(client.scheduler_info()['workers'])} worker(s) joined "
                  f"{cluster.scheduler_address}", file=sys.stderr)
            return ci_assess([*command, "--executor", "dask", "--scheduler", cluster.scheduler_address])


if __name__ == "__main__":
    sys.exit(main())
