"""The network's median gaps are computed by the pipeline (`prepare`) from every member's published gaps and
reach each community's page input, and so its cache key (#20 item 2).

Prepared, not executed: a 5-member demo network scored and prepared as `ci-assess run` does.
"""

from __future__ import annotations

import copy
import json
import statistics
from pathlib import Path

import pytest

from ci_lib.execute import cache
from ci_lib.execute.prepare import prepare
from ci_lib.execute.run import score_year
from ci_lib.layout import YearLayout
from tests.conftest import NOTEBOOKS, make_project

SECRET = 987.6  # a gap made suppressed below (no real value or gap reads so): it must reach no page input


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("medians"))
    params, scores, data = score_year(project.options().run_options())
    return project, params, scores, data


@pytest.fixture()
def prepared(scored):
    """The scored year, its scores a copy each test may change."""
    project, params, scores, data = scored
    return project, params, copy.deepcopy(scores), data


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def expected_medians(scores) -> dict[tuple[str, str, str], float]:
    """The medians recomputed from the scores on their own: published gaps of the network's indicators."""
    local = {o.id for o in scores.rubric.outcomes if o.local}
    values: dict[tuple[str, str, str], list[float]] = {}
    for s in scores.scores.values():
        for row in s["disparities"]:
            if not row["suppressed"] and row["gap_latest_pp"] is not None and row["indicator_id"] not in local:
                key = (row["indicator_id"], row["group"], row["reference_group"])
                values.setdefault(key, []).append(row["gap_latest_pp"])
    return {k: round(statistics.median(v), 1) for k, v in values.items()}


def test_each_community_input_carries_the_network_median_of_each_of_its_published_gaps(prepared):
    project, params, scores, data = prepared
    prepare(project.report_dir, data, scores, params)
    layout = YearLayout.of(project.report_dir)
    expected = expected_medians(scores)
    assert len(expected) > 20
    for cid, s in scores.scores.items():
        work = read(layout.page_input(cid))
        got = {(m["indicator_id"], m["group"], m["reference_group"]): m["median_gap_pp"] for m in work["network_gaps"]}
        published = {(r["indicator_id"], r["group"], r["reference_group"]) for r in s["disparities"]
                     if not r["suppressed"]}
        assert got == {k: v for k, v in expected.items() if k in published}, cid
        assert got and all(m["members"] >= 1 for m in work["network_gaps"])
    network = read(layout.network_input)
    rows = {(g["community_id"], g["indicator_id"], g["group"]) for g in network["gaps"]}
    measured = {(cid, r["indicator_id"], r["group"]) for cid, s in scores.scores.items() for r in s["disparities"]
                if not r["suppressed"] and r["closing"] is not None and r["indicator_id"] in network["indicator_names"]}
    assert rows == measured and rows


def test_a_suppressed_gap_reaches_no_median_and_no_network_row(prepared):
    project, params, scores, data = prepared
    cid = sorted(scores.scores)[0]
    row = next(r for r in scores.scores[cid]["disparities"] if r["gap_latest_pp"] is not None and r["closing"] is not None)
    key = (row["indicator_id"], row["group"], row["reference_group"])
    before = expected_medians(scores)[key]
    row.update(suppressed=True, gap_latest_pp=SECRET, gap_baseline_pp=SECRET)
    written = prepare(project.report_dir, data, scores, params)
    # (the member's own input holds its scores, as scores/<id>.json publishes them: the row changed here is made up)
    assert all(str(SECRET) not in payload.decode() for name, payload in written.items() if name != cid)
    medians = [m for c in scores.scores if c != cid for m in json.loads(written[c])["network_gaps"]
               if (m["indicator_id"], m["group"], m["reference_group"]) == key]
    assert medians and all(m["median_gap_pp"] == expected_medians(scores)[key] for m in medians)
    assert expected_medians(scores)[key] != SECRET and before is not None


def test_a_changed_median_changes_the_pages_keys_and_an_unchanged_run_writes_the_same_bytes(prepared):
    project, params, scores, data = prepared
    first = prepare(project.report_dir, data, scores, params)
    assert prepare(project.report_dir, data, scores, params) == first  # no change: the same inputs, the same keys

    template, lock = str(NOTEBOOKS / "community.ipynb"), cache.lock_sha256()

    def key(cid: str, work: bytes) -> str:
        return cache.cache_key(template, {"community_id": cid, "year": 2025, "report_dir": ".."}, work, lock)

    moved = sorted(scores.scores)[0]
    row = next(r for r in scores.scores[moved]["disparities"] if not r["suppressed"] and r["gap_latest_pp"] is not None)
    target = (row["indicator_id"], row["group"], row["reference_group"])
    row["gap_latest_pp"] = 60.0  # one member's gap moves far: the median of its indicator and group moves
    second = prepare(project.report_dir, data, scores, params)
    changed = {c for c in scores.scores if key(c, first[c]) != key(c, second[c])}
    sharing = {c for c, s in scores.scores.items() if c != moved and any(
        (r["indicator_id"], r["group"], r["reference_group"]) == target and not r["suppressed"]
        for r in s["disparities"])}
    assert moved in changed and sharing and sharing <= changed  # every page showing that median executes again
    assert second["_network"] != first["_network"]
