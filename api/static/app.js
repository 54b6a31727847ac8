// The 招商 map page: a prospect form, an offline SVG map of Guangdong, the shortlist, evidence and comparison.
"use strict";

const API = "/api/v1";
const T = {
  zh: {
    title: "广东生物医药招商地图", switch: "English", prospect: "意向企业", description: "企业描述（中文或英文）",
    stage: "发展阶段", unknown: "未知", seed: "种子期", startup: "初创期", growth: "成长期", mature: "成熟期",
    listed: "已上市", revenue: "年营收（万元）", headcount: "员工人数", needs: "主要需求", preset: "权重方案",
    balanced: "均衡", "sector-first": "产业优先", "incentive-first": "政策优先", custom: "自定义",
    asof: "政策有效期基准日", weights: "自定义权重", "w-sector": "产业契合", "w-incentive": "政策可用",
    "w-validity": "政策有效", match: "匹配地点", map: "地图", "fit-strong": "高度契合", "fit-good": "较为契合",
    "fit-weak": "有一定关联", "fit-none": "关联不明显", shortlist: "推荐地点", compare: "对比所选（2–5个）",
    export: "导出简报 XLSX", print: "打印简报", save: "保存到项目储备库", company: "企业名称", owner: "负责人",
    apikey: "API 密钥（编辑权限）", "save-btn": "保存", detail: "政策依据",
    pick: "提交企业描述后，点击地图标记或列表中的地点查看依据。", comparison: "地点对比",
    working: "正在匹配…", done: n => `已找到 ${n} 个推荐地点。`, empty: "请填写企业描述。",
    saved: id => `已保存，编号 ${id}。`, needkey: "保存需要编辑权限的 API 密钥。", addcmp: "加入对比",
    evidence: "政策条款", incentives: "可用政策", eligibility: "条件", ended: "文件已到期",
    inherited: "继承自", parks: "区内园区", score: "得分", components: "得分构成", sector: "产业契合",
    incentive: "政策可用", validity: "政策有效", place: "描述提及", met: "满足", unmet: "不满足", unknown_: "待确认",
    amounts: "额度", location: "地点", fit: "契合度", rank: "排名", exported: "简报已导出。",
  },
  en: {
    title: "Guangdong Biomedicine Investment Map", switch: "中文", prospect: "Prospect company",
    description: "Company description (Chinese or English)", stage: "Stage", unknown: "Unknown", seed: "Seed",
    startup: "Start-up", growth: "Growth", mature: "Mature", listed: "Listed", revenue: "Annual revenue (10k CNY)",
    headcount: "Headcount", needs: "Main needs", preset: "Weighting", balanced: "Balanced",
    "sector-first": "Sector first", "incentive-first": "Incentives first", custom: "Custom", asof: "Policy date",
    weights: "Custom weights", "w-sector": "Sector fit", "w-incentive": "Incentives", "w-validity": "Validity",
    match: "Find locations", map: "Map", "fit-strong": "Strong fit", "fit-good": "Good fit", "fit-weak": "Weak fit",
    "fit-none": "No clear fit", shortlist: "Shortlist", compare: "Compare selected (2–5)", export: "Export XLSX briefing",
    print: "Print briefing", save: "Save to the pipeline", company: "Company name", owner: "Owner",
    apikey: "API key (editor)", "save-btn": "Save", detail: "Policy evidence",
    pick: "Submit a description, then pick a location on the map or in the list.", comparison: "Comparison",
    working: "Matching…", done: n => `${n} locations shortlisted.`, empty: "Please describe the company.",
    saved: id => `Saved as prospect ${id}.`, needkey: "Saving needs an API key with editor rights.",
    addcmp: "Add to comparison", evidence: "Policy clauses", incentives: "Usable incentives",
    eligibility: "Conditions", ended: "document has ended", inherited: "inherited from", parks: "Parks within",
    score: "Score", components: "Components", sector: "Sector fit", incentive: "Incentives", validity: "Validity",
    place: "Named", met: "met", unmet: "not met", unknown_: "to confirm", amounts: "Amounts", location: "Location",
    fit: "Fit", rank: "Rank", exported: "Briefing exported.",
  },
};
const state = { lang: "zh", ranking: null, features: [], selected: null, compare: new Set(), needs: [] };
const $ = sel => document.querySelector(sel);
const t = key => T[state.lang][key] ?? key;
const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

function applyLang() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach(el => { el.textContent = t(el.dataset.i18n); });
  document.title = t("title");
  $("#map").setAttribute("aria-label", t("map"));
  renderNeeds();
  if (state.ranking) submit();
}

function status(msg, error = false) {
  const el = $("#status");
  el.textContent = msg;
  el.classList.toggle("error", error);
}

async function call(path, body) {
  const init = body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const r = await fetch(API + path, init);
  if (!r.ok) {
    const e = await r.json().catch(() => ({ message: r.statusText }));
    throw new Error(e.message || r.statusText);
  }
  return r.json();
}

// --- map ---------------------------------------------------------------------------------------
const VIEW = { lon0: 109.6, lon1: 117.4, lat0: 20.1, lat1: 25.6, k: 100 };
const KX = Math.cos(23.3 * Math.PI / 180);
const px = ([lon, lat]) => [((lon - VIEW.lon0) * KX * VIEW.k).toFixed(1), ((VIEW.lat1 - lat) * VIEW.k).toFixed(1)];

function drawBoundaries(fc) {
  const svg = $("#map");
  svg.setAttribute("viewBox", `0 0 ${((VIEW.lon1 - VIEW.lon0) * KX * VIEW.k).toFixed(0)} ${((VIEW.lat1 - VIEW.lat0) * VIEW.k).toFixed(0)}`);
  const order = { province: 0, city: 1, district: 2 };
  const parts = fc.features.slice().sort((a, b) => order[a.properties.level] - order[b.properties.level]).map(f => {
    const d = f.geometry.coordinates.map(poly => poly.map(ring => "M" + ring.map(p => px(p).join(",")).join("L") + "Z").join("")).join("");
    return `<path class="${f.properties.level}" d="${d}"/>`;
  });
  svg.insertAdjacentHTML("afterbegin", `<g class="base" aria-hidden="true">${parts.join("")}</g><g id="markers"></g>`);
}

function drawMarkers() {
  const g = $("#markers");
  const feats = state.features.slice().sort((a, b) => (a.properties.score ?? 0) - (b.properties.score ?? 0));
  g.innerHTML = feats.map(f => {
    const p = f.properties;
    const [x, y] = px(f.geometry.coordinates);
    const r = p.score == null ? 5 : 5 + 16 * p.score;
    const name = state.lang === "zh" ? p.name_zh : p.name_en;
    const cls = `marker ${p.fit ?? "none"}${p.rank ? "" : " unranked"}${state.selected === p.id ? " selected" : ""}`;
    const label = p.rank ? `${p.rank}. ${name}` : name;
    return `<circle class="${cls}" data-id="${esc(p.id)}" cx="${x}" cy="${y}" r="${r.toFixed(1)}" tabindex="0" role="button" aria-label="${esc(label)}"><title>${esc(label)}</title></circle>`;
  }).join("");
}

// --- form --------------------------------------------------------------------------------------
function renderNeeds() {
  const checked = new Set([...document.querySelectorAll("#needs-list input:checked")].map(i => i.value));
  $("#needs-list").innerHTML = state.needs.map(n =>
    `<label><input type="checkbox" value="${esc(n.id)}" ${checked.has(n.id) ? "checked" : ""}> ${esc(state.lang === "zh" ? n.zh : n.en)}</label>`).join("");
}

function requestBody() {
  const body = { description: $("#description").value, lang: state.lang, top_k: 10 };
  if ($("#stage").value) body.stage = $("#stage").value;
  if ($("#revenue").value !== "") body.revenue_cny = Number($("#revenue").value) * 10000;
  if ($("#headcount").value !== "") body.headcount = Number($("#headcount").value);
  const needs = [...document.querySelectorAll("#needs-list input:checked")].map(i => i.value);
  if (needs.length) body.needs = needs;
  if ($("#preset").value === "custom") {
    body.weights = { sector: +$("#w-sector").value, incentive: +$("#w-incentive").value, validity: +$("#w-validity").value };
  } else body.preset = $("#preset").value;
  if ($("#as-of").value) body.as_of = $("#as-of").value;
  return body;
}

async function submit(ev) {
  if (ev) ev.preventDefault();
  if (!$("#description").value.trim()) { status(t("empty"), true); $("#description").focus(); return; }
  status(t("working"));
  const body = requestBody();
  try {
    const [ranking, fc] = await Promise.all([call("/match", body), call("/map", body)]);
    state.ranking = ranking;
    state.features = fc.features;
    state.compare.clear();
    $("#compare-panel").hidden = true;
    renderList();
    drawMarkers();
    status(t("done")(ranking.matches.length));
    ["#export-btn", "#print-btn", "#save-btn"].forEach(s => { $(s).disabled = false; });
    if (ranking.matches.length) select(ranking.matches[0].location_id);
  } catch (e) { status(e.message, true); }
}

// --- shortlist, detail, compare ----------------------------------------------------------------
const fitBadge = fit => `<span class="badge ${fit}">${esc(t("fit-" + fit))}</span>`;

function renderList() {
  $("#shortlist").innerHTML = state.ranking.matches.map(m => `
    <li data-id="${esc(m.location_id)}" class="${state.selected === m.location_id ? "selected" : ""}">
      <input type="checkbox" class="cmp" value="${esc(m.location_id)}" aria-label="${esc(t("addcmp") + " " + m.name)}" ${state.compare.has(m.location_id) ? "checked" : ""}>
      <button type="button" class="pick" data-id="${esc(m.location_id)}"><strong>${m.rank}.</strong> ${esc(m.name)} ${fitBadge(m.fit)}<span class="score">${m.score.toFixed(2)}</span></button>
    </li>`).join("");
  $("#compare-btn").disabled = state.compare.size < 2 || state.compare.size > 5;
}

function bars(c) {
  return `<div class="bars">${["sector", "incentive", "validity", "place"].map(k =>
    `<span>${esc(t(k))}</span><span><span class="bar" style="display:block;width:${Math.round((c[k] ?? 0) * 100)}%"></span></span><span>${(c[k] ?? 0).toFixed(2)}</span>`).join("")}</div>`;
}

function matchHtml(m) {
  const ev = m.evidence.map(e => `
    <li><strong>${esc(e.title)}</strong>${e.validity !== "in_force" ? ` <span class="warn">${esc(t("ended"))}</span>` : ""}
      <blockquote lang="zh">「${esc(e.quote)}」</blockquote>
      <div class="cite">${esc(e.doc_title)} · ${esc(e.section)}${e.inherited ? ` · ${esc(t("inherited"))} ${esc(e.location_id)}` : ""}</div></li>`).join("");
  const inc = m.incentives.map(i => `
    <tr><td>${esc(i.title)}<div class="cite">${esc(i.offer)}</div></td>
      <td>${esc(t(i.eligibility === "unknown" ? "unknown_" : i.eligibility))}${i.conditions.map(c => `<div class="cite">${esc(c.text)}: ${esc(t(c.status === "unknown" ? "unknown_" : c.status))}</div>`).join("")}</td>
      <td>${esc(i.amounts.join(", "))}</td>
      <td class="cite">${esc(i.doc_id)} ${esc(i.section)}${i.validity !== "in_force" ? ` <span class="warn">${esc(t("ended"))}</span>` : ""}</td></tr>`).join("");
  return `<h3>${esc(m.name)} ${fitBadge(m.fit)} <span class="score">${esc(t("score"))} ${m.score.toFixed(2)}</span></h3>
    <p>${esc(m.reason)}</p>${bars(m.components)}
    <h4>${esc(t("evidence"))}</h4><ol>${ev}</ol>
    ${inc ? `<h4>${esc(t("incentives"))}</h4><div class="scroll"><table><thead><tr><th>${esc(t("incentives"))}</th><th>${esc(t("eligibility"))}</th><th>${esc(t("amounts"))}</th><th></th></tr></thead><tbody>${inc}</tbody></table></div>` : ""}
    ${m.also_in.length ? `<p class="cite">${esc(t("parks"))}: ${m.also_in.map(esc).join(", ")}</p>` : ""}`;
}

async function select(id) {
  state.selected = id;
  document.querySelectorAll("#shortlist li").forEach(li => li.classList.toggle("selected", li.dataset.id === id));
  drawMarkers();
  let m = state.ranking?.matches.find(x => x.location_id === id);
  if (!m && state.ranking) {  // a location outside the shortlist: ask for it side by side with the top one
    const other = state.ranking.matches[0].location_id === id ? state.ranking.matches[1] : state.ranking.matches[0];
    try {
      const cmp = await call("/compare", { ...requestBody(), top_k: undefined, location_ids: [id, other.location_id] });
      m = cmp.locations[0];
    } catch (e) { status(e.message, true); return; }
  }
  if (m) $("#detail").innerHTML = matchHtml(m);
}

async function compare() {
  try {
    const body = { ...requestBody(), location_ids: [...state.compare] };
    delete body.top_k;
    const r = await call("/compare", body);
    const L = r.locations;
    const row = (label, f) => `<tr><th scope="row">${esc(label)}</th>${L.map(m => `<td>${f(m)}</td>`).join("")}</tr>`;
    $("#compare").innerHTML = `<table><thead><tr><th></th>${L.map(m => `<th scope="col">${esc(m.name)}</th>`).join("")}</tr></thead><tbody>
      ${row(t("rank"), m => m.rank)}${row(t("fit"), m => fitBadge(m.fit))}${row(t("score"), m => m.score.toFixed(2))}
      ${row(t("sector"), m => m.components.sector.toFixed(2))}${row(t("incentive"), m => m.components.incentive.toFixed(2))}
      ${row(t("validity"), m => m.components.validity.toFixed(2))}
      ${row(t("evidence"), m => m.evidence.slice(0, 2).map(e => `「${esc(e.quote)}」<div class="cite">${esc(e.section)}${e.validity !== "in_force" ? ` <span class="warn">${esc(t("ended"))}</span>` : ""}</div>`).join(""))}
      ${row(t("incentives"), m => m.incentives.slice(0, 3).map(i => `${esc(i.title)} (${esc(t(i.eligibility === "unknown" ? "unknown_" : i.eligibility))})`).join("<br>"))}
    </tbody></table>`;
    $("#compare-panel").hidden = false;
    $("#compare-panel").scrollIntoView({ block: "nearest" });
  } catch (e) { status(e.message, true); }
}

async function save() {
  const key = $("#api-key").value.trim();
  if (!key) { status(t("needkey"), true); $("#api-key").focus(); return; }
  localStorage.setItem("matcher-api-key", key);
  const b = requestBody();
  const body = { ...b, name: $("#save-name").value.trim() || b.description.slice(0, 40), owner: $("#save-owner").value.trim() || null };
  delete body.weights;
  if (body.preset === undefined) delete body.preset;
  const r = await fetch(API + "/prospects", { method: "POST", headers: { "content-type": "application/json", "X-API-Key": key }, body: JSON.stringify(body) });
  const data = await r.json();
  if (!r.ok) { status(data.message, true); return; }
  status(t("saved")(data.id));
}

async function exportXlsx() {
  const r = await fetch(API + "/briefing.xlsx", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(state.ranking) });
  if (!r.ok) { status((await r.json()).message, true); return; }
  const url = URL.createObjectURL(await r.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: "briefing.xlsx" });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  status(t("exported"));
}

// --- wiring ------------------------------------------------------------------------------------
function wire() {
  $("#prospect-form").addEventListener("submit", submit);
  $("#lang-toggle").addEventListener("click", () => { state.lang = state.lang === "zh" ? "en" : "zh"; applyLang(); });
  $("#preset").addEventListener("change", () => { $("#weights").disabled = $("#preset").value !== "custom"; });
  ["sector", "incentive", "validity"].forEach(k => $("#w-" + k).addEventListener("input", e => { $("#o-" + k).textContent = Number(e.target.value).toFixed(2); }));
  $("#shortlist").addEventListener("click", e => {
    const b = e.target.closest(".pick");
    if (b) select(b.dataset.id);
  });
  $("#shortlist").addEventListener("change", e => {
    if (!e.target.classList.contains("cmp")) return;
    e.target.checked ? state.compare.add(e.target.value) : state.compare.delete(e.target.value);
    $("#compare-btn").disabled = state.compare.size < 2 || state.compare.size > 5;
  });
  const onMarker = e => { const c = e.target.closest(".marker"); if (c) select(c.dataset.id); };
  $("#map").addEventListener("click", onMarker);
  $("#map").addEventListener("keydown", e => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); onMarker(e); } });
  $("#compare-btn").addEventListener("click", compare);
  $("#export-btn").addEventListener("click", exportXlsx);
  $("#print-btn").addEventListener("click", () => window.print());
  $("#save-form").addEventListener("submit", e => { e.preventDefault(); save(); });
  $("#api-key").value = localStorage.getItem("matcher-api-key") || "";
}

async function init() {
  wire();
  try {
    const [bounds, base, tax] = await Promise.all([call("/boundaries"), call("/map"), call("/sectors")]);
    drawBoundaries(bounds);
    state.features = base.features;
    state.needs = tax.needs;
    drawMarkers();
    applyLang();
  } catch (e) { status(e.message, true); }
}
init();
