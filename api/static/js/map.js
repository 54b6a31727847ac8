// The map view: a prospect form, the Leaflet map of the delta, the shortlist, explanations, comparison,
// the XLSX briefing and saving to the pipeline. One search is one call (POST /shortlist), one engine run.
import { $, $$, api, boot, can, download, explain as words, fill, fmt, h, onLang, onRole, openKeyDialog, pick, state, status, t, today } from "./common.js";
import { L, DELTA, baseMap, declutter, relabelZoom, Spreader } from "./leafmap.js";
import { eligibilityOf, explanation, fitBadge, names, placeLink, placeName, statusBadge } from "./explain.js";

const view = { features: [], ranking: null, topK: 10, selected: null, compare: new Set(), needs: [], markers: new Map(), hasLevel: false, body: null };
let map, zoomControl, spreader, labelLayer;
const say = (msg, error = false) => status($("#status"), msg, error);

// --- the map ----------------------------------------------------------------------------------------------
function markerIcon(p) {
  const shortlisted = p.shortlisted;
  const size = p.score == null ? (p.folded_into ? 12 : 14) : Math.round(16 + 18 * p.score);
  const fit = p.fit ?? "none";
  const label = (p.rank ? `${p.rank}. ` : "") + pick(p.name_zh, p.name_en) + (p.fit ? ` · ${t("fit-" + fit)}` : "");
  const el = h("span", { class: "pin" }, shortlisted ? String(p.rank) : "");
  const cls = ["pm-marker", `fit-${fit}`, shortlisted ? "shortlisted" : "", p.folded_into ? "folded" : "", p.rank == null && !p.folded_into && view.ranking ? "unranked" : "", view.selected === p.id ? "selected" : ""];
  return { icon: L.divIcon({ className: cls.filter(Boolean).join(" "), html: el, iconSize: [size, size] }), size, label };
}

function drawMarkers() {
  for (const { marker } of view.markers.values()) marker.remove();
  view.markers.clear();
  const items = [];
  const feats = view.features.slice().sort((a, b) => (a.properties.score ?? -1) - (b.properties.score ?? -1));
  for (const f of feats) {
    const p = f.properties;
    const latlng = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
    const { icon, size, label } = markerIcon(p);
    const marker = L.marker(latlng, { icon, keyboard: true, riseOnHover: true, zIndexOffset: p.shortlisted ? 1000 - p.rank : 0 });
    marker.on("click", () => select(p.id));
    marker.on("keydown", e => {  // Leaflet's markers take the focus but act on Enter only for popups
      const k = e.originalEvent.key;
      if (k === "Enter" || k === " ") { e.originalEvent.preventDefault(); select(p.id); }
    });
    marker.on("add", () => {
      const el = marker.getElement();
      el.setAttribute("role", "button");
      el.setAttribute("aria-label", label);
      el.dataset.id = p.id;
    });
    const tip = h("span", {}, pick(p.name_zh, p.name_en));
    if (p.shortlisted) marker.bindTooltip(tip, { permanent: true, direction: "right", offset: [size / 2, 0], className: "place-label" });
    else if (p.level === "city") marker.bindTooltip(tip, { permanent: true, direction: "top", offset: [0, -size / 2], className: "city-label" });
    else marker.bindTooltip(tip, { direction: "right", offset: [size / 2, 0], className: "hover-label" });
    marker.addTo(map);
    view.markers.set(p.id, { marker });
    items.push({ marker, latlng, size, order: p.rank ?? 99 });
  }
  spreader.set(items);
  tidyLabels();
}

function tidyLabels() {
  const permanent = [...view.markers.values()].map(({ marker }) => marker.getTooltip()).filter(tp => tp && tp.options.permanent);
  const place = permanent.filter(tp => tp.options.className === "place-label").map(tp => tp.getElement());
  const city = permanent.filter(tp => tp.options.className === "city-label").map(tp => tp.getElement());
  declutter([...place, ...city]);
}

async function setUpMap() {
  const base = await baseMap($("#map"));
  map = base.map;
  zoomControl = base.zoom;
  spreader = new Spreader(map);
  map.fitBounds(DELTA);
  // Place names can be switched off (a layer with nothing in it, whose presence shows the labels).
  labelLayer = L.layerGroup().addTo(map);
  labelLayer.on("add", () => map.getContainer().classList.remove("no-labels"));
  labelLayer.on("remove", () => map.getContainer().classList.add("no-labels"));
  L.control.layers(null, { [t("layer-districts")]: base.layers.district, [t("layer-labels")]: labelLayer }, { collapsed: true }).addTo(map);
  map.on("zoomend moveend", () => setTimeout(tidyLabels, 0));
  map.on("overlayadd overlayremove", () => setTimeout(tidyLabels, 0));
}

// --- the form ---------------------------------------------------------------------------------------------
function renderNeeds() {
  const checked = new Set($$("#needs-list input:checked").map(i => i.value));
  fill($("#needs-list"), view.needs.map(n => h("label", {},
    h("input", { type: "checkbox", value: n.id, checked: checked.has(n.id) }), " ", pick(n.zh, n.en))));
}

function validDate(s) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(s + "T00:00:00Z");
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

function requestBody() {
  const body = { description: $("#description").value, lang: state.lang, top_k: view.topK };
  if ($("#stage").value) body.stage = $("#stage").value;
  if ($("#revenue").value !== "") body.revenue_cny = Number($("#revenue").value) * 10000;
  if ($("#headcount").value !== "") body.headcount = Number($("#headcount").value);
  const needs = $$("#needs-list input:checked").map(i => i.value);
  if (needs.length) body.needs = needs;
  if ($("#preset").value === "custom") {
    body.weights = { sector: +$("#w-sector").value, incentive: +$("#w-incentive").value, validity: +$("#w-validity").value };
  } else body.preset = $("#preset").value;
  body.as_of = $("#as-of").value.trim();
  const level = $("#level");
  if (view.hasLevel && level && level.value) body.level = level.value;
  return body;
}

async function submit(ev) {
  if (ev) ev.preventDefault();
  if (!$("#description").value.trim()) { say(t("empty"), true); $("#description").focus(); return; }
  if (!validDate($("#as-of").value.trim())) { say(t("asof-bad"), true); $("#as-of").focus(); return; }
  say(t("working"));
  const body = requestBody();
  try {
    const r = await api("/shortlist", { method: "POST", json: body });
    view.body = body;
    view.ranking = r.ranking;
    view.topK = r.top_k;
    view.features = r.features.features;
    view.compare.clear();
    $("#compare-panel").hidden = true;
    drawMarkers();
    renderList();
    const shown = view.ranking.matches.slice(0, view.topK);
    say(t("done", shown.length));
    ["#export-btn", "#print-btn"].forEach(s => { $(s).disabled = false; });
    $("#save-btn").disabled = !can("editor");
    if (shown.length) select(shown[0].location_id, { pan: false });
  } catch (e) { say(words(e), true); }
}

// --- shortlist, explanation, comparison ----------------------------------------------------------------------
function renderList() {
  const shown = view.ranking.matches.slice(0, view.topK);
  fill($("#shortlist"), shown.map(m => h("li", { dataset: { id: m.location_id }, class: view.selected === m.location_id ? "selected" : "" },
    h("input", { type: "checkbox", class: "cmp", value: m.location_id, "aria-label": `${t("addcmp")} ${m.name}`, checked: view.compare.has(m.location_id) }),
    h("button", { type: "button", class: "pick", dataset: { id: m.location_id } },
      h("strong", {}, `${m.rank}.`), " ", h("span", { class: "nm" }, m.name), " ", fitBadge(m.fit), statusBadge(m.policy_status),
      h("span", { class: "score" }, fmt(m.score))))));
  $("#compare-btn").disabled = view.compare.size < 2 || view.compare.size > 5;
}

function select(id, { pan = true } = {}) {
  view.selected = id;
  $$("#shortlist li").forEach(li => li.classList.toggle("selected", li.dataset.id === id));
  for (const [mid, { marker }] of view.markers) marker.getElement()?.classList.toggle("selected", mid === id);
  const f = view.features.find(x => x.id === id);
  const p = f?.properties;
  const byId = id2 => view.ranking?.matches.find(x => x.location_id === id2);
  let m = byId(id);
  let folded = null;
  if (!m && p?.folded_into) { m = byId(p.folded_into); folded = id; }
  if (m) fill($("#detail"), explanation(m, { folded }));
  else if (p) {
    fill($("#detail"), h("article", { class: "explain" }, h("h3", {}, pick(p.name_zh, p.name_en)),
      h("p", { class: "meta" }, t("level-" + p.level), " · ", placeLink(id), " → ", t("profile")),
      view.ranking ? null : h("p", { class: "hint" }, t("pick"))));
  }
  if (pan && f) {
    const ll = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
    if (!map.getBounds().pad(-0.1).contains(ll)) map.panTo(ll);
  }
}

function compare() {
  const L2 = [...view.compare].map(id => view.ranking.matches.find(x => x.location_id === id)).filter(Boolean);
  const row = (label, f) => h("tr", {}, h("th", { scope: "row" }, label), L2.map(m => h("td", {}, f(m))));
  fill($("#compare"), h("table", {},
    h("thead", {}, h("tr", {}, h("td", {}), L2.map(m => h("th", { scope: "col" }, m.name)))),
    h("tbody", {},
      row(t("rank"), m => String(m.rank)), row(t("fit"), m => fitBadge(m.fit)), row(t("score"), m => fmt(m.score)),
      row(t("policy-status"), m => statusBadge(m.policy_status) || "–"),
      row(t("sector"), m => fmt(m.components.sector)), row(t("incentive"), m => fmt(m.components.incentive)),
      row(t("validity"), m => fmt(m.components.validity)),
      row(t("evidence"), m => m.evidence.slice(0, 2).map(e => h("div", {}, `「${e.quote}」`,
        h("div", { class: "cite" }, e.section, e.validity !== "in_force" ? h("span", { class: "warn" }, t("ended")) : null)))),
      row(t("incentives"), m => m.incentives.slice(0, 3).map(i => h("div", {}, `${i.title}（${t("el-" + eligibilityOf(i))}）`))))));
  $("#compare-panel").hidden = false;
  $("#compare-panel").scrollIntoView({ block: "nearest" });
}

async function exportXlsx() {
  const ranking = { ...view.ranking, matches: view.ranking.matches.slice(0, view.topK) };
  try {
    await download("/briefing.xlsx", "briefing.xlsx", { method: "POST", json: ranking });
    say(t("exported"));
  } catch (e) { say(words(e), true); }
}

async function save() {
  const b = view.body;
  const tags = $("#save-tags").value.split(/[,，、]/).map(s => s.trim()).filter(Boolean);
  const body = { description: b.description, lang: b.lang, top_k: b.top_k, as_of: b.as_of, name: $("#save-name").value.trim() || b.description.slice(0, 40), owner: $("#save-owner").value.trim() || null, tags };
  for (const k of ["stage", "revenue_cny", "headcount", "needs", "preset"]) if (b[k] !== undefined) body[k] = b[k];
  try {
    const r = await api("/prospects", { method: "POST", json: body });
    fill($("#status"), t("saved", r.id), " ", h("a", { href: `/pipeline/${r.id}` }, t("open-prospect")));
    $("#status").classList.remove("error");
  } catch (e) { say(words(e), true); }
}

function roleChanged() {
  const editor = can("editor");
  $("#save-form").hidden = !editor;
  $("#save-needs").hidden = editor;
  $("#save-btn").disabled = !editor || !view.ranking;
}

// --- wiring -----------------------------------------------------------------------------------------------
function wire() {
  $("#prospect-form").addEventListener("submit", submit);
  $("#preset").addEventListener("change", () => { $("#weights").disabled = $("#preset").value !== "custom"; });
  ["sector", "incentive", "validity"].forEach(k => $("#w-" + k).addEventListener("input", e => { $("#o-" + k).textContent = Number(e.target.value).toFixed(2); }));
  $("#shortlist").addEventListener("click", e => { const b = e.target.closest(".pick"); if (b) select(b.dataset.id); });
  $("#shortlist").addEventListener("change", e => {
    if (!e.target.classList.contains("cmp")) return;
    if (e.target.checked) view.compare.add(e.target.value); else view.compare.delete(e.target.value);
    $("#compare-btn").disabled = view.compare.size < 2 || view.compare.size > 5;
  });
  $("#compare-btn").addEventListener("click", compare);
  $("#export-btn").addEventListener("click", exportXlsx);
  $("#print-btn").addEventListener("click", () => window.print());
  $("#save-form").addEventListener("submit", e => { e.preventDefault(); save(); });
  $("#save-needs").addEventListener("click", openKeyDialog);
}

async function levelOption() {
  // The ranking level (landing places or cities) once the service accepts it; until then the field stays out.
  try {
    const spec = await api("/openapi.json");
    view.hasLevel = Boolean(spec.components?.schemas?.MatchRequest?.properties?.level);
  } catch { view.hasLevel = false; }
  if (!view.hasLevel) return;
  $("#preset").closest(".row").append(h("div", {},
    h("label", { for: "level", dataset: { i18n: "level" } }, t("level")),
    h("select", { id: "level" }, h("option", { value: "landing", dataset: { i18n: "level-landing" } }, t("level-landing")),
      h("option", { value: "city", dataset: { i18n: "level-cities" } }, t("level-cities")))));
}

boot("map", async () => {
  wire();
  $("#as-of").value = today();
  onRole(roleChanged);
  roleChanged();
  const [, base, tax, parks] = await Promise.all([setUpMap(), api("/map"), api("/sectors"), api("/parks"), levelOption()]);
  for (const p of parks) names.set(p.id, p);
  view.features = base.features;
  view.needs = tax.needs;
  renderNeeds();
  drawMarkers();
  onLang(() => {
    renderNeeds();
    relabelZoom(zoomControl);
      if (view.ranking) submit(); else drawMarkers();
  });
});
