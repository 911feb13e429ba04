"""Small HTML fragments with escaping by construction (markupsafe): user text can never become markup."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

import pandas as pd
from markupsafe import Markup, escape

from ci_lib import vocabulary
from ci_lib.pages.plots import Figure

URL = re.compile(r"https?://[^\s<>\"']+$")


def link_or_text(text: str | None) -> Markup:
    """Only http(s) URLs become links; everything else is shown as escaped text."""
    if not text:
        return Markup("")
    text = str(text).strip()
    if URL.match(text):
        return Markup('<a href="{0}" rel="nofollow noopener">{0}</a>').format(text)
    return escape(text)


def table(frame: pd.DataFrame, caption: str | None = None, classes: str = "data", index: bool = True,
          cells: dict[str, object] | None = None) -> Markup:
    """An escaped HTML table; `cells` maps a column to a function returning Markup for its values.

    Built by joining escaped strings, not with `Markup.format` per cell: that runs a string formatter for
    every cell, and a page has a table for each of its charts (the same HTML either way, tested).
    """
    cells = cells or {}
    head = [frame.index.name or ""] if index else []
    head += [str(c) for c in frame.columns]
    parts = [f'<table class="{escape(classes)}">']
    if caption:
        parts.append(f"<caption>{escape(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f'<th scope="col">{escape(h)}</th>' for h in head) + "</tr></thead><tbody>")
    renders = [cells.get(str(column)) or fmt for column in frame.columns]
    for key, row in zip(frame.index.tolist(), frame.to_numpy(dtype=object).tolist(), strict=True):
        tds = [f'<th scope="row">{escape(fmt(key))}</th>'] if index else []
        tds += [f"<td>{escape(render(value))}</td>" for render, value in zip(renders, row, strict=True)]  # type: ignore[operator]
        parts.append("<tr>" + "".join(tds) + "</tr>")
    parts.append("</tbody></table>")
    return Markup("".join(parts))


def fmt(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return vocabulary.MISSING
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def figure(fig: Figure, figure_id: str) -> Markup:
    """The image with its alt text, a caption, and the data table in a collapsible block."""
    data = base64.b64encode(fig.image).decode()
    return Markup(
        '<figure class="chart" id="{id}"{crop}><img src="data:{mime};base64,{data}" alt="{alt}">'
        "<figcaption>{caption}</figcaption>"
        '<details class="data-table"><summary>Data table: {caption}</summary>{table}</details></figure>'
    ).format(id=figure_id, crop=print_crop(fig), mime=fig.mime, data=data, alt=fig.alt, caption=fig.caption,
             table=table_with_legend(fig.table))


def print_crop(fig: Figure) -> Markup:
    """The image's printed band as an `object-view-box` inset in percent of its height (`--print-view`, read by
    the print stylesheet), where only a band of it prints; nothing otherwise."""
    height = re.search(rb'<svg[^>]*\sheight="([\d.]+)pt"', fig.image[:4000]) if fig.print_band_pt else None
    if fig.print_band_pt is None or height is None:
        return Markup("")
    top, bottom = (100 * pt / float(height[1]) for pt in fig.print_band_pt)
    return Markup(' style="--print-view: inset({}% 0 {}% 0)"').format(f"{top:.2f}", f"{100 - bottom:.2f}")


def badge(text: str, kind: str) -> Markup:
    return Markup('<span class="badge badge-{}">{}</span>').format(re.sub(r"[^a-z0-9_-]", "", kind), text)


def join(parts: Iterable[Markup]) -> Markup:
    return Markup("").join(parts)


def marks_legend(present: Iterable[str]) -> Markup:
    """The legend line of the marks a page shows (`vocabulary.MARKS` keys): one mark, one meaning, same words."""
    chosen = set(present)
    items = [Markup('<span class="mark">{}</span> {}').format(mark, vocabulary.MARK_WORDS[key])
             for key, mark in vocabulary.MARKS.items() if key in chosen]
    if not items:
        return Markup("")
    return Markup('<p class="marks-legend">Marks: {}.</p>').format(Markup("; ").join(items))


def table_marks(frame: pd.DataFrame) -> list[str]:
    """The marks shown in a table: its cells (as `table` prints them) that are a mark, index included."""
    cells = [fmt(v) for v in frame.to_numpy(dtype=object).ravel().tolist()]
    return vocabulary.marks_present([*cells, *map(fmt, frame.index.tolist())])


def table_with_legend(frame: pd.DataFrame, caption: str | None = None, classes: str = "data", index: bool = True,
                      cells: dict[str, object] | None = None) -> Markup:
    """`table`, followed by the legend line of the marks it shows (none: no line)."""
    return table(frame, caption, classes, index, cells) + marks_legend(table_marks(frame))
