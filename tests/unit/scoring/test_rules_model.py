"""One rules model (`ci_lib.inputs.rules`): the rubric's defaults, params validation, scoring, the data contract
and the Methods page all read the same table, and the pages say the rule the year applied."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from ci_lib.errors import KitError
from ci_lib.inputs import rubric as rubric_module
from ci_lib.inputs import rules as model
from ci_lib.inputs.parameters import load_params
from ci_lib.inputs.rubric import load_rubric, merge_rules
from ci_lib.scoring.rules import rules_row
from ci_lib.scoring.schema import rules_markdown


def test_every_rule_has_a_default_its_check_accepts_and_words():
    for rule in model.RULES.values():
        assert rule.problem(rule.default) is None, rule.name
        assert rule.doc
    for framework in rubric_module.available_frameworks():
        rules = load_rubric(framework).rules
        assert list(rules) == list(model.RULES)  # the rubric's rules are the model's, in its order
        assert all(model.rule_problem(k, v) is None for k, v in rules.items())


def test_the_data_contract_table_is_the_model():
    text = rules_markdown()
    for rule in model.RULES.values():
        assert f"| `{rule.name}` | `{json.dumps(rule.default)}` | {rule.doc} |" in text


def test_scoring_fills_a_partial_rule_with_the_models_defaults():
    rules = merge_rules(model.defaults(), {"trend": {"method": "prior"}, "gateway_rule": {"method": "share"}})
    del rules["trend"]["periods"], rules["gateway_rule"]["threshold"]
    row = rules_row(rules, [])
    assert row["periods"] == model.default_of("trend", "periods")
    assert row["gateway_threshold"] == model.default_of("gateway_rule", "threshold")


def write_params(root: Path, network: str) -> Path:
    (root / "2025").mkdir(parents=True)
    (root / "2025" / "network.yml").write_text(f"year: 2025\nframework: toa-2019\n{network}", encoding="utf-8")
    return root


def test_params_validation_is_the_models_check(tmp_path, monkeypatch):
    root = write_params(tmp_path / "params", "rules:\n  min_cell: 5\n")
    assert load_params(2025, root).rules["min_cell"] == 5
    stricter = dataclasses.replace(model.RULES["min_cell"],
                                   check=lambda v: None if v >= 10 else f"must be at least 10, not {v!r}")
    monkeypatch.setitem(model.RULES, "min_cell", stricter)
    with pytest.raises(KitError, match=r"network.yml::rules.min_cell: must be at least 10, not 5"):
        load_params(2025, root)


def test_a_rubric_with_an_invalid_rule_is_an_error_naming_the_file_and_rule(tmp_path, monkeypatch):
    """Old code took `min_cell: ten` from a rubric silently and failed later, in scoring, with a ValueError."""
    text = (rubric_module.RUBRIC_DIR / "toa-2024.yml").read_text(encoding="utf-8")
    assert "  min_cell: 10\n" in text
    (tmp_path / "toa-2024.yml").write_text(text.replace("  min_cell: 10\n", "  min_cell: ten\n"), encoding="utf-8")
    shutil.copy(rubric_module.RUBRIC_DIR / "toa-2019.yml", tmp_path / "toa-2019.yml")
    monkeypatch.setattr(rubric_module, "RUBRIC_DIR", tmp_path)
    load_rubric.cache_clear()
    try:
        with pytest.raises(KitError, match=r"toa-2024.yml::rules.min_cell: must be a whole number >= 0, not 'ten'"):
            load_rubric("toa-2024")
    finally:
        load_rubric.cache_clear()


def test_methods_and_every_community_page_say_the_min_cell_of_network_yml(project):
    """With `min_cell: 20` in network.yml, Methods (from the manifest's effective rules) and each page say 20."""
    import yaml

    from ci_lib.execute.prepare import prepare
    from ci_lib.execute.run import score_year
    from ci_lib.pages.report import CommunityPage
    from ci_lib.website.content import YearContent

    network = project.params / "2025" / "network.yml"
    settings = yaml.safe_load(network.read_text(encoding="utf-8"))
    settings["rules"] = {**(settings.get("rules") or {}), "min_cell": 20}
    network.write_text(yaml.safe_dump(settings), encoding="utf-8")
    params, scores, data = score_year(project.options())
    project.report_dir.mkdir(parents=True, exist_ok=True)
    prepare(project.report_dir, data, scores, params)
    assert scores.rubric.rules["min_cell"] == 10
    for cid in scores.scores:
        notes = str(CommunityPage.load(project.report_dir, cid, 2025).notes().data)
        assert "from fewer than 20 students" in notes, cid
    manifest = {"year": 2025, "framework": scores.rubric.framework, "notebooks": {}, "communities": [],
                "rules": {"network": merge_rules(scores.rubric.rules, params.rules), "communities": {}}}
    methods = YearContent(project.report_dir, manifest, {}, scores.rubric).methods_markdown()
    assert model.sentence("min_cell", {"min_cell": 20}) in methods and "fewer than 10 students" not in methods
