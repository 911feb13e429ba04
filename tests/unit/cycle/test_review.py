"""Self-rating and reviewed rating in benchmarks.csv: the reviewed one scores, the self-rating is kept and shown
(`score --json`, the community page), and `ci-assess review` lists the differences per community."""

from __future__ import annotations

import json

import pandas as pd
from bs4 import BeautifulSoup

from ci_lib.cli import main
from ci_lib.pages.report import CommunityPage
from tests.conftest import YEAR
from tests.unit.pages.test_report_pages import benchmark, text, work_file


def rate(project, community: str, ratings: dict[str, tuple[str, str, str]]) -> None:
    """Set `benchmark_id: (status, self_status, review_note)` for `community` in the year, as a reviewer would."""
    path = project.data / "benchmarks.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    for benchmark_id, (status, mine, note) in ratings.items():
        row = (table["community_id"] == community) & (table["year"] == str(YEAR)) & (table["benchmark_id"] == benchmark_id)
        assert row.sum() == 1
        table.loc[row, ["status", "self_status", "review_note", "reviewer"]] = [status, mine, note, "staff-a"]
    table.to_csv(path, index=False, lineterminator="\n")


def clear_self_ratings(project) -> str:
    """The project's ratings with no self-rating (the demo's are random), and its first member."""
    path = project.data / "benchmarks.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table["self_status"], table["review_note"] = table["status"], ""
    table.to_csv(path, index=False, lineterminator="\n")
    return str(table["community_id"].iloc[0])


def scores_json(project, capsys, community: str) -> dict:
    capsys.readouterr()
    assert main(["score", str(project.data), "--year", str(YEAR), "--community", community, "--json",
                 "--params", str(project.params)]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_reviewed_rating_scores_and_the_self_rating_is_kept_in_the_scores(project, capsys):
    cid = clear_self_ratings(project)
    exploring = [b["benchmark_id"] for b in scores_json(project, capsys, cid)["benchmarks"] if b["gateway"] == "exploring"]
    rate(project, cid, {b: ("met", "met", "") for b in exploring})
    assert scores_json(project, capsys, cid)["gateway"]["reached"] is not None  # every exploring benchmark met
    rate(project, cid, {exploring[0]: ("in_progress", "met", "The roster names no resident member yet.")})

    scores = scores_json(project, capsys, cid)
    row = next(b for b in scores["benchmarks"] if b["benchmark_id"] == exploring[0])
    assert (row["status"], row["self_status"], row["credit"]) == ("in_progress", "met", 0.5)
    assert row["review_note"] == "The roster names no resident member yet."
    assert scores["gateway"]["reached"] is None and scores["gateway"]["next"] == "exploring"
    assert exploring[0] in scores["gateway"]["missing"]  # the self-rating "met" counts for nothing
    agreed = next(b for b in scores["benchmarks"] if b["benchmark_id"] == exploring[1])
    assert (agreed["status"], agreed["self_status"], agreed["review_note"]) == ("met", "met", "")


def test_a_file_without_self_ratings_scores_as_before_with_null_self_status(project, capsys):
    path = project.data / "benchmarks.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    cid = str(table["community_id"].iloc[0])
    table.drop(columns=["self_status", "review_note"]).to_csv(path, index=False, lineterminator="\n")
    rows = scores_json(project, capsys, cid)["benchmarks"]
    assert {(b["self_status"], b["review_note"]) for b in rows} == {(None, "")}


def test_review_lists_the_differences_per_community_with_both_gateways(project, capsys):
    cid = clear_self_ratings(project)
    exploring = [b["benchmark_id"] for b in scores_json(project, capsys, cid)["benchmarks"] if b["gateway"] == "exploring"]
    rate(project, cid, {b: ("met", "met", "") for b in exploring})
    rate(project, cid, {exploring[0]: ("in_progress", "met", "No resident member yet."),
                        exploring[1]: ("met", "in_progress", "")})
    capsys.readouterr()
    assert main(["review", "--year", str(YEAR), "--params", str(project.params), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["year"] == YEAR and summary["totals"]["communities_differing"] == 1
    ours = next(c for c in summary["communities"] if c["community_id"] == cid)
    assert (ours["differ"], ours["reviewed_lower"], ours["reviewed_higher"]) == (2, 1, 1)
    assert ours["self_rated"] == ours["reviewed"] == ours["rated"] > len(exploring)
    assert [(d["benchmark_id"], d["self_status"], d["status"], d["reviewer"], d["review_note"])
            for d in ours["differences"]] == [(exploring[0], "met", "in_progress", "staff-a", "No resident member yet."),
                                              (exploring[1], "in_progress", "met", "staff-a", "")]
    assert ours["gateway"]["reviewed"] is None and ours["gateway"]["self_rated"] is None  # each rating misses one
    others = [c for c in summary["communities"] if c["community_id"] != cid]
    assert others and all(c["differ"] == 0 and c["differences"] == [] for c in others)

    assert main(["review", "--year", str(YEAR), "--params", str(project.params)]) == 0
    out = capsys.readouterr().out
    assert cid in out and "1 of 5 communities differ" in out
    assert f"  {exploring[0]} self-rated met, reviewed in_progress (staff-a): No resident member yet." in out


def test_an_unknown_self_status_is_an_error_naming_file_row_and_column(project, capsys):
    path = project.data / "benchmarks.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[2, "self_status"] = "Done"
    table.to_csv(path, index=False, lineterminator="\n")
    assert main(["validate", str(project.data)]) == 2
    assert f"{path}:4:self_status: 'Done': must be empty or one of not_started, in_progress, met" in capsys.readouterr().err


def test_the_page_marks_where_the_self_rating_differs_and_lists_the_pairs(tmp_path):
    rows = [benchmark("ev-ex-1", "exploring", "in_progress"), benchmark("ev-em-1", "emerging", "met"),
            benchmark("ev-em-2", "emerging", "in_progress")]
    rows[0].update(self_status="met", review_note="No resident member yet.")
    rows[1].update(self_status="met", review_note="")
    rows[2].update(self_status="met", review_note="")
    page = CommunityPage(tmp_path, work_file(scores__benchmarks=rows))  # type: ignore[arg-type]
    html = page.benchmarks().data
    notice = text(page.review_notice())
    assert "2 benchmark ratings differ from the partnership's self-assessment" in notice
    assert "Self-rated met, reviewed in progress: ev-ex-1, ev-em-2" in notice
    table = BeautifulSoup(html, "html.parser")
    status = {r.th.get_text(): r.find_all("td")[3].get_text() for r in table.select("table.benchmarks tbody tr")}
    assert status == {"ev-ex-1": "In progress ≠ self-rated met", "ev-em-1": "Met", "ev-em-2": "In progress ≠ self-rated met"}
    assert "review note" in [th.get_text() for th in table.select("thead th")]
    assert "No resident member yet." in html
    assert "differ from the self-assessment (the reviewed one counts): ev-ex-1, ev-em-2" in text(page.notes())


def test_a_page_without_self_ratings_shows_no_review_marks(tmp_path):
    page = CommunityPage(tmp_path, work_file())  # type: ignore[arg-type]
    assert str(page.review_notice()) == ""
    html = page.benchmarks().data
    assert "≠" not in html and "review note" not in html and "self-assessment" not in text(page.notes())


def test_review_set_records_a_reviewed_rating_in_its_row_only(project, capsys):
    """Staff record a review with a command, not by editing the CSV: status, reviewer and note in that row,
    the self-rating kept (taken from the status when the row had none), every other row's bytes unchanged."""
    cid = clear_self_ratings(project)
    path = project.data / "benchmarks.csv"
    before = path.read_text(encoding="utf-8").splitlines()
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = table[(table["community_id"] == cid) & (table["year"] == str(YEAR))].iloc[0]
    target = "met" if row["status"] != "met" else "in_progress"
    assert main(["review", "--year", str(YEAR), "--params", str(project.params), "--set", cid, row["benchmark_id"],
                 target, "--reviewer", "staff-b", "--note", "Seen the signed charter."]) == 0
    after = path.read_text(encoding="utf-8").splitlines()
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1
    written = pd.read_csv(path, dtype=str, keep_default_na=False).iloc[changed[0] - 1]
    assert (written["status"], written["self_status"], written["reviewer"], written["review_note"]) == (
        target, row["status"], "staff-b", "Seen the signed charter.")
    assert scores_json(project, capsys, cid)["benchmarks"]  # still a valid year


def test_review_set_refuses_what_it_cannot_record(project, capsys):
    cid = clear_self_ratings(project)
    common = ["review", "--year", str(YEAR), "--params", str(project.params)]
    for extra, message in ((["--set", cid, "sv-ex-1", "done", "--reviewer", "x"], "must be one of"),
                           (["--set", cid, "nope-1", "met", "--reviewer", "x"], "not a benchmark"),
                           (["--set", cid, "sv-ex-1", "met"], "--reviewer"),
                           (["--set", "nowhere", "sv-ex-1", "met", "--reviewer", "x"], "no 2025 rating")):
        capsys.readouterr()
        assert main([*common, *extra]) == 2, extra
        assert message in capsys.readouterr().err, extra
