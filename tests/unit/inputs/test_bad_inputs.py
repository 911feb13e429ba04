"""The bad-input corpus (tests/fixtures/bad/): every case gives `file:row:column: message`, exit 2, no traceback.

Cases named `valid_*` are odd but valid input (BOM, Latin-1, semicolons, HTML in text, non-Latin names, Excel,
header-only outcomes) and must exit 0. See tests/fixtures/bad/make_fixtures.py for the layout of a case.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pandas as pd
import pytest

from ci_lib.cli import main
from ci_lib.errors import InvalidInput
from ci_lib.inputs.load import load_network
from ci_lib.inputs.rubric import load_rubric
from tests.conftest import NOTEBOOKS, YEAR, make_project
from tests.paths import FIXTURES_DIR

BAD = FIXTURES_DIR / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def argv_for(case: Path, tmp: Path) -> list[str]:
    if (case / "cmd.txt").exists():
        return (case / "cmd.txt").read_text(encoding="utf-8").format(case=case, tmp=tmp).split()
    argv = ["validate", str(case)]
    if (case / "params").is_dir():
        argv += ["--year", str(YEAR), "--params", str(case / "params")]
    return argv


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(autouse=True)
def no_shell(monkeypatch):
    """Nothing in a data or params file may run a command (e.g. a `!!python/object/apply:os.system` tag)."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"input caused os.system{args}")

    monkeypatch.setattr(os, "system", refuse)


def test_corpus_is_large_enough():
    assert len(CASES) >= 74
    assert len([c for c in CASES if not c.startswith("valid_")]) >= 64


@pytest.mark.parametrize("name", CASES)
def test_bad_input_case(name, tmp_path, capsys, monkeypatch):
    case = BAD / name
    monkeypatch.chdir(tmp_path)  # a relative path written by a case would land here, and is checked below
    expected = [line for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines() if line]
    assert expected, f"{name}: expected.txt is empty"
    absent = []
    if (case / "absent.txt").exists():
        absent = [line for line in (case / "absent.txt").read_text(encoding="utf-8").splitlines() if line]
    before = snapshot(case)

    code = main(argv_for(case, tmp_path))

    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if name.startswith("valid_"):
        assert code == 0, err
        for substring in expected:
            assert substring in out + err
    else:
        assert code == 2, out + err
        for substring in expected:
            assert substring in err, f"{substring!r} not in:\n{err}"
    for substring in absent:
        assert substring not in out + err, f"{substring!r} (pointing at the wrong thing) in:\n{out + err}"
    assert snapshot(case) == before, "the command changed its input"
    # no file written anywhere (run's writability preflight may leave an empty reports/<year>/ directory)
    assert [p for p in tmp_path.rglob("*") if not p.is_dir()] == [], "the command wrote files"


def test_every_problem_line_names_file_row_and_column(capsys):
    """Each line of an invalid-data report reads `path:row:column: message` (row and column may be blank)."""
    for name in ("numerator_over_denominator", "duplicate_benchmark", "excel_bad_cell", "missing_file"):
        assert main(["validate", str(BAD / name)]) == 2
        err = capsys.readouterr().err
        problems = [line for line in err.splitlines() if not line.endswith("nothing was written.")]
        assert problems
        for line in problems:
            path, row, column, message = line.split(":", 3)
            assert path.startswith(str(BAD / name))
            assert row == "" or int(row) >= 1
            assert message.startswith(" ") and message.strip()


def test_html_and_non_latin_text_is_loaded_verbatim():
    """The loader keeps text as written: escaping is the job of the pages that show it."""
    rubric = load_rubric("toa-2019")
    html = load_network(BAD / "valid_html_in_text", rubric, set())
    names = set(html.communities["name"])
    assert "<script>alert('x')</script> North Hills & <b>Promise</b>" in names
    assert '<img src=x onerror="alert(1)"> vision, draft' in set(html.benchmarks["evidence"].dropna())
    names = set(load_network(BAD / "valid_non_latin", rubric, set()).communities["name"])
    assert {"Ciudad Juárez Promesa", "東京"} <= names
    latin = load_network(BAD / "valid_latin1", rubric, set())
    assert "Peñasco Niños Promesa" in set(latin.communities["name"])
    assert any("Windows-1252" in note for note in latin.notes)


def test_odd_encodings_and_formats_load_the_same_values():
    rubric = load_rubric("toa-2019")
    base = load_network(BAD / "_valid", rubric, set())
    for name in ("valid_utf8_bom", "valid_semicolon", "valid_excel", "valid_crlf_and_blank_rows"):
        other = load_network(BAD / name, rubric, set())
        for table in ("communities", "benchmarks", "outcomes"):
            left, right = getattr(base, table), getattr(other, table)
            assert left.astype(str).equals(right.astype(str)), f"{name}: {table} differs"


def test_committed_corpus_matches_the_generator(tmp_path):
    spec = importlib.util.spec_from_file_location("make_fixtures", BAD / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    names = module.generate(tmp_path)
    assert sorted(names) == CASES
    for name in names:
        assert snapshot(tmp_path / name) == snapshot(BAD / name), f"{name}: rerun make_fixtures.py"


def break_outcomes(project) -> None:
    path = project.data / "outcomes.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = "not,a,valid,row"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def break_params(project) -> None:
    network = project.params / str(YEAR) / "network.yml"
    network.write_text(network.read_text(encoding="utf-8") + "title: !!python/object/apply:os.system ['true']\n",
                       encoding="utf-8")


def break_community_params(project) -> None:
    (project.params / str(YEAR) / "no-such-place.yml").write_text("rules:\n  min_cell: 5\n", encoding="utf-8")


@pytest.mark.parametrize("breaker", [break_outcomes, break_params, break_community_params])
def test_run_on_bad_input_leaves_reports_untouched(tmp_path, capsys, breaker):
    project = make_project(tmp_path)
    report = project.report_dir
    for relative, content in {"manifest.json": '{"year": 2025}\n', "scores/a.json": "{}\n",
                              "communities/a.ipynb": "{}\n", "_site/index.html": "<p>old</p>\n"}.items():
        (report / relative).parent.mkdir(parents=True, exist_ok=True)
        (report / relative).write_text(content, encoding="utf-8")
    before = snapshot(project.reports)
    breaker(project)

    code = main(["run", "--year", str(YEAR), "--data", str(project.data), "--params", str(project.params),
                 "--reports", str(project.reports), "--notebooks", str(NOTEBOOKS), "--quiet", "--jobs", "1"])

    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert "Traceback" not in out + err
    assert f"{project.data / 'outcomes.csv'}:3:" in err or ".yml" in err
    assert snapshot(project.reports) == before


def copy_valid(tmp: Path) -> Path:
    for name in ("communities.csv", "benchmarks.csv", "outcomes.csv"):
        (tmp / name).write_bytes((BAD / "_valid" / name).read_bytes())
    return tmp


def test_a_column_of_text_years_gives_a_short_report_and_no_duplicate_rows(tmp_path, capsys):
    """3,000 rows whose year is text: 5 located cells, one line counting the rest, no duplicates derived from
    the unread keys (the old loader printed 3,000 + 2,997 lines)."""
    data = copy_valid(tmp_path)
    rows = [f"north-hills,hs_graduation,this year,{group},{i},500," for i in range(1000)
            for group in ("all", "black", "white")]
    (data / "outcomes.csv").write_text("community_id,indicator_id,year,group,numerator,denominator,value\n"
                                       + "\n".join(rows) + "\n", encoding="utf-8")
    assert main(["validate", str(data)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1] == "6 problem(s); nothing was written."
    assert lines[5] == (f"{data / 'outcomes.csv'}:7:year: 2995 more cells in column year cannot be read as whole "
                        "numbers (rows 7-3001; only the first 5 are listed)")
    assert not any("duplicate row" in line for line in lines)


def test_a_duplicate_is_still_found_beside_keys_that_cannot_be_read(tmp_path, capsys):
    data = copy_valid(tmp_path)
    outcomes = (data / "outcomes.csv").read_text(encoding="utf-8")
    outcomes = outcomes.replace("2023,black", "2023,all").replace("2024,white", "soon,white")
    (data / "outcomes.csv").write_text(outcomes, encoding="utf-8")
    assert main(["validate", str(data)]) == 2
    err = capsys.readouterr().err
    assert "outcomes.csv:3:group: duplicate row: (community_id, indicator_id, year, group) = (north-hills, " \
           "hs_graduation, 2023, all) must be unique; also on row 2" in err
    assert "outcomes.csv:7:year: 'soon' is not a whole number" in err
    assert err.count("duplicate row") == 2  # rows 2 and 3, not the unread key of row 7


def workbook_with_cells(path: Path, cells: dict[str, str]) -> None:
    """Rewrite cells of the first sheet's XML as a calculating program saves them (openpyxl cannot)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for reference, xml in cells.items():
        sheet, count = re.subn(rf'<c r="{reference}"[^>]*?(?:/>|>.*?</c>)', xml, sheet)
        assert count == 1, reference
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in parts.items():
            dst.writestr(name, data)


def test_formulas_with_saved_values_load_their_values(tmp_path):
    """Only a formula WITHOUT a saved result is an error: a calculated one gives its result, and one whose
    result is the empty string is a blank on purpose."""
    data = copy_valid(tmp_path)
    (data / "outcomes.csv").unlink()
    workbook = data / "outcomes.xlsx"
    workbook.write_bytes((BAD / "valid_excel" / "outcomes.xlsx").read_bytes())
    workbook_with_cells(workbook, {"E3": '<c r="E3"><f>F3*0.75</f><v>90</v></c>',
                                   "F3": '<c r="F3" t="n"><v>120</v></c>'
                                         '<c r="G3" t="str"><f>IF(E3&gt;0,"","x")</f><v></v></c>'})
    outcomes = load_network(data, load_rubric("toa-2019"), set()).outcomes
    assert outcomes.loc[1, "numerator"] == 90 and pd.isna(outcomes.loc[1, "value"])

    workbook_with_cells(workbook, {"E3": '<c r="E3"><f>F3*0.75</f></c>', "E4": '<c r="E4"><f>F4*0.75</f><v/></c>'})
    with pytest.raises(InvalidInput) as raised:
        load_network(data, load_rubric("toa-2019"), set())
    assert [(p.row, p.column, p.message.split(":")[0]) for p in raised.value.problems] == [
        (3, "numerator", "sheet 'Outcomes' cell E3"), (4, "numerator", "sheet 'Outcomes' cell E4")]
