// Shared by every view: strings, building elements as text (never as HTML), the API with the session's key,
// errors in words, the header with navigation, language switch and key, and downloads.
import { STRINGS } from "./i18n.js";

export const API = "/api/v1";
const KEY = "matcher-api-key";
const LANG = "matcher-lang";
export const state = { lang: localStorage.getItem(LANG) === "en" ? "en" : "zh", role: null, keyName: null };
const langHooks = [];
const roleHooks = [];

export function t(key, ...args) {
  const v = STRINGS[state.lang][key] ?? STRINGS.zh[key] ?? key;
  return typeof v === "function" ? v(...args) : v;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

// h("a", {href, class, dataset: {...}, on: {click}}, child, ...): children are nodes or text (inserted as text).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "on") Object.entries(v).forEach(([ev, fn]) => el.addEventListener(ev, fn));
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function fill(el, ...children) {
  el.replaceChildren();
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export const pick = (zh, en) => (state.lang === "zh" ? zh : en) ?? zh ?? en ?? "";
export const fmt = (x, d = 2) => (x === null || x === undefined ? "–" : Number(x).toFixed(d));
export const today = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);
export const when = iso => (iso ? new Date(iso).toLocaleString(state.lang === "zh" ? "zh-CN" : "en-GB", { dateStyle: "medium", timeStyle: "short" }) : "");

// --- the key, once per browser session ----------------------------------------------------------
export const getKey = () => sessionStorage.getItem(KEY) || "";
export const can = need => ({ viewer: 0, editor: 1, admin: 2 })[state.role] >= ({ viewer: 0, editor: 1, admin: 2 })[need];
export const onRole = fn => { roleHooks.push(fn); };
export const onLang = fn => { langHooks.push(fn); };

export class ApiFailure extends Error {
  constructor(status, body) {
    super(body?.message || String(status));
    this.status = status;
    this.body = body || {};
  }
}

// A failure in words an officer can act on.
export function explain(err) {
  if (!(err instanceof ApiFailure)) return t("err-net");
  const msg = err.body.message || "";
  if (err.status === 401) return msg.includes("unknown") || msg.includes("revoked") ? t("err-401-bad") : t("err-401-missing");
  if (err.status === 403) {
    const m = /needs an? (\w+) key; this key is an? (\w+) key/.exec(msg);
    return m ? t("err-403", t("role", m[1]), t("role", m[2])) : t("err-403-plain");
  }
  if (err.status === 404) return t("err-404") + " " + msg;
  if (err.status === 409) return t("err-409") + msg;
  if (err.status === 412) return t("err-412");
  if (err.status === 413) return t("err-413");
  if (err.status === 422) {
    const fields = (err.body.errors || []).map(e => `${e.field}: ${e.message}`).join("; ");
    return t("err-422") + (fields || msg);
  }
  return t("err-500");
}

export async function request(path, { method = "GET", json, form, headers: extra = {} } = {}) {
  const headers = { ...extra };
  const key = getKey();
  if (key) headers["X-API-Key"] = key;
  let body;
  if (json !== undefined) { headers["content-type"] = "application/json"; body = JSON.stringify(json); }
  if (form !== undefined) body = form;
  let r;
  try {
    r = await fetch(API + path, { method, headers, body });
  } catch (e) {
    throw new ApiFailure(0, { message: String(e) });
  }
  if (!r.ok) throw new ApiFailure(r.status, await r.json().catch(() => ({ message: r.statusText })));
  return r;
}
export const api = async (path, opts) => {
  const r = await request(path, opts);
  return r.status === 204 ? null : r.json();
};

export async function download(path, filename, opts) {
  const r = await request(path, opts);
  const url = URL.createObjectURL(await r.blob());
  const a = h("a", { href: url, download: filename, class: "sr-only" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 2000);
}

export function status(el, msg, error = false) {
  el.textContent = msg;
  el.classList.toggle("error", error);
}

async function checkKey(key) {
  const r = await fetch(API + "/whoami", { headers: { "X-API-Key": key } });
  if (!r.ok) throw new ApiFailure(r.status, await r.json().catch(() => ({})));
  return r.json();
}

function setRole(info) {
  state.role = info ? info.role : null;
  state.keyName = info ? info.name : null;
  document.body.dataset.role = state.role || "none";
  renderKeyButton();
  roleHooks.forEach(fn => fn(state.role));
}

function renderKeyButton() {
  const b = $("#key-button");
  if (!b) return;
  b.textContent = state.role ? t("key-role", t("role", state.role), state.keyName) : t("key-paste");
}

export function openKeyDialog() {
  const dlg = $("#key-dialog");
  $("#key-input").value = "";
  status($("#key-status"), "");
  dlg.showModal();
  $("#key-input").focus();
}

function keyDialog() {
  const input = h("input", { id: "key-input", type: "password", autocomplete: "off", spellcheck: "false" });
  const msg = h("p", { id: "key-status", role: "status", "aria-live": "polite" });
  const dlg = h("dialog", { id: "key-dialog", "aria-labelledby": "key-title" },
    h("form", { method: "dialog", id: "key-form" },
      h("h2", { id: "key-title", dataset: { i18n: "key-paste" } }, t("key-paste")),
      h("label", { for: "key-input", dataset: { i18n: "key-label" } }, t("key-label")), input,
      h("p", { class: "hint", dataset: { i18n: "key-help" } }, t("key-help")), msg,
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "primary", value: "ok", dataset: { i18n: "key-ok" } }, t("key-ok")),
        h("button", { type: "button", id: "key-clear", dataset: { i18n: "key-clear" } }, t("key-clear")),
        h("button", { type: "button", id: "key-cancel", dataset: { i18n: "key-cancel" } }, t("key-cancel")))));
  dlg.querySelector("form").addEventListener("submit", async e => {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    status(msg, t("key-checking"));
    try {
      const info = await checkKey(key);
      sessionStorage.setItem(KEY, key);
      dlg.close();
      setRole(info);
    } catch (err) { status(msg, explain(err), true); }
  });
  dlg.querySelector("#key-clear").addEventListener("click", () => { sessionStorage.removeItem(KEY); dlg.close(); setRole(null); });
  dlg.querySelector("#key-cancel").addEventListener("click", () => dlg.close());
  return dlg;
}

// The header every view shares: title, navigation (the current view marked), language and key.
function header(current) {
  const links = [["/", "nav-map", "map"], ["/documents", "nav-documents", "documents"], ["/pipeline", "nav-pipeline", "pipeline"], ["/batches", "nav-batches", "batches"]];
  return h("header", { class: "top" },
    h("a", { href: "/", class: "brand", dataset: { i18n: "app" } }, t("app")),
    h("nav", { "aria-label": t("nav"), dataset: { i18nLabel: "nav" } },
      h("ul", {}, links.map(([href, key, id]) => h("li", {},
        h("a", { href, dataset: { i18n: key }, "aria-current": id === current ? "page" : null }, t(key)))))),
    h("div", { class: "top-tools" },
      h("button", { type: "button", id: "key-button", class: "key", on: { click: openKeyDialog } }, t("key-paste")),
      h("button", { type: "button", id: "lang-toggle", lang: state.lang === "zh" ? "en" : "zh", on: { click: toggleLang } }, t("switch"))));
}

function toggleLang() {
  state.lang = state.lang === "zh" ? "en" : "zh";
  localStorage.setItem(LANG, state.lang);
  applyLang();
  langHooks.forEach(fn => fn(state.lang));
}

export function applyLang(root = document) {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  $$("[data-i18n]", root).forEach(el => { el.textContent = t(el.dataset.i18n); });
  $$("[data-i18n-label]", root).forEach(el => el.setAttribute("aria-label", t(el.dataset.i18nLabel)));
  $$("[data-i18n-placeholder]", root).forEach(el => el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder)));
  const lt = $("#lang-toggle");
  if (lt) { lt.textContent = t("switch"); lt.lang = state.lang === "zh" ? "en" : "zh"; }
  renderKeyButton();
  if (document.body.dataset.title) document.title = `${t(document.body.dataset.title)} · ${t("app")}`;
}

// Start a view: header, key dialog, strings; then the view's own start, once the key's role is known.
export async function boot(current, start) {
  let closed = [];  // details opened for print, closed again after it
  window.addEventListener("beforeprint", () => { closed = $$("details:not([open])"); closed.forEach(d => { d.open = true; }); });
  window.addEventListener("afterprint", () => { closed.forEach(d => { d.open = false; }); closed = []; });
  document.body.prepend(header(current), keyDialog());
  applyLang();
  const key = getKey();
  if (key) {
    try { setRole(await checkKey(key)); } catch { sessionStorage.removeItem(KEY); setRole(null); }
  } else setRole(null);
  try { await start(); } catch (e) {
    const s = $("#status");
    if (s) status(s, explain(e), true);
    else throw e;
  }
}
