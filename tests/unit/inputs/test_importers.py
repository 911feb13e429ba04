"""Importers: school-year labels, the CIA wide format (CSV, Excel), the outcomes writer, student records."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ci_lib.inputs.importers import ImportFormatError, aggregate_students, parse_year, read_cia, write_rows

COLUMNS = ["community_id", "indicator_id", "year", "group", "numerator", "denominator", "value"]
LABELS = {
    "All Students": "all",
    "Black or African American": "black",
    "African American": "black",
    "Hispanic or Latine": "hispanic",
    "Low Income": "low_income",
    "English Language Learner": "english_learner",
    "Female": "female",
    "Male": "male",
}
TITLE = ["Kindergarten Readiness"]


def write_table(path: Path, grid: list[list[object]], merges: tuple[str, ...] = ()) -> Path:
    """A real CSV (csv module) or XLSX (openpyxl) file holding `grid`; None is an empty cell."""
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Readiness"
        for r, row in enumerate(grid, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
        for cells in merges:
            sheet.merge_cells(cells)
        book.save(path)
    else:
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([["" if v is None else v for v in row] for row in grid])
    return path


def expected(rows: list[tuple[int, str, int, int]], community: str = "alpha", indicator: str = "k_ready"):
    frame = pd.DataFrame(
        {
            "community_id": pd.Series([community] * len(rows), dtype="str"),
            "indicator_id": pd.Series([indicator] * len(rows), dtype="str"),
            "year": pd.Series([r[0] for r in rows], dtype="Int64"),
            "group": pd.Series([r[1] for r in rows], dtype="str"),
            "numerator": pd.Series([r[2] for r in rows], dtype="Int64"),
            "denominator": pd.Series([r[3] for r in rows], dtype="Int64"),
            "value": pd.Series([None] * len(rows), dtype="Float64"),
        }
    )
    return frame


def cia(path: Path, **kwargs):
    return read_cia(path, community_id="alpha", indicator_id="k_ready", label_map=LABELS, **kwargs)


def raises_at(path: Path, row: int | None, column: str | None, message: str):
    """Assert the call raises ImportFormatError at file:row:column whose message starts with `message`."""
    prefix = f"{path}:{'' if row is None else row}:{column or ''}: {message}"

    class _Check:
        def __enter__(self):
            self.ctx = pytest.raises(ImportFormatError)
            self.info = self.ctx.__enter__()
            return self.info

        def __exit__(self, *exc):
            handled = self.ctx.__exit__(*exc)
            err = self.info.value
            assert (err.file, err.row, err.column) == (str(path), row, column)
            assert str(err).startswith(prefix), f"{err}\n  does not start with\n{prefix}"
            return handled

    return _Check()


# ------------------------------------------------------------------------------------------ parse_year
@pytest.mark.parametrize(
    "label",
    [2016, "2016", " 2016 ", "2015-16", "2015-2016", "2015\u201316", "2015\u20142016", "SY2015-16",
     "SY 2015-16", "sy 2015-16", "2015/16", "2015 - 16", 2016.0],
)
def test_parse_year_reads_school_year_labels_as_end_year(label):
    assert parse_year(label) == 2016


def test_parse_year_century_rollover():
    assert parse_year("1999-00") == 2000
    assert parse_year("2099-2100") == 2100


@pytest.mark.parametrize(
    "label",
    ["2015-17", "2015-15", "2015-2017", "2014-16", "2015-1", "16", "abc", "", "N 2019", "2015-16-17",
     "20X9", None, True, 2016.5, 16, "2016.0"],
)
def test_parse_year_rejects_garbage(label):
    with pytest.raises(ValueError):
        parse_year(label)


@given(st.integers(min_value=1990, max_value=2100))
def test_parse_year_short_range_is_end_year(y):
    assert parse_year(f"{y - 1}-{str(y)[2:]}") == y
    assert parse_year(f"SY {y - 1}\u2013{y}") == y


# ------------------------------------------------------------------------------------------ CIA reader
SINGLE = [
    ["Population", "N 2019", "D 2019", "N 2020", "D 2020"],
    ["All Students", 50, 100, 0, 0],
    ["Black or African American", 10, 40, 12, 0],
    ["  hispanic OR latine ", 0, 30, None, None],
    ["Martian", 1, 2, 3, 4],
    ["Female / Black or African American", 5, 10, 6, 12],
    ["Female / All Students", 25, 50, 30, 60],
    ["All Students / Low Income", 7, 20, 8, 21],
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_single_label_column(tmp_path, suffix):
    path = write_table(tmp_path / f"single{suffix}", SINGLE)
    got = cia(path)
    want = expected([(2019, "all", 50, 100), (2019, "black", 10, 40), (2019, "female", 25, 50),
                     (2019, "hispanic", 0, 30), (2019, "low_income", 7, 20),
                     (2020, "female", 30, 60), (2020, "low_income", 8, 21)])
    pd.testing.assert_frame_equal(got.rows, want)
    assert list(got.rows.columns) == COLUMNS
    assert got.unknown_labels == [(5, "Martian")]
    assert got.skipped_zero_cells == 3  # all 2020 (0/0), black 2020 (D 0), hispanic 2020 (empty)
    assert got.skipped_intersections == 1


GENDER_X_POPULATION = [
    TITLE,
    [],
    ["Gender", "Population", "N 2018-19", "D 2018-19", "N SY 2019-20", "D SY 2019-20", "Notes"],
    ["All", "All Students", 40, 80, 45, 90, "state report card"],
    ["All", "black or african american", 10, 25, 0, 0, None],
    ["Female", "All Students", 22, 41, 24, 44, None],
    [None, "Black or African American", 5, 12, 6, 13, None],  # Female (merged above): intersection
    ["Male", "All Students", 18, 39, 21, 46, None],
    ["All Genders", "  Low Income ", 12, 30, 13, 31, None],
    ["Total", "English Language Learner", 3, 9, None, None, None],
    ["All", "Foster Youth", 1, 2, 1, 2, None],
    ["Nonbinary", "All Students", 1, 1, 1, 1, None],
    [],
    ["Female", "Hispanic or Latine", "*", "*", None, None, "suppressed, intersection"],
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_gender_by_population_with_title_row_and_school_years(tmp_path, suffix):
    path = write_table(tmp_path / f"gxp{suffix}", GENDER_X_POPULATION, merges=("A1:G1", "A6:A7"))
    got = cia(path)
    want = expected([(2019, "all", 40, 80), (2019, "black", 10, 25), (2019, "english_learner", 3, 9),
                     (2019, "female", 22, 41), (2019, "low_income", 12, 30), (2019, "male", 18, 39),
                     (2020, "all", 45, 90), (2020, "female", 24, 44), (2020, "low_income", 13, 31),
                     (2020, "male", 21, 46)])
    pd.testing.assert_frame_equal(got.rows, want)
    assert got.unknown_labels == [(11, "Foster Youth"), (12, "Nonbinary")]
    assert got.skipped_zero_cells == 2  # black 2020 (0/0), english_learner 2020 (empty)
    assert got.skipped_intersections == 2  # Female/Black (row 7), Female/Hispanic (row 14)


def test_zero_numerator_with_denominator_is_data_but_zero_denominator_is_missing(tmp_path):
    path = write_table(tmp_path / "zeros.csv", [
        ["Group", "N 2021", "D 2021", "N 2022", "D 2022", "N 2023", "D 2023"],
        ["All Students", 0, 12, 5, 0, None, 14],
    ])
    got = cia(path)
    pd.testing.assert_frame_equal(got.rows, expected([(2021, "all", 0, 12)]))
    assert got.skipped_zero_cells == 2


def test_a_second_table_below_ends_the_first(tmp_path):
    path = write_table(tmp_path / "two.csv", [
        ["Population", "N 2019", "D 2019"],
        ["All Students", 8, 10],
        [],
        ["Third Grade Reading"],
        ["Population", "N 2019", "D 2019"],
        ["All Students", 3, 10],
    ])
    got = cia(path)
    pd.testing.assert_frame_equal(got.rows, expected([(2019, "all", 8, 10)]))
    assert got.unknown_labels == [(4, "Third Grade Reading")]


def test_sheet_is_chosen_by_name(tmp_path):
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Notes only"])
    second = book.create_sheet("Grad")
    second.append(["Population", "N 2019", "D 2019"])
    second.append(["All Students", 8, 10])
    book.save(path)
    pd.testing.assert_frame_equal(cia(path, sheet="Grad").rows, expected([(2019, "all", 8, 10)]))
    pd.testing.assert_frame_equal(cia(path, sheet=1).rows, expected([(2019, "all", 8, 10)]))
    with raises_at(path, None, None, "cannot read sheet 'Nope'"):
        cia(path, sheet="Nope")


def test_invalid_community_id_is_refused(tmp_path):
    path = write_table(tmp_path / "t.csv", SINGLE)
    with pytest.raises(ImportFormatError, match="invalid community id"):
        read_cia(path, community_id="../etc", indicator_id="k_ready", label_map=LABELS)


# (grid rows after the title row, spreadsheet row, column, message start); row 1 is the title row.
ERRORS = [
    pytest.param([["Population", "2019", "2020"], ["All Students", 1, 2]], None, None,
                 "no 'N <year>' / 'D <year>' columns", id="no-count-columns"),
    pytest.param([["Population", "N 2019", "D 2019", "N 2020"], ["All Students", 1, 2, 3]], 2, "N 2020",
                 "no matching 'D 2020' column", id="n-without-d"),
    pytest.param([["Population", "N 2019", "D 2019", "D 2020"], ["All Students", 1, 2, 3]], 2, "D 2020",
                 "no matching 'N 2020' column", id="d-without-n"),
    pytest.param([["Population", "N 2019", "D 2019"], ["All Students", "#VALUE!", 10]], 3, "N 2019",
                 "'#VALUE!' is not a count", id="non-numeric"),  # 'n/a' is a source's marker (test_source_markers)
    pytest.param([["Population", "N 2019", "D 2019"], ["All Students", 3, -10]], 3, "D 2019",
                 "'-10' is negative", id="negative"),
    pytest.param([["Population", "N 2019", "D 2019"], ["All Students", 2.5, 10]], 3, "N 2019",
                 "'2.5' is not a whole number", id="fraction"),
    pytest.param([["Population", "N 2019", "D 2019"], ["All Students", 11, 10]], 3, "N 2019",
                 "numerator 11 is greater than denominator 10", id="n-greater-than-d"),
    pytest.param([["Population", "N 2019", "D 2018-20"], ["All Students", 1, 2]], 2, "D 2018-20",
                 "cannot read the year of this column", id="bad-year-range"),
    pytest.param([["Population", "N 20X9", "D 20X9"], ["All Students", 1, 2]], 2, "N 20X9",
                 "cannot read the year of this column", id="garbage-year"),
    pytest.param([["Population", "N 2019", "D 2019", "N 2018-19", "D 2018-19"], ["All Students", 1, 2, 1, 2]],
                 2, "N 2018-19", "year 2019 already has column 'N 2019'", id="same-year-twice"),
    pytest.param([["Population", "N 2019", "D 2019"], ["Black or African American", 1, 2],
                  ["African American", 1, 3]], 4, "N 2019",
                 "group 'black' year 2019 was already read from row 3", id="duplicate-group-year"),
    pytest.param([["Population", "N 2019", "D 2019"], [None, 1, 2]], 3, "Population",
                 "row has counts but no label", id="counts-without-label"),
    pytest.param([["Gender", "Population", "N 2019", "D 2019"], [None, "All Students", 1, 2]], 3, "Gender",
                 "Gender is empty", id="gender-missing"),
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(("grid", "row", "column", "message"), ERRORS)
def test_format_errors_name_file_row_and_column(tmp_path, suffix, grid, row, column, message):
    path = write_table(tmp_path / f"bad{suffix}", [TITLE, *grid], merges=("A1:D1",))
    with raises_at(path, row, column, message):
        cia(path)


def test_error_message_is_file_row_column_message():
    err = ImportFormatError("data/x.csv", 4, "N 2019", "boom")
    assert str(err) == "data/x.csv:4:N 2019: boom"
    assert str(ImportFormatError("data/x.csv", None, None, "boom")) == "data/x.csv::: boom"
    assert isinstance(err, ValueError)


# ------------------------------------------------------------------------------------------ write_rows
def test_write_then_append_then_refuse_duplicates(tmp_path):
    out = tmp_path / "data" / "outcomes.csv"
    first = expected([(2019, "all", 50, 100), (2019, "black", 10, 40)])
    write_rows(first, out, append=False)
    assert out.read_text() == (
        "community_id,indicator_id,year,group,numerator,denominator,value\n"
        "alpha,k_ready,2019,all,50,100,\n"
        "alpha,k_ready,2019,black,10,40,\n"
    )
    write_rows(expected([(2020, "all", 45, 90)]), out, append=True)
    assert out.read_text().splitlines()[-1] == "alpha,k_ready,2020,all,45,90,"
    before = out.read_bytes()
    with raises_at(out, 3, None, "already holds community_id=alpha, indicator_id=k_ready, year=2019, "
                   "group=black"):
        write_rows(expected([(2021, "all", 1, 2), (2019, "black", 11, 40)]), out, append=True)
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["outcomes.csv"]  # no temp file left behind


def test_append_keeps_the_existing_file_and_its_column_order(tmp_path):
    out = tmp_path / "outcomes.csv"
    out.write_text("community_id,year,indicator_id,group,value,numerator,denominator\r\n"
                   "beta,2019,k_ready,all,55.5,,\r\n")
    write_rows(expected([(2019, "all", 1, 2)]), out, append=True)
    assert out.read_bytes() == (b"community_id,year,indicator_id,group,value,numerator,denominator\r\n"
                                b"beta,2019,k_ready,all,55.5,,\r\nalpha,2019,k_ready,all,,1,2\r\n")
    with raises_at(out, 2, None, "already holds community_id=beta"):
        write_rows(expected([(2019, "all", 1, 2)], community="beta"), out, append=True)


def test_write_without_append_replaces_and_missing_file_is_created_on_append(tmp_path):
    out = tmp_path / "outcomes.csv"
    write_rows(expected([(2019, "all", 1, 2)]), out, append=True)
    write_rows(expected([(2020, "all", 3, 4)]), out, append=False)
    back = pd.read_csv(out)
    assert back[["year", "numerator", "denominator"]].values.tolist() == [[2020, 3, 4]]


def test_write_refuses_repeated_rows(tmp_path):
    out = tmp_path / "outcomes.csv"
    with raises_at(out, None, None, "rows to write repeat"):
        write_rows(expected([(2019, "all", 1, 2), (2019, "all", 1, 2)]), out, append=False)
    assert not out.exists()


def test_cia_round_trip_through_writer(tmp_path):
    path = write_table(tmp_path / "single.csv", SINGLE)
    out = tmp_path / "outcomes.csv"
    write_rows(cia(path).rows, out, append=False)
    back = pd.read_csv(out, dtype={"numerator": "Int64", "denominator": "Int64", "year": "Int64",
                                   "value": "Float64", "community_id": "str", "indicator_id": "str",
                                   "group": "str"})
    pd.testing.assert_frame_equal(back, cia(path).rows)


# ------------------------------------------------------------------------------------------ students
STUDENTS = {
    "student_id": [1, 2, 3, 4, 5, 6],
    "community_id": ["alpha", "alpha", "alpha", "alpha", "beta", "alpha"],
    "year": [2019, 2019, 2019, 2019, 2020, 2018],
    "race": ["black", "white", "black", None, "white", "black"],
    "low_income": [1, 0, 1, 0, 1, 1],
    "english_learner": [0, 0, 1, 0, 0, 0],
    "gender": ["female", "male", "male", "female", "female", "male"],
    "disability": [0, 1, 0, 0, 0, 0],
    "hs_grad": [1, 0, 1, None, 1, 0],
    "k_ready": [None, 1, 0, 1, None, 1],
}
# Hand-computed from STUDENTS (year >= 2019 rows: students 1-5).
STUDENT_ROWS_2019_ON = [
    ("alpha", "hs_grad", 2019, "all", 2, 3),
    ("alpha", "hs_grad", 2019, "black", 2, 2),
    ("alpha", "hs_grad", 2019, "disability", 0, 1),
    ("alpha", "hs_grad", 2019, "english_learner", 1, 1),
    ("alpha", "hs_grad", 2019, "female", 1, 1),
    ("alpha", "hs_grad", 2019, "low_income", 2, 2),
    ("alpha", "hs_grad", 2019, "male", 1, 2),
    ("alpha", "hs_grad", 2019, "not_low_income", 0, 1),
    ("alpha", "hs_grad", 2019, "white", 0, 1),
    ("alpha", "k_ready", 2019, "all", 2, 3),
    ("alpha", "k_ready", 2019, "black", 0, 1),
    ("alpha", "k_ready", 2019, "disability", 1, 1),
    ("alpha", "k_ready", 2019, "english_learner", 0, 1),
    ("alpha", "k_ready", 2019, "female", 1, 1),
    ("alpha", "k_ready", 2019, "low_income", 0, 1),
    ("alpha", "k_ready", 2019, "male", 1, 2),
    ("alpha", "k_ready", 2019, "not_low_income", 2, 2),
    ("alpha", "k_ready", 2019, "white", 1, 1),
    ("beta", "hs_grad", 2020, "all", 1, 1),
    ("beta", "hs_grad", 2020, "female", 1, 1),
    ("beta", "hs_grad", 2020, "low_income", 1, 1),
    ("beta", "hs_grad", 2020, "white", 1, 1),
]
STUDENT_ROWS_2018 = [
    ("alpha", "hs_grad", 2018, "all", 0, 1), ("alpha", "hs_grad", 2018, "black", 0, 1),
    ("alpha", "hs_grad", 2018, "low_income", 0, 1), ("alpha", "hs_grad", 2018, "male", 0, 1),
    ("alpha", "k_ready", 2018, "all", 1, 1), ("alpha", "k_ready", 2018, "black", 1, 1),
    ("alpha", "k_ready", 2018, "low_income", 1, 1), ("alpha", "k_ready", 2018, "male", 1, 1),
]


def student_frame(rows) -> pd.DataFrame:
    rows = sorted(rows)
    return pd.DataFrame({
        "community_id": pd.Series([r[0] for r in rows], dtype="str"),
        "indicator_id": pd.Series([r[1] for r in rows], dtype="str"),
        "year": pd.Series([r[2] for r in rows], dtype="Int64"),
        "group": pd.Series([r[3] for r in rows], dtype="str"),
        "numerator": pd.Series([r[4] for r in rows], dtype="Int64"),
        "denominator": pd.Series([r[5] for r in rows], dtype="Int64"),
        "value": pd.Series([None] * len(rows), dtype="Float64"),
    })


def write_students(path: Path, columns: dict[str, list[object]], types: dict[str, pa.DataType] | None = None):
    """Parquet via pyarrow (types inferred unless given) or CSV via pandas (whole-number flags as ints)."""
    if path.suffix == ".parquet":
        types = types or {}
        pq.write_table(pa.table({k: pa.array(v, types.get(k)) for k, v in columns.items()}), path)
    else:
        frame = pd.DataFrame(columns)
        numeric = [k for k in ("hs_grad", "k_ready") if k in columns and frame[k].dropna().map(
            lambda v: isinstance(v, int | float)).all()]
        frame.astype({k: "Int64" for k in numeric}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_students_aggregate_to_hand_computed_rows(tmp_path, suffix):
    path = write_students(tmp_path / f"students{suffix}", STUDENTS)
    got = aggregate_students(path)
    pd.testing.assert_frame_equal(got, student_frame(STUDENT_ROWS_2019_ON + STUDENT_ROWS_2018))
    got_2019 = aggregate_students(path, min_year=2019)
    pd.testing.assert_frame_equal(got_2019, student_frame(STUDENT_ROWS_2019_ON))


def test_students_parquet_narrow_and_boolean_types(tmp_path):
    types = {"low_income": pa.int8(), "english_learner": pa.bool_(), "disability": pa.uint8(),
             "hs_grad": pa.int8(), "k_ready": pa.float64()}
    columns = dict(STUDENTS, english_learner=[bool(v) for v in STUDENTS["english_learner"]])
    got = aggregate_students(write_students(tmp_path / "s.parquet", columns, types), min_year=2019)
    pd.testing.assert_frame_equal(got, student_frame(STUDENT_ROWS_2019_ON))


def test_students_without_group_columns_give_all_only(tmp_path):
    columns = {k: STUDENTS[k] for k in ("student_id", "community_id", "year", "hs_grad")}
    got = aggregate_students(write_students(tmp_path / "s.parquet", columns), min_year=2019)
    pd.testing.assert_frame_equal(got, student_frame([("alpha", "hs_grad", 2019, "all", 2, 3),
                                                      ("beta", "hs_grad", 2020, "all", 1, 1)]))


def _with(**changes) -> dict[str, list[object]]:
    columns = {k: list(v) for k, v in STUDENTS.items() if k not in changes or changes[k] is not None}
    columns.update({k: v for k, v in changes.items() if v is not None})
    return columns


@pytest.mark.parametrize(
    ("columns", "row", "column", "message"),
    [
        pytest.param(_with(year=None), 1, "year", "required column is missing", id="missing-year"),
        pytest.param(_with(hs_grad=[1, 0, 2, None, 1, 0]), None, "hs_grad",
                     "1 value(s) are not 0, 1 or empty", id="flag-not-binary"),
        pytest.param(_with(k_ready=["yes", "no", "yes", None, "no", "yes"]), None, "k_ready",
                     "5 value(s) are not 0, 1 or empty", id="flag-text"),
        pytest.param(_with(low_income=[1, 0, 3, 0, 1, 1]), None, "low_income", "values must be 0, 1 or empty",
                     id="group-not-binary"),
        pytest.param(_with(race=["Black", "white", "black", None, "white", "black"]), None, "race",
                     "'Black' is not a group id", id="race-not-an-id"),
        pytest.param(_with(community_id=["alpha", "Alpha Town", "alpha", "alpha", "beta", "alpha"]), None,
                     "community_id", "'Alpha Town' is not a slug", id="community-not-a-slug"),
        pytest.param(_with(Grad=[1, 0, 1, 0, 1, 0]), 1, "Grad", "not an indicator id", id="flag-name"),
        pytest.param(_with(race=["female", "white", "black", None, "white", "black"]), None, "race",
                     "group 'female' also comes from column(s) gender", id="group-clash"),
    ],
)
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_student_errors_name_file_and_column(tmp_path, suffix, columns, row, column, message):
    path = write_students(tmp_path / f"s{suffix}", columns)
    with raises_at(path, row, column, message):
        aggregate_students(path)


def test_student_csv_bad_value_beyond_the_type_sample_names_its_line(tmp_path):
    path = tmp_path / "late.csv"
    lines = ["student_id,community_id,year,k_ready", *(f"{i},alpha,2019,{i % 2}" for i in range(30_000)),
             "30000,alpha,2019,yes"]
    path.write_text("\n".join(lines) + "\n")
    with raises_at(path, 30_002, "k_ready", "'yes' is not a number"):
        aggregate_students(path)


def test_student_file_without_flags_is_refused(tmp_path):
    columns = {k: STUDENTS[k] for k in ("student_id", "community_id", "year", "race")}
    path = write_students(tmp_path / "s.csv", columns)
    with raises_at(path, 1, None, "no outcome flag columns"):
        aggregate_students(path)
