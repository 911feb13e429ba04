"""The built-in renderer: the same pages and navigation as the Quarto site, without Quarto.

Executed notebooks are exported with nbconvert (inputs, prompts and raw cells hidden; never re-executed)
into one shared page template and stylesheet; the listing gets client-side search and filters.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import mistune
import nbformat
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

from ci_lib import vocabulary
from ci_lib.atomic import write_text
from ci_lib.layout import YearLayout
from ci_lib.website import indicators, listing
from ci_lib.website.content import NAV, YearContent

HERE = Path(__file__).parent


class BodiesAhead(Protocol):
    """Page bodies exported before the render (`ci_lib.website.ahead.PagesAhead`, which builds on this module)."""

    def take(self, data: bytes) -> Markup | None: ...


class PageExporter(HTMLExporter):
    """nbconvert's HTML exporter, through its public interface, minus its post-pass.

    The post-pass re-parses each page with BeautifulSoup (thirteen times the rest of a page's export) to add
    placeholder alt text, which our figures never need (they carry real alt text, and `audit-site` fails any
    image without it), and tabindex on the lab template's inputs and outputs, which are not in the basic
    template's markup; the `ci-page` template (templates/nbconvert) makes each output focusable instead.
    The filters are the ones `HTMLExporter.from_notebook_node` registers, made with their public constructors.
    """

    def from_notebook_node(self, nb: nbformat.NotebookNode, resources: dict[str, Any] | None = None,  # type: ignore[override]
                           **kw: Any) -> tuple[str, dict[str, Any]]:
        lexer = nb.metadata.get("language_info", {}).get("pygments_lexer", "ipython3")
        self.register_filter("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata={"": nb.metadata}, parent=self))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


# No preprocessors of nbconvert's default list. Of its twelve for HTML, all but three are disabled, and those
# three (tag removal, regex removal, magics highlighting) change nothing without configuration, which the kit
# never gives them. nbconvert still called every one and validated the whole notebook after each: about a
# sixth of the export. The notebook is validated once when it is read (`nbformat.reads`), and every page is
# byte-identical without them (tested).
PREPROCESSORS: list[str] = []


def exporter() -> HTMLExporter:
    ex = PageExporter(template_name="ci-page", extra_template_basedirs=[str(HERE / "templates" / "nbconvert")],
                      default_preprocessors=PREPROCESSORS)
    ex.exclude_input = True
    ex.exclude_input_prompt = True
    ex.exclude_output_prompt = True
    ex.exclude_raw = True
    return ex


def export_body(exporter: HTMLExporter, data: bytes) -> str:
    """The HTML body of a notebook given as the bytes of its file (what a page of the built-in site shows)."""
    body, _ = exporter.from_notebook_node(nbformat.reads(data.decode("utf-8"), as_version=4))
    return str(body)


def environment() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html", "j2"]))


class BuiltinSite:
    def __init__(self, content: YearContent, out: Path, ahead: BodiesAhead | None = None):
        self.content = content
        self.out = out
        self.ahead = ahead
        self.env = environment()
        self.template = self.env.get_template("page.html.j2")
        self.exporter = exporter()
        self.markdown = mistune.create_markdown(escape=False, plugins=["table"])

    def page(self, path: str, title: str, body: Markup | str, scripts: tuple[str, ...] = ()) -> None:
        depth = path.count("/")
        root = "../" * depth
        nav = [{"href": href, "label": label} for href, label in NAV]
        prov = self.content.manifest
        footer = Markup("Civic Infrastructure Assessment Kit {} · run date {} · data sha256 <code>{}</code>").format(
            prov["kit_version"], prov.get("run_date") or "not recorded", prov["data_sha256"][:12])
        years = [{"year": y, "current": y == self.content.year} for y in sorted(self.content.years, reverse=True)]
        html = self.template.render(title=title, site_title=self.content.title, root=root, nav=nav, current=path,
                                    body=Markup(body), footer=footer, scripts=scripts, years=years)
        write_text(self.out / path, html)

    def notebook_body(self, path: Path) -> Markup:
        data = path.read_bytes()
        body = self.ahead.take(data) if self.ahead is not None else None
        return body if body is not None else Markup(export_body(self.exporter, data))

    def build(self, stale: set[str] | None = None) -> list[str]:
        """Write every page, or only the `stale` ones when the build starts from a copy of the old site."""
        c = self.content
        year = c.layout
        (self.out / "assets").mkdir(parents=True, exist_ok=True)
        for asset in (HERE / "assets").iterdir():
            shutil.copyfile(asset, self.out / "assets" / asset.name)
        pages = ["index.html", "methods.html", "downloads.html"]

        def due(path: str) -> bool:
            return stale is None or path in stale

        if due("index.html"):
            self.page("index.html", c.title, self.notebook_body(year.network_notebook) if year.network_notebook.exists()
                      else Markup("<p class='notice'>The network overview failed to run.</p>"))
        pages += self.listing_pages(due)
        if due("methods.html"):
            self.page("methods.html", "Methods", Markup(self.markdown(c.methods_markdown())))
        if due("downloads.html"):
            self.page("downloads.html", "Downloads", Markup(self.markdown(c.downloads_markdown())))
        for cid, s in c.scores.items():
            path = f"communities/{cid}.html"
            if due(path):
                self.page(path, s["name"], self.notebook_body(year.notebook(cid)))
            pages.append(path)
        pages += self.indicator_pages(due)
        for folder in ("communities", "indicators"):
            published = {page for page in pages if page.startswith(f"{folder}/")}
            for old in (self.out / folder).glob("*.html"):
                if f"{folder}/{old.name}" not in published:
                    old.unlink()
        for folder, source in (("data", year.outcomes_csv), ("scores", year.scores_file)):
            target = self.out / folder
            target.mkdir(exist_ok=True)
            for cid in c.scores:
                shutil.copyfile(source(cid), target / source(cid).name)
        self.copy_downloads()
        shutil.copyfile(year.manifest, self.out / "manifest.json")
        return pages

    def indicator_pages(self, due: Callable[[str], bool]) -> list[str]:
        """The index of indicators and each indicator's pages across the network (`ci_lib.website.indicators`)."""
        c = self.content
        body = indicators.bodies(c)
        if due(indicators.INDEX):
            self.page(indicators.INDEX, "Indicators", body[indicators.INDEX])
        written = [indicators.INDEX]
        for path, title, _, _ in indicators.pages(c):
            if due(path):
                self.page(path, title, body[path], scripts=(indicators.SCRIPT,))
            written.append(path)
        return written

    def copy_downloads(self) -> None:
        """The network downloads (`ci_lib.website.downloads`, written before the render) into the site."""
        source, target = self.content.layout.downloads, self.out / "downloads"
        target.mkdir(exist_ok=True)
        wanted = {p.name for p in source.glob("*") if p.is_file()}
        for old in target.glob("*"):
            if old.name not in wanted:
                old.unlink()
        for name in sorted(wanted):
            shutil.copyfile(source / name, target / name)

    def listing_pages(self, due: Callable[[str], bool]) -> list[str]:
        """The pages of the Communities listing and its search index (`ci_lib.website.listing`)."""
        c = self.content
        written = listing.page_paths(c)
        for number, path in enumerate(written, 1):
            if due(path):
                self.page(path, listing.page_title(c, number), listing.page_html(c, number), scripts=(listing.SCRIPT,))
        if due(listing.FIRST):
            write_text(self.out / listing.INDEX_FILE, listing.index_json(c))
        for old in self.out.glob("communities-*.html"):  # fewer members than before: fewer pages
            if old.name not in written:
                old.unlink()
        return written


ARCHIVE = """
<p>Every published yearly assessment of the network. Each year is a complete site of its own.</p>
<table class="data archive"><caption>Published assessments</caption>
<thead><tr><th scope="col">Year</th><th scope="col">Members</th><th scope="col">Framework</th>
<th scope="col">Members by gateway</th></tr></thead><tbody>
{% for y in years %}<tr><th scope="row"><a href="{{ y.year }}/_site/index.html">{{ y.year }}</a></th><td>{{ y.members }}</td>
<td>{{ y.framework }}</td><td>{{ y.gateways }}</td></tr>
{% endfor %}</tbody></table>
"""


def framework_words(framework: str) -> tuple[str, dict[str, str]]:
    """A framework's title and gateway labels, for readers (its id and no labels where this kit does not know it)."""
    from ci_lib.errors import KitError
    from ci_lib.inputs.rubric import load_rubric

    try:
        rubric = load_rubric(framework)
    except KitError:
        return framework, {}
    return rubric.title, vocabulary.gateway_labels(rubric.gateways)


def write_archive(reports_root: Path) -> Path | None:
    """`reports/index.html`: the list of published years, linking each year's site."""
    import json

    years = []
    for year in reversed(YearLayout.under(reports_root)):
        if not year.manifest.exists() or not year.published():
            continue
        m = json.loads(year.manifest.read_text())
        per = m.get("rollup", {}).get("members_per_gateway", {})
        title, labels = framework_words(m["framework"])
        years.append({"year": m["year"], "members": m.get("rollup", {}).get("members", len(m["communities"])),
                      "framework": title,
                      "gateways": ", ".join(f"{vocabulary.gateway_label(k, labels)} {v}" for k, v in per.items() if v)})
    if not years:
        return None
    env = environment()
    latest = years[0]["year"]
    body = Markup(env.from_string(ARCHIVE).render(years=years))
    nav = [{"href": href, "label": label} for href, label in NAV]
    html = env.get_template("page.html.j2").render(
        title="Archive of assessments", site_title="Assessment archive", root=f"{latest}/_site/", nav=nav,
        current="", body=body, footer=Markup("Civic Infrastructure Assessment Kit"), scripts=(), years=[])
    return write_text(YearLayout(reports_root, latest).archive, html)


def render_builtin(content: YearContent, out: Path, stale: set[str] | None = None,
                   ahead: BodiesAhead | None = None) -> dict[str, Any]:
    pages = BuiltinSite(content, out, ahead).build(stale)
    return {"engine": "builtin", "pages": len(pages), "rendered": len(pages) if stale is None else len(stale)}
