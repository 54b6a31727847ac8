// Reviewing one uploaded document: its text on one side with every proposal highlighted where its quote sits, the
// proposal's fields on the other; accept, edit, reject, split and merge, by mouse or keyboard; a filter for
// low-confidence fields (in the URL); the document's manifest entry; check and import.
import { $, $$, api, boot, can, explain, fill, h, onLang, onRole, pick, status, t } from "./common.js";
import "./i18n-ingest.js";

const ingestId = decodeURIComponent(location.pathname.split("/").pop());
const FILTERS = ["all", "pending", "low", "accepted", "rejected"];
const view = {
  doc: null, props: [], vocab: null, current: null, splitting: false, outcome: null,
  filter: FILTERS.includes(new URLSearchParams(location.search).get("show")) ? new URLSearchParams(location.search).get("show") : "all",
};
const say = (msg, error = false) => status($("#review-msg") || $("#status"), msg, error);
const editable = () => view.doc?.status === "review" && can("editor");
const byId = id => view.props.find(p => p.id === id);
const shown = () => view.props.filter(p => view.filter === "all" || (view.filter === "low" ? p.low.length > 0 : p.status === view.filter));
const placeName = id => { const l = view.vocab.locations.find(x => x.id === id); return l ? pick(l.name_zh, l.name_en) : id; };
const titleOf = p => p.item.title_zh || p.item.source.quote.slice(0, 20);

// --- the text with a <mark> per proposal ------------------------------------------------------------
function textBody() {
  const text = view.doc.text || "";
  const cuts = new Set([0, text.length]);
  view.props.forEach(p => { cuts.add(p.start); cuts.add(p.end); });
  const points = [...cuts].sort((a, b) => a - b);
  const visible = new Set(shown().map(p => p.id));
  const out = [];
  for (let k = 0; k < points.length - 1; k++) {
    const a = points[k], b = points[k + 1];
    const over = view.props.filter(p => p.start <= a && p.end >= b);
    const piece = text.slice(a, b);
    if (!over.length) { out.push(piece); continue; }
    const p = over[0];
    const classes = [`st-${p.status}`, p.low.length ? "low" : "", visible.has(p.id) ? "" : "dim", p.id === view.current ? "current" : ""];
    out.push(h("mark", {
      class: classes.filter(Boolean).join(" "), tabindex: visible.has(p.id) ? "0" : "-1", role: "button",
      "aria-label": `${t("rv-proposal")} ${p.id}：${titleOf(p)}（${t("rv-" + p.status)}${p.low.length ? "，" + t("rv-low-field") : ""}）`,
      "aria-current": p.id === view.current ? "true" : null, dataset: { p: String(p.id) },
    }, piece));
  }
  return h("div", { class: "doc-text review-text", id: "doc-text", lang: "zh" }, out);
}

// --- the proposal's fields ------------------------------------------------------------------------------
function conf(p, key) {
  const c = p.confidence[key];
  if (c === undefined) return null;
  const low = p.low.includes(key);
  return h("span", { class: low ? "conf low" : "conf", title: t("rv-confidence") }, `${Math.round(c * 100)}%`, low ? ` · ${t("rv-low-field")}` : "");
}

function labelled(id, key, p, confKey, input) {
  return h("div", { class: p.low.includes(confKey) ? "fieldbox low-field" : "fieldbox" },
    h("label", { for: id }, t(key), " ", confKey ? conf(p, confKey) : null), input);
}

function options(list, selected, label) {
  return list.map(x => h("option", { value: x.id ?? x, selected: selected.includes(x.id ?? x) }, label(x)));
}

function sectorSelect(p) {
  const v = view.vocab, chosen = p.item.sectors || [];
  const head = v.sectors.filter(s => s.domain === null);
  const groups = head.filter(d => d.id !== "all").map(d => h("optgroup", { label: pick(d.zh, d.en) },
    h("option", { value: d.id, selected: chosen.includes(d.id) }, `${pick(d.zh, d.en)}（${t("rv-all")}）`),
    options(v.sectors.filter(s => s.domain === d.id), chosen, s => pick(s.zh, s.en))));
  return h("select", { id: "f-sectors", multiple: true, size: "7" }, h("option", { value: "all", selected: chosen.includes("all") }, pick(head[0].zh, head[0].en)), groups);
}

function advanced(p) {
  const { amounts = [], conditions = [], valid = null } = p.item;
  return JSON.stringify({ amounts, conditions, valid }, null, 1);
}

function panel() {
  const p = byId(view.current);
  if (!p) return [h("h2", { id: "proposal-title" }, t("rv-proposal")), h("p", { class: "hint" }, t("rv-pick"))];
  const v = view.vocab, it = p.item, off = !editable();
  const loc = it.location || "";
  const places = v.locations.some(l => l.id === loc) ? v.locations : [{ id: loc, name_zh: loc, name_en: loc, level: "new" }, ...v.locations];
  return [
    h("h2", { id: "proposal-title" }, `${t("rv-proposal")} ${p.id}`, h("span", { class: `tag st-${p.status}`, id: "p-status" }, t("rv-" + p.status)),
      p.edited ? h("span", { class: "tag" }, t("rv-edited")) : null),
    h("p", { class: "cite" }, `${t("rv-section")} ${it.source.section || t("doc-preamble")} · ${it.id}`),
    h("form", { id: "proposal-form", on: { submit: e => { e.preventDefault(); save(); } } },
      h("fieldset", { disabled: off },
        labelled("f-quote", "rv-quote", p, "quote", h("textarea", { id: "f-quote", rows: "4", lang: "zh" }, it.source.quote)),
        h("div", { class: "row" },
          labelled("f-location", "rv-location", p, "location", h("select", { id: "f-location" },
            options(places, [loc], l => l.level === "new" ? `${l.id}（${t("rv-new-place")}）` : `${pick(l.name_zh, l.name_en)}（${t("level-" + l.level)}）`))),
          labelled("f-kind", "rv-kind", p, "kind", h("select", { id: "f-kind" }, options(v.kinds, [it.kind], k => pick(k.zh, k.en)))),
          labelled("f-modality", "rv-modality", p, "modality", h("select", { id: "f-modality" }, options(v.modalities, [it.modality], m => t("mod-" + m))))),
        h("div", { class: "row" },
          labelled("f-sectors", "rv-sectors", p, "sectors", sectorSelect(p)),
          labelled("f-needs", "rv-needs", p, null, h("select", { id: "f-needs", multiple: true, size: "7" }, options(v.needs, it.needs || [], n => pick(n.zh, n.en))))),
        h("div", { class: "row" },
          labelled("f-title-zh", "rv-title-zh", p, "title_zh", h("input", { id: "f-title-zh", value: it.title_zh || "", lang: "zh" })),
          labelled("f-title-en", "rv-title-en", p, "title_en", h("input", { id: "f-title-en", value: it.title_en || "", lang: "en" }))),
        labelled("f-offer-zh", "rv-offer-zh", p, "offer_zh", h("textarea", { id: "f-offer-zh", rows: "2", lang: "zh" }, it.offer_zh || "")),
        labelled("f-offer-en", "rv-offer-en", p, "offer_en", h("textarea", { id: "f-offer-en", rows: "2", lang: "en" }, it.offer_en || "")),
        labelled("f-lead", "rv-lead", p, null, h("input", { id: "f-lead", value: it.lead || "" })),
        h("details", { open: Boolean((it.amounts || []).length || (it.conditions || []).length || it.valid) },
          h("summary", {}, t("rv-advanced")),
          h("label", { for: "f-advanced", class: "sr-only" }, t("rv-advanced")),
          h("textarea", { id: "f-advanced", rows: "6", class: "mono", spellcheck: "false" }, advanced(p))))),
    view.splitting ? splitBox(p) : null,
    h("div", { class: "actions", id: "proposal-actions" },
      h("button", { type: "button", class: "primary", id: "do-accept", disabled: !editable(), on: { click: accept } }, t("rv-accept")),
      h("button", { type: "button", class: "danger", id: "do-reject", disabled: !editable(), on: { click: reject } }, t("rv-reject")),
      h("button", { type: "button", id: "do-save", disabled: !editable(), on: { click: save } }, t("rv-save")),
      h("button", { type: "button", id: "do-split", disabled: !editable(), on: { click: () => { view.splitting = !view.splitting; renderPanel(); } } }, t("rv-split")),
      h("button", { type: "button", id: "do-merge", disabled: !editable(), on: { click: mergeNext } }, t("rv-merge"))),
    p.notes.length ? h("div", {}, h("h3", {}, t("rv-notes")), h("ul", { class: "notes" }, p.notes.map(n => h("li", {}, n)))) : null,
    p.place?.evidence ? h("p", { class: "cite" }, `${t("rv-place-why")}：${p.place.evidence}`, p.place.parent ? ` → ${placeName(p.place.parent)}` : "") : null,
  ];
}

// Cut points: after each clause mark inside the quote.
function splitBox(p) {
  const text = view.doc.text, cuts = [];
  for (let i = p.start; i < p.end - 1; i++) if ("，；、：,;".includes(text[i])) cuts.push(i + 1);
  return h("fieldset", { id: "split-box", class: "split-box" }, h("legend", {}, t("rv-split-help")),
    cuts.map(c => h("label", {}, h("input", { type: "checkbox", value: String(c) }), " ", t("rv-cut-after", text.slice(Math.max(p.start, c - 10), c)))),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "primary", id: "split-go", on: { click: doSplit } }, t("rv-split-go")),
      h("button", { type: "button", on: { click: () => { view.splitting = false; renderPanel(); } } }, t("rv-split-cancel"))));
}

// --- the document: header, filter, manifest, extraction notes ---------------------------------------
function counts() {
  const c = view.doc.counts;
  return t("rv-counts", c.pending, c.accepted, c.rejected, c.low);
}

function filterBox() {
  return h("fieldset", { class: "filter", id: "filter" }, h("legend", {}, t("rv-filter")),
    FILTERS.map(f => h("label", {}, h("input", { type: "radio", name: "show", value: f, checked: view.filter === f, on: { change: () => setFilter(f) } }), " ", t("rv-" + f))));
}

function manifestBox() {
  const m = view.doc.manifest || {}, period = m.period || {}, off = !editable(), c = view.doc.manifest_confidence || {};
  const note = k => c[k] ? h("span", { class: c[k].confidence < 0.5 ? "conf low" : "conf", title: c[k].evidence || "" }, `${Math.round(c[k].confidence * 100)}%`) : null;
  const input = (id, key, value, extra = {}) => h("div", {}, h("label", { for: id }, t(key), " ", note(extra.conf)), h("input", { id, value: value ?? "", ...extra.attrs }));
  return h("details", { class: "panel", id: "manifest" }, h("summary", {}, t("rv-manifest")),
    h("form", { on: { submit: e => { e.preventDefault(); saveManifest(); } } }, h("fieldset", { disabled: off },
      h("div", { class: "row" },
        input("m-title", "in-doc-title", m.title, { conf: "title" }), input("m-title-en", "in-title-en", m.title_en, { attrs: { lang: "en" } }),
        input("m-issuer", "in-issuer", m.issuer, { conf: "issuer" }), input("m-number", "in-number", m.doc_number, { conf: "doc_number" }),
        input("m-issued", "in-issued", m.issued, { conf: "issued", attrs: { placeholder: "2026-01-15" } }),
        h("div", {}, h("label", { for: "m-level" }, t("in-level"), " ", note("level")),
          h("select", { id: "m-level" }, ["province", "city", "district"].map(l => h("option", { value: l, selected: m.level === l }, t("level-" + l))))),
        h("div", {}, h("label", { for: "m-location" }, t("in-location"), " ", note("location")),
          h("select", { id: "m-location" }, view.vocab.locations.filter(l => ["province", "city", "district"].includes(l.level))
            .map(l => h("option", { value: l.id, selected: m.location === l.id }, pick(l.name_zh, l.name_en)))))),
      h("div", { class: "row" },
        input("m-start", "rv-period-start", period.start, { conf: "period", attrs: { placeholder: "2026-01-01" } }),
        input("m-end", "rv-period-end", period.end, { attrs: { placeholder: "2028-12-31" } }),
        input("m-period-text", "rv-period-text", period.text)),
      h("button", { type: "submit", id: "m-save" }, t("rv-manifest-save")))));
}

function extractionBox() {
  const x = view.doc.extraction || {};
  return h("details", { class: "panel", id: "extraction" }, h("summary", {}, `${t("rv-skipped")} (${(x.skipped || []).length}) · ${t("rv-notes-doc")}`),
    (x.notes || []).length ? h("ul", {}, x.notes.map(n => h("li", {}, n))) : null,
    (x.gaps || []).length ? [h("h3", {}, t("rv-gaps")), h("ul", {}, x.gaps.map(g => h("li", { class: "error" }, `${g.where}：${g.reason}`)))] : null,
    h("ul", {}, (x.skipped || []).map(s => h("li", {}, h("strong", {}, s.section || t("doc-preamble")), "：", s.reason))));
}

function outcomeBox() {
  const o = view.outcome;
  if (!o) return null;
  if (o.issues) return h("section", { class: "panel issues", id: "outcome" }, h("h2", {}, t("rv-issues")),
    h("ul", {}, o.issues.map(e => h("li", {}, e.proposal ? h("button", { type: "button", class: "linkish", on: { click: () => select(Number(e.proposal), true) } }, `#${e.proposal}`) : null, " ", `${e.field}：${e.message}`))));
  return h("section", { class: "panel", id: "outcome" }, h("h2", {}, t("rv-moved")),
    o.prospects.length ? h("ul", {}, o.prospects.map(p => h("li", {}, h("a", { href: `/pipeline/${p.prospect_id}` }, p.name || `#${p.prospect_id}`),
      h("div", { class: "cite" }, `${t("rv-before")}：${p.before.slice(0, 5).map(placeName).join("、")}`),
      h("div", { class: "cite" }, `${t("rv-after")}：${p.after.slice(0, 5).map(placeName).join("、")}`)))) : h("p", { class: "hint" }, t("ch-affected-n", 0)));
}

function render() {
  const d = view.doc;
  const admin = can("admin") && d.status === "review";
  fill($("#main"),
    h("p", { class: "crumbs no-print" }, h("a", { href: "/ingest" }, t("rv-back"))),
    h("header", { class: "panel" },
      h("h1", {}, d.manifest?.title || d.doc_id),
      h("p", { class: "meta" }, `${d.doc_id} · ${d.filename} · ${t("st-" + d.status)}`),
      h("p", { class: "meta", id: "counts" }, counts()),
      d.status !== "review" ? h("p", { class: "note" }, t("rv-readonly", t("st-" + d.status))) : (can("editor") ? null : h("p", { class: "note" }, t("rv-needs-editor"))),
      filterBox(),
      h("p", { class: "hint", id: "keys-help" }, t("rv-keys")),
      h("div", { class: "actions" },
        h("button", { type: "button", id: "do-check", disabled: !admin, on: { click: () => importDoc(true) } }, t("rv-check")),
        h("button", { type: "button", class: "primary", id: "do-import", disabled: !admin, on: { click: () => importDoc(false) } }, t("rv-import")),
        h("button", { type: "button", class: "danger", id: "do-discard", disabled: !admin, on: { click: discard } }, t("rv-discard"))),
      h("p", { id: "review-msg", role: "status", "aria-live": "polite" })),
    outcomeBox(), manifestBox(), extractionBox(),
    h("div", { class: "review-layout" },
      h("section", { class: "panel", "aria-labelledby": "text-title" }, h("h2", { id: "text-title" }, t("rv-text")), textBody()),
      h("aside", { class: "panel proposal-panel", id: "proposal-panel", "aria-labelledby": "proposal-title" }, panel())),
    $("#status"));
  document.title = `${d.doc_id} · ${t("rv-title")} · ${t("app")}`;
}

function renderPanel() { fill($("#proposal-panel"), panel()); }

function refreshText() {
  $("#doc-text").replaceWith(textBody());
  $("#counts").textContent = counts();
}

// --- selection and navigation ---------------------------------------------------------------------
function select(id, focus = false) {
  if (!byId(id)) return;
  view.current = id;
  view.splitting = false;
  history.replaceState(null, "", `${location.pathname}${location.search}#p-${id}`);
  $$("#doc-text mark.current").forEach(m => { m.classList.remove("current"); m.removeAttribute("aria-current"); });
  const marks = $$(`#doc-text mark[data-p="${id}"]`);
  marks.forEach(m => { m.classList.add("current"); m.setAttribute("aria-current", "true"); });
  renderPanel();
  if (marks[0]) { marks[0].scrollIntoView({ block: "center" }); if (focus) marks[0].focus({ preventScroll: true }); }
}

function step(delta, pendingOnly = false) {
  const list = shown().filter(p => !pendingOnly || p.status === "pending");
  if (!list.length) return;
  const at = list.findIndex(p => p.id === view.current);
  const next = at < 0 ? (delta > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + delta));
  select(list[next].id, true);
}

function nextPending() {
  const after = view.props.filter(p => p.status === "pending" && (byId(view.current) ? p.start > byId(view.current).start : true));
  const target = after[0] || view.props.find(p => p.status === "pending");
  if (target) select(target.id, true);
}

function setFilter(f) {
  view.filter = f;
  const q = f === "all" ? "" : `?show=${f}`;
  history.replaceState(null, "", `${location.pathname}${q}${location.hash}`);
  refreshText();
  $$("#filter input").forEach(i => { i.checked = i.value === f; });
}

// --- actions ------------------------------------------------------------------------------------------
function changes() {
  const p = byId(view.current), it = p.item, out = {};
  const multi = id => [...$(id).selectedOptions].map(o => o.value);
  const fields = {
    quote: $("#f-quote").value, location: $("#f-location").value, kind: $("#f-kind").value, modality: $("#f-modality").value,
    sectors: multi("#f-sectors"), needs: multi("#f-needs"), title_zh: $("#f-title-zh").value, title_en: $("#f-title-en").value,
    offer_zh: $("#f-offer-zh").value, offer_en: $("#f-offer-en").value, lead: $("#f-lead").value.trim() || null,
  };
  const old = { ...it, quote: it.source.quote, lead: it.lead ?? null };
  for (const [k, v] of Object.entries(fields)) if (JSON.stringify(v) !== JSON.stringify(old[k] ?? (Array.isArray(v) ? [] : ""))) out[k] = v;
  let adv;
  try { adv = JSON.parse($("#f-advanced").value || "{}"); } catch { throw new Error(t("rv-json-bad")); }
  for (const k of ["amounts", "conditions", "valid"]) {
    const was = it[k] ?? (k === "valid" ? null : []);
    if (JSON.stringify(adv[k] ?? (k === "valid" ? null : [])) !== JSON.stringify(was)) out[k] = adv[k] ?? null;
  }
  return out;
}

async function act(path, body, done) {
  try {
    const r = await api(`/kb/documents/${ingestId}/proposals${path}`, { method: "POST", json: body });
    await reload();
    done(r);
  } catch (err) { say(err instanceof Error && !err.status ? err.message : (err.status === 422 ? err.body.message : explain(err)), true); }
}

async function save() {
  if (!editable() || !byId(view.current)) return;
  let c;
  try { c = changes(); } catch (e) { say(e.message, true); return; }
  if (!Object.keys(c).length) { say(t("rv-saved")); return; }
  try {
    await api(`/kb/documents/${ingestId}/proposals/${view.current}`, { method: "PATCH", json: { changes: c } });
    await reload();
    select(view.current);
    say(t("rv-saved"));
  } catch (err) { say(err.status === 422 ? err.body.message : explain(err), true); }
}

async function accept() {
  if (!editable() || !byId(view.current)) return;
  let c;
  try { c = changes(); } catch (e) { say(e.message, true); return; }
  const id = view.current;
  await act(`/${id}/accept`, Object.keys(c).length ? { changes: c } : undefined, () => { say(t("rv-accepted-msg")); select(id); nextPending(); });
}

async function reject() {
  if (!editable() || !byId(view.current)) return;
  const id = view.current;
  await act(`/${id}/reject`, undefined, () => { say(t("rv-rejected-msg")); select(id); nextPending(); });
}

async function doSplit() {
  const at = $$("#split-box input:checked").map(i => Number(i.value));
  if (!at.length) return;
  await act(`/${view.current}/split`, { at }, r => { view.splitting = false; say(t("rv-split-done", r.length)); select(r[0].id, true); });
}

async function mergeNext() {
  if (!editable()) return;
  const p = byId(view.current);
  const next = p && view.props.find(x => x.start >= p.end && x.id !== p.id);
  if (!next) { say(t("rv-no-next"), true); return; }
  await act("/merge", { ids: [p.id, next.id] }, r => { say(t("rv-merged")); select(r.id, true); });
}

async function saveManifest() {
  const val = id => $(id).value.trim() || null;
  const body = {
    title: val("#m-title"), title_en: val("#m-title-en"), issuer: val("#m-issuer"), doc_number: val("#m-number"), issued: val("#m-issued"),
    level: val("#m-level"), location: val("#m-location"), period: { start: val("#m-start"), end: val("#m-end"), text: $("#m-period-text").value.trim() },
  };
  try {
    view.doc = await api(`/kb/documents/${ingestId}/manifest`, { method: "PATCH", json: body });
    say(t("rv-manifest-saved"));
  } catch (err) { say(err.status === 422 ? err.body.message : explain(err), true); }
}

async function importDoc(dry) {
  say(dry ? "" : t("rv-importing"));
  try {
    const r = await api(`/kb/documents/${ingestId}/import${dry ? "?dry_run=true" : ""}`, { method: "POST" });
    if (dry) { view.outcome = null; say(t("rv-check-ok", r.measures)); return; }
    view.outcome = r;
    await reload(true);
    say(t("rv-imported", r.measures, r.affected_prospects ?? 0, r.version));
  } catch (err) {
    if (err.status === 422 && err.body.errors?.length) {
      view.outcome = { issues: err.body.errors };
      render();
      say(t("rv-issues"), true);
    } else if (err.status === 409 && view.doc.counts.pending) say(t("rv-pending-left", view.doc.counts.pending), true);
    else say(explain(err), true);
  }
}

async function discard(e) {
  const b = e.currentTarget;
  if (!b.dataset.armed) { b.dataset.armed = "1"; b.textContent = t("rv-confirm-discard"); return; }
  try {
    await api(`/kb/documents/${ingestId}`, { method: "DELETE" });
    await reload(true);
    say(t("rv-discarded"));
  } catch (err) { say(explain(err), true); }
}

async function reload(whole = false) {
  const [doc, props] = await Promise.all([api(`/kb/documents/${ingestId}`), api(`/kb/documents/${ingestId}/proposals`)]);
  view.doc = doc;
  view.props = props;
  if (whole) { render(); return; }
  refreshText();
}

// --- keyboard -------------------------------------------------------------------------------------------
function keys(e) {
  const typing = e.target.closest("input, textarea, select");
  if (typing) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.closest("#proposal-form")) { e.preventDefault(); save(); }
    if (e.key === "Escape") e.target.blur();
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if ((e.key === "Enter" || e.key === " ") && e.target.closest("mark[data-p]")) { e.preventDefault(); select(Number(e.target.dataset.p), true); return; }
  const map = {
    j: () => step(1), k: () => step(-1), n: nextPending, a: accept, r: reject, s: save, m: mergeNext,
    x: () => { if (editable()) { view.splitting = !view.splitting; renderPanel(); if (view.splitting) $("#split-box input")?.focus(); } },
    l: () => setFilter(view.filter === "low" ? "all" : "low"),
    "?": () => { const k = $("#keys-help"); k.classList.toggle("flash"); k.scrollIntoView({ block: "center" }); },
  };
  const fn = map[e.key.toLowerCase()] || (e.key === "?" ? map["?"] : null);
  if (fn) { e.preventDefault(); fn(); }
}

function wire() {
  $("#main").addEventListener("click", e => {
    const m = e.target.closest("#doc-text mark[data-p]");
    if (m) select(Number(m.dataset.p));
  });
  document.addEventListener("keydown", keys);
}

boot("documents", async () => {
  view.vocab = await api("/kb/vocabulary");
  await reload(true);
  wire();
  const hash = /^#p-(\d+)$/.exec(location.hash);
  if (hash) select(Number(hash[1]), true);
  onLang(() => { render(); if (view.current) select(view.current); });
  onRole(() => { render(); if (view.current) select(view.current); });
});
