// Search, filters and sorting for the Communities listing (no framework; no request on page load).
// One page (every member on it): the cards are filtered and reordered in place. Several pages
// (data-index on the list): the first use of a control fetches the compact index of every member
// (communities-index.json) and the matches across all pages are drawn here, data-shown at a time with a
// "Show more results" button; with every control cleared the page's own cards come back.
(function () {
  const list = document.getElementById("community-list");
  if (!list) return;
  const search = document.getElementById("search");
  const gateway = document.getElementById("filter-gateway");
  const state = document.getElementById("filter-state");
  const sort = document.getElementById("sort");
  const count = document.getElementById("count");
  const items = Array.from(list.querySelectorAll("li"));

  function order(key) {
    return function (a, b) {
      if (key === "gateway") return b.rank - a.rank || a.name.localeCompare(b.name);
      return a[key].localeCompare(b[key]) || a.name.localeCompare(b.name);
    };
  }

  if (!list.dataset.index) {
    const cards = items.map(function (li) {
      return { li: li, name: li.dataset.name, state: li.dataset.state, rank: Number(li.dataset.rank) };
    });
    const apply = function () {
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
    };
    const reorder = function () {
      for (const card of cards.slice().sort(order(sort.value))) list.appendChild(card.li);
    };
    search.addEventListener("input", apply);
    gateway.addEventListener("change", apply);
    state.addEventListener("change", apply);
    sort.addEventListener("change", function () { reorder(); apply(); });
    apply();
    return;
  }

  const SHOWN = Number(list.dataset.shown) || 100;
  const total = Number(list.dataset.total);
  const pageCount = count.textContent;
  const more = document.getElementById("more-results");
  const moreButton = document.getElementById("show-more");
  const pagers = Array.from(document.querySelectorAll("nav.pager"));
  let members = null;
  let loading = null;
  let matches = [];
  let drawn = 0;

  function load() {
    if (!loading) {
      count.textContent = "Loading the list of all " + total.toLocaleString("en-US") + " communities…";
      loading = fetch(list.dataset.index).then(function (r) {
        if (!r.ok) throw new Error(r.status);
        return r.json();
      }).then(function (index) {
        const at = {};
        index.fields.forEach(function (f, i) { at[f] = i; });
        members = index.members.map(function (row) {
          const g = index.gateways[row[at.gateway]] || ["", 0];
          const m = { id: row[at.id], name: row[at.name], state: row[at.state], gateway: row[at.gateway],
            label: g[0], rank: g[1] };
          m.href = index.href.replace("{id}", encodeURIComponent(m.id));
          m.search = (m.name + " " + m.state + " " + m.label + " " + m.id).toLowerCase();
          return m;
        });
      });
    }
    return loading;
  }

  function card(m) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = m.href;
    a.textContent = m.name;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = m.label + " · " + m.state;
    li.append(a, meta);
    return li;
  }

  function drawMore() {
    const next = matches.slice(drawn, drawn + SHOWN);
    for (const m of next) list.appendChild(card(m));
    drawn += next.length;
    more.hidden = drawn >= matches.length;
    count.textContent = matches.length.toLocaleString("en-US") + " of " + total.toLocaleString("en-US") +
      " communities" + (matches.length > drawn ? " (showing " + drawn.toLocaleString("en-US") + ")" : "");
  }

  function restore() {
    list.replaceChildren.apply(list, items);
    more.hidden = true;
    for (const nav of pagers) nav.hidden = false;
    count.textContent = pageCount;
  }

  function apply() {
    const q = search.value.trim().toLowerCase();
    if (!q && !gateway.value && !state.value && sort.value === "name") { restore(); return; }
    load().then(function () {
      const key = sort.value;
      matches = members.filter(function (m) {
        return (!q || m.search.includes(q)) && (!gateway.value || m.gateway === gateway.value) &&
          (!state.value || m.state === state.value);
      });
      if (key !== "name") matches.sort(order(key));
      for (const nav of pagers) nav.hidden = true;
      list.replaceChildren();
      drawn = 0;
      drawMore();
    }).catch(function () {
      loading = null;
      count.textContent = "Search could not load the list of all communities; the pages below list every one.";
    });
  }

  moreButton.addEventListener("click", drawMore);
  search.addEventListener("input", apply);
  gateway.addEventListener("change", apply);
  state.addEventListener("change", apply);
  sort.addEventListener("change", apply);
})();
