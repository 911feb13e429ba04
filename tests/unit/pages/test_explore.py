"""The explorer: plain functions read only published outputs, widgets call them, the notebook runs headless."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import papermill
import pytest

from ci_lib.errors import KitError
from ci_lib.pages import plots
from ci_lib.pages.explore import build_widgets, load_year
from tests.conftest import NOTEBOOKS, YEAR


@pytest.fixture(scope="module")
def explorer(small_run):
    return load_year(small_run[0].report_dir, YEAR)


def published(report_dir, cid: str) -> pd.DataFrame:
    return pd.read_csv(report_dir / "data" / f"{cid}-outcomes.csv")


def some_series(explorer) -> tuple[str, str, list[str]]:
    """A community, an indicator and two groups with published values (one of them `all`)."""
    for cid in explorer.communities().index:
        for indicator in explorer.indicators(cid):
            groups = [g for g in explorer.groups(cid, indicator) if g != "all"]
            if groups and "all" in explorer.groups(cid, indicator):
                return cid, indicator, ["all", groups[0]]
    raise AssertionError("no community with a disaggregated indicator")


def test_communities_are_the_members_with_published_scores(explorer, small_run):
    report_dir = small_run[0].report_dir
    members = explorer.communities()
    assert sorted(members.index) == sorted(p.stem for p in (report_dir / "scores").glob("*.json"))
    for cid, row in members.iterrows():
        scores = json.loads((report_dir / "scores" / f"{cid}.json").read_text())
        assert row["name"] == scores["name"] and row["state"] == scores["state"]
    assert list(members["name"]) == sorted(members["name"])


def test_indicators_groups_and_years_are_those_with_published_values(explorer, small_run):
    report_dir = small_run[0].report_dir
    for cid in explorer.communities().index:
        csv = published(report_dir, cid)
        shown = csv[csv["value"].notna()]
        assert set(explorer.indicators(cid)) == set(shown["indicator_id"])
        indicator = next(iter(explorer.indicators(cid)))
        part = shown[shown["indicator_id"] == indicator]
        assert set(explorer.groups(cid, indicator)) == set(part["group"])
        assert explorer.years(cid, indicator) == sorted(csv.loc[csv["indicator_id"] == indicator, "year"].unique())


def test_series_values_equal_the_published_csv(explorer, small_run):
    cid, indicator, groups = some_series(explorer)
    csv = published(small_run[0].report_dir, cid)
    years = explorer.years(cid, indicator)
    first, last = years[1], years[-1]
    series = explorer.series(cid, indicator, groups, (first, last))
    expected = csv[(csv["indicator_id"] == indicator) & csv["group"].isin(groups) & csv["year"].between(first, last)]
    got = series.set_index(["group", "year"])["value"].sort_index()
    want = expected.set_index(["group", "year"])["value"].sort_index()
    pd.testing.assert_series_equal(got, want, check_names=False)
    assert set(series["year"]) == set(range(first, last + 1)) & set(years)
    assert series["group"].iloc[0] == "all"  # `all` first
    table = explorer.table(cid, indicator, groups, (first, last))
    assert table.index.tolist() == sorted(set(expected["year"]))
    assert table.iloc[-1, 0] == pytest.approx(expected[(expected["group"] == "all")
                                                       & (expected["year"] == table.index[-1])]["value"].iloc[0],
                                              nan_ok=True)


def test_suppressed_cells_stay_blank(explorer, small_run):
    report_dir = small_run[0].report_dir
    for cid in explorer.communities().index:
        csv = published(report_dir, cid)
        blank = csv[csv["value"].isna()]
        if blank.empty:
            continue
        row = blank.iloc[0]
        series = explorer.series(cid, row["indicator_id"], [row["group"]])
        assert series.loc[series["year"] == row["year"], "value"].isna().all()
        return
    pytest.skip("no suppressed cell in the small run")


def test_network_distribution_ranks_every_member_with_a_value(explorer, small_run):
    report_dir = small_run[0].report_dir
    cid, indicator, _ = some_series(explorer)
    year = explorer.compare_year(cid, indicator)
    dist = explorer.network_distribution(indicator, year, cid)
    expected = {}
    for other in explorer.communities().index:
        csv = published(report_dir, other)
        hit = csv[(csv["indicator_id"] == indicator) & (csv["group"] == "all") & (csv["year"] == year)
                  & csv["value"].notna()]
        if len(hit):
            expected[other] = float(hit["value"].iloc[0])
    assert dict(zip(dist["community_id"], dist["value"], strict=True)) == expected
    assert dist["selected"].sum() == (1 if cid in expected else 0)
    lower_is_better = explorer.indicator_info[indicator]["polarity"] == "lower_is_better"
    values = dist["value"].tolist()
    assert values == sorted(values, reverse=not lower_is_better)  # best first
    assert dist["rank"].iloc[0] == 1 and dist["percentile"].iloc[0] == 100
    standing = explorer.standing(cid, indicator, year)
    if cid in expected:
        assert standing["value"] == expected[cid] and standing["of"] == len(expected)
        better = [v for v in expected.values() if (v < expected[cid] if lower_is_better else v > expected[cid])]
        assert standing["rank"] == len(better) + 1


def test_figure_is_made_by_the_kit_with_alt_text_and_table(explorer):
    cid, indicator, groups = some_series(explorer)
    fig = explorer.figure(cid, indicator, groups)
    assert isinstance(fig, plots.Figure)
    assert fig.image.startswith(b"<?xml") and fig.mime == "image/svg+xml"
    assert explorer.scores[cid]["name"] in fig.alt and "rank" in fig.alt
    assert fig.table.equals(explorer.table(cid, indicator, groups).round(1))


def test_load_year_refuses_a_folder_without_scores_or_the_wrong_year(tmp_path, small_run):
    with pytest.raises(KitError, match="no published scores"):
        load_year(tmp_path)
    with pytest.raises(KitError, match="not 1999"):
        load_year(small_run[0].report_dir, 1999)
    assert load_year(small_run[0].reports, YEAR).year == YEAR  # the reports root with a year works too


def html_of(output) -> str:
    return "".join(o["data"]["text/html"] for o in output.outputs)


def test_widgets_update_the_chart_and_tables_when_a_dropdown_changes(explorer):
    ui = build_widgets(explorer)
    first = ui.community.value
    assert ui.state["community_id"] == first
    assert ui.groups.value == ("all",)
    before = html_of(ui.table)
    assert "<table" in before and "<img" in html_of(ui.chart) and "rank" in html_of(ui.network)

    other = next(cid for cid in explorer.communities().index if cid != first)
    ui.community.value = other  # the observer runs: options, selections and outputs follow
    assert ui.state["community_id"] == other
    assert [v for _, v in ui.indicator.options] == list(explorer.indicators(other))
    indicator = ui.indicator.value
    expected = explorer.table(other, indicator, ["all"], ui.years.value)
    after = html_of(ui.table)
    assert after != before
    for value in expected.iloc[:, 0].dropna():
        assert f"<td>{value:.1f}</td>" in after
    assert ui.state["table"].equals(expected)

    second = [v for _, v in ui.indicator.options][-1]
    ui.indicator.value = second
    assert ui.state["indicator_id"] == second
    assert explorer.indicator_name(second) in html_of(ui.table)

    groups = tuple(v for _, v in ui.groups.options[:2])
    ui.groups.value = groups
    assert ui.state["groups"] == list(groups)
    assert list(ui.state["table"].columns) == [explorer.group_labels[g] for g in groups]

    low, high = ui.years.min, ui.years.max
    if high > low:
        ui.years.value = (low, low + 1)
        assert ui.state["table"].index.max() <= low + 1
    assert ui._repr_mimebundle_()  # displays as the widget layout


@pytest.mark.slow
def test_explore_notebook_runs_headless_with_papermill(small_run, tmp_path):
    output = tmp_path / "explore.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / "explore.ipynb"), str(output), cwd=str(NOTEBOOKS),
                               parameters={"report_dir": str(small_run[0].report_dir), "year": YEAR},
                               kernel_name="python3", progress_bar=False)
    nb = nbformat.read(output, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    mimes = {m for c in code for o in c.outputs for m in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in mimes and "text/html" in mimes
