// Sort buttons for the tables of the indicator pages (`table[data-sortable]`), no framework, no network.
// Without scripts the rows stay in the page's own order (by value, best first) and no dead button is shown.
// Each sortable column's header gets a button; the sorted column carries aria-sort and a live region says
// what the order is now. Rows without a value (suppressed or missing) stay last in either direction.
(function () {
  for (const table of document.querySelectorAll("table[data-sortable]")) {
    const body = table.tBodies[0];
    const heads = Array.from(table.tHead.rows[0].cells);
    const status = document.getElementById(table.dataset.sortable);
    function sortBy(column, kind, ascending) {
      const rows = Array.from(body.rows);
      rows.sort(function (a, b) {
        const x = a.cells[column].dataset.sortValue || "";
        const y = b.cells[column].dataset.sortValue || "";
        if (x === "" || y === "") return (x === "") - (y === "") || Number(a.dataset.order) - Number(b.dataset.order);
        const d = kind === "number" ? Number(x) - Number(y) : x.localeCompare(y);
        return (ascending ? d : -d) || Number(a.dataset.order) - Number(b.dataset.order);
      });
      for (const row of rows) body.appendChild(row);
    }
    heads.forEach(function (th, column) {
      const kind = th.dataset.sortType;
      if (!kind) return;
      const label = th.textContent.trim();
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = label;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        sortBy(column, kind, ascending);
        for (const other of heads) other.removeAttribute("aria-sort");
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        if (status) status.textContent = "Sorted by " + label.toLowerCase() + ", " + (ascending ? "ascending" : "descending") + ".";
      });
    });
  }
})();
