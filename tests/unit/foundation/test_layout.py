"""YearLayout owns every path of a year; the code that writes a year and the code that reads it agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_lib.layout import YearLayout


def test_paths_of_a_year_follow_the_documented_layout(tmp_path: Path) -> None:
    year = YearLayout(tmp_path / "reports", 2025)
    rd = tmp_path / "reports" / "2025"
    assert year.report_dir == rd
    assert year.manifest == rd / "manifest.json"
    assert year.timings == rd / "timings.json"
    assert year.network_notebook == rd / "index.ipynb"
    assert year.notebook("alpha") == rd / "communities" / "alpha.ipynb"
    assert year.failed_notebook("alpha") == rd / "failed" / "alpha.ipynb"
    assert year.scores_file("alpha") == rd / "scores" / "alpha.json"
    assert year.outcomes_csv("alpha") == rd / "data" / "alpha-outcomes.csv"
    assert year.page_input("alpha") == rd / "_work" / "alpha.json"
    assert year.network_input == rd / "_work" / "_network.json"
    assert year.page("alpha") == rd / "_site" / "communities" / "alpha.html"
    assert year.quarto == rd / "_quarto"
    assert year.scores_csv == rd / "downloads" / "scores.csv"
    assert year.shard_manifest(1, 2) == rd / "manifest.shard-1-of-2.json"
    assert year.archive == tmp_path / "reports" / "index.html"


def test_a_bad_community_id_never_becomes_a_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invalid community id"):
        YearLayout(tmp_path, 2025).scores_file("../../etc/passwd")


def test_sibling_years_and_earlier_published_years(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for y in (2022, 2023, 2025):
        (tmp_path / str(y)).mkdir()
    (tmp_path / "2023" / "_site").mkdir()
    (tmp_path / "2023" / "_site" / "index.html").write_text("x")
    (tmp_path / "notes").mkdir()
    year = YearLayout(tmp_path, 2025)
    assert year.sibling(2024) == YearLayout(tmp_path, 2024)
    assert [y.year for y in year.earlier_years()] == [2022, 2023]
    assert [y.year for y in year.earlier_years() if y.published()] == [2023]
    assert YearLayout.of(tmp_path / "2023") == year.sibling(2023)
    (tmp_path / "2025" / "communities").mkdir()
    monkeypatch.chdir(tmp_path / "2025" / "communities")  # where a community notebook runs, given `..`
    assert YearLayout.of("..").scores_file("alpha").resolve() == tmp_path.resolve() / "2025" / "scores" / "alpha.json"
    with pytest.raises(ValueError, match="not a year folder"):
        YearLayout.of(tmp_path / "notes")
