"""The page input (`_work/*.json`): one typed definition, its JSON schema, and one loader with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ci_lib.execute.page_input import (
    CommunityInput,
    NetworkInput,
    PageInputError,
    json_schema,
    load_community_input,
    load_network_input,
)
from ci_lib.layout import YearLayout
from ci_lib.pages.report import CommunityPage, NetworkPage
from ci_lib.tools.docgen import PAGE_INPUT_SCHEMA
from tests.conftest import REPO


def test_what_prepare_writes_for_a_real_run_matches_the_schema_and_the_types(small_run):
    project, report = small_run[0], small_run[1]
    assert not report.failed, [r.error for r in report.failed]  # the notebooks read their inputs (given `..`)
    layout = YearLayout.of(project.report_dir)
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    communities = json.loads(layout.manifest.read_text())["communities"]
    inputs = [layout.network_input, *(layout.page_input(cid) for cid in communities)]
    assert len(communities) == 5 and all(p.is_file() for p in inputs)
    for path in inputs:
        data = json.loads(path.read_text(encoding="utf-8"))
        errors = [e.message for e in validator.iter_errors(data)]
        assert not errors, (path, errors[:3])
        kind = NetworkInput if path == layout.network_input else CommunityInput
        assert list(data) == list(kind.__annotations__), path  # written in the declared order, nothing else


def test_dead_keys_are_gone(small_run):
    layout = YearLayout.of(small_run[0].report_dir)
    cid = json.loads(layout.manifest.read_text())["communities"][0]
    assert "overrides" not in json.loads(layout.page_input(cid).read_text())  # the page reads scores["overrides"]


def test_the_committed_schema_is_the_generated_one():
    from ci_lib.execute.page_input import schema_text

    assert (REPO / PAGE_INPUT_SCHEMA).read_text(encoding="utf-8") == schema_text(), "run `ci-assess docs`"


def write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_page_input_of_another_shape_is_an_error_naming_the_file(small_run, tmp_path):
    layout = YearLayout.of(small_run[0].report_dir)
    cid = json.loads(layout.manifest.read_text())["communities"][0]
    good = json.loads(layout.page_input(cid).read_text())
    target = YearLayout(tmp_path, 2025).page_input(cid)

    old = {k: v for k, v in good.items() if k != "narratives"} | {"overrides": []}
    with pytest.raises(PageInputError, match=rf"{target}: not a CommunityInput .*missing key\(s\) narratives; "
                                             r"unknown key\(s\) overrides.*--force"):
        load_community_input(write(target, old), good["scores"]["year"])
    with pytest.raises(PageInputError, match=rf"{target}: key 'outcomes' is dict, expected a list"):
        load_community_input(write(target, good | {"outcomes": {}}), good["scores"]["year"])
    with pytest.raises(PageInputError, match=rf"{target}: prepared for {good['scores']['year']}, not 1999"):
        load_community_input(write(target, good), 1999)
    with pytest.raises(PageInputError, match=rf"{target}: not a page input \(invalid JSON"):
        target.write_text("{", encoding="utf-8")
        load_community_input(target, 2025)
    with pytest.raises(PageInputError, match=r"_network.json: no page input; run `ci-assess run`"):
        load_network_input(YearLayout(tmp_path, 2025).network_input)


def test_the_pages_read_through_the_typed_loader(small_run, tmp_path):
    layout = YearLayout.of(small_run[0].report_dir)
    cid = json.loads(layout.manifest.read_text())["communities"][0]
    page = CommunityPage.load(layout.report_dir, cid, layout.year)
    assert page.cid == cid and page.work["rules"]["min_cell"] >= 10
    assert NetworkPage.load(layout.report_dir, layout.year).work["year"] == layout.year
    copy = YearLayout(tmp_path, layout.year)
    write(copy.network_input, {"year": layout.year})
    with pytest.raises(PageInputError, match="not a NetworkInput of this kit"):  # used to be a KeyError later
        NetworkPage.load(copy.report_dir, layout.year)
