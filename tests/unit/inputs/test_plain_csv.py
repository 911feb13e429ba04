"""A plain CSV file is read column by column by Arrow (`tables.plain_columns`): the frame, its row numbers and the
problems must be those of the row-by-row reader (`csv_rows`), which reads every other file."""

from __future__ import annotations

import pandas as pd
import pytest

from ci_lib.errors import InvalidInput
from ci_lib.inputs import load, tables
from ci_lib.inputs.load import load_network

HEADER = "community_id,indicator_id,year,group,numerator,denominator,value\n"
FILES = {
    "plain": HEADER + "a,grad,2020,all,5,10,\na,grad,2021,all,NA,,\n",
    "crlf": (HEADER + "a,grad,2020,all,5,10,\n a , grad ,2021, all,*,, \n").replace("\n", "\r\n"),
    "blank lines": HEADER + "\n" * 25 + "a,grad,2020,all,5,10,\n,,,,,,\n\na,grad,2021,all,6,10,\n\n",
    "header only": HEADER,
    "quoted": HEADER + 'a,grad,2020,"all",5,10,\n',
    "title above": "Outcomes 2020,,,,,,\n" + HEADER + "a,grad,2020,all,5,10,\n",
}


def by_rows(monkeypatch: pytest.MonkeyPatch, path):
    with monkeypatch.context() as patch:
        patch.setattr(tables, "plain_columns", lambda raw: None)
        return load.read_text_table(path, [])


@pytest.mark.parametrize("name", sorted(FILES))
def test_a_plain_file_reads_as_the_row_reader_reads_it(tmp_path, monkeypatch, name):
    path = tmp_path / "outcomes.csv"
    path.write_bytes(FILES[name].encode())
    fast, fast_problems = load.read_text_table(path, [])
    slow, slow_problems = by_rows(monkeypatch, path)
    assert fast_problems == slow_problems
    assert (fast is None) == (slow is None)
    if slow is not None:
        pd.testing.assert_frame_equal(fast, slow)
        assert fast.attrs == slow.attrs


def test_plain_files_are_read_by_arrow_and_others_are_not():
    assert tables.plain_columns(FILES["plain"].encode()) is not None
    assert tables.plain_columns(FILES["crlf"].encode()) is not None
    for other in (FILES["quoted"], HEADER + "a,b\n", HEADER.replace("\n", "\r") + "a,b,1,c,1,2,\r", "é," + HEADER):
        assert tables.plain_columns(other.encode()) is None


def test_a_row_of_another_width_is_reported_at_its_line(tmp_path):
    (tmp_path / "communities.csv").write_text("community_id,name,state,anchor_entity,joined_year\n"
                                              "a,A,CO,Fund,2015\n", encoding="utf-8")
    (tmp_path / "benchmarks.csv").write_text("community_id,year,benchmark_id,status,evidence\n", encoding="utf-8")
    (tmp_path / "outcomes.csv").write_text(HEADER + "a,grad,2020,all,5,10,\na,grad,2021,all,5,10\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_network(tmp_path)
    assert [(p.row, p.message) for p in caught.value.problems] == [(3, "expected 7 fields, found 6")]
