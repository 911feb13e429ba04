"""`audit-site` passes a clean site and catches each kind of leak or defect planted in a copy."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from ci_lib.cli import main
from ci_lib.inputs.load import load_network
from ci_lib.inputs.parameters import load_params
from ci_lib.inputs.rubric import load_rubric
from ci_lib.scoring.rules import rules_table
from ci_lib.scoring.suppression import cell_values, public_table, suppress
from ci_lib.tools import demo
from ci_lib.website.audit import Audit, audit_site, check_remainders
from tests.conftest import YEAR


def test_clean_site_passes_with_private_inputs(small_run, capsys):
    project, _, _ = small_run
    code = main(["audit-site", str(project.site), "--data", str(project.data), "--year", str(YEAR),
                 "--params", str(project.params)])
    out = capsys.readouterr().out
    assert code == 0, capsys.readouterr().err
    assert "audit passed" in out and "private suppressed cells checked" in out


def first_blank(site) -> tuple[str, pd.DataFrame, int]:
    for path in sorted((site / "data").glob("*-outcomes.csv")):
        frame = pd.read_csv(path)
        blanks = frame.index[frame["value"].isna()]
        if len(blanks):
            return path.name.removesuffix("-outcomes.csv"), frame, int(blanks[0])
    pytest.fail("the small network has no suppressed cell")


def test_a_suppressed_value_in_a_download_is_caught(copy_small_run):
    site = copy_small_run.site
    cid, frame, index = first_blank(site)
    frame.loc[index, "value"] = 42.0
    frame.to_csv(site / "data" / f"{cid}-outcomes.csv", index=False)
    audit = audit_site(site, copy_small_run.data, YEAR, copy_small_run.params)
    assert any("must be suppressed but is published as 42.0" in f for f in audit.findings)


def test_a_value_derivable_from_the_total_is_caught(copy_small_run):
    site = copy_small_run.site
    for path in sorted((site / "data").glob("*-outcomes.csv")):
        frame = pd.read_csv(path)
        race = frame[frame["group"].isin(["american_indian", "asian", "black", "hispanic", "pacific_islander",
                                          "two_or_more", "white"])]
        for _, cells in race.groupby(["indicator_id", "year"]):
            blanks = cells.index[cells["value"].isna()]
            if len(blanks) == 2:  # a small cell and its complementary partner: reveal the partner only
                frame.loc[blanks[1], "value"] = 50.0
                frame.to_csv(path, index=False)
                audit = audit_site(site)
                assert any("derivable from the total" in f for f in audit.findings)
                return
    pytest.fail("no complementary suppression in the small network")


def test_missing_alt_text_broken_link_and_unescaped_markup_are_caught(copy_small_run):
    site = copy_small_run.site
    page = sorted((site / "communities").glob("*.html"))[0]
    cid = page.stem
    html = page.read_text()
    html = html.replace(' alt="', ' data-alt="', 1)
    html = html.replace("</main>", '<a href="../nowhere.html">x</a><img src="x.png" onerror="alert(1)"></main>')
    scores = json.loads((site / "scores" / f"{cid}.json").read_text())
    scores["name"] = "Evil <b>Partnership</b>"
    (site / "scores" / f"{cid}.json").write_text(json.dumps(scores))
    html = html.replace("</main>", "<p>Evil <b>Partnership</b></p></main>")
    page.write_text(html)
    findings = "\n".join(audit_site(site).findings)
    assert "image without alt text" in findings
    assert "broken internal link: ../nowhere.html" in findings
    assert "event-handler attribute onerror" in findings
    assert "user text reached the page unescaped" in findings


def test_cli_exit_code_is_one_on_findings(copy_small_run, capsys):
    index = copy_small_run.site / "index.html"
    index.write_text(index.read_text().replace("</main>", "<script>alert(1)</script></main>"))
    assert main(["audit-site", str(copy_small_run.site)]) == 1
    assert "unexpected script" in capsys.readouterr().err


def test_the_demo_site_passes_the_audit_with_private_inputs(demo_site, capsys):
    code = main(["audit-site", str(demo_site.site), "--data", str(demo_site.data), "--year", str(YEAR),
                 "--params", str(demo_site.params)])
    out, err = capsys.readouterr()
    assert code == 0, err
    counts = {name: int(n) for n, name in re.findall(r"(\d+) ([a-z ]+?)(?=,|$)", out.strip().removeprefix("audit passed: "))}
    indicator_pages = len(list((demo_site.site / "indicators").glob("*.html"))) + 1  # and their index
    assert counts["pages"] == 74 + indicator_pages and counts["notebooks"] == 70 and indicator_pages > 7
    assert counts["indicator page rows checked"] >= 7 * 70
    assert counts["private suppressed cells checked"] > 1000 and counts["images"] > 500


def one_partner_suppress(outcomes: pd.DataFrame, min_cell: pd.Series, partitions: dict) -> pd.DataFrame:
    """The rule before #24: a second blank only when exactly one group of a partition is suppressed."""
    table = outcomes.copy()
    table["raw"] = cell_values(table)
    small = (table["denominator"].astype("Float64") < table["community_id"].map(min_cell).astype(float)).fillna(False)
    table["suppression"] = np.where(small.astype(bool), "small_cell", "")
    table["partition"] = table["group"].map({g: name for name, groups in partitions.items() for g in groups})
    part = table[table["partition"].notna() & table["denominator"].notna()].copy()
    keys = ["community_id", "indicator_id", "year", "partition"]
    part["primary"] = part["suppression"] == "small_cell"
    count = part.groupby(keys)["primary"].transform("sum")
    extra = part[(count == 1) & ~part["primary"]].sort_values([*keys, "denominator", "group"]).groupby(keys).head(1)
    table.loc[extra.index, "suppression"] = "complementary"
    table["suppressed"] = table["suppression"] != ""
    table["shown"] = table["raw"].round(1).where(~table["suppressed"])
    return table


def private_inputs(project_root, n: int, seed: int):
    info = demo.generate(project_root / "data", seed=seed, n=n)
    demo.write_demo_params(project_root / "params", YEAR, "data", info["local"])
    params = load_params(YEAR, project_root / "params")
    rubric = load_rubric(params.framework)
    network = load_network(project_root / "data", rubric, params.all_local_indicator_ids())
    outcomes = network.outcomes[network.outcomes["year"] <= YEAR]
    min_cell = rules_table(sorted(network.communities["community_id"]), rubric, params)[0] \
        .set_index("community_id")["min_cell"]
    return outcomes, min_cell, rubric, params


def test_the_2025_demo_fails_under_the_old_rule_and_passes_under_the_new(tmp_path):
    """#24: 648 race partition-years in 41 communities where total - shown groups isolated under 10 students."""
    outcomes, min_cell, rubric, params = private_inputs(tmp_path, n=70, seed=2025)
    old = Audit(tmp_path)
    check_remainders(old, public_table(one_partner_suppress(outcomes, min_cell, rubric.partitions)), outcomes,
                     rubric, params)
    assert len(old.findings) == 648
    assert len({f.split(":")[0] for f in old.findings}) == 41
    assert ("data/alder-bay-outcomes.csv: hs_graduation 2024 race_ethnicity: the total minus the shown groups gives the result "
            "of 3 student(s) in american_indian, pacific_islander (fewer than 10)") in old.findings
    new = Audit(tmp_path)
    check_remainders(new, public_table(suppress(outcomes, min_cell, rubric.partitions)), outcomes, rubric, params)
    assert new.findings == [] and new.checked["partition years checked against the private counts"] > 10000


def test_audit_with_private_inputs_fails_a_site_published_under_the_old_rule(copy_small_run, capsys):
    project = copy_small_run
    params = load_params(YEAR, project.params)
    rubric = load_rubric(params.framework)
    network = load_network(project.data, rubric, params.all_local_indicator_ids())
    outcomes = network.outcomes[network.outcomes["year"] <= YEAR]
    min_cell = pd.Series(10, index=network.communities["community_id"])
    old = public_table(one_partner_suppress(outcomes, min_cell, rubric.partitions))
    keys = ["indicator_id", "group", "year"]
    for path in sorted((project.site / "data").glob("*-outcomes.csv")):
        frame = pd.read_csv(path)
        mine = old[old["community_id"] == path.name.removesuffix("-outcomes.csv")][[*keys, "value"]]
        frame = frame.drop(columns="value").merge(mine, on=keys, how="left")
        frame.to_csv(path, index=False)
    assert main(["audit-site", str(project.site)]) == 0  # without counts two blanks look alike: not derivable
    assert "partition years with several blanks left to the private counts" in capsys.readouterr().out
    code = main(["audit-site", str(project.site), "--data", str(project.data), "--year", str(YEAR),
                 "--params", str(project.params)])
    err = capsys.readouterr().err
    assert code == 1
    assert "race_ethnicity: the total minus the shown groups gives the result of" in err


def test_audit_fails_a_combination_across_the_gender_by_race_crossing(tmp_path):
    """The published cells of one (community, indicator, year) with gender x race intersections, under the rule
    without the crossing check: asian + black - female + female_asian + female_black gives male_asian +
    male_black (8 students, min_cell 10), in no partition's remainder. The audit names it; under the rule it
    passes."""
    from unittest import mock

    from ci_lib.scoring import suppression

    rubric = load_rubric("toa-2019")
    counts = {"all": 36, "female": 16, "female_asian": 8, "female_black": 8, "male": 20, "male_american_indian": 8,
              "male_asian": 4, "male_black": 4, "american_indian": 8, "asian": 12, "black": 12}
    outcomes = pd.DataFrame([{"community_id": "alpha", "indicator_id": "hs_graduation", "year": 2024, "group": g,
                              "numerator": n // 2, "denominator": n, "value": None} for g, n in counts.items()])
    outcomes = outcomes.astype({"year": "Int64", "numerator": "Int64", "denominator": "Int64", "value": "Float64"})
    min_cell = pd.Series({"alpha": 10})
    with mock.patch.object(suppression, "cross_partition_blanks", lambda *a, **k: np.zeros(0, dtype=np.int64)):
        within = suppress(outcomes, min_cell, rubric.partitions, rubric.partition_totals)
    old = Audit(tmp_path)
    check_remainders(old, public_table(within), outcomes, rubric, None)
    assert old.findings == ["data/alpha-outcomes.csv: hs_graduation 2024 race_ethnicity by gender: adding and "
                            "subtracting the shown groups gives the result of 8 student(s) in male x asian, male x "
                            "black (fewer than 10)"]
    new = Audit(tmp_path)
    check_remainders(new, public_table(suppress(outcomes, min_cell, rubric.partitions, rubric.partition_totals)),
                     outcomes, rubric, None)
    assert new.findings == []
