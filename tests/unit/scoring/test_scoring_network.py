"""Scoring the whole network: golden demo scores, framework versions, params overrides, `ci-assess score`."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml

from ci_lib.cli import main
from ci_lib.errors import KitError
from ci_lib.inputs.load import load_network
from ci_lib.inputs.parameters import load_params
from ci_lib.inputs.rubric import load_rubric
from ci_lib.scoring import score_network
from ci_lib.tools import demo
from tests.paths import GOLDEN_DIR

GOLDEN = GOLDEN_DIR / "demo_scores.json"
DESIGN_KEYS = {"community_id", "name", "year", "framework", "gateway", "pillars", "benchmarks", "outcomes",
               "disparities", "summary", "provenance"}


@pytest.fixture(scope="module")
def demo_network(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    info = demo.generate(root / "data")
    demo.write_demo_params(root / "params", 2025, str(root / "data"), info["local"])
    params = load_params(2025, root / "params")
    rubric = load_rubric(params.framework)
    data = load_network(root / "data", rubric, params.all_local_indicator_ids())
    return root, params, rubric, data


def digest(scores: dict) -> dict:
    """What the golden file keeps per community: the headline, plus a hash of the full scores."""
    body = {k: v for k, v in scores.items() if k != "provenance"}
    return {"gateway": scores["gateway"]["reached"], "summary": scores["summary"],
            "sha256": hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()}


def test_golden_scores_of_the_demo_network(demo_network):
    """Any change to scoring shows up here; regenerate with CI_UPDATE_GOLDEN=1 after checking the diff."""
    import os

    _, params, rubric, data = demo_network
    scores = score_network(data, rubric, params, 2025).scores
    got = {cid: digest(s) for cid, s in scores.items()}
    if os.environ.get("CI_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    expected = json.loads(GOLDEN.read_text())
    changed = sorted(cid for cid in expected if expected[cid] != got.get(cid))
    assert not changed, f"{len(changed)} communities changed, e.g. {changed[:3]}: {got.get(changed[0])}"
    assert set(got) == set(expected)


def test_every_score_has_the_design_schema(demo_network):
    _, params, rubric, data = demo_network
    for s in score_network(data, rubric, params, 2025).scores.values():
        assert DESIGN_KEYS <= set(s)
        assert set(s["gateway"]) == {"reached", "next", "missing", "incomplete"}
        assert set(s["summary"]) == {"indicators_improving_share", "gaps_closing_share", "proof_point",
                                     "proof_point_basis", "gaps_closing_by_family", "not_rated"}
        assert set(s["provenance"]) == {"kit_version", "rubric_sha256", "data_sha256", "params_sha256"}
        for o in s["outcomes"]:
            assert o["trend"] in {"improving", "declining", "flat", "insufficient_data"}
            for key in ("baseline", "latest", "change_pp"):
                assert o[key] is None or round(o[key], 1) == o[key]
        for d in s["disparities"]:
            assert d["gap_trend"] in {"narrowing", "widening", "reversed", "flat", "insufficient_data"}
            assert d["closing"] in {True, False, None} and d["family"] in rubric.families


def test_later_framework_adds_systems_transformation(demo_network):
    _, params, _, data = demo_network
    old, new = load_rubric("toa-2019"), load_rubric("toa-2024")
    assert new.gateway_ids == ["exploring", "emerging", "sustaining", "systems_change", "proof_point",
                               "systems_transformation"]
    renamed = [b.id for b in new.benchmarks if b.id in {o.id for o in old.benchmarks}
               and b.title != next(o.title for o in old.benchmarks if o.id == b.id)]
    assert len(renamed) >= 4
    # demo ratings follow toa-2019: under toa-2024 the new benchmarks are unrated -> flagged and not started
    scores = score_network(data, new, params, 2025).scores
    s = next(iter(scores.values()))
    assert s["framework"] == "toa-2024" and s["provenance"]["rubric_sha256"] == new.sha256
    added = {b.id for b in new.benchmarks} - {b.id for b in old.benchmarks}
    assert added <= set(s["missing_ratings"])
    assert "systems_transformation" in s["pillars"]["shared_vision"]


def test_params_overrides_change_scores_and_are_listed(demo_network, tmp_path):
    root, _, rubric, data = demo_network
    folder = tmp_path / "params" / "2025"
    folder.mkdir(parents=True)
    (folder / "network.yml").write_text(yaml.safe_dump({"year": 2025, "framework": "toa-2019",
                                                        "rules": {"min_cell": 30}}))
    cid = sorted(data.communities["community_id"])[0]
    every_family = {family: "all" for family in rubric.families}
    (folder / f"{cid}.yml").write_text(yaml.safe_dump({"community_id": cid, "rules": {
        "reference_groups": every_family, "trend": {"method": "prior"}}}))
    local = [i for p in (root / "params" / "2025").glob("*.yml") if p.name != "network.yml"
             for i in yaml.safe_load(p.read_text()).get("local_indicators", [])]
    (folder / "network.yml").write_text(yaml.safe_dump({"year": 2025, "framework": "toa-2019",
                                                        "rules": {"min_cell": 30}, "local_indicators": local}))
    params = load_params(2025, tmp_path / "params")
    base = score_network(data, rubric, None, 2025).scores
    over = score_network(data, rubric, params, 2025).scores
    s = over[cid]
    listed = {(o["rule"], o["source"]) for o in s["overrides"]}
    assert {("min_cell", "network"), ("reference_groups.race_ethnicity", "community"),
            ("trend.method", "community")} <= listed
    assert {d["reference_group"] for d in s["disparities"]} == {"all"}
    other = sorted(over)[1]
    assert sum(o["suppressed"] for o in over[other]["outcomes"]) > sum(o["suppressed"] for o in base[other]["outcomes"])
    assert {o["rule"] for o in over[other]["overrides"]} == {"min_cell"}


def test_score_cli_prints_the_schema_as_json(demo_network, capsys):
    root, _, _, data = demo_network
    cid = sorted(data.communities["community_id"])[2]
    code = main(["score", str(root / "data"), "--year", "2025", "--community", cid, "--json",
                 "--params", str(root / "params")])
    assert code == 0
    s = json.loads(capsys.readouterr().out)
    assert s["community_id"] == cid and DESIGN_KEYS <= set(s)
    assert main(["score", str(root / "data"), "--year", "2025", "--params", str(root / "params")]) == 0
    table = capsys.readouterr().out
    assert "Scores 2025 (toa-2019)" in table and "gateway" in table


def test_a_local_indicator_declared_by_several_communities_is_one_indicator(demo_network):
    _, params, rubric, _ = demo_network
    declared = [i["id"] for cid in params.communities for i in params.local_indicators_for(cid)]
    assert len(declared) > len(set(declared))  # the demo shares its local indicators between communities
    ids = [o.id for o in score_network(demo_network[3], rubric, params, 2025).rubric.outcomes]
    assert len(ids) == len(set(ids)) and set(declared) <= set(ids)


def test_a_local_indicator_id_has_one_definition(tmp_path):
    folder = tmp_path / "params" / "2025"
    folder.mkdir(parents=True)
    (folder / "network.yml").write_text("year: 2025\n")
    same = {"id": "chronic_absence", "name": "Chronic absence", "polarity": "lower_is_better"}
    (folder / "ashford.yml").write_text(yaml.safe_dump({"local_indicators": [same]}))
    (folder / "juniper.yml").write_text(yaml.safe_dump({"local_indicators": [{"id": "chronic_absence",
                                                                              "polarity": "lower_is_better"}]}))
    params = load_params(2025, tmp_path / "params")  # a field left out is taken from the other declaration
    local = [i for cid in sorted(params.communities) for i in params.local_indicators_for(cid)]
    outcome = load_rubric("toa-2019").with_local_outcomes(local[::-1]).outcomes[-1]
    assert (outcome.id, outcome.name, outcome.polarity, outcome.local) == ("chronic_absence", "Chronic absence",
                                                                           "lower_is_better", True)
    (folder / "red-rock.yml").write_text(yaml.safe_dump({"local_indicators": [{**same, "polarity": "higher_is_better"}]}))
    with pytest.raises(KitError) as caught:
        load_params(2025, tmp_path / "params")
    message = str(caught.value)
    assert message.startswith(f"{folder / 'red-rock.yml'}::local_indicators: chronic_absence: polarity")
    assert str(folder / "ashford.yml") in message


def test_a_local_indicator_cannot_reuse_a_rubric_indicator_id(tmp_path):
    folder = tmp_path / "params" / "2025"
    folder.mkdir(parents=True)
    (folder / "network.yml").write_text("year: 2025\nframework: toa-2019\n")
    (folder / "ashford.yml").write_text(yaml.safe_dump({"local_indicators": [
        {"id": "hs_graduation", "name": "Graduation (our count)", "polarity": "lower_is_better"}]}))
    with pytest.raises(KitError, match=r"ashford\.yml::local_indicators: hs_graduation: already an indicator of the "
                                       r"toa-2019 rubric"):
        load_params(2025, tmp_path / "params")
