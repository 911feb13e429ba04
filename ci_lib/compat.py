"""Every touch of a third-party library's internals, each behind a version check and one kill switch.

The kit is fast partly because it reaches past some libraries' public interfaces. Each such trick lives
here as a small named function that applies it only on the versions it was checked on (falling back to the
library's stock behaviour elsewhere) and only while `CI_ASSESS_NO_COMPAT` is unset: with
`CI_ASSESS_NO_COMPAT=1` every trick is off and the outputs are byte-identical (tested), but for the network
workbook, whose cells are (openpyxl writes the same numbers in its own way: 1.0 as "1"). The variable is read
at each use, so it reaches worker processes and kernels by inheritance. Third-party modules are imported
only inside the function that needs them (this module sits in the foundation layer).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from packaging.version import InvalidVersion, Version

KILL_SWITCH = "CI_ASSESS_NO_COMPAT"


@dataclass(frozen=True)
class Trick:
    """One reach past a library's public interface: the distribution and the versions it was checked on."""

    name: str
    distribution: str
    lowest: str  # inclusive
    below: str  # exclusive


TRICKS = {t.name: t for t in [
    Trick("skip_validation_on_write:nbformat", "nbformat", "5.9", "6"),
    Trick("skip_validation_on_write:papermill", "papermill", "2.6", "3"),
    Trick("reuse_kernel_client", "nbclient", "0.10", "0.12"),
    Trick("fast_svg_text", "matplotlib", "3.8", "3.12"),
    Trick("fast_svg_paths", "matplotlib", "3.11", "3.12"),
    Trick("worksheet_xml", "openpyxl", "3.1", "3.2"),
    Trick("splice_sheet_rows", "openpyxl", "3.1", "3.2"),
]}


def enabled() -> bool:
    """False when `CI_ASSESS_NO_COMPAT` is set to anything but "" or "0": every trick off, stock behaviour."""
    return os.environ.get(KILL_SWITCH, "") in ("", "0")


@functools.cache
def _distribution_version(distribution: str) -> Version | None:
    try:
        return Version(importlib.metadata.version(distribution))
    except (importlib.metadata.PackageNotFoundError, InvalidVersion):
        return None


def installed_version(distribution: str) -> Version | None:
    """The installed version of `distribution` (None when it is not installed or has no valid version)."""
    return _distribution_version(distribution)


def on(name: str) -> bool:
    """Whether trick `name` applies now: the kill switch is off and the library is in the checked range."""
    if not enabled():
        return False
    trick = TRICKS[name]
    version = installed_version(trick.distribution)
    return version is not None and Version(trick.lowest) <= version < Version(trick.below)


def active() -> list[str]:
    """The tricks that apply in this process (for the manifest and `doctor`)."""
    return [name for name in TRICKS if on(name)]


# --- nbformat and papermill: one validation of an executed notebook, not one per node ---------------------

@contextlib.contextmanager
def skip_validation_on_write() -> Iterator[None]:
    """While papermill runs a notebook on a warm kernel: no node validated on its own, nothing serialised for nothing.

    nbformat validates every node made on the way (each output nbclient builds from a kernel message, each
    cell papermill adds) with a new jsonschema validator each time: about 0.7 ms an output, a tenth of a
    worker's CPU. And with no output path papermill still serialises and validates the whole executed
    notebook, for a handler that drops it. The caller validates the notebook once, when it writes it,
    against the same schema. Replaces the module globals `nbformat.v4.nbbase.validate` and
    `papermill.execute.write_ipynb` for the duration; checked on nbformat 5.11.1 and papermill 2.7.0. Only in
    a thread that runs one notebook at a time in its process: `execute` runs under `tasks.ONE_NOTEBOOK_AT_A_TIME`.
    """
    import nbformat.v4.nbbase
    import papermill.execute

    validate, write = nbformat.v4.nbbase.validate, papermill.execute.write_ipynb
    skip_validate, skip_write = on("skip_validation_on_write:nbformat"), on("skip_validation_on_write:papermill")

    def write_if_asked(nb: Any, path: str | None) -> None:
        if path is not None:
            write(nb, path)

    if skip_validate:
        nbformat.v4.nbbase.validate = lambda node, ref=None: None
    if skip_write:
        papermill.execute.write_ipynb = write_if_asked
    try:
        yield
    finally:
        nbformat.v4.nbbase.validate, papermill.execute.write_ipynb = validate, write


# --- nbclient: execute on a kernel client the caller owns ---------------------------------------------------

@contextlib.contextmanager
def reuse_kernel_client(client: Any, kernel_client: Any) -> Iterator[None]:
    """Run `client` (an nbclient `NotebookClient` given the caller's `km=`) on the caller's open kernel client.

    nbclient takes a caller-owned kernel manager (`km=`, public) but not a client: given none, it opens new
    channels (four zmq sockets) and waits for the kernel to answer, for every notebook. Setting its `kc`
    attribute reuses the warm kernel's channels: measured, a new client costs 220 ms wall (12 ms CPU) a notebook,
    mostly `wait_for_ready`. Off (or outside the range checked, nbclient 0.11.0), nbclient
    opens its own client, which is closed here afterwards (nbclient leaves a client open when the caller owns
    the kernel manager).
    """
    reuse = on("reuse_kernel_client")
    if reuse:
        client.kc = kernel_client
    try:
        yield
    finally:
        opened = getattr(client, "kc", None)
        if not reuse and opened is not None and opened is not kernel_client:
            with contextlib.suppress(Exception):
                opened.stop_channels()


# --- matplotlib: text measured and laid out once per process ----------------------------------------------

_LAYOUTS: dict[tuple[Any, ...], Any] = {}  # layout key -> what `Text._get_layout` returned for it
LAYOUTS_BOUND = 20_000  # distinct texts of a process: a bound, never reached by a year's pages


def _layout_key(text: Any, fonts: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """Everything `Text._get_layout` reads (its position is not among them), or None where it reads more."""
    words = text.get_text()
    if text.get_usetex() or text.get_wrap() or text.get_transform_rotates_text() or "$" in words:
        return None
    return (words, text.get_fontproperties(), text.get_rotation(), text.get_horizontalalignment(),
            text.get_verticalalignment(), text.get_rotation_mode(), text._linespacing,
            text._get_multialignment(), text.get_figure(root=True).dpi, fonts)


@contextlib.contextmanager
def fast_svg_text(measure: Callable[[str, Any, Any], tuple[float, float, float]],
                  fonts: tuple[Any, ...]) -> Iterator[None]:
    """Text metrics and layouts shared by every chart of the process while the kit writes an SVG.

    Matplotlib caches a label's size per renderer, that is per `savefig`, so every chart measured its
    years, ticks, titles and group names again with FreeType (about a quarter of a chart's time). The SVG
    renderer's metrics depend only on the text, its font properties and the font settings (`fonts`):
    `measure(text, prop, ismath)` is the caller's cache of them (math text is measured by matplotlib). A
    text's layout (its lines, box and offsets from its anchor, which matplotlib builds at every draw, reading
    the font's tables each time) depends on those, its alignment, rotation and spacing and the dpi: laid out
    once, it is a sixth of a page's charts. Measured on three test charts: 28 ms CPU a chart with it, 40 ms
    without. The SVG is byte-identical (tested). Replaces
    `RendererSVG.get_text_width_height_descent` and the private `Text._get_layout` for the duration; checked
    on matplotlib 3.11.2. Only during the kit's own `savefig`.
    """
    if not on("fast_svg_text"):
        yield
        return
    import matplotlib.text
    from matplotlib.backends.backend_svg import RendererSVG

    svg_measure, text_layout = RendererSVG.get_text_width_height_descent, matplotlib.text.Text._get_layout  # type: ignore[attr-defined]

    def measure_once(renderer: Any, text: str, prop: Any, ismath: Any) -> tuple[float, float, float]:
        if ismath:
            return svg_measure(renderer, text, prop, ismath)  # type: ignore[no-any-return]
        return measure(text, prop.copy(), ismath)

    def laid_out_once(text: Any, renderer: Any) -> Any:
        key = _layout_key(text, fonts)
        if key is None:
            return text_layout(text, renderer)
        layout = _LAYOUTS.get(key)
        if layout is None:
            layout = text_layout(text, renderer)
            if len(_LAYOUTS) >= LAYOUTS_BOUND:
                _LAYOUTS.clear()
            _LAYOUTS[(key[0], key[1].copy(), *key[2:])] = layout  # a copy: font properties can be changed later
        return layout

    text_draw = matplotlib.text.Text.draw
    RendererSVG.get_text_width_height_descent = measure_once  # type: ignore[method-assign]
    matplotlib.text.Text._get_layout = laid_out_once  # type: ignore[attr-defined]
    matplotlib.text.Text.draw = _plain_text_drawer(text_draw, fonts)  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        RendererSVG.get_text_width_height_descent = svg_measure  # type: ignore[method-assign]
        matplotlib.text.Text._get_layout = text_layout  # type: ignore[attr-defined]
        matplotlib.text.Text.draw = text_draw  # type: ignore[method-assign]


_TEXT_STYLES: dict[tuple[Any, ...], str] = {}  # (font properties, colour, anchor, font settings) -> SVG style


def _plain_text_drawer(stock: Callable[[Any, Any], Any], fonts: tuple[Any, ...]) -> Callable[[Any, Any], Any]:
    """`Text.draw` for a plain text (level, opaque, unclipped, no effects) in an SVG with text kept as text: the
    `<text>` element matplotlib writes (one per line of a text of several lines, as matplotlib writes them: placed
    by a translation, with no anchor), with its style attribute built once per font, colour and anchor.

    Matplotlib's draw makes a graphics context, transforms the text's position twice and builds the CSS of its
    font (expanding the font family list) for every text of every chart: about 0.2 ms a text, a fifth of an
    outcome chart. Anything else goes to the stock draw, which also writes the first text of each style (its
    style attribute is recorded there). The SVG is byte-identical (tested).
    """
    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_mixed import MixedModeRenderer
    from matplotlib.backends.backend_svg import RendererSVG, _generate_transform, _short_float_fmt
    from matplotlib.colors import to_rgba

    as_text = matplotlib.rcParams["svg.fonttype"] == "none"  # fixed for the length of one savefig

    def draw(text: Any, renderer: Any) -> Any:
        svg = renderer._renderer if type(renderer) is MixedModeRenderer else None
        words = text.get_text()
        plain = (type(svg) is RendererSVG and not renderer._rasterizing and renderer._raster_depth == 0
                 and text.get_visible() and words and text.get_rotation() == 0
                 and text.get_alpha() is None and text._url is None and text._bbox_patch is None
                 and not text.get_path_effects() and not text.get_usetex() and not text.get_wrap()
                 and not text.get_rasterized() and text.get_agg_filter() is None
                 and not (text.get_clip_on() and (text.get_clip_box() is not None or text.get_clip_path() is not None))
                 and not np.ma.is_masked(text._x) and not np.ma.is_masked(text._y) and as_text)
        clean, ismath = text._preprocess_math(words) if plain else (words, True)
        lines = "\n" in words  # each line its own element, placed by a translation, with no anchor in its style
        rgba = to_rgba(text.get_color())
        key = (text._fontproperties, rgba, None if lines else text.get_ha(), fonts)
        style = _TEXT_STYLES.get(key) if plain and not ismath else None
        if style is None:
            if not plain or ismath:
                return stock(text, renderer)
            writer = svg.writer  # type: ignore[union-attr]
            element = writer.element

            def recording(tag: str, body: Any = None, attrib: Any = None, **extra: Any) -> Any:
                if tag == "text" and attrib and "style" in attrib:
                    if len(_TEXT_STYLES) >= LAYOUTS_BOUND:
                        _TEXT_STYLES.clear()
                    _TEXT_STYLES[(key[0].copy(), *key[1:])] = attrib["style"]
                return element(tag, body, attrib, **extra)

            writer.element = recording
            try:
                return stock(text, renderer)
            finally:
                del writer.element
        _, info, _ = text._get_layout(renderer)
        posx, posy = float(text.convert_xunits(text._x)), float(text.convert_yunits(text._y))
        posx, posy = text.get_transform().transform((posx, posy))
        if not (np.isfinite(posx) and np.isfinite(posy)):  # matplotlib's own way with a text nowhere
            return stock(text, renderer)
        text._renderer = renderer
        if lines:
            cleaned = [text._preprocess_math(line) for line, _, _ in info]
            if any(math for _, math in cleaned):
                return stock(text, renderer)
            renderer.open_group("text", text.get_gid())
            for (_, _, (x, y)), (line, _) in zip(info, cleaned, strict=True):  # as `Text.draw` and `draw_text` do
                x, y = x + posx, svg.height - (y + posy)  # type: ignore[union-attr]
                svg.writer.element("text", line, attrib={  # type: ignore[union-attr]
                    "style": style, "transform": _generate_transform([("translate", (x, y)),
                                                                      ("rotate", (-text.get_rotation(),))])})
            renderer.close_group("text")
            text.stale = False
            return None
        renderer.open_group("text", text.get_gid())
        x, y = info[0][2]
        x, y = x + posx, svg.height - (y + posy)  # type: ignore[union-attr]
        # what `RendererSVG._draw_text_as_text` does with the anchor of a level text, step by step (the same floats)
        ax, ay = posx, svg.height - posy  # type: ignore[union-attr]
        dir_vert = np.array([np.sin(0.0), np.cos(0.0)])
        v_offset = np.dot(dir_vert, [(x - ax), (y - ay)])
        ax, ay = ax + v_offset * dir_vert[0], ay + v_offset * dir_vert[1]
        angle = text.get_rotation()
        svg.writer.element("text", clean, attrib={  # type: ignore[union-attr]
            "style": style, "x": _short_float_fmt(ax), "y": _short_float_fmt(ay),
            "transform": _generate_transform([("rotate", (-angle, ax, ay))])})
        renderer.close_group("text")
        text.stale = False
        return None

    return draw


_PATH_STYLES: dict[tuple[Any, ...], str] = {}  # (face, line width, dashes, colour, join, cap) -> SVG style


@contextlib.contextmanager
def fast_svg_paths() -> Iterator[None]:
    """A collection's paths written to an SVG with their style attribute built once per colour, width and dash.

    Where the SVG renderer does not define a collection's paths once and refer to them (a chart's panel: a
    handful of strokes, a path each, and marks of a few shapes), matplotlib draws each path through a graphics
    context of its own: it sets the path's colour, width and dashes on it, converts the colour and builds the
    path's CSS from it, and composes the flip to SVG coordinates, for every path of every chart (about a third of
    an outcome chart's drawing). Here the CSS is built the stock way the first time a style is seen and reused;
    each path's data and element are made as matplotlib makes them. Anything else (hatches, links, sketches,
    forced alpha, a renderer other than the SVG one, or where the renderer would define the paths once) goes to
    the stock method. The SVG is byte-identical (tested). Replaces `RendererSVG.draw_path_collection` for the
    duration; checked on matplotlib 3.11.2. Only during the kit's own `savefig`.
    """
    if not on("fast_svg_paths"):
        yield
        return
    from matplotlib.backends.backend_svg import RendererSVG

    stock = RendererSVG.draw_path_collection
    RendererSVG.draw_path_collection = _styled_once(stock)  # type: ignore[method-assign]
    try:
        yield
    finally:
        RendererSVG.draw_path_collection = stock  # type: ignore[method-assign]


def _styled_once(stock: Callable[..., Any]) -> Callable[..., Any]:
    """`RendererSVG.draw_path_collection` for the plain case (see `fast_svg_paths`): what its fallback, the base
    renderer's loop over `_iter_collection` and `draw_path`, writes, with each distinct style made once."""
    import numpy as np
    from matplotlib.backends.backend_svg import RendererSVG

    def draw(self: Any, gc: Any, master_transform: Any, paths: Any, all_transforms: Any, offsets: Any,
             offset_trans: Any, facecolors: Any, edgecolors: Any, linewidths: Any, linestyles: Any,
             antialiaseds: Any, urls: Any, offset_position: Any, *, hatchcolors: Any = None) -> Any:
        hatchcolors = [] if hatchcolors is None else hatchcolors
        args = (gc, master_transform, paths, all_transforms, offsets, offset_trans, facecolors, edgecolors,
                linewidths, linestyles, antialiaseds, urls, offset_position)
        plain = (type(self) is RendererSVG and len(paths) > 0 and gc.get_hatch() is None and gc.get_url() is None
                 and gc.get_sketch_params() is None and not gc.get_forced_alpha()
                 and all(url is None for url in urls)
                 and all(isinstance(c, np.ndarray) and (not len(c) or (c.ndim == 2 and c.shape[1] == 4))
                         for c in (facecolors, edgecolors)))
        if plain:  # the stock method's own test of whether to define each path once (then: the stock method)
            len_path = len(paths[0].vertices)
            uses = self._iter_collection_uses_per_path(paths, all_transforms, offsets, facecolors, edgecolors)
            plain = not (len_path + 9 * uses + 3 < (len_path + 5) * uses)
        if not plain:
            return stock(self, *args, hatchcolors=hatchcolors)
        path_ids = list(self._iter_collection_raw_paths(master_transform, paths, all_transforms))
        n_faces, n_edges, n_widths, n_styles = len(facecolors), len(edgecolors), len(linewidths), len(linestyles)
        if (n_faces == 0 and n_edges == 0 and len(hatchcolors) == 0) or not path_ids:
            return None
        moved = offset_trans.transform(offsets) if len(offsets) else None
        count = max(len(path_ids), len(offsets))
        # the graphics context's state as `_iter_collection` leaves it after each path (it carries over)
        width, dashes, colour = (0.0 if n_edges == 0 else gc.get_linewidth()), gc.get_dashes(), gc.get_rgb()
        join, cap = gc.get_joinstyle(), gc.get_capstyle()
        flipped: dict[int, tuple[Any, Any]] = {}
        clip_attrs = None
        for i in range(count):
            path, transform = path_ids[i % len(path_ids)]
            xo, yo = moved[i % len(moved)] if moved is not None else (0, 0)
            if not (np.isfinite(xo) and np.isfinite(yo)):
                continue
            if n_edges:
                if n_widths:
                    width = float(linewidths[i % n_widths])
                if n_styles:
                    dashes = linestyles[i % n_styles]
                edge = edgecolors[i % n_edges]
                if edge[3] == 0.0:
                    width = 0.0
                else:
                    colour = tuple(float(v) for v in edge)
            face = facecolors[i % n_faces] if n_faces else None
            if face is not None and len(face) == 4 and face[3] == 0:
                face = None
            offset, sequence = dashes
            key = (None if face is None else tuple(float(v) for v in face), width, offset,
                   None if sequence is None else tuple(sequence), tuple(colour), join, cap)
            style = _PATH_STYLES.get(key)
            if style is None:
                gc0 = self.new_gc()
                gc0.copy_properties(gc)
                gc0.set_linewidth(width)
                gc0.set_dashes(offset, sequence)
                gc0.set_foreground(colour, isRGBA=True)
                style = self._get_style(gc0, face)
                gc0.restore()
                if len(_PATH_STYLES) >= LAYOUTS_BOUND:
                    _PATH_STYLES.clear()
                _PATH_STYLES[key] = style
            if xo != 0 or yo != 0:
                transform = transform.frozen()
                transform.translate(xo, yo)
                trans_and_flip = self._make_flip_transform(transform)
            else:  # the same transform for every path of a line collection: flipped once
                kept = flipped.get(id(transform))
                if kept is None:
                    kept = flipped[id(transform)] = (transform, self._make_flip_transform(transform))
                trans_and_flip = kept[1]
            clip = face is None
            path_data = self._convert_path(path, trans_and_flip, clip=clip, simplify=path.should_simplify and clip,
                                           sketch=None)
            if clip_attrs is None:  # the clip is registered where the stock method registers it: at the first path
                clip_attrs = self._get_clip_attrs(gc)
            self.writer.element("path", d=path_data, **clip_attrs, style=style)
        return None

    return draw


def layouts_cached() -> int:
    """How many text layouts `fast_svg_text` holds (for tests and benchmarks)."""
    return len(_LAYOUTS)


def reset_caches() -> None:
    """Forget every memo kept here (text layouts and styles) and the installed versions looked up."""
    _LAYOUTS.clear()
    _TEXT_STYLES.clear()
    _PATH_STYLES.clear()
    _distribution_version.cache_clear()


# --- openpyxl: the raw XML of a read-only worksheet ---------------------------------------------------------

def worksheet_xml(sheet: Any) -> Callable[[], Any] | None:
    """A function opening the XML stream of a read-only worksheet, or None (then the caller reads cells instead).

    The formula-cell check scans the sheet's XML for `<f>` elements with no saved value: one pass over the
    bytes, usually stopped by a regular expression before any parsing. openpyxl exposes the stream only as
    the private `ReadOnlyWorksheet._get_source`; checked on openpyxl 3.1.5.
    """
    if not on("worksheet_xml"):
        return None
    source = getattr(sheet, "_get_source", None)
    return source if callable(source) else None


# --- openpyxl: a write-only sheet's data rows spliced into the XML it wrote for the header ---------------

def sheet_rows_spliced() -> bool:
    """Whether a workbook's data rows may be spliced into openpyxl's sheet XML (`splice_sheet_rows`); when not,
    the caller appends them through openpyxl's write-only sheet (the same cells, read back, tested)."""
    return on("splice_sheet_rows")


_COLUMN_LETTERS: list[str] = []
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_TEXT_CELLS: dict[str, str] = {}  # text -> the rest of its cell after the reference (labels repeat on every row)


def _letters() -> list[str]:
    if not _COLUMN_LETTERS:
        from openpyxl.utils import get_column_letter

        _COLUMN_LETTERS.extend(get_column_letter(i) for i in range(1, 64))
    return _COLUMN_LETTERS


def sheet_row_xml(number: int, values: list[Any]) -> str:
    """One row as SpreadsheetML: numbers as numbers, booleans as booleans, text as inline strings, None no cell.
    Built from parts, each text cell made once: the hot loop of a workbook."""
    row = str(number)
    parts = ['<row r="', row, '">']
    for letter, value in zip(_letters(), values, strict=False):
        if value is None:
            continue
        kind = type(value)
        if kind is str:
            inner = _TEXT_CELLS.get(value)
            if inner is None:
                if len(_TEXT_CELLS) > 1 << 16:
                    _TEXT_CELLS.clear()
                space = ' xml:space="preserve"' if value != value.strip() else ""
                inner = _TEXT_CELLS[value] = f't="inlineStr"><is><t{space}>{value.translate(_XML_TEXT)}</t></is></c>'
            parts += ('<c r="', letter, row, '" ', inner)
        elif kind is bool:
            parts += ('<c r="', letter, row, '" t="b"><v>', "1" if value else "0", "</v></c>")
        else:  # int or float (finite: the caller blanks the others)
            parts += ('<c r="', letter, row, '" t="n"><v>', repr(value), "</v></c>")
    parts.append("</row>")
    return "".join(parts)


class SheetRowPattern:
    """`sheet_row_xml` of a row with `SLOT` for some numbers, made once and filled per row (`row`): a row whose
    texts repeat (each year of a series) is then a few joins, not built cell by cell; the same XML (tested)."""

    def __init__(self, values: list[Any]):
        if any(_ROW_MARK in v or _SLOT_MARK in v for v in values if type(v) is str):
            raise ValueError("a cell's text holds a control character (clean it first)")
        self.pieces = sheet_row_xml(_ROW_MARK, values).split(_ROW_MARK)  # type: ignore[arg-type]

    def row(self, number: int, *numbers: float) -> str:
        """The row numbered `number` with the `SLOT` values (ints or floats, written as `repr` writes them)."""
        xml = str(number).join(self.pieces)
        for value in numbers:
            xml = xml.replace(_SLOT_MARK, repr(value), 1)
        return xml


_ROW_MARK, _SLOT_MARK = "\x00", "\x01"  # neither can be in a cell's text (no XML 1.0 character)


class _Slot:
    def __repr__(self) -> str:
        return _SLOT_MARK


SLOT: Any = _Slot()  # a number's place in a `SheetRowPattern`


def splice_sheet_rows(source: Any, target: Any, rows: Any) -> bool:
    """`splice_sheet_xml` of `rows` (lists of cell values: text cleaned, None for no cell), numbered from 2."""
    return splice_sheet_xml(source, target, (sheet_row_xml(n, row) for n, row in enumerate(rows, start=2)))


def splice_sheet_xml(source: Any, target: Any, rows: Any) -> bool:
    """Copy openpyxl's XML of a write-only sheet holding only its header row (`source`) to `target` with
    `rows` (each row's SpreadsheetML, numbered from 2) after that row. False when the XML has no
    `</sheetData>` (an openpyxl laying sheets out otherwise). Checked on openpyxl 3.1.5."""
    head, end, tail = source.read().partition(b"</sheetData>")
    if not end:
        return False
    target.write(head)
    buffer: list[str] = []
    for row in rows:
        buffer.append(row)
        if len(buffer) == 2000:
            target.write("".join(buffer).encode("utf-8"))
            buffer.clear()
    target.write("".join(buffer).encode("utf-8") + end + tail)
    return True
