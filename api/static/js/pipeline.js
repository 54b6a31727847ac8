// The pipeline: saved prospects as a board by status and as a sortable, filterable table; CSV/XLSX export.
// Filters and the chosen tab live in the URL, so a filtered view can be bookmarked and shared.
import { $, api, boot, download, explain, fill, h, onLang, onRole, openKeyDialog, pick, status, t, when } from "./common.js";
import { names, placeName } from "./explain.js";

const STATUSES = ["lead", "contacted", "visiting", "negotiating", "signed", "lost"];
const FILTERS = ["status", "owner", "tag", "sector", "q"];
const view = { items: [], sectors: new Map(), sort: { key: "updated_at", dir: -1 }, tab: "board", error: null };
const params = () => new URLSearchParams(location.search);

const topSector = p => p.snapshots.at(-1)?.sectors?.[0] ?? null;
const topPlace = p => { const id = p.snapshots.at(-1)?.top?.[0]; return id ? placeName(id) : null; };
const sectorName = id => { const s = view.sectors.get(id); return s ? pick(s.zh, s.en) : id || "–"; };

async function load() {
  const q = params();
  const query = new URLSearchParams({ limit: "500" });
  for (const k of ["status", "owner", "tag", "q"]) if (q.get(k)) query.set(k, q.get(k));
  try {
    const r = await api(`/prospects?${query}`);
    const sector = q.get("sector");
    view.items = r.items.filter(p => !sector || (p.snapshots.at(-1)?.sectors || []).includes(sector));
    view.error = null;
  } catch (e) {
    view.items = [];
    view.error = e;
  }
  render();
}

function filters() {
  const q = params();
  const field = (name, control) => h("div", {}, h("label", { for: `f-${name}` }, t(name === "sector" ? "sector-filter" : name)), control);
  return h("form", { class: "panel filters", id: "filters", "aria-label": t("pipe-filter"), on: { submit: applyFilters } },
    field("status", h("select", { id: "f-status", name: "status" }, h("option", { value: "" }, t("status-any")),
      STATUSES.map(s => h("option", { value: s, selected: q.get("status") === s }, t("st-" + s))))),
    field("owner", h("input", { id: "f-owner", name: "owner", value: q.get("owner") || "", maxlength: "100" })),
    field("tag", h("input", { id: "f-tag", name: "tag", value: q.get("tag") || "", maxlength: "50" })),
    field("sector", h("select", { id: "f-sector", name: "sector" }, h("option", { value: "" }, t("sector-any")),
      [...view.sectors.values()].map(s => h("option", { value: s.id, selected: q.get("sector") === s.id }, pick(s.zh, s.en))))),
    field("q", h("input", { id: "f-q", name: "q", type: "search", value: q.get("q") || "", maxlength: "200" })),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("apply")),
      h("button", { type: "button", on: { click: () => { history.pushState(null, "", `/pipeline?view=${view.tab}`); load(); } } }, t("reset"))));
}

function applyFilters(e) {
  e.preventDefault();
  const q = new URLSearchParams();
  for (const k of FILTERS) { const v = $(`#f-${k}`).value.trim(); if (v) q.set(k, v); }
  q.set("view", view.tab);
  history.pushState(null, "", `/pipeline?${q}`);
  load();
}

function card(p) {
  return h("article", { class: "card", dataset: { id: p.id } },
    h("a", { href: `/pipeline/${p.id}` }, p.name),
    h("div", { class: "cite" }, p.owner || "–", topPlace(p) ? ` · ${topPlace(p)}` : ""),
    p.tags.length ? h("div", {}, p.tags.map(tg => h("span", { class: "tag" }, tg))) : null);
}

function board() {
  return h("div", { class: "board", id: "board" }, STATUSES.map(s => {
    const list = view.items.filter(p => p.status === s);
    return h("section", { "aria-label": t("st-" + s), dataset: { status: s } }, h("h3", {}, `${t("st-" + s)}（${list.length}）`), list.map(card));
  }));
}

const COLUMNS = [
  ["name", "name", p => p.name], ["status", "status", p => STATUSES.indexOf(p.status)], ["owner", "owner", p => p.owner || ""],
  ["tags", "tag", p => p.tags.join(",")], ["sector", "sector-filter", p => sectorName(topSector(p))], ["top", "top-place", p => topPlace(p) || ""],
  ["updated_at", "updated", p => p.updated_at],
];

function table() {
  const { key, dir } = view.sort;
  const get = COLUMNS.find(c => c[0] === key)[2];
  const rows = view.items.slice().sort((a, b) => (get(a) > get(b) ? 1 : get(a) < get(b) ? -1 : 0) * dir);
  return h("div", { class: "scroll" }, h("table", { id: "pipeline-table" },
    h("thead", {}, h("tr", {}, COLUMNS.map(([k, label]) => h("th", { scope: "col", "aria-sort": k === key ? (dir > 0 ? "ascending" : "descending") : "none" },
      h("button", { type: "button", class: "sort", dataset: { key: k }, on: { click: () => sortBy(k) } }, t(label), k === key ? (dir > 0 ? " ▲" : " ▼") : ""))))),
    h("tbody", {}, rows.map(p => h("tr", { dataset: { id: p.id } },
      h("td", {}, h("a", { href: `/pipeline/${p.id}` }, p.name)), h("td", {}, t("st-" + p.status)), h("td", {}, p.owner || "–"),
      h("td", {}, p.tags.join("、")), h("td", {}, sectorName(topSector(p))), h("td", {}, topPlace(p) || "–"), h("td", {}, when(p.updated_at)))))));
}

function sortBy(k) {
  view.sort = { key: k, dir: view.sort.key === k ? -view.sort.dir : 1 };
  render();
  $(`th button[data-key="${k}"]`)?.focus();
}

function setTab(tab) {
  view.tab = tab;
  const q = params();
  q.set("view", tab);
  history.replaceState(null, "", `/pipeline?${q}`);
  render();
  $(`#tab-${tab}`).focus();
}

async function exportAs(format) {
  const q = params();
  const query = new URLSearchParams({ format });
  for (const k of ["status", "owner", "tag", "q"]) if (q.get(k)) query.set(k, q.get(k));
  try { await download(`/prospects/export?${query}`, `prospects.${format}`); } catch (e) { status($("#status"), explain(e), true); }
}

function render() {
  const main = $("#main");
  const st = $("#status");
  const denied = view.error && [401, 403].includes(view.error.status);
  fill(main,
    h("h1", {}, t("pipe-title")),
    filters(),
    h("div", { class: "actions" },
      h("div", { class: "tabs", role: "tablist", "aria-label": t("pipe-title") },
        ["board", "table"].map(tab => h("button", { type: "button", role: "tab", id: `tab-${tab}`, "aria-selected": String(view.tab === tab), "aria-controls": "pipe-view", on: { click: () => setTab(tab) } }, t(`pipe-${tab}`)))),
      h("span", { class: "cite" }, t("pipe-count", view.items.length)),
      h("button", { type: "button", id: "export-csv", on: { click: () => exportAs("csv") } }, t("export-csv")),
      h("button", { type: "button", id: "export-xlsx", on: { click: () => exportAs("xlsx") } }, t("export-xlsx"))),
    h("section", { class: "panel", id: "pipe-view", role: "tabpanel", "aria-labelledby": `tab-${view.tab}` },
      denied ? h("p", {}, explain(view.error), " ", h("button", { type: "button", on: { click: openKeyDialog } }, t("key-paste")))
        : view.items.length ? (view.tab === "board" ? board() : table()) : h("p", { class: "hint" }, t("pipe-empty"))),
    st);
  if (view.error && !denied) status(st, explain(view.error), true);
}

boot("pipeline", async () => {
  view.tab = params().get("view") === "table" ? "table" : "board";
  const [tax, parks] = await Promise.all([api("/sectors"), api("/parks")]);
  for (const x of parks) names.set(x.id, x);
  for (const d of tax.domains) for (const s of d.sectors) view.sectors.set(s.id, s);
  await load();
  onLang(render);
  onRole(load);
  window.addEventListener("popstate", load);
});
