"""The yearly cycle end to end (#22 item 8), as network staff run it, with no table edited by hand:

2025 assessed and published -> `new-year 2026` -> `forms` -> three members fill their workbooks (one with a
typo and a word in a count cell, one re-saved with a renamed sheet) -> `collect` (the typo reported at its
file:sheet:row:column, the other two merged) -> staff record one reviewed rating (`review --set`) ->
`status` -> `assess 2026`: the 2026 site shows each member's movement since 2025 and where the reviewed
rating differs from the partnership's own.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
from bs4 import BeautifulSoup

from ci_lib.cli import main
from ci_lib.tools import demo
from tests.conftest import NOTEBOOKS
from tests.unit.cycle.form_project import benchmark_row, fill

LAST, YEAR = 2025, 2026
N, D = f"N {YEAR}", f"D {YEAR}"


def assess(root: Path, year: int) -> int:
    return main(["assess", "--year", str(year), "--data", str(root / "data"), "--params", str(root / "params"),
                 "--reports", str(root / "reports"), "--notebooks", str(NOTEBOOKS), "--jobs", "2", "--quiet",
                 "--engine", "builtin"])


def test_a_new_year_from_forms_to_a_published_site(tmp_path, capsys):
    root = tmp_path
    info = demo.generate(root / "data", n=4, seed=7)
    demo.write_demo_params(root / "params", LAST, "data", info["local"])
    members = sorted(pd.read_csv(root / "data" / "communities.csv")["community_id"])
    assert assess(root, LAST) == 0
    params = ["--params", str(root / "params")]

    assert main(["new-year", str(YEAR), *params]) == 0
    assert "Review before running 2026:" in capsys.readouterr().out
    assert (root / "params" / str(YEAR) / "network.yml").exists()

    forms = root / "forms"
    assert main(["forms", "--year", str(YEAR), *params, "--out", str(forms)]) == 0
    assert sorted(p.stem for p in forms.glob("*.xlsx")) == members
    clean, typo, renamed, silent = members
    returned = root / "returned"
    returned.mkdir()
    for name in (clean, typo, renamed):
        (returned / f"{name}.xlsx").write_bytes((forms / f"{name}.xlsx").read_bytes())
    fill(returned / f"{clean}.xlsx", benchmarks={"sv-ex-1": {"Status": "Met"}, "ev-ex-1": {"Status": "met "}},
         outcomes={("hs_graduation", "All", "All Students", N): 430, ("hs_graduation", "All", "All Students", D): 500})
    fill(returned / f"{typo}.xlsx", benchmarks={"sv-ex-1": {"Status": "Mett"}},
         outcomes={("hs_graduation", "All", "All Students", N): "twelve"})
    fill(returned / f"{renamed}.xlsx", benchmarks={"sv-ex-2": {"Status": "In progress"}}, rename={"Benchmarks": "Sheet1"})
    workbook = openpyxl.load_workbook(returned / f"{renamed}.xlsx")  # saved again, as a second session would
    workbook.save(returned / f"{renamed}.xlsx")

    assert main(["collect", str(returned), "--year", str(YEAR), *params]) == 2
    out, err = capsys.readouterr()
    typo_row = benchmark_row(openpyxl.load_workbook(returned / f"{typo}.xlsx")["Benchmarks"], "sv-ex-1")
    assert f"{returned / f'{typo}.xlsx'}:Benchmarks:{typo_row}:" in err and "'Mett' is not a status" in err
    assert "'twelve' is not a count" in err and "sheet 'Sheet1' read as the Benchmarks sheet" in err
    assert f"not returned (1): {silent}" in out
    ratings = pd.read_csv(root / "data" / "benchmarks.csv", dtype=str, keep_default_na=False)
    this_year = ratings[ratings["year"] == str(YEAR)]
    assert set(this_year["community_id"]) == {clean, renamed}  # the form with problems merged nothing

    # staff review one self-rating: the reviewed rating scores, the partnership's own is kept
    assert main(["review", "--year", str(YEAR), *params, "--set", clean, "sv-ex-1", "in_progress",
                 "--reviewer", "Network staff", "--note", "The charter is drafted, not yet signed."]) == 0
    capsys.readouterr()
    assert main(["review", "--year", str(YEAR), *params, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    (differing,) = [c for c in summary["communities"] if c["differ"]]
    assert differing["community_id"] == clean
    assert {"benchmark_id": "sv-ex-1", "self_status": "met", "status": "in_progress"}.items() <= \
        differing["differences"][0].items()

    assert main(["status", "--year", str(YEAR), *params, "--reports", str(root / "reports"), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status and json.dumps(status).count(silent) >= 1

    assert assess(root, YEAR) == 0
    site = root / "reports" / str(YEAR) / "_site"
    page = BeautifulSoup((site / "communities" / f"{clean}.html").read_text(), "html.parser")
    card = page.select_one("section.summary-card").get_text()
    assert f"In {LAST}:" in card  # movement since last year, on the first screen
    assert page.select_one("ul.earlier-years a").get_text() == str(LAST)
    text = page.get_text()
    assert "≠ self-rated met" in text and "The charter is drafted, not yet signed." in text
    overview = BeautifulSoup((site / "index.html").read_text(), "html.parser")
    assert f"Since {LAST}:" in overview.get_text() and overview.select_one("table.movement") is not None
    scores = json.loads((root / "reports" / str(YEAR) / "scores" / f"{clean}.json").read_text())
    rating = next(b for b in scores["benchmarks"] if b["benchmark_id"] == "sv-ex-1")
    assert (rating["status"], rating["self_status"]) == ("in_progress", "met")
    assert main(["audit-site", str(site), "--data", str(root / "data"), "--year", str(YEAR), *params]) == 0
