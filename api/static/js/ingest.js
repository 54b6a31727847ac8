// Adding and withdrawing policy documents: upload a file (checked at once, then extracted in the background with
// its progress), the uploads with their review state, withdrawal of a document, and the history of changes with
// the saved prospects each one moved.
import { $, api, boot, can, explain, fill, h, onLang, onRole, openKeyDialog, pick, status, t, when } from "./common.js";
import "./i18n-ingest.js";

const MAX_MB = 20;  // the extractor's limit (matcher/kb/extract/read.py); larger files are refused with their size
const view = { jobs: [], changes: [], docs: [], places: [], watching: new URLSearchParams(location.search).get("watch"), timer: null };
const say = (msg, error = false) => status($("#status"), msg, error);

function field(id, key, input) {
  return h("div", {}, h("label", { for: id }, t(key)), input);
}

function uploadForm() {
  const admin = can("admin");
  return h("form", { class: "panel", id: "upload-form", on: { submit: upload } },
    h("h2", {}, t("in-upload")),
    admin ? null : h("p", { class: "hint" }, t("in-needs-admin"), " ", h("button", { type: "button", on: { click: openKeyDialog } }, t("key-paste"))),
    h("fieldset", { disabled: !admin },
      field("u-file", "in-file", h("input", { id: "u-file", type: "file", accept: ".txt,.docx,.pdf,.html,.htm", required: true })),
      field("u-doc", "in-doc-id", h("input", { id: "u-doc", required: true, pattern: "[a-z0-9]+(-[a-z0-9]+)*", maxlength: "80", autocomplete: "off", spellcheck: "false" })),
      h("details", {}, h("summary", {}, t("in-meta")),
        h("div", { class: "row" },
          field("u-title", "in-doc-title", h("input", { id: "u-title", maxlength: "300" })),
          field("u-title-en", "in-title-en", h("input", { id: "u-title-en", maxlength: "300", lang: "en" })),
          field("u-issuer", "in-issuer", h("input", { id: "u-issuer", maxlength: "100" })),
          field("u-number", "in-number", h("input", { id: "u-number", maxlength: "60" })),
          field("u-issued", "in-issued", h("input", { id: "u-issued", pattern: "\\d{4}-\\d{2}-\\d{2}", placeholder: "2026-01-15" })),
          field("u-level", "in-level", h("select", { id: "u-level" }, h("option", { value: "" }, "–"),
            ["province", "city", "district"].map(l => h("option", { value: l }, t("level-" + l))))),
          field("u-location", "in-location", h("select", { id: "u-location" }, h("option", { value: "" }, "–"),
            view.places.filter(p => ["province", "city", "district"].includes(p.level)).map(p => h("option", { value: p.id }, pick(p.name_zh, p.name_en))))))),
      h("label", {}, h("input", { type: "checkbox", id: "u-unnumbered" }), " ", t("in-unnumbered")),
      h("button", { type: "submit", class: "primary", id: "u-start" }, t("in-start"))));
}

async function upload(e) {
  e.preventDefault();
  const file = $("#u-file").files[0];
  const doc = $("#u-doc").value.trim();
  if (!file || !doc) { say(t("in-choose"), true); return; }
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(doc)) { say(t("in-bad-id"), true); $("#u-doc").focus(); return; }
  if (file.size > MAX_MB * 1024 * 1024) { say(t("in-too-big", (file.size / 1048576).toFixed(1), MAX_MB), true); return; }
  const fd = new FormData();
  fd.append("file", file);
  fd.append("doc_id", doc);
  const meta = { title: "u-title", title_en: "u-title-en", issuer: "u-issuer", doc_number: "u-number", issued: "u-issued", level: "u-level", location: "u-location" };
  for (const [k, id] of Object.entries(meta)) if ($("#" + id).value.trim()) fd.append(k, $("#" + id).value.trim());
  if ($("#u-unnumbered").checked) fd.append("allow_unnumbered", "true");
  try {
    const job = await api("/kb/documents", { method: "POST", form: fd });
    view.watching = job.id;
    history.replaceState(null, "", `/ingest?watch=${job.id}`);
    say(t("in-sent"));
    await refresh();
  } catch (err) { say(refusal(err), true); }
}

// A refused file in the officer's language, with the extractor's own words after it.
function refusal(err) {
  const code = err.body?.code;
  if (err.status === 422 && code && code !== "validation_error") return `${t("ex-" + code)} ${t("ex-detail")}${err.body.message}`;
  return explain(err);
}

function progressPanel() {
  const job = view.jobs.find(j => j.id === view.watching);
  if (!job) return null;
  const pct = Math.round(job.progress * 100);
  return h("section", { class: "panel", id: "progress", "aria-labelledby": "progress-title" },
    h("h2", { id: "progress-title" }, `${t("in-progress")} · ${job.doc_id} · ${job.filename}`),
    h("progress", { max: 100, value: pct, "aria-label": t("in-progress") }),
    h("p", { class: "progress-line", role: "status", "aria-live": "polite" },
      h("span", { id: "p-status" }, t("st-" + job.status)), h("span", { id: "p-stage" }, t("stage-" + (job.stage || "queued"))), h("span", {}, `${pct}%`)),
    job.status === "review" ? h("p", {}, t("in-ready", job.counts.pending, job.counts.low), " ", h("a", { class: "button-link", id: "review-link", href: `/ingest/${job.id}` }, t("in-review-now"))) : null,
    job.status === "failed" ? h("p", { class: "error", id: "p-error" }, `${t("ex-" + (job.code || "extraction_failed"))} ${t("ex-detail")}${job.message}`) : null);
}

function jobsTable() {
  if (!view.jobs.length) return h("p", { class: "hint" }, t("in-none"));
  return h("div", { class: "scroll" }, h("table", { id: "uploads" },
    h("thead", {}, h("tr", {}, ["in-when", "in-doc", "in-file-col", "in-status", "in-counts"].map(k => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, view.jobs.map(j => h("tr", { dataset: { id: j.id } },
      h("td", {}, when(j.created_at)),
      h("td", {}, ["review", "imported"].includes(j.status) ? h("a", { href: `/ingest/${j.id}` }, j.doc_id) : j.doc_id),
      h("td", {}, j.filename),
      h("td", {}, t("st-" + j.status), j.status === "running" ? ` ${Math.round(j.progress * 100)}%` : "", j.status === "failed" ? h("div", { class: "cite" }, j.message) : null),
      h("td", {}, `${j.counts.pending} / ${j.counts.accepted} / ${j.counts.rejected}`))))));
}

function movedList(c) {
  if (!c.prospects.length) return t("ch-affected-n", c.affected_prospects ?? 0);
  return h("details", {}, h("summary", {}, t("ch-affected-n", c.affected_prospects)),
    h("ul", {}, c.prospects.map(p => h("li", {}, h("a", { href: `/pipeline/${p.prospect_id}` }, p.name || `#${p.prospect_id}`),
      h("div", { class: "cite" }, `${t("rv-before")}：${p.before.slice(0, 5).join("、") || "–"}`),
      h("div", { class: "cite" }, `${t("rv-after")}：${p.after.slice(0, 5).join("、") || "–"}`)))));
}

function changesTable() {
  if (!view.changes.length) return h("p", { class: "hint" }, t("in-no-changes"));
  return h("div", { class: "scroll" }, h("table", { id: "changes" },
    h("thead", {}, h("tr", {}, ["ch-when", "ch-kind", "ch-doc", "ch-measures", "ch-affected", "ch-reason", "ch-by"].map(k => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, view.changes.map(c => h("tr", { dataset: { id: String(c.id) } },
      h("td", {}, when(c.at)), h("td", {}, t("ch-kind-" + c.kind)),
      h("td", {}, c.kind === "import" && view.docs.includes(c.doc_id) ? h("a", { href: `/documents/${encodeURIComponent(c.doc_id)}` }, c.doc_id) : c.doc_id),
      h("td", {}, String(c.measures)), h("td", { class: "affected" }, movedList(c)), h("td", {}, c.reason), h("td", {}, c.by_key || "–"))))));
}

function withdrawForm() {
  const admin = can("admin");
  return h("form", { class: "panel", id: "withdraw-form", on: { submit: withdraw } },
    h("h2", {}, t("wd-title")),
    h("fieldset", { disabled: !admin },
      field("w-doc", "wd-doc", h("select", { id: "w-doc" }, h("option", { value: "" }, "–"), view.docs.map(d => h("option", { value: d }, d)))),
      field("w-reason", "wd-reason", h("input", { id: "w-reason", maxlength: "1000" })),
      h("label", {}, h("input", { type: "checkbox", id: "w-confirm" }), " ", t("wd-confirm")),
      h("button", { type: "submit", class: "danger", id: "w-go" }, t("wd-go"))));
}

async function withdraw(e) {
  e.preventDefault();
  const doc = $("#w-doc").value, reason = $("#w-reason").value.trim();
  if (!doc || reason.length < 3 || !$("#w-confirm").checked) { say(t("wd-need"), true); return; }
  try {
    const c = await api("/kb/withdrawals", { method: "POST", json: { doc_id: doc, reason } });
    say(t("wd-done", c.doc_id, c.measures, c.affected_prospects ?? 0));
    await load();
  } catch (err) { say(err.status === 422 ? err.body.message : explain(err), true); }
}

function render() {
  fill($("#main"),
    h("p", { class: "crumbs" }, h("a", { href: "/documents" }, t("doc-back"))),
    h("h1", {}, t("in-title")),
    uploadForm(), progressPanel(),
    h("section", { class: "panel", id: "jobs-panel" }, h("h2", {}, t("in-jobs")), jobsTable()),
    h("section", { class: "panel" }, h("h2", {}, t("in-changes")), changesTable()),
    withdrawForm(), $("#status"));
}

async function load() {
  const [jobs, changes, docs] = await Promise.all([api("/kb/documents"), api("/kb/changes"), api("/documents")]);
  view.jobs = jobs;
  view.changes = changes;
  view.docs = docs.map(d => d.id);
  render();
  schedule();
}

function schedule() {
  clearTimeout(view.timer);
  if (view.jobs.some(j => j.status === "queued" || j.status === "running")) view.timer = setTimeout(refresh, 800);
}

// While a job runs only its progress panel and the table change, so the forms keep what the officer typed.
async function refresh() {
  try { view.jobs = await api("/kb/documents"); } catch (e) { say(explain(e), true); return; }
  const watched = view.jobs.find(j => j.id === view.watching);
  if (watched?.status === "review") say(t("in-ready", watched.counts.pending, watched.counts.low));
  if (watched?.status === "failed") say(`${t("ex-" + (watched.code || "extraction_failed"))} ${watched.message}`, true);
  const old = $("#progress"), fresh = progressPanel();
  if (old && fresh) old.replaceWith(fresh);
  else if (fresh) $("#upload-form").after(fresh);
  fill($("#jobs-panel"), h("h2", {}, t("in-jobs")), jobsTable());
  schedule();
}

boot("documents", async () => {
  view.places = (await api("/kb/vocabulary")).locations;
  await load();
  onLang(render);
  onRole(render);
});
