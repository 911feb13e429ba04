"""The mobile and print layout (#20 items 7, 8) reaches the Quarto project too, tested structurally: the shared
CSS blocks (table scroll cue, print stylesheet) are in the theme, tables.js is an inline script after every page's
body, and the community page opens on its summary card on both engines."""

from __future__ import annotations

import json
import re

import yaml

from ci_lib.website.content import YearContent
from ci_lib.website.quarto import SCRIPTS_FILE, project_config, shared_css, stage_sources, theme_scss, write_project
from tests.paths import REPO_ROOT

ASSETS = REPO_ROOT / "ci_lib" / "website" / "assets"
SHARED = re.compile(r"/\* shared: begin.*?\*/\n(.*?)/\* shared: end \*/", re.S)


def test_every_shared_block_of_site_css_is_in_the_quarto_theme_in_order():
    css = (ASSETS / "site.css").read_text()
    blocks = SHARED.findall(css)
    assert len(blocks) >= 2  # the content classes, and the print stylesheet after the built-in site's own rules
    theme = theme_scss()
    positions = [theme.index(block) for block in blocks]
    assert positions == sorted(positions) and shared_css() == "".join(blocks)
    for rule in [".table-frame.more-left::before, .table-frame.more-right::after { opacity: 1; }",
                 ".scroll-hint[hidden] { display: none; }", "@media print {", "break-inside: avoid"]:
        assert rule in theme, rule
    # the print block overrides the built-in site's body and heading rules, so it comes after them in site.css
    print_block = next(b for b in blocks if "@media print" in b)
    assert css.index(print_block) > css.index("\nbody {") and css.index(print_block) > css.index("\nh2 {")


def test_quarto_theme_keeps_its_own_chrome_off_paper():
    theme = theme_scss()
    chrome = theme[theme.index("Quarto's own chrome stays off paper"):]
    block = chrome[chrome.index("@media print {"):chrome.index("\n}\n")]
    for selector in ["#quarto-header", "#quarto-margin-sidebar", "#quarto-search", ".nav-footer"]:
        assert selector in block, selector
    assert not re.search(r"https?://|@import", theme)


def test_year_project_runs_tables_js_inline_after_every_page(copy_small_run):
    content = YearContent.load(copy_small_run.report_dir)
    config = project_config(content)
    assert config["format"]["html"]["include-after-body"] == [SCRIPTS_FILE]
    write_project(content)
    pd = copy_small_run.report_dir / "_quarto"
    written = yaml.safe_load((pd / "_quarto.yml").read_text())
    assert written["format"]["html"]["include-after-body"] == [SCRIPTS_FILE]
    scripts = (pd / SCRIPTS_FILE).read_text()
    tables_js = (ASSETS / "tables.js").read_text()
    assert tables_js in scripts and scripts.count("<script>") == scripts.count("</script>") == 1
    assert "src=" not in scripts and not re.search(r"https?://", scripts)  # inline, nothing from outside
    assert "scroll-hint" in tables_js and "dataset.col" in tables_js


def test_a_template_with_its_own_after_body_include_keeps_it(copy_small_run, tmp_path):
    template = yaml.safe_load((REPO_ROOT / "_quarto.yml").read_text())
    template["format"]["html"]["include-after-body"] = "analytics.html"
    path = tmp_path / "_quarto.yml"
    path.write_text(yaml.safe_dump(template))
    config = project_config(YearContent.load(copy_small_run.report_dir), path)
    assert config["format"]["html"]["include-after-body"] == ["analytics.html", SCRIPTS_FILE]


def first_output_html(notebook: dict) -> str:
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            text = data.get("text/html") or data.get("text/markdown")
            if text:
                return "".join(text) if isinstance(text, list) else str(text)
    return ""


def test_community_pages_open_on_the_summary_card_on_both_engines(copy_small_run):
    """Nothing stands between the title and the summary card: the first output of the executed notebook (the
    built-in page) and of the Quarto copy (its HTML as a raw block), and no heading cell before it."""
    rd = copy_small_run.report_dir
    content = YearContent.load(rd)
    stage_sources(content)
    for cid in sorted(content.scores):
        for path in [rd / "communities" / f"{cid}.ipynb", rd / "_quarto" / "communities" / f"{cid}.ipynb"]:
            nb = json.loads(path.read_text())
            first = re.sub(r"^`{3,}\{=html\}\n", "", first_output_html(nb))  # the Quarto copy's raw block
            assert first.startswith('<section class="summary-card"'), path
            before = []
            for cell in nb["cells"]:
                if cell["cell_type"] == "code" and "summary_card" in "".join(cell["source"]):
                    break
                before.append(cell)
            assert not [c for c in before if c["cell_type"] == "markdown"], path
        html = (copy_small_run.site / "communities" / f"{cid}.html").read_text()
        main = html[html.index("<main"):]
        assert main.index('class="summary-card"') < min(main.index(tag) for tag in ("<h2", "<figure", "<table"))
