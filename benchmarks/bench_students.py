"""Benchmark: student records -> long outcome rows, DuckDB (`aggregate_students`) vs a naive pandas baseline.

    python benchmarks/bench_students.py [--rows N] [--no-baseline]

Generates N student rows (default 10 million) deterministically (numpy, seed 0): 70 communities, 8
years, race / low_income / english_learner / gender / disability, 7 outcome flags with ~10% NULL; writes
them to a parquet file in a temporary directory; times `aggregate_students` on it; then times the naive
baseline (pandas.read_parquet + melt + groupby per group column) and checks both give the same rows.
Prints both times, their ratio and whether the target (<= 10 s for 10M rows) is met.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ci_lib.inputs.importers.students import aggregate_students

TARGET_SECONDS_PER_10M = 10.0
COMMUNITIES = 70
YEARS = range(2018, 2026)
RACES = ["american_indian", "asian", "black", "hispanic", "pacific_islander", "two_or_more", "white"]
RACE_SHARES = [0.01, 0.06, 0.20, 0.25, 0.01, 0.05, 0.42]
FLAGS = ["kindergarten_readiness", "early_grade_reading", "middle_grade_math", "hs_graduation",
         "postsecondary_enrollment", "postsecondary_completion", "employment"]
GROUPS = ["race", "low_income", "english_learner", "gender", "disability"]


def generate(path: Path, rows: int) -> None:
    """Write `rows` synthetic student records to `path` (parquet), deterministically."""
    rng = np.random.default_rng(0)

    def take(labels: list[str], index: np.ndarray) -> pa.Array:
        return pa.array(labels, pa.string()).take(pa.array(index))

    communities = [f"community-{i:02d}" for i in range(1, COMMUNITIES + 1)]
    low_income = (rng.random(rows) < 0.45).astype(np.int8)
    columns: dict[str, pa.Array] = {
        "student_id": pa.array(np.arange(1, rows + 1, dtype=np.int64)),
        "community_id": take(communities, rng.integers(0, COMMUNITIES, rows, dtype=np.int8)),
        "year": pa.array(rng.integers(YEARS.start, YEARS.stop, rows, dtype=np.int16)),
        "race": take(RACES, rng.choice(len(RACES), rows, p=RACE_SHARES).astype(np.int8)),
        "low_income": pa.array(low_income),
        "english_learner": pa.array((rng.random(rows) < 0.12).astype(np.int8)),
        "gender": take(["female", "male"], rng.integers(0, 2, rows, dtype=np.int8)),
        "disability": pa.array((rng.random(rows) < 0.14).astype(np.int8)),
    }
    for i, flag in enumerate(FLAGS):
        rate = 0.45 + 0.05 * i - 0.15 * low_income
        values = (rng.random(rows) < rate).astype(np.int8)
        columns[flag] = pa.array(values, mask=rng.random(rows) < 0.10)
    pq.write_table(pa.table(columns), path)


def naive_pandas(path: Path) -> pd.DataFrame:
    """The obvious pandas approach: load everything, melt the flags, one groupby per group column."""
    frame = pd.read_parquet(path)
    long = frame.melt(id_vars=["community_id", "year", *GROUPS], value_vars=FLAGS,
                      var_name="indicator_id", value_name="flag").dropna(subset=["flag"])
    keys = ["community_id", "indicator_id", "year"]
    parts = [long.groupby(keys)["flag"].agg(["sum", "count"]).reset_index().assign(group="all")]
    names = {"low_income": {1: "low_income", 0: "not_low_income"}, "english_learner": {1: "english_learner"},
             "disability": {1: "disability"}}
    for column in GROUPS:
        part = long.groupby([*keys, column])["flag"].agg(["sum", "count"]).reset_index()
        part["group"] = part[column].map(names[column]) if column in names else part[column]
        parts.append(part.dropna(subset=["group"]).drop(columns=column))
    out = pd.concat(parts, ignore_index=True).rename(columns={"sum": "numerator", "count": "denominator"})
    out = out.loc[out["denominator"] > 0]
    return out.sort_values([*keys, "group"]).reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="student rows (default 10 million)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the slow pandas baseline")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_students_") as tmp:
        path = Path(tmp) / "students.parquet"
        started = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {args.rows:,} rows -> {path.stat().st_size / 2**20:.0f} MiB parquet "
              f"in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        result = aggregate_students(path)
        duck = time.perf_counter() - started
        print(f"aggregate_students (DuckDB, one query): {duck:.2f} s -> {len(result):,} outcome rows")

        target = TARGET_SECONDS_PER_10M * args.rows / 10_000_000
        if not args.no_baseline:
            started = time.perf_counter()
            baseline = naive_pandas(path)
            naive = time.perf_counter() - started
            print(f"naive pandas (read_parquet + melt + groupby): {naive:.2f} s -> {len(baseline):,} rows")
            print(f"ratio naive / duckdb: {naive / duck:.1f}x")
            got = result[["community_id", "indicator_id", "year", "group", "numerator", "denominator"]]
            want = baseline[["community_id", "indicator_id", "year", "group", "numerator", "denominator"]]
            same = got.astype(str).reset_index(drop=True).equals(
                want.astype({"year": "int64", "numerator": "int64", "denominator": "int64"})
                .astype(str).reset_index(drop=True))
            print(f"same rows as the baseline: {'yes' if same else 'NO'}")
            if not same:
                return 1
        met = "met" if duck <= target else "not met"
        print(f"target <= {target:.1f} s for {args.rows:,} rows (10 s per 10M): {met}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
