"""The one orchestrator (`ci_lib.pipeline.assess_year`): the scores are the pipeline's, not the template's; the
previous year is an explicit, hashed input; settings the kit never used are refused."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from ci_lib.cli import main
from ci_lib.errors import KitError
from ci_lib.execute.run import score_year
from ci_lib.inputs.parameters import load_params
from ci_lib.pipeline import AssessOptions, assess_year
from tests.conftest import NOTEBOOKS, YEAR, make_project


def statuses(report) -> dict[str, str]:
    return {r.name: r.status for r in report.results}


def test_a_template_that_only_shows_still_publishes_every_scores_json(tmp_path):
    """The template's last cell wrote `scores/<id>.json`; without it, `assess` exited 0 and published none."""
    project = make_project(tmp_path, n=2)
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    nb = nbformat.read(notebooks / "community.ipynb", as_version=4)
    for cell in nb.cells:
        cell.source = "\n".join(line for line in cell.source.splitlines() if "write_scores" not in line)
    nbformat.write(nb, notebooks / "community.ipynb")
    report = assess_year(project.options(notebooks=str(notebooks)))
    assert not report.failed
    _, scores, _ = score_year(project.options().run_options())
    assert sorted(scores.scores) == sorted(report.manifest["communities"])
    for cid, expected in scores.scores.items():  # the bytes the template's `write_json` wrote
        published = (project.report_dir / "scores" / f"{cid}.json").read_bytes()
        assert published == (json.dumps(expected, indent=1, ensure_ascii=False) + "\n").encode()


def test_a_failed_notebook_publishes_no_new_scores(tmp_path):
    project = make_project(tmp_path, n=2)
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    nb = nbformat.read(notebooks / "community.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell("raise RuntimeError('broken page')"))
    nbformat.write(nb, notebooks / "community.ipynb")
    report = assess_year(project.options(notebooks=str(notebooks)))
    assert {s for name, s in statuses(report).items() if name != "_network"} == {"failed"}
    assert not list((project.report_dir / "scores").glob("*.json"))


def published_gateways(reports: Path, year: int, reached: dict[str, str]) -> None:
    folder = reports / str(year) / "scores"
    folder.mkdir(parents=True, exist_ok=True)
    for cid, gateway in reached.items():
        (folder / f"{cid}.json").write_text(json.dumps({"community_id": cid, "gateway": {"reached": gateway}}))


def test_previous_year_decides_what_movement_compares_with_and_is_a_hashed_input(tmp_path):
    project = make_project(tmp_path, n=2)
    network = project.params / str(YEAR) / "network.yml"
    network.write_text(network.read_text() + "previous_year: 2023\n")
    _, scores, _ = score_year(project.options().run_options())
    ids = sorted(scores.scores)
    published_gateways(project.reports, 2023, {cid: "exploring" for cid in ids})
    published_gateways(project.reports, 2024, {cid: "proof_point" for cid in ids})  # not the one asked for

    first = assess_year(project.options())
    assert not first.failed
    work = json.loads((project.report_dir / "_work" / f"{ids[0]}.json").read_text())
    assert work["previous"] == {"year": 2023, "reached": "exploring"}
    network_work = json.loads((project.report_dir / "_work" / "_network.json").read_text())
    assert network_work["previous"]["year"] == 2023
    recorded = first.manifest["previous_year"]
    assert recorded["year"] == 2023 and len(recorded["scores_sha256"]) == 64
    from ci_lib.execute.cache import RECORDED

    assert set(RECORDED.values()) <= set(first.manifest)  # every declared input the manifest records, recorded

    # 2023's published gateway changes: the page that shows it runs again, and the manifest says so
    published_gateways(project.reports, 2023, {ids[0]: "emerging"})
    again = assess_year(project.options())
    assert statuses(again)[ids[0]] == "ok" and statuses(again)[ids[1]] == "cached"
    work = json.loads((project.report_dir / "_work" / f"{ids[0]}.json").read_text())
    assert work["previous"] == {"year": 2023, "reached": "emerging"}
    assert again.manifest["previous_year"]["scores_sha256"] != recorded["scores_sha256"]


def test_previous_year_must_come_before_the_year(tmp_path):
    project = make_project(tmp_path, n=2)
    network = project.params / str(YEAR) / "network.yml"
    network.write_text(network.read_text() + f"previous_year: {YEAR}\n")
    with pytest.raises(KitError, match=r"network.yml::previous_year: 2025 is not before 2025"):
        load_params(YEAR, project.params)


def test_network_name_is_refused_naming_the_setting_that_names_the_network(tmp_path, capsys):
    """`network_name` was accepted and shown nowhere; the network's name on the site is `title:` (DESIGN.md)."""
    project = make_project(tmp_path, n=2)
    network = project.params / str(YEAR) / "network.yml"
    network.write_text(network.read_text() + "network_name: Demo Network\n")
    with pytest.raises(KitError, match=r"network.yml::network_name: not a setting; .*`title:`"):
        load_params(YEAR, project.params)
    code = main(["run", "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params),
                 "--reports", str(project.reports), "--notebooks", str(NOTEBOOKS), "--quiet"])
    assert code == 2 and "network_name: not a setting" in capsys.readouterr().err
    assert not (project.report_dir / "manifest.json").exists()


def test_run_assess_and_render_are_one_function_with_steps_on_or_off(tmp_path, monkeypatch):
    import ci_lib.pipeline as pipeline

    seen: list[AssessOptions] = []

    def recorded(options, progress=None, executed=None):
        seen.append(options)
        raise KitError("recorded")

    monkeypatch.setattr(pipeline, "assess_year", recorded)
    common = ["--year", str(YEAR), "--reports", str(tmp_path)]
    for argv in (["run", *common, "--only", "a"], ["assess", *common, "--engine", "builtin"],
                 ["render", *common, "--engine", "builtin"]):
        assert main(argv) == 2
    run, assess, render = seen
    assert (run.execute, run.render, run.only) == (True, False, ("a",))
    assert (assess.execute, assess.render, assess.engine) == (True, True, "builtin")
    assert (render.execute, render.render) == (False, True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        run.year = 2020  # type: ignore[misc]


def test_every_key_is_over_exactly_the_inputs_declared_for_its_output():
    from ci_lib.execute import cache

    declared = dict.fromkeys(cache.DEPENDS_ON["notebook"], "x")
    assert len(cache.key_of("notebook", declared)) == 64
    with pytest.raises(ValueError, match="declared over"):
        cache.key_of("notebook", {**declared, "undeclared": 1})
    with pytest.raises(ValueError, match="declared over"):
        cache.key_of("year", declared)


def test_verify_checks_the_previous_year_the_manifest_records(tmp_path):
    """Movement read 2024's published gateways: a 2024 republished since is an input that changed."""
    from ci_lib.execute.unchanged import previous_record
    from ci_lib.release.verify import check_inputs

    reports = tmp_path / "reports"
    published_gateways(reports, 2024, {"a": "exploring", "b": "emerging"})
    manifest = {"previous_year": previous_record(reports, 2024)}
    assert check_inputs(manifest, tmp_path / "data", tmp_path / "params", reports) == []
    published_gateways(reports, 2024, {"a": "sustaining"})
    problems = check_inputs(manifest, tmp_path / "data", tmp_path / "params", reports)
    assert len(problems) == 1 and problems[0].startswith(f"previous year changed: {reports / '2024' / 'scores'}")
