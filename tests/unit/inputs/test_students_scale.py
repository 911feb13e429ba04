"""aggregate_students at scale: DuckDB's memory limit, and flags proven 0/1 by parquet statistics."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ci_lib.inputs.importers import ImportFormatError, aggregate_students

COLUMNS = {
    "student_id": list(range(1, 9)),
    "community_id": ["alpha"] * 5 + ["beta"] * 3,
    "year": [2019] * 8,
    "race": ["black", "white", "black", "white", "black", "white", "black", "white"],
    "low_income": [1, 0, 1, 0, 1, 1, 0, 0],
    "hs_grad": [1, 0, 1, None, 1, 0, 1, 1],
    "k_ready": [None, 1, 0, 1, None, 1, 0, 0],
}


def write(path: Path, flag_type: pa.DataType, *, row_group_size: int | None = None, **changes) -> Path:
    columns = {**COLUMNS, **changes}
    types = {"hs_grad": flag_type, "k_ready": flag_type, "low_income": pa.int8()}
    pq.write_table(pa.table({k: pa.array(v, types.get(k)) for k, v in columns.items()}), path,
                   row_group_size=row_group_size)
    return path


def test_flags_counted_from_statistics_give_the_rows_of_the_checked_sum(tmp_path):
    # int8 flags whose statistics say 0..1 are summed as DOUBLE unchecked; float flags are checked row by row
    counted = aggregate_students(write(tmp_path / "int8.parquet", pa.int8(), row_group_size=3))
    summed = aggregate_students(write(tmp_path / "float.parquet", pa.float64()))
    pd.testing.assert_frame_equal(counted, summed)
    row = counted.query("community_id == 'alpha' and indicator_id == 'hs_grad' and group == 'all'").iloc[0]
    assert (row["numerator"], row["denominator"]) == (3, 4)


def test_a_bad_flag_in_a_later_row_group_is_still_counted(tmp_path):
    path = write(tmp_path / "s.parquet", pa.int8(), row_group_size=3, hs_grad=[1, 0, 1, None, 1, 0, 2, 1])
    with pytest.raises(ImportFormatError, match=r"s\.parquet::hs_grad: 1 value\(s\) are not 0, 1 or empty"):
        aggregate_students(path)


def test_memory_limit_is_duckdbs_and_too_small_a_limit_is_a_clear_error(tmp_path):
    path = write(tmp_path / "s.parquet", pa.int8())
    assert aggregate_students(path, memory_limit="256MiB").equals(aggregate_students(path))
    with pytest.raises(ImportFormatError, match=r"s\.parquet::: cannot read student records: Out of Memory"):
        aggregate_students(path, memory_limit="1MiB")
