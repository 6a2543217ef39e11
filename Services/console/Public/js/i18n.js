// The message catalogue: every label of every page comes from /i18n/<language>.json, Chinese
// first. A missing key shows itself as [key] so that it is seen, never a blank.
"use strict";

const supported = ["zh-CN", "en"];
let language = "zh-CN";
let messages = {};

export function currentLanguage() { return language; }

export async function loadLanguage(preferred) {
  const wanted = preferred || localStorage.getItem("cg.language") || "zh-CN";
  language = supported.includes(wanted) ? wanted : "zh-CN";
  const response = await fetch(`/i18n/${language}.json`, { cache: "no-cache" });
  messages = await response.json();
  document.documentElement.lang = language;
}

export function setLanguage(next) { localStorage.setItem("cg.language", next); }

export function otherLanguage() { return language === "zh-CN" ? "en" : "zh-CN"; }

/** t("case.state.closed") or t("list.count", { n: 3 }) — `{n}` placeholders are filled. */
export function t(key, values) {
  const text = messages[key];
  if (text === undefined) return `[${key}]`;
  if (!values) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (values[name] === undefined ? whole : String(values[name])));
}

/** A label that may not exist (a code from the server): the catalogue's text, else the fallback. */
export function tOr(key, fallback) { return messages[key] ?? fallback; }

/** Fills [data-i18n] (text) and [data-i18n-title] / [data-i18n-placeholder] in a subtree. */
export function translate(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
}

const timeZone = "Asia/Shanghai";

/** A date-time on the city's wall clock (Beijing time), whatever the browser's zone. */
export function formatTime(value) {
  if (!value) return "—";
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(language, {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
  }).format(date);
}

export function formatNumber(value, digits) {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(language, digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}
