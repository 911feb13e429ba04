"""Typos in params that used to publish wrong results silently (#24 item 3) are errors naming the file and key."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from ci_lib.errors import KitError
from ci_lib.inputs.parameters import load_params


def year_params(tmp_path, network: dict | None = None, community: dict | None = None):
    folder = tmp_path / "params" / "2025"
    folder.mkdir(parents=True)
    (folder / "network.yml").write_text(yaml.safe_dump({"year": 2025, "framework": "toa-2019", **(network or {})}))
    if community is not None:
        (folder / "alpha.yml").write_text(yaml.safe_dump({"community_id": "alpha", **community}))
    return tmp_path / "params"


def refused(root, *words: str) -> str:
    with pytest.raises(KitError) as caught:
        load_params(2025, root)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    return message


def test_an_unknown_key_in_a_local_indicator_is_an_error_not_a_silent_default(tmp_path):
    # `polarty:` was ignored, so a falling truancy rate was published as "declining"
    root = year_params(tmp_path, community={"local_indicators": [{"id": "truancy", "polarty": "lower_is_better"}]})
    refused(root, "alpha.yml::local_indicators.truancy.polarty", "unknown key", "polarity")


def test_a_reference_group_that_is_not_a_group_of_its_family_is_an_error(tmp_path):
    # `whites` made every race gap null, so the proof point could never be met
    root = year_params(tmp_path, network={"rules": {"reference_groups": {"race_ethnicity": "whites"}}})
    refused(root, "network.yml::rules.reference_groups.race_ethnicity", "'whites'", "white", "highest")


def test_the_old_single_reference_group_is_refused_with_its_replacement(tmp_path):
    root = year_params(tmp_path, community={"rules": {"reference_group": "white"}})
    refused(root, "alpha.yml::rules.reference_group", "renamed", "reference_groups")


@pytest.mark.parametrize(("network", "community", "words"), [
    ({"rules": {"reference_groups": {"race": "white"}}}, None, ("reference_groups.race", "unknown comparison family")),
    ({"rules": {"reference_groups": {"income": "highest"}}}, None, ("reference_groups.income", "'highest'")),
    ({"targets": {"hs_graduaton": {"value": 90, "year": 2028}}}, None, ("targets.hs_graduaton", "unknown indicator")),
    ({"targets": {"hs_graduation": {"value": "ninety", "year": 2028}}}, None, ("targets.hs_graduation.value",)),
    (None, {"narratives": {"kinder_readiness": "text"}}, ("narratives.kinder_readiness", "unknown indicator")),
    (None, {"local_indicators": [{"id": "jobs", "unit": "percentage"}]}, ("local_indicators.jobs.unit",)),
    (None, {"local_indicators": [{"id": "jobs", "core": "yes"}]}, ("local_indicators.jobs.core",)),
    ({"rules": {"proof_point_min_indicators": 0}}, None, ("rules.proof_point_min_indicators",)),
    ({"rules": {"baseline": "loose"}}, None, ("rules.baseline", "fallback, strict")),
])
def test_other_scoring_settings_are_checked_against_the_rubric(tmp_path, network, community, words):
    refused(year_params(tmp_path, network=network, community=community), *words)


def test_valid_settings_of_the_new_rules_load(tmp_path):
    root = year_params(tmp_path, network={"rules": {"reference_groups": {"race_ethnicity": "highest", "language": "all"},
                                                    "proof_point_gap_share": None, "baseline": "strict"},
                                          "targets": {"hs_graduation": {"value": 90, "year": 2028}}},
                       community={"local_indicators": [{"id": "jobs", "core": True, "unit": "count", "min_change": 5}],
                                  "targets": {"jobs": {"value": 500, "year": 2027}},
                                  "narratives": {"jobs": "Summer jobs doubled."}})
    params = load_params(2025, root)
    assert params.targets_for("alpha") == {"hs_graduation": {"value": 90, "year": 2028},
                                           "jobs": {"value": 500, "year": 2027}}


def test_the_cli_refuses_a_typo_with_one_line_and_exit_2(tmp_path):
    root = year_params(tmp_path, community={"local_indicators": [{"id": "truancy", "polarty": "lower_is_better"}]})
    out = subprocess.run([sys.executable, "-m", "ci_lib.cli", "run", "--year", "2025", "--params", str(root),
                          "--data", str(tmp_path / "data"), "--reports", str(tmp_path / "reports")],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "polarty" in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
