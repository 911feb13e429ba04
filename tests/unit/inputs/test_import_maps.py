"""`import kidscount` and `import table` on small made-up files (#19 item 6): the map, the summary, the rules.

The real published files are exercised in test_realdata_importers.py; these run without them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ci_lib.cli import main
from ci_lib.errors import ImportFormatError, KitError
from ci_lib.inputs.importers.kidscount import KIDSCOUNT_KEYS, read_kidscount
from ci_lib.inputs.importers.table import TABLE_KEYS, read_map, read_table
from ci_lib.inputs.markers import NOT_AVAILABLE, SUPPRESSED_AT_SOURCE
from ci_lib.inputs.parameters import load_params
from ci_lib.inputs.rubric import load_rubric

LABELS = load_rubric("toa-2024").label_map
EXPORT = ("Location,Race Ethnicity,TimeFrame,DataFormat,Data\r"  # Colorado's CR-only line endings
          "Alpha,All Students,2013,Number,120\rAlpha,All Students,2013,Percent,0.4\r"
          "Alpha,Black,2013,Percent,LNE\rAlpha,Two or more,2013,Percent,N/A\r"
          "Alpha,Hispanic,2013,Number,30\r"
          "Beta,All Students,2013,Percent,0.55\r")


def files(tmp: Path, data: str, settings: str, name: str = "export.csv") -> tuple[Path, Path]:
    (tmp / name).write_bytes(data.encode())
    (tmp / "map.yml").write_text(settings, encoding="utf-8")
    return tmp / name, tmp / "map.yml"


def test_kidscount_pairs_percents_keeps_markers_and_counts_every_row(tmp_path, capsys):
    export, map_file = files(tmp_path, EXPORT, "indicator: hs_graduation\nlocations: {Alpha: alpha}\n")
    out = tmp_path / "outcomes.csv"
    assert main(["import", "kidscount", str(export), "--map", str(map_file), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == (f"{export}: 6 rows read, 3 written, 3 skipped; wrote 3 outcome rows to {out}; "
                          "source markers: 1 not available, 1 suppressed at source")
    assert "  skipped 1: location not in the map's `locations:`: 'Beta'" in printed
    assert any(line.startswith("  skipped 1: joined: a Number row whose Percent row is written") for line in printed)
    assert any("a Number row without a Percent row" in line and "`number: value`" in line for line in printed)
    got = pd.read_csv(out, keep_default_na=False).set_index("group")
    assert got.loc["all", "value"] == "40.0"  # 0.4, a fraction: never 0.4 %
    assert (got.loc["black", "source_status"], got.loc["two_or_more", "source_status"]) == (
        SUPPRESSED_AT_SOURCE, NOT_AVAILABLE)


def test_kidscount_scale_declared_and_mixed_scales(tmp_path):
    export, map_file = files(tmp_path, EXPORT.replace("0.4\r", "40\r"),
                             "indicator: hs_graduation\nlocations: {Alpha: alpha, Beta: beta}\n")
    table = read_map(map_file, KIDSCOUNT_KEYS, LABELS)
    with pytest.raises(ImportFormatError, match=r"mix fractions and percents \(1 at most 1, 1 above 1.*`scale:"):
        read_kidscount(export, table)
    (tmp_path / "map.yml").write_text("indicator: hs_graduation\nlocations: {Alpha: alpha, Beta: beta}\n"
                                      "scale: percent\n", encoding="utf-8")
    frame, _ = read_kidscount(export, read_map(map_file, KIDSCOUNT_KEYS, LABELS))
    assert sorted(frame["value"].dropna()) == [0.55, 40.0]


def test_kidscount_number_as_value_and_declared_formats(tmp_path):
    data = "Location,TimeFrame,DataFormat,Data\nAlpha,2013,Currency,\"85,060\"\nAlpha,2014,Number,12\n"
    export, map_file = files(tmp_path, data, "indicator: median_income\nlocations: {Alpha: alpha}\n")
    with pytest.raises(ImportFormatError, match=r"export.csv:2:DataFormat: DataFormat 'Currency' is not Number or "
                                                r"Percent: declare `formats: \[Currency\]`"):
        read_kidscount(export, read_map(map_file, KIDSCOUNT_KEYS, LABELS))
    map_file.write_text("indicator: median_income\nlocations: {Alpha: alpha}\nformats: [Currency]\n"
                        "number: value\n", encoding="utf-8")
    frame, summary = read_kidscount(export, read_map(map_file, KIDSCOUNT_KEYS, LABELS))
    assert list(frame["value"]) == [85060.0, 12.0]  # not scaled: only Percent values are fractions
    assert summary.read == summary.written == 2


def test_table_combine_sum_filters_and_group_by(tmp_path):
    data = ("district,year,subject,level,group_by,group,n,d\n"
            "Alpha,2020-21,ELA,Proficient,All Students,All Students,30,100\n"
            "Alpha,2020-21,ELA,Advanced,All Students,All Students,10,100\n"
            "Alpha,2020-21,ELA,Basic,All Students,All Students,60,100\n"
            "Alpha,2020-21,Math,Proficient,All Students,All Students,5,100\n"
            "Alpha,2020-21,ELA,,All Students,[Data Suppressed],,\n"
            "Alpha,2020-21,ELA,Proficient,Economic Status,Econ Disadv,4,20\n"
            "Alpha,2020-21,ELA,,Race/Ethnicity,[Data Suppressed],,\n")
    settings = ("location: district\nlocations: {Alpha: alpha}\nindicator: early_grade_reading\nyear: year\n"
                "group: group\ngroup_by: group_by\nnumerator: n\ndenominator: d\ncombine: sum\n"
                "filters: {subject: ELA, level: [Proficient, Advanced]}\n")
    report, map_file = files(tmp_path, data, settings, "report.csv")
    frame, summary = read_table(report, read_map(map_file, TABLE_KEYS, LABELS))
    assert summary.read == summary.written + sum(summary.skipped.values()) == 7
    got = frame.set_index("group")
    # the all-students "[Data Suppressed]" row withholds the whole cell: the sum is not written
    assert got.loc["all", "source_status"] == SUPPRESSED_AT_SOURCE and pd.isna(got.loc["all", "numerator"])
    assert (got.loc["low_income", "numerator"], got.loc["low_income", "denominator"]) == (4, 20)
    assert summary.skipped["filtered out: level is not 'Proficient' or 'Advanced'"] == 1
    assert summary.skipped["filtered out: subject is not 'ELA'"] == 1
    assert summary.skipped["the group label itself is suppressed at source (no group to write it to)"] == 1
    assert summary.file_markers[SUPPRESSED_AT_SOURCE] == 2


def test_table_without_combine_refuses_two_rows_of_one_key(tmp_path):
    data = "district,year,n,d\nAlpha,2021,3,10\nAlpha,2021,4,10\n"
    report, map_file = files(tmp_path, data, "location: district\nlocations: {Alpha: alpha}\nindicator: hs_graduation\n"
                                             "year: year\nnumerator: n\ndenominator: d\n", "report.csv")
    with pytest.raises(ImportFormatError, match=r"report.csv:3:n: .*already read from row 2.*`combine: sum`"):
        read_table(report, read_map(map_file, TABLE_KEYS, LABELS))


def test_a_map_key_the_kit_does_not_know_is_an_error(tmp_path):
    report, map_file = files(tmp_path, "a\n1\n", "location: a\nlocation_column: a\n", "report.csv")
    with pytest.raises(ImportFormatError, match="map.yml::location_column: unknown key; known: location,"):
        read_map(map_file, TABLE_KEYS, LABELS)


def test_params_labels_extend_the_shipped_label_map(tmp_path, capsys):
    params = tmp_path / "params" / "2025"
    params.mkdir(parents=True)
    (params / "network.yml").write_text("year: 2025\nframework: toa-2024\nlabels:\n  Afr. Am.: black\n",
                                        encoding="utf-8")
    assert load_params(2025, tmp_path / "params").labels == {"Afr. Am.": "black"}
    export, map_file = files(tmp_path, "Location,Race,TimeFrame,DataFormat,Data\nAlpha,Afr. Am.,2013,Percent,0.5\n",
                             "indicator: hs_graduation\nlocations: {Alpha: alpha}\n")
    out = tmp_path / "out.csv"
    argv = ["import", "kidscount", str(export), "--map", str(map_file), "--out", str(out)]
    assert main(argv) == 2  # the breakdown column's labels are unknown without params
    assert "has a column 'Race' (Afr. Am.) the map does not declare" in capsys.readouterr().err
    assert main([*argv, "--year", "2025", "--params", str(tmp_path / "params")]) == 0
    assert out.read_text(encoding="utf-8").splitlines()[1] == "alpha,hs_graduation,2013,black,,,50.0"
    (params / "network.yml").write_text("year: 2025\nlabels: [black]\n", encoding="utf-8")
    with pytest.raises(KitError, match="network.yml::labels: expected source label: group id"):
        load_params(2025, tmp_path / "params")


def test_kidscount_a_second_undeclared_column_is_refused_by_name(tmp_path):
    data = "Location,Race Ethnicity,Grade,TimeFrame,DataFormat,Data\nAlpha,Black,3,2013,Percent,0.5\n"
    export, map_file = files(tmp_path, data, "indicator: hs_graduation\nlocations: {Alpha: alpha}\n"
                                             "group: Race Ethnicity\n")
    with pytest.raises(ImportFormatError, match=r"map.yml::Grade: .* has a column 'Grade' \(3\) the map does not "
                                                r"declare: declare it in .*`filters: \{Grade: ...\}`"):
        read_kidscount(export, read_map(map_file, KIDSCOUNT_KEYS, LABELS))


def test_the_cia_summary_reads_row_counters_where_the_importer_has_them():
    """`cia_summary` accounts in label rows when `CiaImport` counts rows (the cia row mapping's counters)."""
    from collections import Counter
    from types import SimpleNamespace

    from ci_lib.inputs.importers.summary import cia_summary

    rows = pd.DataFrame({"year": [2024] * 30})
    counted = SimpleNamespace(rows=rows, unknown_labels=[(5, "Martian")], skipped_zero_cells=6,
                              skipped_intersections=0, source_status_cells=Counter({SUPPRESSED_AT_SOURCE: 2}),
                              rows_read=38, rows_mapped=36, skipped_unlabelled=1)
    summary = cia_summary(counted, "cia.csv")
    assert (summary.unit, summary.read, summary.written) == ("rows", 38, 36) and summary.accounted()
    lines = summary.lines("out.csv", append=False)
    assert lines[0] == ("cia.csv: 38 rows read, 36 written, 2 skipped; wrote 30 outcome rows to out.csv; "
                        "source markers: 2 suppressed at source")
    assert "  skipped 1: label not in the label map (add it to the rubric's label_map, or `labels:` in params): "\
           "'Martian'" in lines
    older = SimpleNamespace(rows=rows, unknown_labels=[], skipped_zero_cells=6, skipped_intersections=22,
                            source_status_cells=Counter())
    summary = cia_summary(older, "cia.csv")
    assert (summary.unit, summary.read, summary.written) == ("cells", 36, 30) and summary.accounted()


@pytest.mark.parametrize(("settings", "message"), [
    ("location: a\nyear: 21\n", "map.yml::year: 21 is not a year"),
    ("location: a\nlocation: b\n", "map.yml:2:1: not valid YAML"),
    ("location: a\nlocations: {A: Not An Id}\n", "map.yml::locations: 'a': 'Not An Id' is not a community id"),
    ("location: a\nscale: fractions\n", "map.yml::scale: 'fractions': expected one of fraction, percent"),
    ("location: a\nmarkers: {'-': missing}\n", "map.yml::markers: '-': status 'missing' is not one of"),
])
def test_a_bad_map_is_an_error_naming_the_map_and_key(settings, message, tmp_path):
    map_file = tmp_path / "map.yml"
    map_file.write_text(settings, encoding="utf-8")
    with pytest.raises(KitError) as refused:
        read_map(map_file, TABLE_KEYS, LABELS)
    assert message in str(refused.value)
