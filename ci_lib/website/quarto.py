"""The Quarto path: a real website project over the year's executed notebooks.

The project lives in `reports/<year>/_quarto/`, apart from the published `_site/` (an old site inside the
project was copied into the new one by Quarto's resource globs). It holds the project file (the repository's
`_quarto.yml` with title, years menu and page list filled in), the theme (Bootstrap's default plus the
content and print rules of the built-in stylesheet), the built-in site's page scripts (inline), the listing
(Quarto's own for one page of members; above, the built-in site's pages and search index), indicator, Methods
and Downloads pages as `.qmd` (the indicator pages with their sort script), the data files
the site publishes, and a copy of each executed notebook whose HTML outputs are raw HTML blocks: Quarto loads
RequireJS and jQuery from a CDN for any page with a `text/html` or JavaScript output. Community notebooks carry
their front matter in a first raw cell (title, description, categories for the listing's filter).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from ci_lib.atomic import write_if_changed
from ci_lib.errors import KitError
from ci_lib.escape import markdown_text, yaml_scalar
from ci_lib.layout import YearLayout
from ci_lib.website import indicators, listing
from ci_lib.website.content import YearContent

DEFAULT_PROJECT = Path(__file__).resolve().parents[2] / "_quarto.yml"
ASSETS = Path(__file__).parent / "assets"
THEME_FILE = "quarto-theme.scss"
# The built-in site's page scripts every Quarto page carries too (inline, so no path depends on the page's depth):
# tables.js puts wide tables in a scrolling region with a visible "Scroll sideways" cue and names their columns
# for the print stylesheet.
SCRIPTS_FILE = "site-scripts.html"
PAGE_SCRIPTS = ("tables.js",)
# What a page notebook may not carry: Quarto adds RequireJS and jQuery (cdnjs) for text/html and JavaScript
# outputs, and the widget manager (unpkg) for widget views.
SCRIPTED_MIME = frozenset({"text/html", "application/javascript", "application/vnd.jupyter.widget-view+json",
                           "application/vnd.jupyter.widget-state+json"})
# The files the site publishes besides its pages (the `resources:` of `_quarto.yml`, anchored at its root).
PUBLISHED = ("data/*.csv", "scores/*.json", "downloads/*", "manifest.json")

LISTING_QMD = """---
title: Communities
listing:
  id: communities
  contents: communities/*.ipynb
  type: table
  fields: [title, description, categories]
  field-display-names:
    title: Community
    description: Gateway and state
  sort: "title"
  sort-ui: [title, description]
  filter-ui: true
  categories: true
  page-size: 100
---
"""


def project_dir(report_dir: Path) -> Path:
    return YearLayout.of(report_dir).quarto


def years_menu(content: YearContent) -> dict[str, Any] | None:
    """The navbar's year switcher: links relative to the site root, the way `reports/` lays out the years."""
    if len(content.years) < 2:
        return None
    items = [{"text": str(y), "href": "index.ipynb" if y == content.year else f"../../{y}/_site/index.html"}
             for y in sorted(content.years, reverse=True)]
    return {"text": f"Year {content.year}", "menu": [*items, {"text": "Archive", "href": "../../index.html"}]}


def project_config(content: YearContent, template: Path | None = None) -> dict[str, Any]:
    path = template or (Path("_quarto.yml") if Path("_quarto.yml").exists() else DEFAULT_PROJECT)
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config.setdefault("website", {})["title"] = content.title
    config["website"].setdefault("page-footer", {})["center"] = (
        f"Civic Infrastructure Assessment Kit {content.manifest['kit_version']} · run date "
        f"{content.manifest.get('run_date') or 'not recorded'}")
    resources = config["project"].setdefault("resources", [])
    if f"/{listing.INDEX_FILE}" not in resources:
        resources.append(f"/{listing.INDEX_FILE}")
    menu = years_menu(content)
    if menu is not None:
        config["website"].setdefault("navbar", {})["right"] = [menu]
    # only pages whose notebooks succeeded are published
    config["project"]["render"] = page_sources(content)
    html = config.setdefault("format", {}).setdefault("html", {})
    after = html.get("include-after-body") or []
    after = [after] if isinstance(after, str | dict) else list(after)
    if SCRIPTS_FILE not in after:
        html["include-after-body"] = [*after, SCRIPTS_FILE]
    return config


def page_sources(content: YearContent) -> list[str]:
    index = ["index.ipynb"] if content.layout.network_notebook.exists() else []
    return [*index, *listing_sources(content), *[f"communities/{cid}.ipynb" for cid in sorted(content.scores)],
            *indicator_sources(content), "methods.qmd", "downloads.qmd"]


def listing_sources(content: YearContent) -> list[str]:
    """The Communities listing: Quarto's own listing for one page of members, our pages above (`ci_lib.website.listing`)."""
    return [qmd(path) for path in listing.page_paths(content)]


def listing_files(content: YearContent) -> dict[str, str]:
    """The listing's `.qmd` pages and its search index. One page of members: Quarto's listing page, as it was
    (Quarto draws every member into it); more: the built-in site's pages as raw HTML blocks, with their script."""
    files = {listing.INDEX_FILE: listing.index_json(content)}
    if not listing.paginated(content):
        return {**files, "communities.qmd": LISTING_QMD}
    files[f"assets/{listing.SCRIPT}"] = (ASSETS / listing.SCRIPT).read_text(encoding="utf-8")
    script = f'<script src="assets/{listing.SCRIPT}"></script>'
    for number, path in enumerate(listing.page_paths(content), 1):
        body = f"{listing.page_html(content, number)}\n{script}"
        files[qmd(path)] = qmd_page(listing.page_title(content, number), raw_html_block(body))
    return files


def indicator_sources(content: YearContent) -> list[str]:
    """The index of indicators and every indicator page (`ci_lib.website.indicators`) as `.qmd` sources."""
    return [qmd(indicators.INDEX), *[qmd(path) for path, *_ in indicators.pages(content)]]


def qmd(page: str) -> str:
    return page.removesuffix(".html") + ".qmd"


def indicator_files(content: YearContent) -> dict[str, str]:
    """The indicator pages' `.qmd` text (their HTML as a raw block, with the sort script) and the script."""
    script = f'<script src="../assets/{indicators.SCRIPT}"></script>'
    body = indicators.bodies(content)
    files = {qmd(indicators.INDEX): qmd_page("Indicators", raw_html_block(body[indicators.INDEX])),
             f"assets/{indicators.SCRIPT}": (ASSETS / indicators.SCRIPT).read_text(encoding="utf-8")}
    for path, title, _, _ in indicators.pages(content):
        files[qmd(path)] = qmd_page(title, raw_html_block(f"{body[path]}\n{script}"))
    return files


def shared_css() -> str:
    """The content rules of the built-in stylesheet: every block between a `shared: begin` and a `shared: end`
    comment, in order (the print rules are a block at the end, after the built-in site's own rules they override)."""
    css = (ASSETS / "site.css").read_text(encoding="utf-8")
    found = re.findall(r"/\* shared: begin.*?\*/\n(.*?)/\* shared: end \*/", css, re.S)
    if not found:
        raise KitError(f"{ASSETS / 'site.css'}: the shared block (/* shared: begin ... */ ... /* shared: end */) is missing")
    return "".join(found)


def theme_scss() -> str:
    """Our Quarto theme: `quarto-theme.scss` plus the shared content rules (plain CSS is valid SCSS)."""
    theme = (Path(__file__).parent / THEME_FILE).read_text(encoding="utf-8")  # not in assets/: the built-in site copies those
    return f"{theme}\n/*-- scss:rules --*/\n/* from ci_lib/website/assets/site.css, shared block */\n{shared_css()}"


def page_scripts() -> str:
    """The built-in site's page scripts as inline <script> blocks, for Quarto's `include-after-body`."""
    return "".join(f"<script>\n/* ci_lib/website/assets/{name} */\n{(ASSETS / name).read_text(encoding='utf-8')}</script>\n"
                   for name in PAGE_SCRIPTS)


def qmd_page(title: str, markdown: str) -> str:
    """A `.qmd` page: front matter with the title as a quoted scalar (Pandoc reads it as Markdown), then the body."""
    return f"---\ntitle: {yaml_scalar(markdown_text(title))}\n---\n\n{markdown}"


def raw_html_block(html: str) -> str:
    """HTML that Pandoc passes through untouched: a fenced raw block, its fence longer than any in the HTML."""
    longest = max((len(m) for m in re.findall(r"^\s*(`{3,})", html, re.M)), default=2)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{{=html}}\n{html.rstrip()}\n{fence}\n"


def plain_html_notebook(data: bytes) -> bytes:
    """The notebook Quarto renders: each HTML output as a Markdown output holding a raw HTML block, no scripts.

    The executed notebook in `communities/` is left as it is (built-in site, `verify`, JupyterLab)."""
    nb = json.loads(data)
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        outputs = []
        for output in cell.get("outputs", []):
            bundle = output.get("data")
            if output.get("output_type") in {"display_data", "execute_result"} and bundle is not None:
                html = bundle.get("text/html")
                if html is not None:
                    text = "".join(html) if isinstance(html, list) else str(html)
                    output = {"output_type": "display_data", "metadata": {},
                              "data": {"text/markdown": raw_html_block(text)}}
                elif SCRIPTED_MIME & bundle.keys():
                    continue  # a script-only output shows nothing without its CDN runtime
            outputs.append(output)
        if "outputs" in cell:
            cell["outputs"] = outputs
    return (json.dumps(nb, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def write_project(content: YearContent, template: Path | None = None) -> list[Path]:
    """Write `_quarto.yml`, the theme and the `.qmd` pages into the year's Quarto project (`_quarto/`)."""
    pd = project_dir(content.report_dir)
    files = {
        "_quarto.yml": "# Generated by ci-assess render from the repository's _quarto.yml\n"
                       + yaml.safe_dump(project_config(content, template), sort_keys=False, allow_unicode=True),
        THEME_FILE: theme_scss(),
        SCRIPTS_FILE: page_scripts(),
        **listing_files(content),
        "methods.qmd": qmd_page("Methods", content.methods_markdown()),
        "downloads.qmd": qmd_page("Downloads", content.downloads_markdown()),
        **indicator_files(content),
    }
    for name, text in files.items():
        write_if_changed(pd / name, text.encode("utf-8"))
    for old in [*(pd / "indicators").glob("*.qmd"), *pd.glob("communities-*.qmd")]:  # fewer pages, or indicators
        if old.relative_to(pd).as_posix() not in files:
            old.unlink()
    return [pd / name for name in files]


def stage_sources(content: YearContent) -> None:
    """Put the page notebooks (HTML outputs as raw HTML) and the published files into the project.

    Files are rewritten only when their bytes change, so Quarto's own index sees unchanged pages as unchanged;
    files no longer published (a community that failed or left) are removed."""
    rd, pd = content.report_dir, project_dir(content.report_dir)
    wanted: set[Path] = set()
    for source in page_sources(content):
        if source.endswith(".ipynb"):
            target = pd / source
            write_if_changed(target, plain_html_notebook((rd / source).read_bytes()))
            wanted.add(target)
    for pattern in PUBLISHED:
        for path in sorted(rd.glob(pattern)):
            if path.is_file():
                target = pd / path.relative_to(rd)
                write_if_changed(target, path.read_bytes())
                wanted.add(target)
    for folder in ("communities", "data", "scores", "downloads"):
        for path in (pd / folder).glob("*"):
            if path.is_file() and path not in wanted:
                path.unlink()


def quarto_available() -> bool:
    return shutil.which("quarto") is not None


def sources_for_pages(content: YearContent, pages: set[str]) -> list[str]:
    """The `quarto render` inputs for the changed output pages, plus the overview, listing, Methods and
    Downloads: they summarise the communities. Indicator pages only when they changed: their keys hash exactly
    what they show (`ci_lib.website.indicators.page_keys`), and at thousands of members they are many."""
    sources = page_sources(content)
    out = {s: s.rsplit(".", 1)[0] + ".html" for s in sources}
    per_page = set(indicator_sources(content))
    return [s for s in sources if out[s] in pages or not (s.startswith("communities/") or s in per_page)]


def render_quarto(content: YearContent, out: Path, pages: set[str] | None = None) -> dict[str, Any]:
    """Run `quarto render` on the year's project into `out` (a temporary directory swapped in later).

    `pages`: the output pages that changed; `out` then starts as a copy of the previous site and only their
    sources (plus the summary pages) are passed to Quarto. None: the whole project."""
    stage_sources(content)
    pd = project_dir(content.report_dir)
    inputs = ["."] if pages is None else sources_for_pages(content, pages)
    command = ["quarto", "render", *inputs, "--output-dir", str(out.resolve()), "--no-execute"]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=pd)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise KitError(f"quarto render failed (exit {proc.returncode}); the previous site is left intact:\n{tail}")
    rendered = len(page_sources(content)) if pages is None else len(inputs)
    return {"engine": "quarto", "pages": len(page_sources(content)), "rendered": rendered}
