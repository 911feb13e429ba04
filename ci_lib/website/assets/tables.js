// Wide tables scroll inside their own labelled, keyboard-focusable region instead of widening the page
// (WCAG 1.4.10 reflow; a focusable scroller so keyboard users can scroll it in every browser). No network.
// A table wider than its region says so: a "Scroll sideways" hint above it and a shadow on each edge that
// hides columns, kept up to date as the window is resized, a data table is opened or the region is scrolled.
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

  function update(frame, scroller, hint) {
    const hidden = scroller.scrollWidth - scroller.clientWidth;
    const overflowing = hidden > 1;
    hint.hidden = !overflowing;
    frame.classList.toggle("overflowing", overflowing);
    frame.classList.toggle("more-left", overflowing && scroller.scrollLeft > 1);
    frame.classList.toggle("more-right", overflowing && scroller.scrollLeft < hidden - 1);
  }

  // Each cell names its column (data-col: the header's words, lower case, hyphenated), so the print
  // stylesheet can condense a long table to the columns a printed profile needs.
  function nameColumns(table) {
    const head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    const names = [...head.cells].map(function (th) {
      return th.textContent.trim().toLowerCase().replace(/%/g, " pct ").replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
    });
    for (const row of table.rows) {
      if (row.cells.length !== names.length) continue;  // a row with merged cells: positions would mislead
      [...row.cells].forEach(function (cell, i) { if (names[i]) cell.dataset.col = names[i]; });
      // a gap's row says how its gap moves (the printed gaps table keeps the widening ones)
      const trend = [...row.cells].find(function (cell) { return cell.dataset.col === "gap-trend"; });
      if (trend && row.parentElement.tagName === "TBODY") {
        row.dataset.gapTrend = trend.textContent.trim().toLowerCase().replace(/[^a-z]+/g, "-").replace(/^-|-$/g, "");
      }
    }
  }

  // The printed gaps table keeps its most important rows (data-print="keep"): the widening gaps, largest latest
  // gap first, then the largest others, at most PRINTED_GAPS; its caption says so and where the full table is.
  const PRINTED_GAPS = 12;
  function markPrintedGaps(table) {
    const rows = [...table.tBodies].flatMap(function (body) { return [...body.rows]; })
      .filter(function (row) { return row.dataset.gapTrend; });
    if (!rows.length) return;
    const latest = function (row) {
      const cell = [...row.cells].find(function (c) { return c.dataset.col === "gap-latest-pp"; });
      const value = cell ? parseFloat(cell.textContent.replace("\u2212", "-")) : NaN;
      return isNaN(value) ? -Infinity : value;
    };
    const ranked = rows.map(function (row, i) { return [row.dataset.gapTrend === "widening" ? 0 : 1, -latest(row), i, row]; })
      .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; });
    ranked.slice(0, PRINTED_GAPS).forEach(function (r) { r[3].dataset.print = "keep"; });
    const printed = Math.min(PRINTED_GAPS, rows.length);
    table.dataset.printed = String(printed);
    const caption = table.querySelector("caption");
    if (caption) {
      const url = location.href.split("#")[0];
      caption.dataset.printNote = printed === rows.length ? "every gap printed; online: " + url
        : "printed: " + printed + " of " + rows.length + " gaps, the widening ones (largest first), then the "
          + "largest others; the full table: " + url;
    }
  }

  const watched = [];
  const observer = "ResizeObserver" in window
    ? new ResizeObserver(function () { watched.forEach(function (w) { update(w[0], w[1], w[2]); }); }) : null;
  for (const table of document.querySelectorAll("main table")) {
    if (table.parentElement.classList.contains("table-scroll")) continue;
    nameColumns(table);
    markPrintedGaps(table);
    const frame = document.createElement("div");
    frame.className = "table-frame";
    const hint = document.createElement("p");
    hint.className = "scroll-hint";
    hint.hidden = true;
    hint.innerHTML = 'Scroll sideways for more columns <span aria-hidden="true">\u2192</span>';
    const scroller = document.createElement("div");
    scroller.className = "table-scroll";
    scroller.tabIndex = 0;
    scroller.setAttribute("role", "region");
    scroller.setAttribute("aria-label", label(table));
    table.parentNode.insertBefore(hint, table);
    table.parentNode.insertBefore(frame, table);
    frame.appendChild(scroller);
    scroller.appendChild(table);
    scroller.addEventListener("scroll", function () { update(frame, scroller, hint); }, {passive: true});
    watched.push([frame, scroller, hint]);
    if (observer) { observer.observe(scroller); observer.observe(table); }
    update(frame, scroller, hint);
  }
  window.addEventListener("resize", function () { watched.forEach(function (w) { update(w[0], w[1], w[2]); }); });
  document.addEventListener("toggle", function () { watched.forEach(function (w) { update(w[0], w[1], w[2]); }); }, true);
})();
