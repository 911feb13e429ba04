"""Text that is never markup: partner and params text escaped for the format it lands in.

Names, states, indicator names and free text come from partners' files. Wherever they are written into a
format with syntax of its own they pass through one of these, so a name is shown as the text it is:

- `markdown_text`: Markdown read by mistune (built-in site) and by Pandoc (Quarto's `.qmd` pages and the
  notebooks' front matter, which Pandoc and Quarto's listings read as Markdown).
- `markdown_code`: an inline code span of the same.
- `csv_cell`: a text cell of a published CSV, neutralised against formula injection (OWASP).
- `yaml_scalar`: a YAML double-quoted scalar for front matter.

HTML is escaped by construction elsewhere (Jinja autoescape and markupsafe in `ci_lib.pages.markup`); matplotlib
escapes SVG text itself and the kit's charts read no mathtext (`plots.STYLE`).
"""

from __future__ import annotations

import json
import re
import string
from typing import Any

# CommonMark lets any ASCII punctuation be backslash-escaped, and so does Pandoc's Markdown. Escaping all of
# it (not only today's markup characters) also covers Pandoc's extensions: `$` maths, `@` citations, `^`/`~`
# super/subscript, `:` emoji and definition lists, `&` entities, bare-URL autolinks (`https\:\/\/`).
MARKDOWN_PUNCTUATION = frozenset(string.punctuation)
# OWASP CSV injection: a cell starting with one of these is read as a formula by Excel, LibreOffice or
# Google Sheets. The full-width forms are included: some spreadsheet locales read them as the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# YAML's printable set, minus its line breaks beyond \n (NEL, LS, PS): anything else is written as an escape
YAML_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def one_line(text: Any) -> str:
    """Every run of whitespace (newlines, tabs, Unicode line separators) as one space, ends stripped."""
    return " ".join(str(text).split())


def markdown_text(text: Any) -> str:
    """`text` as literal Markdown text on one line: every ASCII punctuation backslash-escaped.

    Safe anywhere inline text goes (a paragraph, a heading, a list item, a table cell: `\\|` does not split a
    cell), and never starts a block, a link, an image, raw HTML, an entity or emphasis.
    """
    line = one_line(text).replace("\0", "\ufffd")  # CommonMark's rule for NUL, which not every engine applies
    return "".join("\\" + ch if ch in MARKDOWN_PUNCTUATION else ch for ch in line)


def markdown_code(text: Any) -> str:
    """`text` as an inline code span (contents literal), on one line.

    The fence is one backtick longer than any run of backticks in the text. A pipe cannot be escaped
    inside a code span the same way by every engine (GFM drops the backslash of `\\|` in a table cell,
    mistune keeps it), so text with a pipe is written as escaped text in a `<code>` element instead.
    """
    line = one_line(text).replace("\0", "\ufffd")
    if not line:
        return ""
    if "|" in line:
        return f"<code>{markdown_text(line)}</code>"
    fence = "`" * (max((len(run) for run in re.findall("`+", line)), default=0) + 1)
    pad = " " if line.startswith("`") or line.endswith("`") else ""
    return f"{fence}{pad}{line}{pad}{fence}"


def csv_cell(text: Any) -> str:
    """A text cell of a published CSV: a leading `'` when the cell would start a formula (OWASP).

    Leading spaces do not hide a formula start from every spreadsheet, so they are looked past. Quotes,
    separators and line breaks inside the cell are the CSV writer's job (it quotes the cell).
    """
    value = "" if text is None else str(text)
    return "'" + value if value.lstrip(" ").startswith(FORMULA_STARTS) else value


def yaml_scalar(text: Any) -> str:
    """`text` as a YAML double-quoted scalar on one line: a JSON string is one, with its escapes.

    Characters YAML may not hold raw, or would read as a line break (NEL, U+2028, U+2029), are escaped too.
    """
    quoted = json.dumps(str(text), ensure_ascii=False)
    return YAML_UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)
