"""The student-records benchmark, run small: the sample is a prefix of the file and both give the same rows."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow.parquet as pq

from tests.paths import REPO_ROOT

SCRIPT = REPO_ROOT / "benchmarks" / "bench_students.py"


def bench(*args: str) -> str:
    """Run the script as a user would (its timed aggregation runs in a spawned process importing it)."""
    done = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, cwd=REPO_ROOT,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_bench_students_small_run_checks_duckdb_against_pandas_on_the_sample(tmp_path) -> None:
    out = bench("--rows", "120000", "--baseline-rows", "50000", "--keep", str(tmp_path))
    assert "same rows as the baseline on the sample: yes" in out
    assert "on the 50,000-row sample only" in out and "scaled per row to 120,000 rows" in out
    assert "peak RSS" in out
    full, sample = pq.read_table(tmp_path / "students-120000.parquet"), pq.read_table(tmp_path / "sample-50000.parquet")
    assert full.slice(0, 50_000).equals(sample)
    assert str(full.schema.field("race").type) == "dictionary<values=string, indices=int8, ordered=0>"
    assert "reusing" in bench("--rows", "120000", "--no-baseline", "--keep", str(tmp_path))
