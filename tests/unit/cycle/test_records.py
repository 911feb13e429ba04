"""`CsvRecords`: a CSV edited record by record; what nobody changed keeps its exact text."""

from __future__ import annotations

import pytest

from ci_lib.cycle.records import CsvRecords
from ci_lib.errors import KitError


def test_untouched_records_keep_their_text_and_new_ones_follow_the_files_line_ends(tmp_path):
    path = tmp_path / "t.csv"
    original = b'\xef\xbb\xbf"a","b"\r\n"1","two\r\nlines"\r\n"3","x"'  # BOM, CRLF, a quoted line break, no last newline
    path.write_bytes(original)
    table = CsvRecords.read(path)
    assert table.header == ["a", "b"] and [r.cells for r in table.records] == [["1", "two\nlines"], ["3", "x"]]
    assert table.text().encode() == original
    table.append(["5", "y"])
    assert table.text().encode() == original + b"\r\n5,y\r\n"


def test_replace_remove_and_a_new_column(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,x\n2,y\n3,z\n", encoding="utf-8")
    table = CsvRecords.read(path)
    first, second, third = table.records
    assert not table.replace(first, ["1", " x "])  # the same values: the text is kept
    assert table.replace(second, ["2", "y, changed"])
    table.remove(third)
    table.add_column("c")
    assert table.text() == 'a,b,c\n1,x,\n2,"y, changed",\n'


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes("a,b\n1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(KitError, match="not UTF-8"):
        CsvRecords.read(path)
