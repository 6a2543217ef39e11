// The workbench's frame: signs in, shows each post only the pages it may use, routes by the URL's
// hash (#/page/arg?filter=…, so a list's filter lives in the URL) and refreshes live pages.
"use strict";
import { loadLanguage, setLanguage, otherLanguage, t, translate } from "./i18n.js";
import { loadSession, currentSession, onSessionChange, signOut } from "./api.js";
import { el, clear, flash, problemText } from "./ui.js";

/**
 * Every page, who may open it, and its module. A page module's default export is
 * `{ render(view, route, context) }`; render may return a function that undoes its timers.
 */
export const pages = {
  "acceptor":     { roles: ["acceptor", "shift_leader"], module: "./pages/acceptor.js", nav: true },
  "dispatcher":   { roles: ["dispatcher", "shift_leader"], module: "./pages/dispatcher.js", nav: true },
  "shift-leader": { roles: ["shift_leader"], module: "./pages/shift-leader.js", nav: true },
  "department":   { roles: ["department"], module: "./pages/department.js", nav: true },
  "supervisor":   { roles: ["supervisor"], module: "./pages/supervisor.js", nav: true },
  "cases":        { roles: ["acceptor", "dispatcher", "shift_leader", "supervisor", "auditor", "admin"], module: "./pages/cases.js", nav: true },
  "case":         { roles: ["acceptor", "dispatcher", "shift_leader", "supervisor", "department", "auditor", "admin"], module: "./pages/case.js" },
  "dashboard":    { roles: ["acceptor", "dispatcher", "shift_leader", "auditor", "admin"], module: "./pages/dashboard.js", nav: true },
  "roster":       { roles: ["shift_leader", "acceptor", "dispatcher", "auditor", "admin"], module: "./pages/roster.js", nav: true },
  "admin":        { roles: ["admin", "auditor"], module: "./pages/admin.js", nav: true },
  "sign-in":      { roles: null, module: "./pages/sign-in.js" },
};

/** Where each post starts after signing in. */
const homeOf = {
  acceptor: "acceptor", dispatcher: "dispatcher", shift_leader: "shift-leader", department: "department",
  supervisor: "supervisor", auditor: "dashboard", admin: "admin",
};

/** The hash as { name, args, query }: "#/cases?state=filed" → { name: "cases", args: [], query }. */
export function parseRoute(hash = location.hash) {
  const [path, search = ""] = hash.replace(/^#\/?/, "").split("?");
  const [name = "", ...args] = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { name, args, query: new URLSearchParams(search) };
}

export function navigate(name, args = [], query) {
  const search = query ? new URLSearchParams(query).toString() : "";
  location.hash = `#/${[name, ...args.map(encodeURIComponent)].join("/")}${search ? `?${search}` : ""}`;
}

/**
 * Writes a page's filter into the URL without re-rendering (so the URL can be shared or reloaded).
 * history.replaceState fires no hashchange, so nothing has to be told to ignore one.
 */
export function replaceQuery(query) {
  const route = parseRoute();
  const search = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== "" && value !== undefined && value !== null)).toString();
  const next = `#/${[route.name, ...route.args.map(encodeURIComponent)].join("/")}${search ? `?${search}` : ""}`;
  if (next !== location.hash) history.replaceState(null, "", next);
}

let undo = null;
let rendering = 0;

async function render() {
  const ticket = ++rendering;
  if (undo) { try { undo(); } catch { /* a page's cleanup must not stop the next page */ } undo = null; }
  const session = currentSession();
  let route = parseRoute();
  if (!session) {
    if (route.name !== "sign-in") { sessionStorage.setItem("cg.after-sign-in", location.hash); navigate("sign-in"); return; }
  } else if (!pages[route.name] || route.name === "sign-in") {
    navigate(homeOf[session.user.role] || "cases"); return;
  }
  const page = pages[route.name];
  const view = document.getElementById("view");
  drawHeader(session, route.name);
  if (session && page.roles && !page.roles.includes(session.user.role)) {
    clear(view, el("section", { class: "panel" }, el("h1", {}, t("page.forbidden.title")), el("p", {}, t("page.forbidden.text"))));
    return;
  }
  clear(view, el("p", { class: "loading" }, t("page.loading")));
  try {
    const module = await import(page.module);
    if (ticket !== rendering) return;
    clear(view);
    const context = { session, navigate, replaceQuery, every };
    const cleanup = await module.default.render(view, route, context);
    if (ticket !== rendering) { if (typeof cleanup === "function") cleanup(); return; }
    undo = typeof cleanup === "function" ? cleanup : null;
    view.focus({ preventScroll: true });
  } catch (error) {
    clear(view, el("section", { class: "panel error" }, el("h1", {}, t("page.failed")), el("p", {}, problemText(error) || String(error))));
  }
}

/**
 * Runs `work` now and then every `seconds` (never more often than every 10 s) while the page is
 * shown and the tab visible; returns the function that stops it.
 */
export function every(seconds, work) {
  const period = Math.max(10, seconds) * 1000;
  let stopped = false;
  let timer = null;
  const tick = async () => {
    if (stopped) return;
    if (!document.hidden) { try { await work(); } catch (error) { flash(problemText(error), "error"); } }
    if (!stopped) timer = setTimeout(tick, period);
  };
  timer = setTimeout(tick, period);
  return () => { stopped = true; clearTimeout(timer); };
}

function drawHeader(session, current) {
  const top = document.getElementById("top");
  top.hidden = !session;
  if (!session) return;
  const nav = document.getElementById("nav");
  clear(nav, Object.entries(pages)
    .filter(([, page]) => page.nav && page.roles.includes(session.user.role))
    .map(([name]) => el("a", { href: `#/${name}`, class: name === current ? "current" : null, "aria-current": name === current ? "page" : null }, t(`nav.${name}`))));
  document.getElementById("who").textContent =
    `${session.user.name} · ${t(`role.${session.user.role}`)} · ${scopeText(session.user.scope)}`;
  document.getElementById("sign-out").textContent = t("action.sign-out");
  document.getElementById("language").textContent = t("language.switch");
}

/** "district:150102" → "区 150102"; "city" → "全市". */
export function scopeText(scope) {
  const [level, code] = String(scope || "").split(":");
  return code ? `${t(`scope.${level}`)} ${code}` : t(`scope.${level}`);
}

async function start() {
  await loadLanguage();
  translate(document.body);
  document.querySelector(".skip").textContent = t("page.skip");
  document.getElementById("sign-out").addEventListener("click", async () => {
    try { await signOut(); } catch (error) { flash(problemText(error), "error"); }
  });
  document.getElementById("language").addEventListener("click", () => { setLanguage(otherLanguage()); location.reload(); });
  await loadSession();
  // Registered after the first look, so that opening a deep link with a live session stays there.
  onSessionChange((session) => {
    let target = "#/sign-in";
    if (session) {
      const back = sessionStorage.getItem("cg.after-sign-in");
      sessionStorage.removeItem("cg.after-sign-in");
      // Back to the page that asked for sign-in only if this person may open it: on a shared
      // screen the page may have been the previous person's (a session that ran out on #/admin).
      const wanted = back ? pages[parseRoute(back).name] : null;
      target = wanted && wanted.roles && wanted.roles.includes(session.user.role) ? back : `#/${homeOf[session.user.role] || "cases"}`;
    }
    if (location.hash === target) render(); else location.hash = target;
  });
  window.addEventListener("hashchange", render);
  render();
}

start();
