"""`audit-site` passes a clean site and catches each kind of leak or defect planted in a copy."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from ci_lib.cli import main
from ci_lib.site.audit import audit_site

from .conftest import YEAR


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
    assert counts["pages"] == 74 and counts["notebooks"] == 70
    assert counts["private suppressed cells checked"] > 1000 and counts["images"] > 500
