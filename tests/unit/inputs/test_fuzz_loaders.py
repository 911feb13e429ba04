"""Fuzzing the loader: whatever the bytes, `load_network` returns data or raises a located KitError.

(a) random bytes (and CSV-like random text) in place of a table, as CSV or as an Excel workbook;
(b) random edits of the valid base network: delete, duplicate or swap lines, replace a cell, truncate at a
byte, insert a delimiter, change the encoding.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ci_lib.errors import InvalidInput, KitError
from ci_lib.inputs.load import load_network
from ci_lib.inputs.rubric import load_rubric
from tests.paths import FIXTURES_DIR

VALID = FIXTURES_DIR / "bad" / "_valid"
EXCEL = FIXTURES_DIR / "bad" / "valid_excel" / "outcomes.xlsx"
TABLES = ("communities.csv", "benchmarks.csv", "outcomes.csv")
RUBRIC = load_rubric("toa-2019")
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

CSV_ALPHABET = st.sampled_from([*',;\t"\n\r -_.:/<>&', *"abcxyz0123456789", "é", "東", "\x00", "\ufeff", "\u2028",
                                "north-hills", "south-bay", "hs_graduation", "2024", "all", "white", "sv-ex-1",
                                "met", "12.5", "-3", "1e400", "nan", "community_id", "year", "numerator"])
CSV_TEXT = st.lists(CSV_ALPHABET, max_size=80).map("".join)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"])


@contextmanager
def network(files: dict[str, bytes]) -> Iterator[Path]:
    """A fresh copy of the valid base network with some files replaced (None bytes = delete the file)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in TABLES:
            shutil.copyfile(VALID / name, root / name)
        for name, content in files.items():
            if name.endswith(".xlsx"):
                (root / name.replace(".xlsx", ".csv")).unlink()
            (root / name).write_bytes(content)
        yield root


def assert_loads_or_reports(data_dir: Path) -> None:
    """The property: success, or KitError; an InvalidInput names a file and a 1-based row for every problem."""
    try:
        data = load_network(data_dir, RUBRIC, set())
    except InvalidInput as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file.startswith(str(data_dir))
            assert problem.row is None or problem.row >= 1
            assert problem.message
            assert str(problem).startswith(f"{problem.file}:")
    except KitError:
        pass
    else:
        assert len(data.communities) >= 1
        for table in (data.communities, data.benchmarks, data.outcomes):
            assert list(table.index) == list(range(len(table)))


@FUZZ
@given(name=st.sampled_from([*TABLES, "communities.xlsx", "outcomes.xlsx"]),
       content=st.one_of(st.binary(max_size=3000), CSV_TEXT.map(lambda s: s.encode("utf-8"))))
def test_random_bytes_never_crash_the_loader(name, content):
    with network({name: content}) as root:
        assert_loads_or_reports(root)


def mutate(data: st.DataObject, raw: bytes) -> bytes:
    lines = raw.split(b"\n")
    op = data.draw(st.sampled_from(["delete", "duplicate", "swap", "cell", "truncate", "delimiter", "encoding",
                                    "quote", "blank"]))
    index = data.draw(st.integers(0, max(len(lines) - 1, 0)))
    if op == "delete":
        del lines[index]
    elif op == "duplicate":
        lines.insert(index, lines[index])
    elif op == "swap":
        other = data.draw(st.integers(0, max(len(lines) - 1, 0)))
        lines[index], lines[other] = lines[other], lines[index]
    elif op == "cell":
        cells = lines[index].split(b",")
        position = data.draw(st.integers(0, len(cells) - 1))
        cells[position] = data.draw(st.one_of(CSV_TEXT, st.text(max_size=20))).encode("utf-8", "surrogatepass")
        lines[index] = b",".join(cells)
    elif op == "truncate":
        return raw[: data.draw(st.integers(0, len(raw)))]
    elif op == "delimiter":
        position = data.draw(st.integers(0, len(raw)))
        return raw[:position] + data.draw(st.sampled_from([b",", b";", b"\t", b'"', b"\r", b"\n"])) + raw[position:]
    elif op == "encoding":
        text = raw.decode("utf-8", errors="replace").replace("North", "Ñorth")
        return text.encode(data.draw(ENCODINGS), errors="replace")
    elif op == "quote":
        position = data.draw(st.integers(0, len(raw)))
        return raw[:position] + b'"' + raw[position:]
    elif op == "blank":
        lines.insert(index, b"")
    return b"\n".join(lines)


@FUZZ
@given(data=st.data())
def test_mutated_valid_files_never_crash_the_loader(data):
    files: dict[str, bytes] = {}
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(TABLES))
        files[name] = mutate(data, files.get(name, (VALID / name).read_bytes()))
    with network(files) as root:
        assert_loads_or_reports(root)


@settings(FUZZ, max_examples=60)
@given(cut=st.integers(0, 10_000), flip=st.integers(0, 10_000), byte=st.integers(0, 255))
def test_damaged_workbooks_never_crash_the_loader(cut, flip, byte):
    raw = bytearray(EXCEL.read_bytes())
    raw[flip % len(raw)] = byte
    with network({"outcomes.xlsx": bytes(raw[: len(raw) - cut % len(raw)] if cut % 3 else raw)}) as root:
        assert_loads_or_reports(root)


YAML_ALPHABET = st.sampled_from([*" \n\t:-[]{},'\"#&*!|>%@`?", *"abc0123456789", "year", "rules", "min_cell", "trend",
                                 "method", "share", "local_indicators", "id", "polarity", "baseline_year", "2025",
                                 "!!python/object/apply:os.system", "<<", "&a", "*a", "null", "~", "1e400", "\x00"])
YAML_TEXT = st.one_of(st.lists(YAML_ALPHABET, max_size=60).map("".join),
                      st.builds("rules:\n  {}: {}\n".format, st.sampled_from(sorted(RUBRIC.rules)),
                                st.one_of(st.integers(), st.floats(), st.text(max_size=5), st.none(),
                                          st.lists(st.integers(), max_size=2),
                                          st.dictionaries(st.sampled_from(["method", "threshold", "periods", "x"]),
                                                          st.one_of(st.integers(), st.text(max_size=5)),
                                                          max_size=2))))


@FUZZ
@given(network=st.one_of(YAML_TEXT, st.just("year: 2025\n")), community=st.one_of(st.none(), YAML_TEXT),
       raw=st.booleans(), garbage=st.binary(max_size=50))
def test_random_params_never_crash(network, community, raw, garbage):
    from ci_lib.inputs.parameters import load_params
    from ci_lib.scoring.rules import rules_row

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "2025"
        folder.mkdir()
        (folder / "network.yml").write_bytes(garbage if raw else network.encode("utf-8"))
        if community is not None:
            (folder / "north-hills.yml").write_text(community, encoding="utf-8")
        try:
            params = load_params(2025, tmp, known_communities={"north-hills"})
        except KitError as exc:
            assert str(exc).startswith(str(folder))
        else:
            for cid in ("north-hills", "south-bay"):
                rules_row(params.rules_for(RUBRIC, cid)[0], list(RUBRIC.families))  # scoring can use every accepted rule
                params.local_indicators_for(cid)
            params.all_local_indicator_ids()


# Digits of other scripts (fullwidth, Arabic-Indic, Devanagari...): `\d` and int() accept them, pandas does not.
OTHER_DIGITS = st.text(st.characters(whitelist_categories=("Nd",)), min_size=1, max_size=6).filter(
    lambda text: not text.isascii())
NUMBER_CELLS = [("communities.csv", "2016", "joined_year", 2), ("benchmarks.csv", "north-hills,2025,sv-ex-2", "year", 3),
                ("outcomes.csv", "2023,black,90,", "numerator", 3), ("outcomes.csv", ",,,78.5", "value", 8)]


@settings(FUZZ, max_examples=40)
@given(digits=OTHER_DIGITS, cell=st.sampled_from(NUMBER_CELLS))
def test_non_ascii_digits_are_reported_as_such_in_every_number_column(digits, cell):
    """The cell is named with what is wrong with it; nothing else is said about its row (the old loader read
    such a cell as blank: 'value is required', 'numerator given without denominator')."""
    name, old, column, row = cell
    text = (VALID / name).read_text(encoding="utf-8")
    new = {"joined_year": digits, "year": f"north-hills,{digits},sv-ex-2", "numerator": f"2023,black,{digits},",
           "value": f",,,{digits}"}[column]
    assert text.count(old) == 1
    with network({name: text.replace(old, new).encode("utf-8")}) as root:
        try:
            load_network(root, RUBRIC, set())
        except InvalidInput as exc:
            problems = [(p.row, p.column, p.message) for p in exc.problems]
        else:
            raise AssertionError(f"{digits!r} in {column} was accepted")
    assert problems == [(row, column, f"{digits!r} is not {'a number' if column == 'value' else 'a whole number'}: "
                         "it is written with non-ASCII digits (type the digits 0-9)")]


@settings(FUZZ, max_examples=20)
@given(digits=OTHER_DIGITS)
def test_importers_refuse_non_ascii_digits_too(digits, tmp_path_factory):
    """School years and CIA counts follow the loader: `２０１６` is an error saying why, never read as 2016."""
    from ci_lib.inputs.importers import ImportFormatError, parse_year, read_cia

    for label in (digits, f"{digits}-17", "２０１６", "٢٠١٥-١٦"):
        try:
            parse_year(label)
        except ValueError as exc:
            assert "is not a year: it is written with non-ASCII digits" in str(exc)
        else:
            raise AssertionError(f"parse_year({label!r}) was accepted")
    path = tmp_path_factory.mktemp("cia") / "cia.csv"
    path.write_text(f"Population,N 2019,D 2019\nAll Students,{digits},980\n", encoding="utf-8")
    try:
        read_cia(path, community_id="alpha", indicator_id="k_ready", label_map={})
    except ImportFormatError as exc:
        assert (exc.row, exc.column) == (2, "N 2019")
        assert "written with digits 0-9" in exc.message
    else:
        raise AssertionError(f"CIA count {digits!r} was accepted")
