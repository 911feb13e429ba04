"""The Communities listing: pages of members in name order, and a compact search index over all of them.

At network sizes of thousands one page holding every member as a card is megabytes of HTML, and filtering it
in the browser means loading every row before the first keystroke. The listing is split into pages of
`PAGE_SIZE` members (`communities.html`, `communities-2.html`, ...) linked by a pager that works without
scripts, and `communities-index.json` (one compact row per member: id, name, state, gateway) which
`assets/listing.js` fetches only on the first use of search, filter or sort, never on page load. A network of
at most `PAGE_SIZE` members has one page with every card on it, filtered in place as it always was. The same
HTML goes into the built-in site and, as raw HTML blocks, into the Quarto project (above one page; below, the
Quarto site keeps Quarto's own listing).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from jinja2 import Environment
from markupsafe import Markup

from ci_lib import vocabulary

if TYPE_CHECKING:
    from ci_lib.website.content import YearContent

# 500 cards a page: a page stays under about 150 kB of HTML (a card is about 250 bytes), the size of a
# community page, and 10,000 members take 20 pages, every one reachable from the pager of any other.
PAGE_SIZE = 500
# Search results across every page are drawn this many at a time ("Show more results"): a search matching
# thousands of members must not put thousands of cards in the page at once.
RESULTS_SHOWN = 100
FIRST = "communities.html"
INDEX_FILE = "communities-index.json"
SCRIPT = "listing.js"
INDEX_FIELDS = ["id", "name", "state", "gateway"]  # a row of the index; the gateway's label and rank are in "gateways"


def entries(content: YearContent) -> list[dict[str, Any]]:
    """The members in listing order (name), kept once per render: every page and the index read them."""
    return content.derive("listing", lambda c: c.listing())  # type: ignore[no-any-return]


def shared(content: YearContent) -> dict[str, Any]:
    """What every page shows besides its cards (states, notices), computed once per render: a page then costs
    its own cards only, and the listing stays linear in members at any number of pages."""
    return dict(content.derive("listing_shared", lambda c: {
        "states": sorted({e["state"] for e in entries(c)}), "gateways": gateway_choices(c),
        "failed": c.failed(), "failed_local": c.failed_local_sections()}))


def page_count(content: YearContent) -> int:
    """Pages of the listing: one entry per published member (the page list needs no entry built)."""
    return max(1, -(-len(content.scores) // PAGE_SIZE))


def page_path(number: int = 1) -> str:
    """`communities.html` for the first page, `communities-<n>.html` for the others."""
    return FIRST if number == 1 else f"communities-{number}.html"


def paginated(content: YearContent) -> bool:
    return page_count(content) > 1


def page_paths(content: YearContent) -> list[str]:
    return [page_path(n) for n in range(1, page_count(content) + 1)]


def page_title(content: YearContent, number: int) -> str:
    pages = page_count(content)
    return "Communities" if pages == 1 else f"Communities (page {number} of {pages})"


def gateway_choices(content: YearContent) -> list[tuple[str, str]]:
    return list(vocabulary.gateway_labels(content.rubric.gateways).items())


def index_record(content: YearContent) -> dict[str, Any]:
    """The search index: field names, the gateways (label, rank) and one array per member, in name order."""
    every = entries(content)
    gateways = {e["gateway"]: [e["gateway_label"], e["rank"]] for e in every}
    return {"fields": INDEX_FIELDS, "href": "communities/{id}.html",
            "gateways": {g: gateways[g] for g in sorted(gateways, key=lambda g: -gateways[g][1])},
            "members": [[e["community_id"], e["name"], e["state"], e["gateway"]] for e in every]}


def index_json(content: YearContent) -> str:
    """`communities-index.json`: compact (no spaces), names as they are (UTF-8)."""
    return json.dumps(index_record(content), ensure_ascii=False, separators=(",", ":")) + "\n"


def digest(content: YearContent) -> str:
    """What the listing pages show (every member's entry, the notices), hashed: their page key."""
    record = [entries(content), shared(content), PAGE_SIZE]
    return hashlib.sha256(json.dumps(record, separators=(",", ":"), default=str).encode()).hexdigest()


def page_keys(content: YearContent, key: Any) -> dict[str, str]:
    """Every listing page shares one key (the index is written with the first page): they change together, and
    only when the listing does, not when a member's page changes."""
    shown = key("listing", digest(content))
    return {path: shown for path in page_paths(content)}


def pager(content: YearContent, number: int) -> Markup:
    """Links to every page of the listing, the current one marked (none for a single page)."""
    pages, total = page_count(content), len(entries(content))
    if pages == 1:
        return Markup("")
    items = []
    for n in range(1, pages + 1):
        first, last = (n - 1) * PAGE_SIZE + 1, min(n * PAGE_SIZE, total)
        current = ' aria-current="page"' if n == number else ""
        items.append(f'<li><a href="{page_path(n)}"{current} aria-label="Page {n}, communities {first:,} to {last:,}">'
                     f"{n}</a></li>")
    return Markup(f'<nav class="pager" aria-label="Pages of communities"><p>Page {number} of {pages}:</p>'
                  f'<ul>{"".join(items)}</ul></nav>')


def text(value: Any) -> str:
    """Text in HTML, escaped exactly as markupsafe (and so the Jinja listing before) escapes it; a plain str."""
    return (str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


def cards(rows: list[dict[str, Any]]) -> str:
    """The cards of one page: the markup (and escaping) the single-page listing always had."""
    t = text
    out = []
    for e in rows:
        search = f"{e['name']} {e['state']} {e['gateway_label']} {e['community_id']}".lower()
        out.append(f'<li data-name="{t(e["name"].lower())}" data-state="{t(e["state"])}" data-gateway="{t(e["gateway"])}" '
                   f'data-rank="{e["rank"]}"\n data-search="{t(search)}">\n<a href="{t(e["href"])}">{t(e["name"])}</a>'
                   f'<div class="meta">{t(e["gateway_label"])} · {t(e["state"])}</div></li>\n')
    return "".join(out)


def page_html(content: YearContent, number: int) -> Markup:
    """The body of listing page `number`: controls, count, pager, this page's cards, notices (both engines)."""
    every = entries(content)
    rows = every[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
    pages = page_count(content)
    if pages == 1:
        count = f"{len(every)} communities"
    else:
        count = (f"Communities {(number - 1) * PAGE_SIZE + 1:,} to {(number - 1) * PAGE_SIZE + len(rows):,} of "
                 f"{len(every):,}, in order of name")
    return Markup(TEMPLATE.render(
        rows=Markup(cards(rows)), count=count, pages=pages, pager=pager(content, number), index=INDEX_FILE,
        total=len(every), shown=RESULTS_SHOWN, **shared(content)))


LISTING = """
<div class="listing-controls" role="search">
<label for="search">Search communities<input id="search" type="search" placeholder="Name, state or gateway" autocomplete="off"></label>
<label for="filter-gateway">Gateway<select id="filter-gateway"><option value="">All gateways</option>
{% for id, label in gateways %}<option value="{{ id }}">{{ label }}</option>{% endfor %}</select></label>
<label for="filter-state">State<select id="filter-state"><option value="">All states</option>
{% for s in states %}<option value="{{ s }}">{{ s }}</option>{% endfor %}</select></label>
<label for="sort">Sort by<select id="sort"><option value="name">Name</option><option value="state">State</option>
<option value="gateway">Gateway (highest first)</option></select></label>
</div>
<p id="count" aria-live="polite">{{ count }}</p>
{% if pages > 1 %}<p class="listing-note">Search, filters and sorting look through all {{ "{:,}".format(total) }} communities;
the pages below list them all in order of name.</p>
{% endif %}{{ pager }}<ul class="cards" id="community-list"{% if pages > 1 %}
 data-index="{{ index }}" data-total="{{ total }}" data-shown="{{ shown }}"{% endif %}>
{{ rows }}</ul>
{% if pages > 1 %}<p id="more-results" hidden><button type="button" id="show-more">Show more results</button></p>
{{ pager }}
{% endif %}{% if failed %}<p class="notice">Not published this run (their notebooks failed): {{ failed|join(', ') }}</p>{% endif %}
{% if failed_local %}<p class="notice">Published without their local section (it failed): {{ failed_local|join(', ') }}</p>{% endif %}
"""
TEMPLATE = Environment(autoescape=True).from_string(LISTING)
