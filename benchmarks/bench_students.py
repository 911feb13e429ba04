"""Benchmark: student records -> long outcome rows, DuckDB (`aggregate_students`) vs a naive pandas baseline.

    python benchmarks/bench_students.py [--rows N] [--baseline-rows M] [--no-baseline] [--dir DIR | --keep DIR]
                                        [--memory-limit 2GiB]

Generates N student rows (default 100 million) deterministically (numpy, one seed per batch of 1 million rows,
so any shorter file is a prefix of a longer one): 70 communities, 8 years, race / low_income /
english_learner / gender / disability, 7 outcome flags with ~10% NULL. The parquet is written batch by batch
(one row group each, pyarrow.ParquetWriter), with the types a real state export would have: text columns
dictionary-encoded, 0/1 group columns and flags int8 (flags with NULLs), year int16, student_id int64. The
first M rows (default 10 million) also go to a second, sample file in the same pass.

Times `aggregate_students` on the N-row file in a fresh process (wall, CPU and the process's peak RSS), then
on the sample, then the naive pandas baseline (pandas.read_parquet + melt + groupby per group column) on the
sample only: pandas would need far more than the 4 GiB budget for 100 million rows, so its time is measured
at M rows and scaled per row to N, and the output says so. Both results on the sample must be identical.
`--keep DIR` keeps the files (DIR/students-N.parquet, DIR/sample-M.parquet) and reuses them when they exist
with the right row count, so a second run skips the generation (delete them when done: 100M rows are 0.8 GB).
Targets (issue #23): N rows in <= 10 s per 100 million, peak RSS <= 4 GiB.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ci_lib.inputs.importers.students import DEFAULT_MEMORY_LIMIT, aggregate_students

TARGET_SECONDS_PER_100M = 10.0
TARGET_PEAK_GIB = 4.0
BATCH_ROWS = 1_000_000
COMMUNITIES = 70
YEARS = range(2018, 2026)
RACES = ["american_indian", "asian", "black", "hispanic", "pacific_islander", "two_or_more", "white"]
RACE_SHARES = [0.01, 0.06, 0.20, 0.25, 0.01, 0.05, 0.42]
FLAGS = ["kindergarten_readiness", "early_grade_reading", "middle_grade_math", "hs_graduation",
         "postsecondary_enrollment", "postsecondary_completion", "employment"]
GROUPS = ["race", "low_income", "english_learner", "gender", "disability"]
COMMUNITY_IDS = [f"community-{i:02d}" for i in range(1, COMMUNITIES + 1)]
SCHEMA = pa.schema([
    ("student_id", pa.int64()), ("community_id", pa.dictionary(pa.int8(), pa.string())), ("year", pa.int16()),
    ("race", pa.dictionary(pa.int8(), pa.string())), ("low_income", pa.int8()), ("english_learner", pa.int8()),
    ("gender", pa.dictionary(pa.int8(), pa.string())), ("disability", pa.int8()),
    *((flag, pa.int8()) for flag in FLAGS),
])


def batch(index: int, rows: int) -> pa.RecordBatch:
    """Batch `index` of the synthetic file: `rows` students, the same for a given index whatever the file size."""
    rng = np.random.default_rng([0, index])

    def labels(names: list[str], codes: np.ndarray) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int8)), pa.array(names, pa.string()))

    start = index * BATCH_ROWS + 1
    low_income = (rng.random(rows) < 0.45).astype(np.int8)
    columns = [
        pa.array(np.arange(start, start + rows, dtype=np.int64)),
        labels(COMMUNITY_IDS, rng.integers(0, COMMUNITIES, rows)),
        pa.array(rng.integers(YEARS.start, YEARS.stop, rows, dtype=np.int16)),
        labels(RACES, rng.choice(len(RACES), rows, p=RACE_SHARES)),
        pa.array(low_income),
        pa.array((rng.random(rows) < 0.12).astype(np.int8)),
        labels(["female", "male"], rng.integers(0, 2, rows)),
        pa.array((rng.random(rows) < 0.14).astype(np.int8)),
    ]
    for i in range(len(FLAGS)):
        rate = 0.45 + 0.05 * i - 0.15 * low_income
        columns.append(pa.array((rng.random(rows) < rate).astype(np.int8), mask=rng.random(rows) < 0.10))
    return pa.RecordBatch.from_arrays(columns, schema=SCHEMA)


def generate(path: Path, rows: int, sample: Path | None = None, sample_rows: int = 0) -> None:
    """Write `rows` records to `path` (and the first `sample_rows` to `sample`), one row group per batch."""
    writer = pq.ParquetWriter(path, SCHEMA)
    sample_writer = pq.ParquetWriter(sample, SCHEMA) if sample is not None else None
    try:
        for index in range(-(-rows // BATCH_ROWS)):
            part = batch(index, min(BATCH_ROWS, rows - index * BATCH_ROWS))
            writer.write_batch(part)
            left = sample_rows - index * BATCH_ROWS
            if sample_writer is not None and left > 0:
                sample_writer.write_batch(part.slice(0, left))
    finally:
        writer.close()
        if sample_writer is not None:
            sample_writer.close()


def timed_aggregate(path: str, memory_limit: str) -> tuple[float, float, float, pd.DataFrame]:
    """Wall and CPU seconds, peak RSS in GiB of this (fresh) process, and the rows of `aggregate_students`."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = aggregate_students(path, memory_limit=memory_limit)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux
    return wall, cpu, peak, result


def in_fresh_process(path: Path, memory_limit: str) -> tuple[float, float, float, pd.DataFrame]:
    """`timed_aggregate` in a new process, so its peak RSS is the aggregation's alone (not the generator's)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(timed_aggregate, str(path), memory_limit).result()


def naive_pandas(path: Path) -> pd.DataFrame:
    """The obvious pandas approach: load everything, melt the flags, one groupby per group column."""
    frame = pd.read_parquet(path)
    long = frame.melt(id_vars=["community_id", "year", *GROUPS], value_vars=FLAGS,
                      var_name="indicator_id", value_name="flag").dropna(subset=["flag"])
    keys = ["community_id", "indicator_id", "year"]
    parts = [long.groupby(keys, observed=True)["flag"].agg(["sum", "count"]).reset_index().assign(group="all")]
    names = {"low_income": {1: "low_income", 0: "not_low_income"}, "english_learner": {1: "english_learner"},
             "disability": {1: "disability"}}
    for column in GROUPS:
        part = long.groupby([*keys, column], observed=True)["flag"].agg(["sum", "count"]).reset_index()
        part["group"] = part[column].map(names[column]) if column in names else part[column]
        parts.append(part.dropna(subset=["group"]).drop(columns=column))
    out = pd.concat(parts, ignore_index=True).rename(columns={"sum": "numerator", "count": "denominator"})
    out = out.loc[out["denominator"] > 0]
    return out.astype({"community_id": str, "group": str}).sort_values([*keys, "group"]).reset_index(drop=True)


def same_rows(result: pd.DataFrame, baseline: pd.DataFrame) -> bool:
    columns = ["community_id", "indicator_id", "year", "group", "numerator", "denominator"]
    got = result[columns].astype(str).reset_index(drop=True)
    want = baseline[columns].astype({"year": "int64", "numerator": "int64", "denominator": "int64"})
    return got.equals(want.astype(str).reset_index(drop=True))


def _rows(path: Path) -> int | None:
    """Rows of an existing parquet file (from its footer), or None."""
    return pq.ParquetFile(path).metadata.num_rows if path.is_file() else None


def load() -> str:
    """The machine's load average now (the CPU is shared: wall time depends on it)."""
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000, help="student rows (default 100 million)")
    parser.add_argument("--baseline-rows", type=int, default=10_000_000,
                        help="rows of the sample the pandas baseline runs on (default 10 million)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the sample and the slow pandas baseline")
    parser.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT, help="DuckDB's memory_limit")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--dir", type=Path, default=None, help="where to write the parquet (default: a temp dir)")
    where.add_argument("--keep", type=Path, default=None, help="keep the parquet files here and reuse them")
    args = parser.parse_args(argv)
    sample_rows = 0 if args.no_baseline else min(args.baseline_rows, args.rows)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        folder: contextlib.AbstractContextManager[str] = contextlib.nullcontext(str(args.keep))
    else:
        folder = tempfile.TemporaryDirectory(prefix="bench_students_", dir=args.dir)
    with folder as tmp:
        path = Path(tmp) / f"students-{args.rows}.parquet"
        sample = path if sample_rows == args.rows else Path(tmp) / f"sample-{sample_rows}.parquet"
        if args.keep is not None and all(_rows(p) == n for p, n in ((path, args.rows), (sample, sample_rows))
                                         if n):
            print(f"reusing {path} ({args.rows:,} rows, {path.stat().st_size / 2**20:,.0f} MiB parquet)")
        else:
            started = time.perf_counter()
            generate(path, args.rows, None if sample == path or not sample_rows else sample, sample_rows)
            print(f"generated {args.rows:,} rows -> {path.stat().st_size / 2**20:,.0f} MiB parquet "
                  f"({-(-args.rows // BATCH_ROWS)} row groups) in {time.perf_counter() - started:.1f} s")

        print(f"{load()} before the aggregation")
        wall, cpu, peak, result = in_fresh_process(path, args.memory_limit)
        cores = os.cpu_count() or 1
        print(f"aggregate_students (DuckDB, one query, memory_limit {args.memory_limit}), {args.rows:,} rows: "
              f"{wall:.2f} s wall, {cpu:.2f} s CPU (/ {cores} cores = {cpu / cores:.1f} s, the wall time on an "
              f"idle machine at best), peak RSS {peak:.2f} GiB -> {len(result):,} outcome rows ({load()})")
        target = TARGET_SECONDS_PER_100M * args.rows / 100_000_000
        failed = False
        if sample_rows:
            if sample != path:
                s_wall, s_cpu, s_peak, result = in_fresh_process(sample, args.memory_limit)
                print(f"aggregate_students on the {sample_rows:,}-row sample: {s_wall:.2f} s wall, "
                      f"{s_cpu:.2f} s CPU, peak RSS {s_peak:.2f} GiB")
            else:
                s_wall = wall
            started = time.perf_counter()
            baseline = naive_pandas(sample)
            naive = time.perf_counter() - started
            scaled = naive * args.rows / sample_rows
            pandas_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
            print(f"naive pandas (read_parquet + melt + groupby) on the {sample_rows:,}-row sample only: "
                  f"{naive:.2f} s, peak RSS {pandas_peak:.2f} GiB -> {len(baseline):,} rows; scaled per row to "
                  f"{args.rows:,} rows: {scaled:.0f} s and {pandas_peak * args.rows / sample_rows:.0f} GiB "
                  "(an estimate: pandas is not run at full size, it would not fit in the memory budget)")
            print(f"ratio naive / DuckDB at {sample_rows:,} rows: {naive / s_wall:.1f}x; "
                  f"scaled pandas / DuckDB at {args.rows:,} rows: {scaled / wall:.1f}x")
            same = same_rows(result, baseline)
            print(f"same rows as the baseline on the sample: {'yes' if same else 'NO'}")
            failed = not same
        met = "met" if wall <= target else "not met"
        print(f"target <= {target:.2f} s for {args.rows:,} rows (10 s per 100M): {met}; "
              f"peak RSS <= {TARGET_PEAK_GIB:.0f} GiB: {'met' if peak <= TARGET_PEAK_GIB else 'not met'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress shows when piped to a log
    raise SystemExit(main())
