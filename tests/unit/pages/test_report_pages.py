"""What a community page and the network page say, from hand-made work files of the scores contract (issue #18).

Each case is one the field asked about: the proof point in words, an incomplete assessment, a rating carried
forward, a baseline fallback, relative change, targets, narratives, one name for "no gateway", and headline
counts that agree with the gateway chart.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from bs4 import BeautifulSoup

from ci_lib import vocabulary
from ci_lib.pages import plots
from ci_lib.pages.report import CommunityPage, NetworkPage, narrative_html, network_counts

GATEWAYS = [{"id": "exploring", "label": "Exploring"}, {"id": "emerging", "label": "Emerging"},
            {"id": "proof_point", "label": "Proof Point", "requires_proof_point": True}]
SENTENCE = ("Proof point not yet met: too few core indicators are improving. 1 of 4 core indicators with a known trend "
            "are improving (25%); the rule needs at least 60% of at least 4 core indicators with a trend. 1 of 2 "
            "disparity gaps are closing (50%) (reported, not required).")


def basis(met: bool = False, sentence: str | None = SENTENCE) -> dict[str, Any]:
    out: dict[str, Any] = {
        "core_indicators_known": 4, "core_indicators_improving": 1, "improving_share": 0.25, "share_required": 0.6,
        "min_indicators": 4, "gaps_known": 2, "gaps_closing": 1, "gaps_closing_share": 0.5, "gap_share_required": None,
        "met": met, "reason": "met" if met else "improving_share_below"}
    if sentence is not None:
        out["sentence"] = sentence
    return out


def outcome(indicator: str, group: str = "all", **kw: Any) -> dict[str, Any]:
    row = {"indicator_id": indicator, "group": group, "baseline_year": 2019, "baseline": 40.0, "latest_year": 2024,
           "latest": 45.0, "change_pp": 5.0, "change_pct": 12.5, "streak": 3, "baseline_fallback": False,
           "target": None, "target_year": None, "on_track": None, "trend": "improving", "suppressed": False,
           "family": "all" if group == "all" else "race_ethnicity", "core": True}
    row.update(kw)
    return row


def benchmark(bid: str, gateway: str, status: str, carried: bool = False) -> dict[str, Any]:
    return {"benchmark_id": bid, "gateway": gateway, "pillar": "evidence", "status": status,
            "credit": {"met": 1.0, "in_progress": 0.5}.get(status, 0.0), "evidence": "", "carried_forward": carried}


def work_file(**change: Any) -> dict[str, Any]:
    """A community's work file as `prepare` writes it, for the contract of SCORES-18."""
    scores = {
        "community_id": "alder-bay", "name": "Alder Bay", "state": "WA", "year": 2025, "framework": "toa-2019",
        "gateway": {"reached": "exploring", "next": "emerging", "missing": ["ev-em-1", "ev-em-2"], "incomplete": True},
        "pillars": {"evidence": {"exploring": 1.0, "emerging": 0.5, "proof_point": 0.0}},
        "benchmarks": [benchmark("ev-ex-1", "exploring", "met", carried=True), benchmark("ev-em-1", "emerging", "not_rated"),
                       benchmark("ev-em-2", "emerging", "in_progress"), benchmark("ev-pp-1", "proof_point", "not_rated")],
        "outcomes": [outcome("reading", target=60.0, target_year=2030, on_track=True),
                     outcome("math", baseline_year=2021, baseline=50.0, latest=49.0, change_pp=-1.0, change_pct=-2.0,
                             streak=1, trend="declining", baseline_fallback=True),
                     outcome("reading", "black", latest=41.0)],
        "disparities": [{"indicator_id": "reading", "group": "black", "family": "race_ethnicity", "reference_group": "white",
                         "gap_baseline_pp": 10.0, "gap_latest_pp": -1.0, "gap_change_pp": -11.0, "gap_trend": "reversed",
                         "closing": True, "suppressed": False, "core": True}],
        "summary": {"indicators_improving_share": 0.25, "gaps_closing_share": 0.5, "proof_point": False,
                    "proof_point_basis": basis(), "gaps_closing_by_family": {"race_ethnicity": 0.5}, "not_rated": 2},
        "missing_ratings": ["ev-em-1", "ev-pp-1"], "overrides": [],
        "provenance": {"kit_version": "0", "rubric_sha256": "a" * 64, "data_sha256": "b" * 64, "params_sha256": ""},
    }
    work: dict[str, Any] = {
        "community": {"name": "Alder Bay", "state": "WA", "anchor_entity": "Alder Bay Works", "joined_year": 2019,
                      "region": "West", "website": None},
        "network": {"title": "Assessment 2025", "year": 2025, "run_date": None, "framework": "toa-2019",
                    "framework_title": "Theory of Action"},
        "scores": scores,
        "outcomes": [{"indicator_id": i, "group": g, "year": y, "value": 40.0 + y - 2019, "suppressed": False}
                     for i in ("reading", "math") for g in ("all", "black") for y in range(2019, 2025)],
        "indicators": [{"id": "reading", "name": "Early grade reading", "polarity": "higher_is_better", "unit": "percent",
                        "local": False, "indicator": "", "core": True},
                       {"id": "math", "name": "Middle grade math", "polarity": "higher_is_better", "unit": "percent",
                        "local": False, "indicator": "", "core": True}],
        "labels": vocabulary.labels({"all": "All students", "black": "Black or African American", "white": "White"},
                                    GATEWAYS, {"evidence": "Evidence"}, {"race_ethnicity": "Race/ethnicity"}),
        "gateway_order": [g["id"] for g in GATEWAYS], "proof_point_gateways": ["proof_point"],
        "pillar_order": ["evidence"],
        "benchmark_titles": {"ev-ex-1": "Outcomes chosen", "ev-em-1": "Baseline report card", "ev-em-2": "Priorities set",
                             "ev-pp-1": "Most community-level indicators are improving"},
        "rules": {"min_cell": 20, "baseline_year": 2019, "proof_point_share": 0.6, "proof_point_gap_share": None},
        "overrides": [], "previous": {"year": 2024, "reached": None}, "earlier_pages": [],
        "narrative": "Our **reading** push started in 2021.",
        "narratives": {"reading": "Tutoring reached [every school](https://example.org/tutoring)."},
    }
    for path, value in change.items():
        target = work
        *parents, last = path.split("__")
        for key in parents:
            target = target[key]
        target[last] = value
    return work


def page(tmp_path, **change: Any) -> CommunityPage:
    return CommunityPage(tmp_path, work_file(**change))


def text(markup: Any) -> str:
    return " ".join(BeautifulSoup(markup.data if hasattr(markup, "data") else str(markup), "html.parser")
                    .get_text(" ").split())


def test_the_proof_point_is_said_in_words_with_the_rule_that_decided_it(tmp_path):
    card = text(page(tmp_path).summary_card())
    assert SENTENCE in card
    assert "Proof point: yes" not in card and "Proof point: not yet" not in card


def test_without_a_recorded_sentence_the_proof_point_is_composed_from_the_shares_and_rules(tmp_path):
    summary = {"indicators_improving_share": 0.7, "gaps_closing_share": None, "proof_point": True}
    card = text(page(tmp_path, scores__summary=summary).summary_card())
    assert vocabulary.proof_point_sentence(summary, {"proof_point_share": 0.6}) in card
    assert "Proof point met. Indicators improving: 70% (the rule needs at least 60%)" in card


def test_the_missing_list_names_benchmarks_and_leaves_the_outcomes_rule_to_gateways_that_need_it(tmp_path):
    card = text(page(tmp_path).summary_card())
    assert "Still needed for Emerging (2)" in card
    assert "ev-em-1 — Baseline report card (Not rated)" in card and "ev-em-2 — Priorities set (rating: In progress)" in card
    assert "Outcomes proof point" not in card  # Emerging does not need it
    # next is Proof Point, its benchmarks all met, outcomes not: the list says what is left, not "nothing"
    gateway = {"reached": "emerging", "next": "proof_point", "missing": [], "incomplete": False}
    card = text(page(tmp_path, scores__gateway=gateway).summary_card())
    assert "Still needed for Proof Point (1)" in card and "Outcomes proof point (computed from the published outcomes): "\
        "not yet met" in card
    # proof point met, a benchmark still missing: the list does not say the outcomes are missing
    met = {"indicators_improving_share": 0.75, "gaps_closing_share": 0.5, "proof_point": True,
           "proof_point_basis": basis(True, "Proof point met. 3 of 4 core indicators are improving.")}
    gateway = {"reached": "emerging", "next": "proof_point", "missing": ["ev-pp-1"], "incomplete": True}
    card = text(page(tmp_path, scores__gateway=gateway, scores__summary=met).summary_card())
    assert "Still needed for Proof Point (1)" in card
    assert "Outcomes proof point (computed from the published outcomes): met" in card


def test_an_incomplete_assessment_says_so_and_shows_unrated_benchmarks_as_not_rated(tmp_path):
    p = page(tmp_path)
    card = text(p.summary_card())
    assert "Gateway reached: Exploring (assessment incomplete)" in card
    assert "Assessment incomplete: 2 benchmarks not rated (ev-em-1, ev-pp-1)" in card
    table = BeautifulSoup(p.benchmarks().data, "html.parser")
    status = {row.th.get_text(): row.find_all("td")[3].get_text() for row in table.select("table.benchmarks tbody tr")}
    assert status["ev-em-1"] == "Not rated" and status["ev-em-2"] == "In progress"
    assert "not rated" in text(p.notes()).lower()
    complete = page(tmp_path, scores__benchmarks=[benchmark("ev-ex-1", "exploring", "met")],
                    scores__gateway={"reached": "exploring", "next": "emerging", "missing": [], "incomplete": False})
    assert "incomplete" not in text(complete.summary_card()).lower()


def test_a_rating_carried_forward_is_flagged_on_the_page(tmp_path):
    p = page(tmp_path)
    table = BeautifulSoup(p.benchmarks().data, "html.parser")
    row = next(r for r in table.select("table.benchmarks tbody tr") if r.th.get_text() == "ev-ex-1")
    assert row.find_all("td")[3].get_text() == "Met (carried forward from last year)"
    assert "1 benchmark rating is carried forward from last year (ev-ex-1)" in text(p.summary_card())
    assert "carried forward from last year (not rated this year): ev-ex-1" in text(p.notes())


def test_a_baseline_fallback_is_said_under_the_outcome_table_and_in_the_notes(tmp_path):
    p = page(tmp_path)
    table = text(p.outcome_table())
    assert "2021 (fallback)" in table
    assert ("Baseline fallback: the configured baseline year (2019) had no publishable value, so the earliest later "
            "year with one serves as the baseline (Middle grade math: 2021)") in table
    assert "Baseline fallback" in text(p.notes())
    assert "fallback" not in text(page(tmp_path, scores__outcomes=[outcome("reading")]).outcome_table())


def test_the_outcome_table_gives_relative_change_streak_target_and_on_track(tmp_path):
    soup = BeautifulSoup(page(tmp_path).outcome_table().data, "html.parser")
    head = [th.get_text() for th in soup.select("thead th")]
    rows = {r.th.get_text(): dict(zip(head[1:], [td.get_text() for td in r.find_all("td")], strict=True))
            for r in soup.select("tbody tr")}
    reading, math = rows["Early grade reading"], rows["Middle grade math"]
    assert reading["change (pp)"] == "5.0" and reading["change (%)"] == "+12.5%" and math["change (%)"] == "-2.0%"
    assert reading["streak"] == "3 years improving" and math["streak"] == "1 year declining"
    assert reading["target"] == "60.0 by 2030" and reading["on track"] == "On track"
    assert math["target"] == "–" and math["on track"] == "–"


def test_the_target_is_drawn_on_its_chart_and_said_in_its_caption_and_alt_text(tmp_path):
    p = page(tmp_path)
    chart = BeautifulSoup(p.outcome_chart("reading").data, "html.parser")
    assert "Target: 60.0% by 2030 (on track)." in chart.img["alt"]
    assert "Target: 60.0% by 2030" in chart.figcaption.get_text()
    years = [th.get_text() for th in chart.select("details.data-table tbody th")]
    assert years[-1] == "2030"
    assert "Target" not in BeautifulSoup(p.outcome_chart("math").data, "html.parser").img["alt"]
    assert "target for all students" in text(p.outcomes())


def test_narratives_are_shown_under_their_chart_and_the_card(tmp_path):
    p = page(tmp_path)
    chart = BeautifulSoup(p.outcome_chart("reading").data, "html.parser")
    story = chart.select_one("div.indicator-narrative")
    assert story is not None and story.find_previous_sibling("figure")["id"] == "outcome-reading"
    assert story.a["href"] == "https://example.org/tutoring" and story.a["rel"] == ["nofollow", "noopener"]
    assert BeautifulSoup(p.outcome_chart("math").data, "html.parser").select_one("div.narrative") is None
    card = BeautifulSoup(p.summary_card().data, "html.parser")
    assert card.select_one("div.community-narrative strong").get_text() == "reading"


@pytest.mark.parametrize("markdown", [
    "<script>alert(1)</script>", "Hello <b onclick='x()'>raw</b> <img src=x onerror=alert(1)>", "![](http://track)",
    "![pixel](http://track/p.gif) text", "[click](javascript:alert(1))", "<iframe src='http://evil'></iframe>",
    "[x](data:text/html;base64,PHNjcmlwdD4=)", "<http://ok.example> <a href='http://evil'>a</a>",
])
def test_a_narrative_can_never_become_markup(markdown):
    out = str(narrative_html(markdown))
    tags = {t.name for t in BeautifulSoup(out, "html.parser").find_all(True)}
    assert tags <= {"div", "p", "a", "strong", "em"}, out
    assert not re.search(r"<(script|img|iframe|b)\b", out)
    for link in BeautifulSoup(out, "html.parser").find_all("a"):
        assert link["href"].startswith(("http://", "https://", "mailto:")) and link["href"] != "http://evil"
    assert "track" not in "".join(a["href"] for a in BeautifulSoup(out, "html.parser").find_all("a"))


def test_a_narrative_page_text_escapes_html_but_keeps_the_words(tmp_path):
    p = page(tmp_path, narratives={"reading": "<script>alert(1)</script> tutoring ![](http://track)"})
    out = p.outcome_chart("reading").data
    assert "<script>" not in out and "http://track" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt; tutoring" in out


def test_no_gateway_has_one_name_on_every_page_and_in_the_labels(tmp_path):
    none = {"reached": None, "next": "exploring", "missing": ["ev-ex-1"], "incomplete": False}
    p = page(tmp_path, scores__gateway=none, previous={"year": 2024, "reached": None})
    card = text(p.summary_card())
    assert card.count(vocabulary.NO_GATEWAY) == 2  # now and last year
    assert "Not yet reached" not in card and "none" not in card.split()
    assert p.work["labels"]["gateways"]["none"] == vocabulary.NO_GATEWAY
    assert p.label("gateways", None) == p.label("gateways", "none") == vocabulary.NO_GATEWAY


def network_work(members: list[dict[str, Any]], previous: dict[str, str | None] | None = None) -> dict[str, Any]:
    ids = [g["id"] for g in GATEWAYS]
    per = {"none": 0, **{g: 0 for g in ids}}
    for m in members:
        per[m["gateway"]["reached"] or "none"] += 1
    rollup = {"members": len(members), "members_per_gateway": per, "indicators_improving_share_mean": 0.5,
              "gaps_closing_share_mean": 0.4, "proof_points": sum(m["summary"]["proof_point"] for m in members),
              "incomplete_members": sum(m["gateway"]["incomplete"] for m in members), "improving_shares": [0.5],
              "closing_shares": [0.4]}
    rollup["gaps_closing_share_mean_by_family"] = {"income": 0.25, "race_ethnicity": 0.5}
    return {"year": 2025, "framework_title": "Theory of Action", "rollup": rollup,
            "labels": vocabulary.labels({"all": "All students"}, GATEWAYS, {"evidence": "Evidence"},
                                        {"race_ethnicity": "Race/ethnicity", "income": "Income"}),
            "pillar_order": ["evidence"], "members": members, "gateway_order": ids,
            "proof_point_gateways": ["proof_point"], "outcomes_all": [], "indicator_names": {},
            "previous": {"year": 2024, "reached": previous} if previous is not None else None}


def member(cid: str, reached: str | None, proof_point: bool, missing: list[str] | None = None,
           unrated: list[str] | None = None) -> dict[str, Any]:
    return {"community_id": cid, "name": cid.title(), "state": "WA",
            "gateway": {"reached": reached, "next": None, "missing": missing or [], "incomplete": bool(unrated)},
            "pillars": {"evidence": {"exploring": 1.0}},
            "summary": {"indicators_improving_share": 0.5, "gaps_closing_share": 0.4, "proof_point": proof_point},
            "missing_ratings": unrated or []}


MEMBERS = [member("a", "proof_point", True), member("b", "emerging", True, ["ev-pp-1"]),
           member("c", "emerging", True, ["ev-pp-2"], unrated=["ev-pp-2"]), member("d", None, False),
           member("e", "exploring", False, ["ev-em-1"], unrated=["ev-em-1"])]


def test_headline_counts_are_the_gateway_chart_counts(tmp_path):
    network = NetworkPage(tmp_path, network_work(MEMBERS))
    headline = text(network.headline())
    chart = BeautifulSoup(network.gateway_distribution().data, "html.parser")
    counts = {r.th.get_text(): int(r.td.get_text()) for r in chart.select("details.data-table tbody tr")}
    at = int(re.search(r"Members at the Proof Point gateway or beyond \(benchmarks and outcomes\): (\d+)", headline)[1])
    assert at == counts["Proof Point"] == 1
    assert "Members whose outcomes meet the proof point rule: 3 (2 of them not yet at the Proof Point gateway" in headline
    assert counts[vocabulary.NO_GATEWAY] == 1 and sum(counts.values()) == 5
    assert "Assessments incomplete (benchmarks not rated): 2" in headline
    assert "Average share of gaps closing, by family: Income 25%, Race/ethnicity 50%" in headline
    assert network_counts(network.work["rollup"], network.work["gateway_order"], ["proof_point"])["at_proof_point"] == 1


def test_the_movement_table_separates_moves_down_caused_by_unrated_benchmarks(tmp_path):
    previous = {"a": "emerging", "b": "proof_point", "c": "proof_point", "d": None, "e": "emerging"}
    network = NetworkPage(tmp_path, network_work(MEMBERS, previous))
    out = text(network.movement())
    assert "1 members moved up a gateway or more, 1 stayed, 1 moved down, and 2 moved down with benchmarks not rated" \
        in out
    assert ("Moved down with benchmarks not rated: C (Proof Point → Emerging; not rated: ev-pp-2); "
            "E (Emerging → Exploring; not rated: ev-em-1).") in out
    assert vocabulary.NO_GATEWAY in out and "none" not in out.split()


def test_the_members_table_uses_the_one_vocabulary(tmp_path):
    out = text(NetworkPage(tmp_path, network_work(MEMBERS)).members_table())
    assert vocabulary.NO_GATEWAY in out and "Exploring (assessment incomplete)" in out
    assert "not yet met" in out


def test_a_work_file_round_trips_through_json(tmp_path):
    """The page reads what `prepare` writes: JSON, so closing/on-track labels are keyed by strings."""
    work = json.loads(json.dumps(work_file()))
    assert CommunityPage(tmp_path, copy.deepcopy(work)).disparities().data.count("Reversed (gap closed)") == 1
    assert "Closing" in text(CommunityPage(tmp_path, work).disparities())


def test_disparities_name_the_family_the_reference_and_whether_the_gap_is_closing(tmp_path):
    soup = BeautifulSoup(page(tmp_path).disparities().data, "html.parser")
    head = [th.get_text() for th in soup.select("thead th")]
    row = dict(zip(head[1:], [td.get_text() for td in soup.select_one("tbody tr").find_all("td")], strict=True))
    assert row["family"] == "Race/ethnicity" and row["reference"] == "White"
    assert row["gap trend"] == "Reversed (gap closed)" and row["closing"] == "Closing"


def test_a_chart_with_a_target_runs_to_the_target_year_and_a_kept_frame_forgets_it():
    groups = ["all", "black"]
    import pandas as pd

    rows = pd.DataFrame([{"group": g, "year": y, "value": 40.0 + i + y - 2019} for i, g in enumerate(groups)
                         for y in range(2019, 2025)])
    empty = pd.DataFrame(columns=["group", "gap_baseline_pp", "gap_latest_pp", "gap_trend"])
    target = plots.Target(value=70.0, year=2030, baseline=40.0, baseline_year=2019, on_track=False)

    def draw(t: plots.Target | None) -> bytes:
        return plots.outcome_chart(rows, "Reading", {"all": "improving"}, empty, {}, target=t).image

    plots.reset_caches()
    plain = draw(None)
    with_target = draw(target)
    assert draw(None) == plain  # the kept frame drops the star, the path and the 2030 tick
    plots.reset_caches()
    assert draw(target) == with_target  # and a new frame draws what the kept one drew
    svg = with_target.decode()
    assert ">2030<" in svg and ">2030<" not in plain.decode()
    assert svg.count("stroke-dasharray") > plain.decode().count("stroke-dasharray")
    chart = plots.outcome_frame((1,), 0)  # one panel (the other groups: black), no gaps
    draw(target)
    ax = chart.axes[0]
    assert ax.get_xlim()[1] >= 2030 and [2030.0, 70.0] in chart.parts[(0, "points")].get_offsets().tolist()
    assert any(len(s) == 2 and s[-1].tolist() == [2030.0, 70.0] for s in chart.parts[(0, "strokes")].get_segments())


# -- Methods: the network's rules, not the rubric's -------------------------------------------------------------
def year_content(tmp_path, manifest_rules: dict[str, Any] | None, overrides: dict[str, list[dict[str, Any]]]):
    from ci_lib.inputs.rubric import load_rubric
    from ci_lib.website.content import YearContent

    report_dir = tmp_path / "reports" / "2025"
    report_dir.mkdir(parents=True)
    manifest: dict[str, Any] = {"year": 2025, "framework": "toa-2019", "params_dir": "params", "notebooks": {},
                                "communities": sorted(overrides)}
    if manifest_rules is not None:
        manifest["rules"] = {"network": manifest_rules, "communities": {}}
    scores = {cid: {"name": cid.title(), "overrides": o} for cid, o in overrides.items()}
    return YearContent(report_dir, manifest, scores, load_rubric("toa-2019"))


def network_override(rule: str, value: Any, default: Any) -> dict[str, Any]:
    return {"rule": rule, "value": value, "default": default, "source": "network"}


def test_methods_states_the_rules_the_network_applied_as_recorded_in_the_manifest(tmp_path):
    from ci_lib.inputs.rubric import load_rubric, merge_rules

    rubric = load_rubric("toa-2019")
    assert rubric.rules["min_cell"] == 10
    rules = merge_rules(rubric.rules, {"min_cell": 20, "proof_point_share": 0.7})
    shared = [network_override("min_cell", 20, 10), network_override("proof_point_share", 0.7, 0.6)]
    own = {"rule": "trend.min_change_pp", "value": 2.0, "default": 1.0, "source": "community"}
    content = year_content(tmp_path, rules, {"alder-bay": [*shared, own], "birch-fork": list(shared)})
    methods = content.methods_markdown()
    assert "a value from fewer than 20 students is not shown" in methods and "fewer than 10 students" not in methods
    assert "at least 70% of the core indicators" in methods
    # a rule every member shares is one line; a member's own override is a row of its own
    assert methods.count("`min_cell` = `20` for every member (network params; rubric default `10`).") == 1
    rows = [line for line in methods.splitlines() if line.startswith(("| Alder\\-Bay", "| Birch\\-Fork"))]
    assert rows == ["| Alder\\-Bay | community | `trend.min_change_pp` | `2.0` | `1.0` |"]  # names are escaped Markdown


def test_methods_reads_the_params_of_a_year_recorded_before_the_manifest_kept_its_rules(tmp_path):
    content = year_content(tmp_path, None, {"alder-bay": [network_override("min_cell", 20, 10)]})
    folder = tmp_path / "params" / "2025"
    folder.mkdir(parents=True)
    (folder / "network.yml").write_text("year: 2025\nframework: toa-2019\nrules:\n  min_cell: 20\n")
    assert content.effective_rules()["min_cell"] == 20
    assert "fewer than 20 students" in content.methods_markdown()


def test_methods_says_no_rule_is_overridden_when_none_is(tmp_path):
    content = year_content(tmp_path, None, {"alder-bay": []})
    assert "No rule is overridden this year." in content.methods_markdown()


def test_the_rubric_and_the_vocabulary_give_no_gateway_the_same_name():
    from ci_lib.inputs import rubric

    assert rubric.NO_GATEWAY == vocabulary.NO_GATEWAY == rubric.load_rubric("toa-2019").gateway_label(None)


def test_methods_reads_the_network_yml_text_an_older_manifest_recorded(tmp_path):
    content = year_content(tmp_path, None, {"alder-bay": []})
    content.manifest["params"] = {"network.yml": "year: 2025\nrules:\n  min_cell: 20\n"}
    assert content.effective_rules()["min_cell"] == 20
    content.manifest["params"] = {"network.yml": "0" * 64}  # a manifest that records files by sha256
    assert content.effective_rules()["min_cell"] == 10
