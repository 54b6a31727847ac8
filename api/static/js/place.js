// The place profile: what a place wants, what it offers now, its platforms and carriers, what it inherits
// from its district, city and province, and what has ended; each with its quote and a link to its section.
import { $, api, boot, fill, h, onLang, pick, t } from "./common.js";
import { L, baseMap, Spreader } from "./leafmap.js";
import { names, placeLink } from "./explain.js";

const id = decodeURIComponent(location.pathname.split("/").pop());
let place = null;
let mapMade = false;

const amountsOf = m => {
  const roles = m.amounts.some(a => a.role);
  return m.amounts.filter(a => !roles || a.role === "benefit").map(a => `${pick(a.label_zh, a.label_en)}：${a.text}`);
};

function measure(m) {
  const v = m.validity;
  return h("article", { class: "measure", id: `pm-${m.id}` },
    h("h4", {}, pick(m.title_zh, m.title_en),
      m.modality ? h("span", { class: "tag" }, t("mod-" + m.modality)) : null,
      h("span", { class: `tag v-${v.status}` }, t("v-" + v.status), v.end ? ` · ${v.end}` : "")),
    h("p", {}, pick(m.offer_zh, m.offer_en)),
    m.conditions.length ? h("p", { class: "cite" }, t("eligibility"), "：", m.conditions.map(c => c.text).join("；")) : null,
    amountsOf(m).length ? h("p", { class: "cite" }, t("amounts"), "：", amountsOf(m).join("；")) : null,
    h("details", { class: "quote" }, h("summary", {}, t("quote")), h("blockquote", { lang: "zh" }, `「${m.quote}」`)),
    h("p", { class: "cite" },
      h("a", { href: `/documents/${encodeURIComponent(m.doc_id)}#m-${m.id}`, class: "cite-link" }, `${pick(m.doc_title, m.doc_title_en)} · ${m.section}`),
      m.inherited ? ` · ${pick(m.source_label_zh, m.source_label_en)}` : "",
      m.lead ? ` · ${m.lead}` : ""));
}

function group(titleKey, list, { open = true, arg } = {}) {
  const title = arg === undefined ? t(titleKey) : t(titleKey, arg);
  return h("details", { class: "panel group", open },
    h("summary", {}, title, " ", h("span", { class: "cite" }, t("measures-n", list.length))),
    list.length ? list.map(measure) : h("p", { class: "hint" }, t("place-none")));
}

function render() {
  const p = place;
  const own = p.measures.filter(m => !m.inherited);
  const byGroup = (list, g) => list.filter(m => m.group === g);
  const ancestors = p.ancestors.map(a => ({ a, list: p.measures.filter(m => m.location_id === a.id && (m.group === "offers" || m.group === "resources")) }));
  const main = $("#main");
  const statusEl = $("#status");
  fill(main,
    h("section", { class: "place-head" },
      h("div", { class: "panel" },
        h("nav", { class: "crumbs", "aria-label": t("place-title") }, [...p.ancestors].reverse().map(a => [placeLink(a.id), " › "]), pick(p.name_zh, p.name_en)),
        h("h1", {}, pick(p.name_zh, p.name_en)),
        h("p", { class: "meta" }, t("level-" + p.level), " · ", pick(p.name_en, p.name_zh), p.aliases.length ? ` · ${p.aliases.join("、")}` : ""),
        h("p", { class: "meta" }, t("place-as-of", p.as_of)),
        h("h2", {}, t("place-focus")),
        p.focus_sectors.length ? h("ul", { class: "chips" }, p.focus_sectors.map(s => h("li", {}, pick(s.zh, s.en)))) : h("p", { class: "hint" }, t("no-focus")),
        byGroup(own, "focus").length ? h("ul", {}, byGroup(own, "focus").map(m => h("li", {}, pick(m.title_zh, m.title_en), " ",
          h("a", { href: `/documents/${encodeURIComponent(m.doc_id)}#m-${m.id}`, class: "cite-link" }, m.section)))) : null,
        p.children.length ? [h("h2", {}, t("place-children")), h("p", {}, p.children.map((c, k) => [k ? "、" : "", placeLink(c.id)]))] : null,
        h("p", { class: "actions no-print" }, h("a", { href: `/batches?for=${encodeURIComponent(p.id)}`, class: "button-link", id: "batch-link" }, t("place-batch")))),
      h("div", { class: "panel" }, h("h2", {}, t("place-map")), h("div", { id: "place-map", role: "region", "aria-label": t("place-map") }),
        h("p", { class: "cite" }, t("place-precision"), "：", p.coordinate_precision))),
    group("place-offers", byGroup(own, "offers")),
    group("place-resources", byGroup(own, "resources")),
    ancestors.map(({ a, list }) => group("place-inherited", list, { open: false, arg: pick(a.name_zh, a.name_en) })),
    group("place-ended", p.measures.filter(m => m.group === "ended"), { open: false }),
    byGroup(own, "context").length ? group("place-context", byGroup(own, "context"), { open: false }) : null,
    statusEl);
  document.title = `${pick(p.name_zh, p.name_en)} · ${t("place-title")}`;
}

async function drawMap() {
  const { map } = await baseMap($("#place-map"), { districts: true });
  const spread = new Spreader(map);
  const pts = [place, ...place.children].map((c, k) => {
    const el = h("span", { class: "pin" });
    const size = k ? 12 : 20;
    const marker = L.marker([c.lat, c.lon], { icon: L.divIcon({ className: `pm-marker ${k ? "fit-none" : "fit-strong"}`, html: el, iconSize: [size, size] }), keyboard: false, interactive: k > 0 });
    marker.bindTooltip(h("span", {}, pick(c.name_zh, c.name_en)), { permanent: !k, direction: "right", className: k ? "hover-label" : "place-label" });
    if (k) marker.on("click", () => { location.href = `/places/${encodeURIComponent(c.id)}`; });
    marker.addTo(map);
    return { marker, latlng: L.latLng(c.lat, c.lon), size, order: k };
  });
  const zoom = { park: 11, district: 10, city: 9, region: 7, province: 7 }[place.level] ?? 9;
  map.setView([place.lat, place.lon], zoom);
  spread.set(pts);
}

boot("", async () => {
  const [p, parks] = await Promise.all([api(`/places/${encodeURIComponent(id)}`), api("/parks")]);
  for (const x of parks) names.set(x.id, x);
  place = p;
  render();
  await drawMap();
  mapMade = true;
  onLang(() => { render(); if (mapMade) drawMap(); });
});
