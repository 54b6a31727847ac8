// Batches: upload a company list (CSV or XLSX), for all places or one; progress with rows, rate and ETA;
// the result and the errors file; earlier jobs. The result keeps every column of the officer's list.
import { $, api, boot, can, download, explain, fill, h, onLang, onRole, openKeyDialog, pick, status, t, when } from "./common.js";

const view = { jobs: [], parks: [], watching: null, seen: new Map(), timer: null, error: null, announced: null };
const say = (msg, error = false) => status($("#status"), msg, error);
const preset = new URLSearchParams(location.search).get("for") || "";

function duration(s) {
  return s < 90 ? t("seconds", Math.max(1, Math.round(s))) : t("minutes", Math.round(s / 60));
}

// Rate and ETA from what this page has watched (rows done between two polls), not from the queue time.
function progressOf(job) {
  const seen = view.seen.get(job.id);
  let rate = null;
  if (seen && job.done_rows > seen.rows) rate = (job.done_rows - seen.rows) / ((Date.now() - seen.at) / 1000);
  if (job.status === "done") {
    const secs = (new Date(job.updated_at) - new Date(job.created_at)) / 1000;
    if (secs > 0) rate = job.total_rows / secs;
  }
  return { rate, eta: rate && job.status === "running" && !writing(job) ? (job.total_rows - job.done_rows) / rate : null };
}

function form() {
  const editor = can("editor");
  return h("form", { class: "panel", id: "batch-form", on: { submit: upload } },
    h("h2", {}, t("b-upload")),
    editor ? null : h("p", { class: "hint", id: "batch-needs" }, t("b-needs-editor"), " ", h("button", { type: "button", on: { click: openKeyDialog } }, t("key-paste"))),
    h("fieldset", { disabled: !editor },
      h("label", { for: "b-file" }, t("b-file")),
      h("input", { id: "b-file", type: "file", accept: ".csv,.xlsx,.jsonl,.tsv,.txt", required: true }),
      h("fieldset", {}, h("legend", {}, t("b-scope")),
        h("label", {}, h("input", { type: "radio", name: "scope", value: "all", checked: !preset }), " ", t("b-all")),
        h("label", {}, h("input", { type: "radio", name: "scope", value: "one", checked: Boolean(preset) }), " ", t("b-one"))),
      h("div", { class: "row" },
        h("div", {}, h("label", { for: "b-place" }, t("b-place")), h("select", { id: "b-place" },
          view.parks.map(p => h("option", { value: p.id, selected: p.id === preset }, `${pick(p.name_zh, p.name_en)}（${t("level-" + p.level)}）`)))),
        h("div", {}, h("label", { for: "b-top" }, t("b-top")), h("input", { id: "b-top", type: "number", min: "1", max: "10", value: "3" })),
        h("div", {}, h("label", { for: "b-format" }, t("b-format")), h("select", { id: "b-format" }, ["xlsx", "csv", "jsonl"].map(f => h("option", { value: f }, f.toUpperCase()))))),
      h("details", {}, h("summary", {}, t("b-columns")),
        h("div", { class: "row" },
          h("div", {}, h("label", { for: "b-text-col" }, t("b-text-col")), h("input", { id: "b-text-col", maxlength: "100" })),
          h("div", {}, h("label", { for: "b-name-col" }, t("b-name-col")), h("input", { id: "b-name-col", maxlength: "100" })))),
      h("p", { class: "hint" }, t("b-keeps")),
      h("button", { type: "submit", class: "primary", id: "b-start" }, t("b-start"))));
}

async function upload(e) {
  e.preventDefault();
  const file = $("#b-file").files[0];
  if (!file) { say(t("b-choose"), true); return; }
  const fd = new FormData();
  fd.append("file", file);
  const one = document.querySelector("input[name=scope]:checked").value === "one";
  if (one) fd.append("for", $("#b-place").value);
  fd.append("top", $("#b-top").value || "3");
  fd.append("format", $("#b-format").value);
  if ($("#b-text-col").value.trim()) fd.append("text_col", $("#b-text-col").value.trim());
  if ($("#b-name-col").value.trim()) fd.append("name_col", $("#b-name-col").value.trim());
  try {
    const job = await api("/batches", { method: "POST", form: fd });
    view.watching = job.id;
    say(t("b-sent"));
    await refresh();
  } catch (err) { say(explain(err), true); }
}

// A job counts its rows once its list has been read (half a minute for a million rows): until then a queued job
// shows none and a running one says it is reading. Once every row is scored it writes the result file (three
// minutes for a million-row workbook) and says so.
const writing = job => job.status === "running" && job.total_rows > 0 && job.done_rows >= job.total_rows;
const rowsOf = job => writing(job) ? t("b-writing")
  : job.total_rows ? t("b-rows", job.done_rows, job.total_rows) : job.status === "running" ? t("b-reading") : "";

function progressPanel() {
  const job = view.jobs.find(j => j.id === view.watching);
  if (!job) return null;
  const { rate, eta } = progressOf(job);
  return h("section", { class: "panel", id: "progress", "aria-labelledby": "progress-title" },
    h("h2", { id: "progress-title" }, `${t("b-progress")} · ${job.filename}`),
    // Until the list has been counted the bar is indeterminate (no value, no max) rather than "0 of 1".
    h("progress", job.total_rows
      ? { max: job.total_rows, value: job.done_rows, "aria-label": t("b-progress") }
      : { "aria-label": t("b-progress") }),
    h("p", { class: "progress-line", role: "status", "aria-live": "polite" },
      h("span", { id: "p-status" }, t("b-" + job.status)), h("span", { id: "p-rows" }, rowsOf(job)),
      rate ? h("span", { id: "p-rate" }, t("b-rate", rate.toFixed(rate < 10 ? 1 : 0))) : null,
      eta !== null ? h("span", { id: "p-eta" }, t("b-eta", duration(eta))) : null),
    job.status === "done" ? [h("p", {}, t("b-finished", job.scored_rows, job.error_rows)), downloads(job)] : null,
    job.status === "failed" ? h("p", { class: "error" }, job.message) : null);
}

function downloads(job) {
  const stem = job.filename.replace(/\.[^.]+$/, "");
  return h("div", { class: "actions" },
    h("button", { type: "button", class: "primary", dataset: { file: "result" }, on: { click: () => get(job, "result", `${stem}-scored.${job.options.format}`) } }, t("b-result")),
    h("button", { type: "button", dataset: { file: "errors" }, on: { click: () => get(job, "errors", `${stem}-errors.csv`) } }, t("b-errors")));
}

async function get(job, which, name) {
  try { await download(`/batches/${job.id}/${which}`, name); } catch (e) { say(explain(e), true); }
}

function jobs() {
  if (view.error) return h("p", {}, explain(view.error));
  if (!view.jobs.length) return h("p", { class: "hint" }, t("b-none"));
  return h("div", { class: "scroll" }, h("table", { id: "jobs" },
    h("thead", {}, h("tr", {}, ["b-when", "b-file-col", "b-scope", "b-status", "b-scored", "b-error-rows", "download"].map(k => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, view.jobs.map(j => h("tr", { dataset: { id: j.id } },
      h("td", {}, when(j.created_at)), h("td", {}, j.filename),
      h("td", {}, j.options.location ? pick(view.parks.find(p => p.id === j.options.location)?.name_zh, view.parks.find(p => p.id === j.options.location)?.name_en) || j.options.location : t("b-all")),
      h("td", {}, t("b-" + j.status), j.status === "running" ? ` ${rowsOf(j)}` : ""),
      h("td", {}, String(j.scored_rows)), h("td", {}, String(j.error_rows)),
      h("td", {}, j.status === "done" ? downloads(j) : "–"))))));
}

function jobsPanel() {
  return h("section", { class: "panel", id: "jobs-panel" }, h("h2", {}, t("b-jobs")), jobs());
}

// `keepForm`: the form already on the page stays as the officer left it (a refresh); a new language or key builds it
// again.
function render(keepForm = false) {
  const kept = keepForm ? $("#batch-form") : null;
  fill($("#main"), h("h1", {}, t("b-title")), kept || form(), progressPanel(), jobsPanel(), $("#status"));
}

async function refresh() {
  try {
    const list = await api("/batches");
    for (const j of list) if (!view.seen.has(j.id)) view.seen.set(j.id, { rows: j.done_rows, at: Date.now() });
    view.jobs = list;
    view.error = null;
  } catch (e) { view.jobs = []; view.error = e; }
  const keep = document.activeElement?.id;
  const active = view.jobs.find(j => j.id === view.watching);
  if (active) updateProgress();
  else render(true);
  // The status line said "submitted, scoring…": once the watched list ends, it says how (once, for screen readers).
  if (active && ["done", "failed"].includes(active.status) && view.announced !== active.id) {
    view.announced = active.id;
    if (active.status === "done") say(t("b-finished", active.scored_rows, active.error_rows));
    else say(active.message || t("b-failed"), true);
  }
  if (keep && document.getElementById(keep)) document.getElementById(keep).focus();
  clearTimeout(view.timer);
  if (view.jobs.some(j => j.status === "queued" || j.status === "running")) view.timer = setTimeout(refresh, 1000);
}

// While a job runs, and when it ends, only the progress and jobs panels change: the form keeps what the officer
// typed and chose.
function updateProgress() {
  const old = $("#progress"), oldJobs = $("#jobs-panel");
  const fresh = progressPanel();
  if (old && fresh && oldJobs) {
    old.replaceWith(fresh);
    oldJobs.replaceWith(jobsPanel());
  } else render(true);
}

boot("batches", async () => {
  view.parks = (await api("/parks")).filter(p => p.level !== "province");
  render();
  await refresh();
  onLang(() => render());
  onRole(() => { render(); refresh(); });
});
