"""The guides: docs/data-contract.md is what the schemas generate; the guide covers every command."""

from __future__ import annotations

import re

from ci_lib.cli import build_parser, main
from ci_lib.tools.docgen import DATA_CONTRACT, data_contract_markdown
from tests.conftest import REPO


def test_committed_data_contract_equals_the_generated_text():
    committed = (REPO / DATA_CONTRACT).read_text(encoding="utf-8")
    assert committed == data_contract_markdown(), "docs/data-contract.md is stale: run `ci-assess docs`"


def test_data_contract_lists_every_column_of_every_table():
    from ci_lib.inputs.contract import TABLES

    text = data_contract_markdown()
    for spec in TABLES.values():
        assert f"## `{spec.name}.csv`" in text
        for column in spec.schema.columns:
            assert f"| `{column}` |" in text


def test_docs_command_writes_then_checks(tmp_path, capsys):
    assert main(["docs", "--check", "--root", str(tmp_path)]) == 1  # missing: out of date
    assert "out of date" in capsys.readouterr().err
    assert not (tmp_path / DATA_CONTRACT).exists()
    assert main(["docs", "--root", str(tmp_path)]) == 0
    assert (tmp_path / DATA_CONTRACT).read_text(encoding="utf-8") == data_contract_markdown()
    assert main(["docs", "--check", "--root", str(tmp_path)]) == 0
    (tmp_path / DATA_CONTRACT).write_text("edited by hand\n", encoding="utf-8")
    assert main(["docs", "--check", "--root", str(tmp_path)]) == 1
    assert main(["docs", "--check"]) == 0  # the kit's own checkout


def subcommands() -> set[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return set(action.choices)


def test_the_guide_covers_every_command_and_the_three_audiences():
    guide = (REPO / "docs" / "guide.md").read_text(encoding="utf-8")
    mentioned = set(re.findall(r"ci-assess ([a-z][a-z-]+)", guide))
    assert mentioned <= subcommands(), mentioned - subcommands()  # no command that does not exist
    assert {"validate", "run", "render", "merge", "lab", "new-community", "params", "check-notebooks",
            "audit-site", "verify", "publish"} <= mentioned
    for heading in ("## 1. Network staff running a year", "## 2. Community analysts editing notebooks",
                    "## 3. Readers of the site"):
        assert heading in guide
    for term in ("extra_notebook", "local_indicators", "--shard", "--executor dask", "suppressed", "reversed",
                 "explore.ipynb", ".pre-commit-config.yaml"):
        assert term in guide


def test_readme_links_the_guides_and_links_resolve():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "](docs/guide.md)" in readme and "](docs/data-contract.md)" in readme
    for source in (REPO / "README.md", REPO / "docs" / "guide.md", REPO / "docs" / "data-contract.md"):
        text = source.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert (source.parent / target).exists(), f"{source.name}: broken link {target}"


def test_guide_anchors_exist():
    guide = (REPO / "docs" / "guide.md").read_text(encoding="utf-8")
    slugs = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
             for h in re.findall(r"^#+ (.+)$", guide, re.M)}
    for anchor in re.findall(r"\]\(#([^)]+)\)", guide):
        assert anchor in slugs, anchor
