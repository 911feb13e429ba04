"""`ci-assess status`: per community, form returned, data valid, notebook run, page built; table and JSON."""

from __future__ import annotations

import json

import pandas as pd

from ci_lib.cli import main
from ci_lib.cycle.status import FORM_STATES, NOTEBOOK_STATES, cycle_status
from ci_lib.layout import YearLayout
from tests.conftest import NOTEBOOKS, YEAR


def status(project, capsys, as_json: bool = True):
    capsys.readouterr()
    argv = ["status", "--year", str(YEAR), "--params", str(project.params), "--reports", str(project.reports),
            "--notebooks", str(NOTEBOOKS)]
    assert main(argv + (["--json"] if as_json else [])) == 0
    out = capsys.readouterr().out
    return json.loads(out) if as_json else out


def members(project) -> list[str]:
    return sorted(pd.read_csv(project.data / "communities.csv")["community_id"])


def test_before_a_run_nothing_is_run_or_built_and_forms_are_unknown(project, capsys):
    state = status(project, capsys)
    assert [c["community_id"] for c in state["communities"]] == members(project)
    assert state["data_valid"] and state["data_problems"] == 0 and state["forms_record"] is None
    assert state["notebooks_up_to_date"] is None and state["site_built"] is False
    for c in state["communities"]:
        assert c["form"] == "unknown" and c["data_errors"] == 0 and c["notebook"] == "not_run" and c["page"] is False
        assert c["form"] in FORM_STATES and c["notebook"] in NOTEBOOK_STATES
    assert state["totals"] == {"communities": 5, "forms_returned": 0, "data_errors": 0, "notebooks_run": 0,
                               "notebooks_failed": 0, "pages": 0}
    table = status(project, capsys, as_json=False)
    assert "Status 2025" in table and "unknown" in table and "not run" in table
    assert "forms returned 0/5 (no form collected yet)" in " ".join(table.split())


def test_after_a_run_every_notebook_ran_and_every_page_is_built(copy_small_run, capsys):
    project = copy_small_run
    state = status(project, capsys)
    assert state["site_built"] and state["notebooks_up_to_date"] is True
    assert {(c["notebook"], c["page"]) for c in state["communities"]} == {("run", True)}
    assert state["totals"]["notebooks_run"] == state["totals"]["pages"] == 5
    elsewhere = cycle_status(YEAR, project.params, None, project.reports, project.root / "no-notebooks")
    assert elsewhere["notebooks_up_to_date"] is None  # templates not found: unknown, not "changed"


def test_a_failed_notebook_a_missing_page_bad_rows_and_returned_forms_show_per_community(copy_small_run, capsys):
    project = copy_small_run
    first, second, third, *_ = members(project)
    layout = YearLayout(project.reports, YEAR)
    layout.page(first).unlink()
    layout.failed.mkdir(exist_ok=True)
    layout.failed_notebook(second).write_text("{}", encoding="utf-8")
    path = project.data / "benchmarks.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = table.index[table["community_id"] == third][:2]
    table.loc[rows, "status"] = "done"
    table.to_csv(path, index=False, lineterminator="\n")
    (project.data / "collected.json").write_text(json.dumps({"years": {
        str(YEAR): {first: {"file": f"{first}.xlsx", "problems": 0, "merged": True},
                    second: {"file": f"{second}.xlsx", "problems": 3, "merged": False}},
        str(YEAR - 1): {third: {"file": f"{third}.xlsx", "problems": 0, "merged": True}}}}), encoding="utf-8")

    state = status(project, capsys)
    by_id = {c["community_id"]: c for c in state["communities"]}
    assert by_id[first]["page"] is False and by_id[first]["notebook"] == "run"
    assert by_id[second]["notebook"] == "failed"
    assert by_id[third]["data_errors"] == 2 and not state["data_valid"] and state["network_problems"] == 0
    assert state["notebooks_up_to_date"] is False  # the data changed since the run
    assert (by_id[first]["form"], by_id[first]["form_file"]) == ("returned", f"{first}.xlsx")
    assert (by_id[second]["form"], by_id[second]["form_problems"]) == ("returned_with_problems", 3)
    assert by_id[third]["form"] == "not_returned"  # returned for another year only
    assert state["forms_record"] == str(project.data / "collected.json")
    table = " ".join(status(project, capsys, as_json=False).split())
    assert "returned, 3 problem(s)" in table and "2 error(s)" in table and "failed" in table
    assert "inputs changed since the last run" in table


def test_an_unreadable_forms_record_reads_as_unknown(project, capsys):
    (project.data / "collected.json").write_text("{not json", encoding="utf-8")
    assert {c["form"] for c in status(project, capsys)["communities"]} == {"unknown"}
