// Wide tables scroll inside their own labelled, keyboard-focusable region instead of widening the page
// (WCAG 1.4.10 reflow; a focusable scroller so keyboard users can scroll it in every browser). No network.
(function () {
  function label(table) {
    const caption = table.querySelector("caption");
    if (caption) return caption.textContent.trim();
    const details = table.closest("details");
    const summary = details && details.querySelector("summary");
    if (summary) return summary.textContent.trim();
    for (let el = table.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[2-4]$/.test(el.tagName)) return el.textContent.replace("\u00b6", "").trim() + " (table)";
    }
    return "Table";
  }
  for (const table of document.querySelectorAll("main table")) {
    if (table.parentElement.classList.contains("table-scroll")) continue;
    const wrap = document.createElement("div");
    wrap.className = "table-scroll";
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", label(table));
    table.parentNode.insertBefore(wrap, table);
    wrap.appendChild(table);
  }
})();
