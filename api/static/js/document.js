// One policy document: its full text with the section outline, each measure highlighted where its quote sits
// and linked to the place it belongs to; a section with no measure says why.
import { $, $$, api, boot, fill, h, onLang, pick, t } from "./common.js";
import { names, placeLink } from "./explain.js";

const docId = decodeURIComponent(location.pathname.split("/").pop());
let doc = null;
let info = new Map(); // measure id -> measure info

// A heading as the outline shows it: its own line when that starts with its number, else its path first.
function label(s) {
  if (!s.path) return t("doc-preamble");
  const own = /(（[^）]+）|\d+\.|[一二三四五六七八九十]+、)$/.exec(s.path);
  const title = s.title.replace(/\s+/g, " ");
  const text = own && title.replace(/[(（]/, "（").replace(/[)）]/, "）").startsWith(own[1]) ? title : `${s.path} ${title}`;
  return text.length > 34 ? text.slice(0, 33) + "…" : text;
}

function outline() {
  return h("nav", { class: "panel outline", "aria-labelledby": "outline-title" },
    h("h2", { id: "outline-title" }, t("doc-outline")),
    h("ol", {}, doc.sections.map(s => h("li", { class: `d${Math.max(1, s.depth)}` },
      h("a", { href: `#s-${s.index}` }, label(s)),
      s.measures ? h("span", { class: "count" }, t("measures-n", s.measures)) : null,
      s.no_measures ? h("span", { class: "why" }, t("doc-no-measure"), s.no_measures) : null))));
}

// The text cut at every section start and quote edge; each piece is text, or a <mark> for the measures over it.
function body() {
  const text = doc.text;
  const cuts = new Set([0, text.length]);
  doc.sections.forEach(s => cuts.add(s.start));
  doc.spans.forEach(s => { cuts.add(s.start); cuts.add(s.end); });
  const points = [...cuts].sort((a, b) => a - b);
  const starts = new Map();
  doc.sections.forEach(s => starts.set(s.start, [...(starts.get(s.start) || []), s]));
  const anchors = new Map();
  doc.spans.filter(s => s.primary).forEach(s => anchors.set(s.start, [...(anchors.get(s.start) || []), s.measure_id]));
  const out = [];
  const seen = new Set();
  for (let k = 0; k < points.length - 1; k++) {
    const a = points[k], b = points[k + 1];
    for (const s of starts.get(a) || []) {
      out.push(h("span", { class: "anchor", id: `s-${s.index}`, dataset: { section: s.path } }));
      if (s.no_measures) out.push(h("span", { class: "why-none" }, t("doc-no-measure"), s.no_measures));
    }
    for (const mid of anchors.get(a) || []) {
      if (seen.has(mid)) continue;
      seen.add(mid);
      out.push(h("span", { class: "anchor", id: `m-${mid}` }));
    }
    const over = [...new Set(doc.spans.filter(s => s.start <= a && s.end >= b).map(s => s.measure_id))];
    const piece = text.slice(a, b);
    if (!over.length) { out.push(piece); continue; }
    const titles = over.map(id => info.get(id)).filter(Boolean).map(m => pick(m.title_zh, m.title_en)).join("；");
    out.push(h("mark", { class: over.length > 1 ? "multi" : "", tabindex: "0", role: "button", title: titles, "aria-label": `${t("doc-measure")}: ${titles}`, dataset: { m: over.join(" ") } }, piece));
  }
  return h("div", { class: "doc-text", lang: "zh" }, out);
}

function card(ids) {
  const el = $("#measure-card");
  if (!ids.length) { fill(el); el.hidden = true; return; }
  el.hidden = false;
  fill(el, ids.map(id => info.get(id)).filter(Boolean).map(m => h("div", { class: "measure" },
    h("h3", {}, pick(m.title_zh, m.title_en), m.modality ? h("span", { class: "tag" }, t("mod-" + m.modality)) : null,
      h("span", { class: `tag v-${m.validity.status}` }, t("v-" + m.validity.status))),
    h("p", {}, pick(m.offer_zh, m.offer_en)),
    h("p", { class: "cite" }, t("doc-places"), "：", placeLink(m.location_id), " · ", t("section"), " ", m.section))),
    h("button", { type: "button", class: "no-print", on: { click: () => card([]) } }, t("close")));
}

function focusMeasure(id) {
  $$(".doc-text mark.current, .doc-text .anchor.current").forEach(m => m.classList.remove("current"));
  const marks = $$(".doc-text mark").filter(m => m.dataset.m.split(" ").includes(id));
  marks.forEach(m => m.classList.add("current"));
  card([id]);
  const target = marks[0] || document.getElementById(`m-${id}`);
  if (target) { target.scrollIntoView({ block: "center" }); target.focus({ preventScroll: true }); }
}

function follow() {
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash.startsWith("m-")) focusMeasure(hash.slice(2));
  else if (hash.startsWith("s-")) {
    $$(".doc-text .anchor.current").forEach(m => m.classList.remove("current"));
    const a = document.getElementById(hash);
    if (a) { a.classList.add("current"); a.scrollIntoView({ block: "start" }); }
  }
}

function render() {
  const d = doc;
  fill($("#main"),
    h("header", { class: "panel" },
      h("p", { class: "crumbs no-print" }, h("a", { href: "/documents" }, t("doc-back"))),
      h("h1", {}, d.title), h("p", { class: "meta", lang: "en" }, d.title_en),
      h("p", { class: "meta" }, `${t("doc-issuer")}：${d.issuer}`, d.doc_number ? ` · ${t("doc-number")}：${d.doc_number}` : "",
        ` · ${t("doc-period")}：${d.period.text}`, " · ", h("span", { class: `v-${d.status}` }, `${t("v-" + d.status)}（${d.as_of}）`),
        ` · ${t("doc-measures")}：${d.measures}`)),
    h("div", { class: "doc-layout" }, outline(),
      h("section", { class: "panel", "aria-labelledby": "text-title" }, h("h2", { id: "text-title" }, t("doc-text")), body())),
    h("aside", { id: "measure-card", class: "panel", "aria-live": "polite", hidden: true }),
    $("#status"));
  document.title = `${d.title} · ${t("docs-title")}`;
}

function wire() {
  const open = e => {
    const m = e.target.closest("mark");
    if (!m) return;
    $$(".doc-text mark.current").forEach(x => x.classList.remove("current"));
    m.classList.add("current");
    card(m.dataset.m.split(" "));
  };
  $("#main").addEventListener("click", open);
  $("#main").addEventListener("keydown", e => { if (e.key === "Enter" || e.key === " ") { if (e.target.closest("mark")) { e.preventDefault(); open(e); } } });
  window.addEventListener("hashchange", follow);
}

boot("documents", async () => {
  const [d, parks] = await Promise.all([api(`/documents/${encodeURIComponent(docId)}`), api("/parks")]);
  for (const p of parks) names.set(p.id, p);
  doc = d;
  info = new Map(d.measure_info.map(m => [m.id, m]));
  render();
  wire();
  follow();
  onLang(() => { render(); follow(); });
});
