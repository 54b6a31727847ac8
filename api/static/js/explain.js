// One ranked place explained: reason, score components, cited clauses, usable and ended incentives.
// Shows the ranking fields of landing places (level, policy status, modality, questions) when the ranking has them.
import { h, t, fmt, pick } from "./common.js";

export const names = new Map(); // location id -> {name_zh, name_en}
export const placeName = id => { const n = names.get(id); return n ? pick(n.name_zh, n.name_en) : id; };
export const placeLink = id => h("a", { href: `/places/${encodeURIComponent(id)}` }, placeName(id));
export const sectionLink = (docId, measureId, label) =>
  h("a", { href: `/documents/${encodeURIComponent(docId)}#m-${measureId}`, class: "cite-link" }, label);

export const fitBadge = fit => h("span", { class: `badge fit-${fit}` }, t("fit-" + fit));
export function statusBadge(ps) {
  return ps ? h("span", { class: `badge ps ps-${ps}` }, t("ps-" + ps)) : null;
}

// A measure that states no condition is never "met": it has nothing to meet.
export function eligibilityOf(inc) {
  if (inc.eligibility === "met" && !(inc.conditions || []).length) return "no_conditions";
  return inc.eligibility;
}

function bars(c) {
  return h("dl", { class: "bars" }, ["sector", "incentive", "validity", "place"].map(k => [
    h("dt", {}, t(k)),
    h("dd", {}, h("meter", { min: 0, max: 1, value: c[k] ?? 0, "aria-label": t(k) }), h("span", {}, fmt(c[k] ?? 0))),
  ]));
}

function evidence(e) {
  const doc = e.doc_title + " · " + e.section;
  return h("li", {},
    h("strong", {}, e.title),
    e.validity !== "in_force" ? h("span", { class: "warn" }, t("ended")) : null,
    e.discounted ? h("span", { class: "warn" }, t("discounted")) : null,
    e.modality ? h("span", { class: "tag" }, t("mod-" + e.modality)) : null,
    h("blockquote", { lang: "zh" }, `「${e.quote}」`),
    h("div", { class: "cite" }, sectionLink(e.doc_id, e.measure_id, doc),
      e.inherited ? [" · ", t("inherited"), " ", placeLink(e.location_id)] : null));
}

function incentiveRow(i) {
  const el = eligibilityOf(i);
  const source = i.source_label || (i.inherited ? `${t("inherited")} ${placeName(i.inherited_from || i.location_id)}` : "");
  return h("tr", {},
    h("td", {}, h("strong", {}, i.title), i.modality ? h("span", { class: "tag" }, t("mod-" + i.modality)) : null,
      h("div", { class: "cite" }, i.offer)),
    h("td", {}, h("span", { class: `elig el-${el}` }, t("el-" + el)),
      (i.conditions || []).map(c => h("div", { class: "cite" }, `${c.text}: ${t("el-" + c.status)}`,
        c.question ? h("div", { class: "ask" }, `${t("ask")}: ${c.question}`) : null))),
    h("td", {}, (i.amounts || []).join(", ")),
    h("td", { class: "cite" }, sectionLink(i.doc_id, i.measure_id, `${i.doc_id} ${i.section}`),
      source ? h("div", {}, source) : null,
      i.validity !== "in_force" ? h("span", { class: "warn" }, t("ended")) : null));
}

export function incentiveTable(list) {
  if (!list.length) return h("p", { class: "hint" }, t("no-incentives"));
  return h("div", { class: "scroll" }, h("table", {},
    h("thead", {}, h("tr", {}, [t("incentives"), t("eligibility"), t("amounts"), t("doc")].map(x => h("th", { scope: "col" }, x)))),
    h("tbody", {}, list.map(incentiveRow))));
}

function endedList(list) {
  return h("ul", { class: "ended" }, list.map(x => h("li", {},
    h("strong", {}, x.title), " · ", x.doc_title || x.doc_id, x.ended_on ? ` · ${t("ended-on")} ${x.ended_on}` : "",
    h("div", { class: "cite" }, x.note || t("successor")))));
}

export function explanation(m, { folded = null } = {}) {
  const ended = m.ended_incentives || [];
  return h("article", { class: "explain", "aria-label": m.name },
    folded ? h("p", { class: "note" }, t("folded", placeName(m.location_id))) : null,
    h("h3", {}, m.name, " ", fitBadge(m.fit), " ", statusBadge(m.policy_status),
      h("span", { class: "score" }, `${t("score")} ${fmt(m.score)}`)),
    h("p", { class: "meta" }, t("level-" + (folded ? names.get(folded)?.level ?? "park" : m.level)), " · ",
      placeLink(folded || m.location_id), " → ", t("profile")),
    h("p", {}, m.reason),
    m.hosts ? h("p", { class: "cite" }, t("hosts", placeName(m.hosts))) : null,
    bars(m.components),
    h("h4", {}, t("evidence")), h("ol", { class: "evidence" }, m.evidence.map(evidence)),
    h("h4", {}, t("incentives")), incentiveTable(m.incentives),
    ended.length ? [h("h4", {}, t("ended-incentives")), endedList(ended)] : null,
    m.also_in?.length ? h("p", { class: "cite" }, t("parks"), ": ", m.also_in.map((id, k) => [k ? "、" : "", placeLink(id)])) : null);
}
