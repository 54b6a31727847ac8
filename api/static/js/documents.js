// The policy library: every document with its issuer, number, period and status today.
import { $, api, boot, fill, h, onLang, pick, t } from "./common.js";

let docs = [];

function render() {
  fill($("#main"),
    h("h1", {}, t("docs-title")),
    h("p", {}, h("a", { href: "/ingest", id: "ingest-link" }, t("docs-ingest"))),
    h("div", { class: "panel scroll" }, h("table", { id: "docs" },
      h("thead", {}, h("tr", {}, ["docs-title", "doc-issuer", "doc-number", "doc-issued", "doc-period", "doc-status", "doc-measures"].map(k => h("th", { scope: "col" }, t(k))))),
      h("tbody", {}, docs.map(d => h("tr", {},
        h("td", {}, h("a", { href: `/documents/${encodeURIComponent(d.id)}` }, pick(d.title, d.title_en))),
        h("td", {}, d.issuer), h("td", {}, d.doc_number || "–"), h("td", {}, d.issued || "–"),
        h("td", {}, d.period.text, d.period.start || d.period.end ? h("div", { class: "cite" }, `${d.period.start || "…"} – ${d.period.end || "…"}`) : null),
        h("td", {}, h("span", { class: `v-${d.status}` }, t("v-" + d.status)), h("div", { class: "cite" }, d.as_of)),
        h("td", {}, String(d.measures))))))),
    $("#status"));
}

boot("documents", async () => {
  docs = await api("/documents");
  render();
  onLang(render);
});
