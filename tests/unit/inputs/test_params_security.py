"""Issue #24 (items 2, 3, 7): hostile params files cost no more than valid ones, cannot lower the privacy
floor, and are not published verbatim; `run_date` is validated with the params."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ci_lib.errors import KitError
from ci_lib.execute import unchanged
from ci_lib.execute.cache import read_ledger
from ci_lib.inputs.parameters import MAX_PARAMS_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES, load_params, read_yaml
from ci_lib.release.verify import check_inputs
from tests.conftest import NOTEBOOKS, REPO, YEAR


def billion_laughs(levels: int) -> str:
    """An `extra_notebook` of 10**levels strings once anything walks it (`str()`), in a few hundred bytes."""
    lines = ["extra_notebook:", '  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def year_folder(root: Path, network: str = "", **communities: str) -> Path:
    folder = root / "params" / str(YEAR)
    folder.mkdir(parents=True)
    (folder / "network.yml").write_text(f"year: {YEAR}\n{network}", encoding="utf-8")
    for cid, text in communities.items():
        (folder / f"{cid}.yml").write_text(text, encoding="utf-8")
    return root / "params"


def community_file(params_root: Path) -> Path:
    return sorted(p for p in (params_root / str(YEAR)).glob("*.yml") if p.name != "network.yml")[0]


# --- bounded YAML ---------------------------------------------------------------------------------------------

def test_a_ten_level_alias_bomb_is_refused_naming_the_file_and_line(tmp_path):
    path = tmp_path / "north-hills.yml"
    path.write_text(billion_laughs(10), encoding="utf-8")
    assert len(path.read_bytes()) < 1000  # 10**10 strings once expanded
    with pytest.raises(KitError, match=re.escape(f"{path}:3:12: params file too complex: alias *l0")):
        read_yaml(path)
    with pytest.raises(KitError, match="north-hills.yml:3:12: params file too complex"):
        load_params(YEAR, year_folder(tmp_path, **{"north-hills": billion_laughs(10)}))


def test_any_alias_is_refused_even_a_harmless_one(tmp_path):
    path = tmp_path / "network.yml"
    path.write_text("rules:\n  min_cell: &n 10\nprevious_year: *n\n", encoding="utf-8")
    with pytest.raises(KitError, match=r"network.yml:3:16: params file too complex: alias \*n \(aliases are not "
                                       r"allowed in params files; write the value out\)"):
        read_yaml(path)
    path.write_text("rules:\n  <<: {min_cell: 10}\n", encoding="utf-8")  # a merge key without an alias is plain YAML
    assert read_yaml(path) == {"rules": {"min_cell": 10}}


@pytest.mark.parametrize("depth", [MAX_YAML_DEPTH + 1, 5000])
def test_nesting_beyond_the_bound_is_refused_before_the_composer_recurses(tmp_path, depth):
    path = tmp_path / "network.yml"
    path.write_text("rules: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    with pytest.raises(KitError, match=f"network.yml:1:{MAX_YAML_DEPTH + 7}: params file too complex: nested deeper "
                                       f"than {MAX_YAML_DEPTH} levels"):
        read_yaml(path)


def test_nesting_and_size_within_the_bounds_are_read(tmp_path):
    path = tmp_path / "network.yml"
    depth = MAX_YAML_DEPTH - 1  # the document mapping is the first level
    path.write_text("rules: " + "[" * (depth - 1) + "1" + "]" * (depth - 1) + "\n", encoding="utf-8")
    value = read_yaml(path)["rules"]
    for _ in range(depth - 2):
        value = value[0]
    assert value == [1]
    path.write_text("rules:\n" + "".join(f"  k{i}: {i}\n" for i in range(MAX_YAML_NODES // 2 - 2)), encoding="utf-8")
    assert len(read_yaml(path)["rules"]) == MAX_YAML_NODES // 2 - 2  # with the document, key and mapping: all


def test_too_many_values_or_bytes_are_refused(tmp_path):
    path = tmp_path / "network.yml"
    path.write_text("rules: [" + "1, " * MAX_YAML_NODES + "]\n", encoding="utf-8")
    with pytest.raises(KitError, match=f"network.yml:1:.*: params file too complex: more than {MAX_YAML_NODES} values"):
        read_yaml(path)
    path.write_text("title: '" + "x" * MAX_PARAMS_BYTES + "'\n", encoding="utf-8")
    with pytest.raises(KitError, match=f"network.yml::: params file too large: over {MAX_PARAMS_BYTES} bytes"):
        read_yaml(path)


def limit_memory() -> None:  # in the child: a gigabyte of address space, far more than the kit needs to refuse
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_an_alias_bomb_in_extra_notebook_stops_the_cli_at_once_with_one_line(copy_small_run):
    """The audit's reproduction: a year run once (so the no-change check has a key and known file states),
    then a bomb under a community's `extra_notebook`; the old no-change check expanded it (`str()`) before
    any validation: 94 s and 4.6 GB at nine levels. Now `run` refuses it, exit 2, one line."""
    project = copy_small_run
    assert read_ledger(project.report_dir)["year"]
    victim = community_file(project.params)
    with victim.open("a", encoding="utf-8") as handle:
        handle.write(billion_laughs(10))
    done = subprocess.run(
        [sys.executable, "-m", "ci_lib.cli", "run", "--year", str(YEAR), "--data", str(project.data), "--params",
         str(project.params), "--reports", str(project.reports), "--notebooks", str(NOTEBOOKS), "--quiet"],
        capture_output=True, text=True, timeout=300, preexec_fn=limit_memory,
        env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 2, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(victim) in lines[0] and "params file too complex: alias" in lines[0]


def test_the_no_change_check_validates_changed_params_before_reading_them(copy_small_run, monkeypatch):
    """Params bytes unlike the remembered run's are validated (`load_params`) first; unchanged ones are not."""
    project = copy_small_run
    opts = project.options().run_options()
    validated = []
    real = unchanged.load_params
    monkeypatch.setattr(unchanged, "load_params", lambda *a, **kw: validated.append(a) or real(*a, **kw))
    assert unchanged.inputs_key(opts) == read_ledger(project.report_dir)["year"]
    assert validated == []  # the no-change path: every params file holds the bytes of the validated run
    victim = community_file(project.params)
    victim.write_text(victim.read_text() + "extra_notebook: [not, a, path]\n")
    with pytest.raises(KitError, match=f"{victim.name}::extra_notebook: must be text, not list"):
        unchanged.inputs_key(opts)
    assert len(validated) == 1


# --- the privacy floor --------------------------------------------------------------------------------------

def test_a_community_cannot_lower_min_cell_below_the_networks(tmp_path):
    root = year_folder(tmp_path, "rules:\n  min_cell: 10\n", **{"north-hills": "rules:\n  min_cell: 0\n"})
    with pytest.raises(KitError, match=re.escape("north-hills.yml::rules.min_cell: min_cell 0 is below the network's "
                                                 "10; a community may raise it, never lower it")):
        load_params(YEAR, root)


def test_the_floor_is_the_rubric_default_when_the_network_sets_none_and_raising_it_is_fine(tmp_path):
    root = year_folder(tmp_path / "a", **{"north-hills": "rules:\n  min_cell: 9\n"})
    with pytest.raises(KitError, match="north-hills.yml::rules.min_cell: min_cell 9 is below the network's 10"):
        load_params(YEAR, root)
    root = year_folder(tmp_path / "b", "rules:\n  min_cell: 5\n",
                       **{"north-hills": "rules:\n  min_cell: 5\n", "south-bend": "rules:\n  min_cell: 30\n"})
    params = load_params(YEAR, root)
    assert params.communities["north-hills"]["rules"]["min_cell"] == 5
    assert params.communities["south-bend"]["rules"]["min_cell"] == 30


# --- run_date -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["'mid November'", "'2025-13-01'", "'20251115'", "'2025-W46-6'", "2025-11-15 10:00:00",
                                   "''", "2025", "[2025-11-15]"])
def test_run_date_must_be_an_iso_date(tmp_path, value):
    root = year_folder(tmp_path, f"run_date: {value}\n")
    with pytest.raises(KitError, match=r"network.yml::run_date: must be a date written YYYY-MM-DD"):
        load_params(YEAR, root)


@pytest.mark.parametrize("value", ["'2025-11-15'", "2025-11-15", "' 2025-11-15'"])
def test_run_date_quoted_or_read_by_yaml_as_a_date_is_accepted(tmp_path, value):
    assert isinstance(yaml.safe_load("d: 2025-11-15")["d"], datetime.date)
    assert load_params(YEAR, year_folder(tmp_path, f"run_date: {value}\n")).run_date == "2025-11-15"
    assert load_params(YEAR, year_folder(tmp_path / "none")).run_date is None


# --- the public manifest ------------------------------------------------------------------------------------

def test_the_manifest_records_params_by_sha256_and_the_effective_rules_never_the_text(small_run):
    project, _, _ = small_run
    manifest = json.loads((project.report_dir / "manifest.json").read_text())
    folder = project.params / str(YEAR)
    assert manifest["params"] == {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                                  for p in sorted(folder.glob("*.yml"))}
    published = (project.report_dir / "manifest.json").read_text()
    assert "Year-wide settings for the demo network" not in published  # network.yml's comment
    rules = manifest["rules"]
    assert set(rules["communities"]) == set(manifest["communities"])
    assert rules["network"]["min_cell"] == 10 and rules["network"]["baseline_year"] == 2018
    assert all(r["min_cell"] >= rules["network"]["min_cell"] for r in rules["communities"].values())
    assert (project.site / "manifest.json").read_text() == published


def test_verify_checks_params_files_against_the_recorded_sha256(copy_small_run):
    project = copy_small_run
    manifest = json.loads((project.report_dir / "manifest.json").read_text())
    folder = project.params / str(YEAR)
    assert check_inputs(manifest, project.data, folder) == []
    network = folder / "network.yml"
    network.write_text(network.read_text() + "# a new comment changes the bytes\n")
    problems = check_inputs(manifest, project.data, folder)
    assert len(problems) == 1 and re.fullmatch(
        rf"params changed: {re.escape(str(network))} \(sha256 [0-9a-f]{{12}} recorded, [0-9a-f]{{12}} now\)", problems[0])
