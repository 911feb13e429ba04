"""`ci-assess new-community` and `ci-assess params`: valid scaffolds, never an overwritten edit."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml

from ci_lib.cli import main
from ci_lib.cycle.scaffold import new_community
from ci_lib.errors import KitError
from ci_lib.inputs.parameters import load_params
from tests.conftest import YEAR


def test_new_community_writes_valid_yaml_that_validates_with_the_year(project, capsys):
    assert main(["new-community", "new-town", "--year", str(YEAR), "--params", str(project.params)]) == 0
    path = project.params / str(YEAR) / "new-town.yml"
    assert str(path) in capsys.readouterr().out
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data == {"community_id": "new-town"}  # everything else is a commented default
    params = load_params(YEAR, project.params)
    assert params.community("new-town")["community_id"] == "new-town"
    assert params.community("new-town")["rules"] == {}


def test_the_commented_examples_are_valid_params_once_uncommented(project):
    path = new_community("new-town", YEAR, project.params)
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("community_id:"))
    # an analyst's edit: uncomment every example (keys and their indented values), keep trailing comments
    examples = [re.sub(r"^# ?", "", line) if re.match(r"^# ?([a-z_]+:|\s+\S)", line) else line
                for line in lines[start:]]
    path.write_text("\n".join(examples) + "\n", encoding="utf-8")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert {"rules", "local_indicators", "narrative", "extra_notebook", "baseline_year"} <= set(data)
    data.pop("extra_notebook")  # names a notebook the analyst has yet to write
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    params = load_params(YEAR, project.params)
    community = params.community("new-town")
    assert community["rules"]["min_cell"] == 20 and community["rules"]["baseline_year"] == 2018
    assert [i["id"] for i in community["local_indicators"]] == ["chronic_absence"]


def test_new_community_refuses_to_overwrite(project, capsys):
    path = new_community("new-town", YEAR, project.params)
    path.write_text(path.read_text(encoding="utf-8") + "narrative: Our own words.\n", encoding="utf-8")
    edited = path.read_bytes()
    assert main(["new-community", "new-town", "--year", str(YEAR), "--params", str(project.params)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert path.read_bytes() == edited
    with pytest.raises(KitError, match="not overwritten"):
        new_community("new-town", YEAR, project.params)
    assert path.read_bytes() == edited


@pytest.mark.parametrize("cid", ["New Town", "../escape", "-lead", "x" * 70])
def test_new_community_rejects_an_invalid_id(project, cid):
    before = sorted(p.relative_to(project.params) for p in project.params.rglob("*"))
    with pytest.raises(KitError):
        new_community(cid, YEAR, project.params)
    assert sorted(p.relative_to(project.params) for p in project.params.rglob("*")) == before


def test_new_community_needs_the_year_first(project):
    with pytest.raises(KitError, match=r"create the year first with `ci-assess new-year 2030`"):
        new_community("new-town", YEAR + 5, project.params)
    assert not (project.params / str(YEAR + 5)).exists()


def test_params_creates_missing_files_and_leaves_an_edited_one_byte_identical(project, capsys):
    folder = project.params / str(YEAR)
    ids = pd.read_csv(project.data / "communities.csv")["community_id"].tolist()
    existing = {p.stem: p.read_bytes() for p in folder.glob("*.yml") if p.stem != "network"}
    edited = folder / f"{ids[0]}.yml"
    if edited.exists():
        text = edited.read_text(encoding="utf-8")
    else:
        text = f"community_id: {ids[0]}\n"
    edited.write_text(text + "# edited by the analyst\nnarrative: |\n  Our partnership's year.\n", encoding="utf-8")
    edited_bytes = edited.read_bytes()

    assert main(["params", "--year", str(YEAR), "--params", str(project.params)]) == 0
    missing = [cid for cid in ids if cid not in existing and cid != ids[0]]
    assert f"created {len(missing)} params file(s)" in capsys.readouterr().out
    assert sorted(p.stem for p in folder.glob("*.yml") if p.stem != "network") == sorted(ids)
    assert edited.read_bytes() == edited_bytes
    for cid, content in existing.items():
        if cid != ids[0]:
            assert (folder / f"{cid}.yml").read_bytes() == content
    params = load_params(YEAR, project.params, known_communities=set(ids))
    assert params.community(ids[0])["narrative"] == "Our partnership's year.\n"

    snapshot = {p.name: p.read_bytes() for p in folder.glob("*.yml")}
    assert main(["params", "--year", str(YEAR), "--params", str(project.params)]) == 0
    assert "created 0 params file(s)" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in folder.glob("*.yml")} == snapshot
