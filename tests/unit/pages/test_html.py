"""The HTML tables every page shows: escaped, formatted, and the same markup whatever the column types."""

from __future__ import annotations

import numpy as np
import pandas as pd
from markupsafe import Markup

from ci_lib.pages import markup as html

EXPECTED = (
    '<table class="data x&amp;y"><caption>Gaps &lt;pp&gt; &amp; trends</caption><thead><tr>'
    '<th scope="col">year</th><th scope="col">All &lt;students&gt;</th><th scope="col">n</th>'
    '<th scope="col">note</th><th scope="col">link</th></tr></thead><tbody>'
    '<tr><th scope="row">2021</th><td>41.2</td><td>12</td><td>a &lt;b&gt; &amp; &#34;c&#34;</td><td><b>ok</b></td></tr>'
    '<tr><th scope="row">2022</th><td>–</td><td>7</td><td>–</td><td><b>ok</b></td></tr>'
    "</tbody></table>"
)


def frame() -> pd.DataFrame:
    table = pd.DataFrame({"All <students>": [41.25, np.nan], "n": [12, 7], "note": ['a <b> & "c"', None],
                          "link": ["x", "y"]}, index=pd.Index([2021, 2022], name="year"))
    return table


def test_a_table_escapes_text_formats_numbers_and_shows_missing_values_as_a_dash():
    out = html.table(frame(), "Gaps <pp> & trends", classes="data x&y", cells={"link": lambda v: Markup("<b>ok</b>")})
    assert isinstance(out, Markup)
    assert str(out) == EXPECTED


def test_a_table_without_its_index_or_rows():
    out = html.table(frame().iloc[:0], index=False)
    assert str(out) == ('<table class="data"><thead><tr><th scope="col">All &lt;students&gt;</th><th scope="col">n</th>'
                        '<th scope="col">note</th><th scope="col">link</th></tr></thead><tbody></tbody></table>')
