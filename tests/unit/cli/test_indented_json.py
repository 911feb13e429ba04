"""`indented_json` is `json.dumps(indent=1, ensure_ascii=False)` byte for byte (the scores JSON must not change)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from ci_lib.cli.scoring_commands import indented_json

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
keys = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4)
                      | st.tuples(inner, inner), max_leaves=30)
flat_rows = st.lists(st.dictionaries(st.text(), scalars | st.just([]) | st.just({}), min_size=1, max_size=5),
                     min_size=1, max_size=5)


@settings(max_examples=400)
@given(values)
def test_any_value_is_written_as_json_writes_it(value):
    assert indented_json(value) == json.dumps(value, indent=1, ensure_ascii=False)


@settings(max_examples=200)
@given(st.dictionaries(st.text(), flat_rows | scalars, max_size=4))
def test_lists_of_rows_are_written_as_json_writes_them(value):
    assert indented_json([value, {"rows": list(value.values())}]) == json.dumps(
        [value, {"rows": list(value.values())}], indent=1, ensure_ascii=False)


def test_marks_in_the_text_are_escaped_not_read_as_boundaries():
    value = [{"a": "},\x00{", "b": ",\x00"}, {"c": "\x01", "d": {}}, {"e": []}]
    assert indented_json(value) == json.dumps(value, indent=1, ensure_ascii=False)
