"""A CSV table edited record by record: records nobody changed keep the exact text they were read from.

`collect` merges members' forms into benchmarks.csv and outcomes.csv, which staff also edit by hand and
which other tools wrote (quoted or not, CRLF or LF line ends): rewriting them through pandas would change
the bytes of rows the merge never touched. Here only the records that change are written again.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ci_lib.errors import KitError
from ci_lib.inputs.tables import csv_rows, sniff_delimiter

_LINE = re.compile(r".*?(?:\r\n|\n|\r)|.+$", re.S)


@dataclass
class Record:
    cells: list[str]
    text: str  # as read; "" once the record is removed


@dataclass
class CsvRecords:
    """A CSV file as its header and records; `text()` is the file again, with only edited records rewritten."""

    path: Path
    header: list[str]
    header_text: str
    records: list[Record] = field(default_factory=list)
    delimiter: str = ","
    newline: str = "\n"
    bom: str = ""

    @classmethod
    def read(cls, path: Path) -> CsvRecords:
        raw = path.read_bytes()
        bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise KitError(f"{path}: not UTF-8: save it as CSV (UTF-8) before collecting into it") from exc
        delimiter = sniff_delimiter(text)
        rows, problems = csv_rows(path, text, delimiter)
        if problems or not rows:
            raise KitError(str(problems[0]) if problems else f"{path}: the file is empty (expected a header row)")
        lines = _LINE.findall(text)
        starts = [start for start, _ in rows] + [len(lines) + 1]
        pieces = ["".join(lines[starts[i] - 1:starts[i + 1] - 1]) for i in range(len(rows))]
        header_text = pieces[0]
        newline = "\r\n" if header_text.endswith("\r\n") else "\r" if header_text.endswith("\r") else "\n"
        header = [c.strip() for c in rows[0][1]]
        records = [Record(cells + [""] * (len(header) - len(cells)), piece)
                   for (_, cells), piece in zip(rows[1:], pieces[1:], strict=True)]
        return cls(path, header, header_text, records, delimiter, newline, bom)

    def index(self, column: str) -> int:
        return self.header.index(column)

    def value(self, record: Record, column: str) -> str:
        return record.cells[self.index(column)].strip() if column in self.header else ""

    def add_column(self, column: str) -> None:
        """A new last column, empty in every record (each record's text gains one empty field)."""
        if column in self.header:
            return
        self.header.append(column)
        self.header_text = self.line(self.header)
        for record in self.records:
            record.cells.append("")
            if record.text.strip():
                body = record.text.rstrip("\r\n")
                record.text = body + self.delimiter + record.text[len(body):]

    def line(self, cells: list[str]) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=self.delimiter, lineterminator=self.newline).writerow(cells)
        return buffer.getvalue()

    def replace(self, record: Record, cells: list[str]) -> bool:
        """Give `record` these cells; False (and nothing rewritten) when they are the ones it has."""
        if [c.strip() for c in cells] == [c.strip() for c in record.cells]:
            return False
        record.cells, record.text = cells, self.line(cells)
        return True

    def remove(self, record: Record) -> None:
        record.text = ""

    def append(self, cells: list[str]) -> None:
        self.records.append(Record(cells, self.line(cells)))

    def text(self) -> str:
        parts = [self.bom + self.header_text]
        for record in self.records:
            if record.text and parts[-1] and not parts[-1].endswith(("\n", "\r")):
                parts[-1] += self.newline  # the file's last line had no line end
            parts.append(record.text)
        return "".join(parts)
