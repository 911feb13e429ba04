"""Student-level records in the data directory are aggregated (DuckDB) and never reach the reports."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from ci_lib.errors import InvalidInput, Problem
from ci_lib.inputs.load import load_network
from ci_lib.inputs.rubric import load_rubric
from ci_lib.pipeline import assess_year
from ci_lib.website.build import render
from tests.conftest import make_project
from tests.paths import FIXTURES_DIR


def students(cid: str) -> pd.DataFrame:
    rows = []
    for i in range(40):
        rows.append({"student_id": f"S{i:05d}", "community_id": cid, "year": 2025,
                     "race": "black" if i % 2 else "white", "low_income": i % 3 == 0,
                     "fafsa_completion": int(i % 4 != 0)})
    return pd.DataFrame(rows)


def test_student_records_become_counts_and_stay_out_of_reports(tmp_path):
    project = make_project(tmp_path, n=2)
    cid = sorted(pd.read_csv(project.data / "communities.csv")["community_id"])[0]
    students(cid).to_parquet(project.data / "students.parquet")
    (project.params / "2025" / "network.yml").write_text(
        (project.params / "2025" / "network.yml").read_text()
        + "local_indicators:\n  - {id: fafsa_completion, name: FAFSA completion, polarity: higher_is_better}\n")
    data = load_network(project.data, load_rubric("toa-2019"), {"fafsa_completion", "chronic_absence"})
    fafsa = data.outcomes[(data.outcomes["community_id"] == cid) & (data.outcomes["indicator_id"] == "fafsa_completion")
                          & (data.outcomes["year"] == 2025)].set_index("group")
    assert (fafsa.loc["all", "numerator"], fafsa.loc["all", "denominator"]) == (30, 40)
    assert (fafsa.loc["black", "numerator"], fafsa.loc["black", "denominator"]) == (20, 20)  # odd ids: all filed
    assert (fafsa.loc["white", "numerator"], fafsa.loc["white", "denominator"]) == (10, 20)  # every 4th did not
    assert "students.parquet" in data.file_sha256
    report = assess_year(project.options())
    assert not report.failed
    render(project.report_dir, "builtin")
    for path in project.reports.rglob("*"):
        if path.is_file() and path.suffix in {".json", ".csv", ".ipynb", ".html"}:
            text = path.read_text(errors="replace")
            assert "S00001" not in text and "student_id" not in text, path
    scores = json.loads((project.report_dir / "scores" / f"{cid}.json").read_text())
    assert any(o["indicator_id"] == "fafsa_completion" for o in scores["outcomes"])


def test_a_ragged_student_row_is_named_by_its_row_and_field_counts(tmp_path):
    """Inside DuckDB's sniffing sample a ragged row made the file read as one column (reported as a missing
    `student_id`); past the sample DuckDB stops while reading. Both name the row and the counts."""
    valid = FIXTURES_DIR / "bad" / "_valid"
    for name in ("communities.csv", "benchmarks.csv", "outcomes.csv"):
        shutil.copyfile(valid / name, tmp_path / name)
    header = "student_id,community_id,year,race,hs_graduation\n"
    records = [f"S{i:05d},north-hills,2025,black,{i % 2}" for i in range(30_000)]
    path = tmp_path / "students.csv"
    for line, bad in ((7, "S9,north-hills,2025"), (30_002, "S9,north-hills,2025,black,1,1")):
        path.write_text(header + "\n".join(records[: line - 2] + [bad] + records[line - 2:]) + "\n", encoding="utf-8")
        with pytest.raises(InvalidInput) as raised:
            load_network(tmp_path, load_rubric("toa-2019"), set())
        found = len(bad.split(","))
        assert raised.value.problems == [Problem(str(path), line, None, f"row {line} has {found} fields, the header "
                                                                         "has 5")]
