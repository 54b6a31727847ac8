// One prospect: status and its transitions, owner, tags and notes, status history, the rankings it was shown
// and how they changed. Editing follows the key's role: viewers read, editors change, admins may delete.
import { $, api, boot, can, explain, fill, fmt, h, onLang, onRole, pick, request, state, status, t, when } from "./common.js";
import { explanation, fitBadge, names, placeLink, placeName } from "./explain.js";

const PIPELINE = ["lead", "contacted", "visiting", "negotiating", "signed", "lost"];
const OPEN = PIPELINE.slice(0, 4);
const id = Number(location.pathname.split("/").pop());
const view = { p: null, etag: null, snapshot: null, changes: null, before: null, after: null };
const say = (msg, error = false) => status($("#status"), msg, error);

async function load() {
  const r = await request(`/prospects/${id}`);
  view.etag = r.headers.get("ETag");
  view.p = await r.json();
  const snaps = view.p.snapshots;
  if (snaps.length >= 2 && !view.before) { view.before = snaps.at(-2).id; view.after = snaps.at(-1).id; }
  if (snaps.length >= 2) await loadChanges();
  render();
}

async function loadChanges() {
  try { view.changes = await api(`/prospects/${id}/changes?before=${view.before}&after=${view.after}`); } catch (e) { view.changes = null; say(explain(e), true); }
}

async function patch(changes, done) {
  try {
    const headers = view.etag ? { "If-Match": view.etag } : {};
    await api(`/prospects/${id}`, { method: "PATCH", json: changes, headers });
    await load();
    say(done);
  } catch (e) { say(explain(e), true); }
}

function transitions(p) {
  if (!OPEN.includes(p.status)) return h("p", { class: "hint" }, t("pr-final"));
  if (!state.role) return h("p", { class: "hint", id: "edit-hint" }, t("pr-nokey"));
  if (!can("editor")) return h("p", { class: "hint", id: "edit-hint" }, t("pr-viewer"));
  const later = PIPELINE.slice(PIPELINE.indexOf(p.status) + 1, 5);
  return h("div", { class: "actions", id: "transitions" },
    later.map(s => h("button", { type: "button", class: s === later[0] ? "primary" : "", dataset: { to: s }, on: { click: () => patch({ status: s }, t("pr-moved", t("st-" + s))) } }, t("pr-move", t("st-" + s)))),
    h("button", { type: "button", class: "danger", dataset: { to: "lost" }, on: { click: () => patch({ status: "lost" }, t("pr-moved", t("st-lost"))) } }, t("pr-lost")));
}

function editForm(p) {
  const editor = can("editor");
  const submit = e => {
    e.preventDefault();
    const tags = $("#e-tags").value.split(/[,，、]/).map(s => s.trim()).filter(Boolean);
    patch({ owner: $("#e-owner").value.trim() || null, tags, notes: $("#e-notes").value }, t("pr-saved"));
  };
  return h("form", { class: "panel", id: "edit-form", on: { submit } },
    h("label", { for: "e-owner" }, t("owner")), h("input", { id: "e-owner", value: p.owner || "", maxlength: "100", readOnly: !editor }),
    h("label", { for: "e-tags" }, t("tags")), h("input", { id: "e-tags", value: p.tags.join(", "), maxlength: "400", readOnly: !editor }),
    h("label", { for: "e-notes" }, t("pr-notes")), h("textarea", { id: "e-notes", rows: "4", maxlength: "5000", readOnly: !editor }, p.notes),
    editor ? h("button", { type: "submit", class: "primary" }, t("pr-save")) : null);
}

function history(p) {
  return h("ol", { class: "history" }, p.history.map(e => h("li", {},
    when(e.at), " · ", e.from_status ? `${t("st-" + e.from_status)} → ` : "", t("st-" + e.to_status), e.by_key ? t("pr-by", e.by_key) : "")));
}

function snapshots(p) {
  return h("div", { class: "scroll" }, h("table", { id: "snapshots" },
    h("thead", {}, h("tr", {}, [t("created"), t("asof"), t("preset"), t("shortlist"), ""].map(x => h("th", { scope: "col" }, x)))),
    h("tbody", {}, p.snapshots.slice().reverse().map(s => h("tr", {},
      h("td", {}, when(s.created_at)), h("td", {}, s.as_of), h("td", {}, t(s.preset)),
      h("td", {}, s.top.slice(0, 3).map((x, k) => [k ? "、" : "", placeName(x)])),
      h("td", {}, h("button", { type: "button", on: { click: () => showSnapshot(s.id) } }, t("pr-view"))))))));
}

async function showSnapshot(sid) {
  try {
    view.snapshot = await api(`/prospects/${id}/snapshots/${sid}`);
    renderSnapshot();
    $("#snapshot").scrollIntoView({ block: "nearest" });
  } catch (e) { say(explain(e), true); }
}

function renderSnapshot() {
  const r = view.snapshot;
  if (!r) return;
  fill($("#snapshot"), h("h3", {}, `${t("shortlist")} · ${r.as_of}`),
    r.matches.map(m => h("details", { class: "group" }, h("summary", {}, `${m.rank}. ${m.name} `, fitBadge(m.fit), ` ${fmt(m.score)}`), explanation(m))));
}

function changes() {
  const c = view.changes;
  const snaps = view.p.snapshots;
  if (snaps.length < 2) return h("p", { class: "hint" }, t("pr-one-snapshot"));
  const select = (idName, value) => h("select", { id: idName, on: { change: async () => { view.before = +$("#c-before").value; view.after = +$("#c-after").value; await loadChanges(); render(); } } },
    snaps.map(s => h("option", { value: s.id, selected: s.id === value }, `${when(s.created_at)} (${s.as_of})`)));
  return [
    h("div", { class: "row" }, h("div", {}, h("label", { for: "c-before" }, t("pr-before")), select("c-before", view.before)),
      h("div", {}, h("label", { for: "c-after" }, t("pr-after")), select("c-after", view.after))),
    c?.kb_changed ? h("p", { class: "note" }, t("pr-kb-changed")) : null,
    c ? h("table", { id: "changes" }, h("thead", {}, h("tr", {}, [t("location"), t("pr-before"), t("pr-after"), t("score")].map(x => h("th", { scope: "col" }, x)))),
      h("tbody", {}, c.changes.map(x => h("tr", {}, h("td", {}, placeLink(x.location_id)),
        h("td", {}, x.before ?? t("pr-new")), h("td", {}, x.after ?? t("pr-gone")),
        h("td", {}, `${fmt(x.score_before)} → ${fmt(x.score_after)}`))))) : null,
  ];
}

function render() {
  const p = view.p;
  const f = p.fields || {};
  fill($("#main"),
    h("p", { class: "crumbs no-print" }, h("a", { href: "/pipeline" }, t("pr-back"))),
    h("h1", {}, p.name),
    h("section", { class: "panel", "aria-labelledby": "st-title" },
      h("h2", { id: "st-title" }, t("status")),
      h("p", { class: "status-line" }, h("strong", { id: "current-status", dataset: { status: p.status } }, t("st-" + p.status)), " · ", p.owner || "–"),
      transitions(p),
      h("h3", {}, t("pr-history")), history(p)),
    h("section", { class: "panel" }, h("h2", {}, t("pr-description")), h("p", {}, p.description),
      h("p", { class: "cite" }, [f.stage ? t(f.stage) : null, f.revenue_cny ? `${fmt(f.revenue_cny / 10000, 0)} ${pick("万元", "×10k CNY")}` : null,
        f.headcount ? `${f.headcount} ${pick("人", "staff")}` : null, (f.needs || []).join(", ")].filter(Boolean).join(" · "))),
    editForm(p),
    h("section", { class: "panel" }, h("h2", {}, t("pr-snapshots")), snapshots(p),
      can("editor") ? h("button", { type: "button", id: "rerank", on: { click: rerank } }, t("pr-rerank")) : null,
      h("div", { id: "snapshot" })),
    h("section", { class: "panel" }, h("h2", {}, t("pr-changes")), changes()),
    can("admin") ? h("p", { class: "no-print" }, h("button", { type: "button", class: "danger", on: { click: remove } }, t("pr-delete"))) : null,
    $("#status"));
  renderSnapshot();
  document.title = `${p.name} · ${t("pipe-title")}`;
}

async function rerank() {
  try {
    const s = await api(`/prospects/${id}/snapshots`, { method: "POST" });
    view.before = view.p.snapshots.at(-1)?.id ?? null;
    view.after = s.id;
    await load();
  } catch (e) { say(explain(e), true); }
}

async function remove() {
  if (!confirm(t("pr-confirm-delete"))) return;
  try { await api(`/prospects/${id}`, { method: "DELETE" }); location.href = "/pipeline"; } catch (e) { say(explain(e), true); }
}

boot("pipeline", async () => {
  const parks = await api("/parks");
  for (const x of parks) names.set(x.id, x);
  await load();
  onLang(render);
  onRole(() => load().catch(e => say(explain(e), true)));
});
