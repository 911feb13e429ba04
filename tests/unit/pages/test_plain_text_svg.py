"""compat.fast_svg_text draws plain texts itself: the SVG must be the stock SVG, byte for byte, for every kind of text."""

from __future__ import annotations

import matplotlib.text
import numpy as np

from ci_lib import compat
from ci_lib.pages import plots


def texts_of_every_kind() -> bytes:
    """A figure whose texts take the plain path (twice each style: the second uses the remembered style) and
    every fallback: empty, hidden, multi-line, rotated, translucent, clipped, with a box, math-like, off-canvas."""
    with plots.styled():
        fig = plots.new_figure((4, 3))
        ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
        for k, (ha, colour, weight) in enumerate([("left", "#222222", "normal"), ("right", "#D55E00", "bold"),
                                                  ("center", "#000000", "normal")] * 2):
            ax.text(0.1 * k, 0.1 * k, f"plain {k}", ha=ha, color=colour, fontweight=weight, fontsize=9 + k,
                    transform=ax.transAxes, va=["top", "center", "bottom", "baseline"][k % 4])
        ax.text(0.5, 0.5, "")
        ax.text(0.5, 0.5, "hidden", visible=False)
        ax.text(0.2, 0.8, "two\nlines")
        ax.text(0.3, 0.7, "three\nlines & <more>\nhere", ha="right", va="center", color="#222222", linespacing=1.0)
        ax.text(0.4, 0.6, "three\nlines\nagain", ha="center", color="#222222", linespacing=1.0)
        ax.text(0.5, 0.5, "a trailing\n", color="#222222")
        ax.text(0.5, 0.4, "$5\nto $10")
        ax.text(0.3, 0.3, "rotated", rotation=30)
        ax.text(0.4, 0.4, "translucent", alpha=0.5)
        ax.text(0.6, 0.6, "clipped", clip_on=True).set_clip_box(ax.bbox)
        ax.text(0.7, 0.2, "boxed", bbox={"facecolor": "white"})
        ax.text(0.1, 0.9, "$5 to $10")
        ax.text(np.nan, 0.5, "nowhere")
        fig.text(0.5, 0.98, "figure title & <escaped>", ha="center", va="top", fontsize=13)
        return plots.svg(fig)


def test_plain_texts_drawn_by_the_kit_are_the_stock_svg(monkeypatch):
    stock_draw = matplotlib.text.Text.draw
    plots.reset_caches()
    fast = [texts_of_every_kind(), texts_of_every_kind()]
    assert matplotlib.text.Text.draw is stock_draw  # only while the kit writes an SVG
    assert compat._TEXT_STYLES  # the plain path was taken
    monkeypatch.setenv(compat.KILL_SWITCH, "1")
    plots.reset_caches()
    stock = texts_of_every_kind()
    assert fast == [stock, stock]
    assert b"plain 5" in stock and b"two" in stock and b"&lt;escaped&gt;" in stock and b"&lt;more&gt;" in stock
