// Client-side search and filters for the built-in listing page (no framework, no network).
(function () {
  const list = document.getElementById("community-list");
  if (!list) return;
  const items = Array.from(list.querySelectorAll("li"));
  const search = document.getElementById("search");
  const gateway = document.getElementById("filter-gateway");
  const state = document.getElementById("filter-state");
  const sort = document.getElementById("sort");
  const count = document.getElementById("count");
  function apply() {
    const q = search.value.trim().toLowerCase();
    let shown = 0;
    for (const li of items) {
      const ok = (!q || li.dataset.search.includes(q)) &&
        (!gateway.value || li.dataset.gateway === gateway.value) &&
        (!state.value || li.dataset.state === state.value);
      li.hidden = !ok;
      if (ok) shown += 1;
    }
    count.textContent = shown + " of " + items.length + " communities";
  }
  function reorder() {
    const key = sort.value;
    const sorted = items.slice().sort(function (a, b) {
      if (key === "gateway") return Number(b.dataset.rank) - Number(a.dataset.rank) || a.dataset.name.localeCompare(b.dataset.name);
      return a.dataset[key].localeCompare(b.dataset[key]);
    });
    for (const li of sorted) list.appendChild(li);
  }
  search.addEventListener("input", apply);
  gateway.addEventListener("change", apply);
  state.addEventListener("change", apply);
  sort.addEventListener("change", function () { reorder(); apply(); });
  apply();
})();
