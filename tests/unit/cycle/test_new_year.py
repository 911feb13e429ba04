"""`ci-assess new-year`: a year's params from the last one, carried and never overwritten; what staff must review."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from ci_lib.cli import main
from ci_lib.cycle.new_year import set_key, start_year
from ci_lib.errors import KitError
from ci_lib.inputs.parameters import load_params
from tests.conftest import YEAR

NEXT = YEAR + 1


def members(project) -> list[str]:
    return pd.read_csv(project.data / "communities.csv")["community_id"].tolist()


def with_network_edits(project, **settings) -> None:
    """Add settings (or comments) to the project's network.yml as an analyst would, by text."""
    path = project.params / str(YEAR) / "network.yml"
    path.write_text(path.read_text(encoding="utf-8") + yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")


def test_new_year_carries_the_year_and_gives_every_member_a_file(project, capsys):
    old = project.params / str(YEAR)
    carried = {p.name: p.read_bytes() for p in old.glob("*.yml") if p.name != "network.yml"}
    assert carried and len(carried) < len(members(project))  # some members have a file, others not
    network = old / "network.yml"
    network.write_text("# our network's notes, kept\n" + network.read_text(encoding="utf-8"), encoding="utf-8")
    with_network_edits(project, local_indicators=[{"id": "fafsa_completion", "name": "FAFSA completion"}])

    assert main(["new-year", str(NEXT), "--params", str(project.params)]) == 0
    out = capsys.readouterr().out
    new = project.params / str(NEXT)
    assert sorted(p.stem for p in new.glob("*.yml")) == sorted([*members(project), "network"])
    for name, raw in carried.items():  # a member's own file: byte for byte
        assert (new / name).read_bytes() == raw
    text = (new / "network.yml").read_text(encoding="utf-8")
    assert text.startswith("# our network's notes, kept\n")
    before, after = yaml.safe_load(network.read_text(encoding="utf-8")), yaml.safe_load(text)
    assert after["year"] == NEXT and after["title"] == f"Demo Network Assessment {NEXT}"
    assert after["run_date"] == f"{NEXT}-11-15"
    for key in ("framework", "data", "rules", "targets", "local_indicators"):
        assert after[key] == before[key]
    params = load_params(NEXT, project.params, known_communities=set(members(project)))
    assert params.previous_year == YEAR and [i["id"] for i in params.local_indicators] == ["fafsa_completion"]
    scaffolded = [c for c in members(project) if f"{c}.yml" not in carried]
    assert yaml.safe_load((new / f"{scaffolded[0]}.yml").read_text(encoding="utf-8")) == {"community_id": scaffolded[0]}
    assert f"assessment year {NEXT}" in (new / f"{scaffolded[0]}.yml").read_text(encoding="utf-8")
    assert f"created {new} from {old}: network.yml, {len(carried)} member file(s) carried" in out
    assert f"Review before running {NEXT}:" in out
    assert "run_date: set to 2026-11-15" in out and "baseline_year: 2018 (network) carried" in out
    assert "local indicators carried (network): fafsa_completion" in out
    assert f"narratives carried from {YEAR}" in out and "a newer rubric ships with the kit: toa-2024" in out
    assert "members given a new params file" in out and scaffolded[0] in out


def test_new_year_lists_passed_targets_joined_and_departed_members(project, capsys):
    path = project.params / str(YEAR) / "network.yml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    settings["targets"]["hs_graduation"] = {"value": 88, "year": YEAR}
    settings["targets"]["early_grade_reading"] = {"value": 48, "year": NEXT}
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    (project.params / str(YEAR) / "gone-town.yml").write_text("community_id: gone-town\n", encoding="utf-8")
    table = pd.read_csv(project.data / "communities.csv")
    table.loc[0, "joined_year"] = NEXT
    table.loc[1, "joined_year"] = NEXT + 2
    table.to_csv(project.data / "communities.csv", index=False)

    assert main(["new-year", str(NEXT), "--params", str(project.params)]) == 0
    out = capsys.readouterr().out
    assert f"the target for hs_graduation (88 by {YEAR}) has passed" in out
    assert f"the target for early_grade_reading (48 by {NEXT}) falls due this year" in out
    assert f"members who joined since {YEAR}: {table.loc[0, 'community_id']}" in out
    assert f"joining after {NEXT} (not assessed this year): {table.loc[1, 'community_id']}" in out
    assert f"not in communities.csv any more, so their {YEAR} params were not carried: gone-town" in out
    assert not (project.params / str(NEXT) / "gone-town.yml").exists()


def test_new_year_never_overwrites_a_year(project, capsys):
    assert main(["new-year", str(NEXT), "--params", str(project.params)]) == 0
    new = project.params / str(NEXT)
    edited = new / "network.yml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# edited by staff\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in new.iterdir()}
    capsys.readouterr()
    assert main(["new-year", str(NEXT), "--params", str(project.params)]) == 2
    err = capsys.readouterr().err
    assert f"{new}: already exists" in err and f"ci-assess params --year {NEXT}" in err
    assert {p.name: p.read_bytes() for p in new.iterdir()} == before
    (project.params / str(NEXT + 1)).mkdir()
    (project.params / str(NEXT + 1) / "one.yml").write_text("community_id: one\n", encoding="utf-8")
    with pytest.raises(KitError, match="never overwrites"):
        start_year(NEXT + 1, project.params)
    assert [p.name for p in (project.params / str(NEXT + 1)).iterdir()] == ["one.yml"]


def test_new_community_works_once_the_year_exists(project, capsys):
    assert main(["new-community", "new-town", "--year", str(NEXT), "--params", str(project.params)]) == 2
    assert f"create the year first with `ci-assess new-year {NEXT}`" in capsys.readouterr().err
    assert main(["new-year", str(NEXT), "--params", str(project.params)]) == 0
    assert main(["new-community", "new-town", "--year", str(NEXT), "--params", str(project.params)]) == 0
    assert load_params(NEXT, project.params).community("new-town")["community_id"] == "new-town"


def test_new_year_from_an_earlier_year_sets_previous_year_and_data(project, tmp_path):
    data = tmp_path / "data-2027"
    data.mkdir()
    (data / "communities.csv").write_bytes((project.data / "communities.csv").read_bytes())
    new = start_year(YEAR + 2, project.params, previous=YEAR, data=str(data))
    params = load_params(YEAR + 2, project.params)
    assert new.previous == YEAR and params.previous_year == YEAR and params.data == str(data)
    assert params.run_date == f"{YEAR + 2}-11-15"


def test_a_failed_start_leaves_no_year_behind(project, capsys):
    assert main(["new-year", str(NEXT), "--params", str(project.params), "--data", str(project.root / "nowhere")]) == 2
    assert "data directory does not exist" in capsys.readouterr().err
    (project.data / "communities.csv").write_text("community_id,name\nBad Id,X\n", encoding="utf-8")
    assert main(["new-year", str(NEXT), "--params", str(project.params)]) == 2
    assert "communities.csv:" in capsys.readouterr().err
    assert sorted(p.name for p in project.params.iterdir()) == [str(YEAR)]
    with pytest.raises(KitError, match="must be a year before"):
        start_year(NEXT, project.params, previous=NEXT)
    with pytest.raises(KitError, match="no earlier year"):
        start_year(2000, project.params)


def test_set_key_edits_one_setting_and_keeps_every_other_line():
    text = "# notes\nyear: 2025\ntitle: >-\n  A long\n  title 2025\nrules:\n  min_cell: 10  # floor\n"
    assert set_key(text, "title", "Short 2026") == "# notes\nyear: 2025\ntitle: Short 2026\nrules:\n  min_cell: 10  # floor\n"
    assert set_key(text, "previous_year", 2023) == text.replace("year: 2025\n", "year: 2025\nprevious_year: 2023\n")
    assert set_key(text, "rules", None) == "# notes\nyear: 2025\ntitle: >-\n  A long\n  title 2025\n"
