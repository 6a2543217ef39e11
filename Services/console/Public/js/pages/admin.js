// Accounts admin (账号管理): the staff accounts with their post and scope, made and changed by an
// admin under the same rules as `citygrid users` (the console checks them); and two read-only
// audits, sign-ins and case openings, newest first, for admins and auditors. A password the
// console generates is shown once, in a dialog, and never again (only its hash is kept).
"use strict";
import { api, query as queryString } from "../api.js";
import { t, tOr, formatTime } from "../i18n.js";
import { el, clear, flash, table, ask, act, problemText } from "../ui.js";
import { scopeText } from "../main.js";

const roles = ["acceptor", "dispatcher", "shift_leader", "supervisor", "department", "auditor", "admin"];
const outcomes = ["success", "bad_password", "unknown_login", "disabled", "throttled"];

function loadStyle() {
  if (document.querySelector("link[data-page=admin]")) return;
  document.head.append(el("link", { rel: "stylesheet", href: "/css/admin.css", "data-page": "admin" }));
}

/** Shows a password the console generated, once; resolves when the admin closes the dialog. */
function showPassword(login, password) {
  return new Promise((resolve) => {
    const value = el("output", { name: "password", id: "one-time-password", class: "secret" }, password);
    const copy = el("button", { type: "button", "data-action": "copy-password" }, t("admin.password.copy"));
    copy.addEventListener("click", async () => {
      try { await navigator.clipboard.writeText(password); flash(t("admin.password.copied"), "ok"); } catch { selectText(value); }
    });
    const close = el("button", { type: "submit", class: "primary" }, t("admin.password.done"));
    const dialog = el("dialog", { class: "ask-dialog password-once", "aria-labelledby": "one-time-title" },
      el("form", { method: "dialog", class: "ask" },
        el("h2", { id: "one-time-title" }, t("admin.password.title", { login })),
        el("p", { class: "note" }, t("admin.password.note")),
        value,
        el("div", { class: "buttons" }, copy, close)));
    dialog.addEventListener("close", () => { dialog.remove(); resolve(); });
    document.body.append(dialog);
    dialog.showModal();
    selectText(value);
    close.focus();
  });
}

function selectText(node) {
  const range = document.createRange();
  range.selectNodeContents(node);
  const selection = getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

/** The roles as select options; `first` leads (ask() starts a select at its first option). */
const roleOptions = (first) => [first, ...roles.filter((role) => role !== first)].filter(Boolean)
  .map((role) => ({ value: role, label: `${t(`role.${role}`)} (${role})` }));

export default {
  async render(view, route, context) {
    loadStyle();
    const me = context.session.user;
    const isAdmin = me.role === "admin";
    const tabs = isAdmin ? ["accounts", "sign-ins", "case-opens"] : ["sign-ins", "case-opens"];
    let current = tabs.includes(route.query.get("tab")) ? route.query.get("tab") : tabs[0];
    const query = route.query;

    const tabList = el("div", { class: "tabs", role: "tablist", "aria-label": t("admin.tabs") });
    const body = el("div", { class: "tab-body", role: "tabpanel", id: "admin-panel" });
    const root = el("div", { id: "page-admin" }, el("h1", {}, t("admin.title")), tabList, body);
    clear(view, root);

    function drawTabs() {
      clear(tabList, tabs.map((name) => {
        const button = el("button", { type: "button", role: "tab", "data-tab": name, "aria-selected": String(name === current),
          "aria-controls": "admin-panel", tabindex: name === current ? 0 : -1, class: name === current ? "current" : null }, t(`admin.tab.${name}`));
        button.addEventListener("click", () => select(name));
        button.addEventListener("keydown", (event) => {
          const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
          if (!step) return;
          const next = tabs[(tabs.indexOf(name) + step + tabs.length) % tabs.length];
          select(next);
          tabList.querySelector(`[data-tab="${next}"]`)?.focus();
        });
        return button;
      }));
    }
    function select(name) {
      current = name;
      context.replaceQuery({ tab: name });
      drawTabs();
      draw();
    }
    function draw() {
      if (current === "accounts") return drawAccounts();
      return drawAudit(current);
    }

    // ---- Accounts
    async function drawAccounts() {
      const roleFilter = el("select", { name: "role" }, el("option", { value: "" }, t("admin.filter.any")),
        roles.map((role) => el("option", { value: role }, t(`role.${role}`))));
      roleFilter.value = query.get("role") || "";
      const stateFilter = el("select", { name: "state" }, el("option", { value: "" }, t("admin.filter.any")),
        ["active", "disabled"].map((state) => el("option", { value: state }, t(`admin.state.${state}`))));
      stateFilter.value = query.get("state") || "";
      const text = el("input", { name: "q", type: "search", value: query.get("q") || "", placeholder: t("admin.filter.text-hint") });
      const listBox = el("div", { id: "admin-accounts" });
      const filters = el("form", { class: "filters", role: "search" },
        el("label", {}, t("admin.filter.role"), roleFilter),
        el("label", {}, t("admin.filter.state"), stateFilter),
        el("label", {}, t("admin.filter.text"), text),
        el("button", { type: "submit" }, t("action.search")),
        el("button", { type: "button", class: "primary", "data-action": "create", onclick: (event) => create(event.currentTarget) }, t("admin.create")));
      filters.addEventListener("submit", (event) => { event.preventDefault(); load(); });
      roleFilter.addEventListener("change", load);
      stateFilter.addEventListener("change", load);
      clear(body, filters, listBox);

      async function load() {
        const params = { role: roleFilter.value, state: stateFilter.value, q: text.value.trim() };
        for (const [name, value] of Object.entries(params)) { if (value) query.set(name, value); else query.delete(name); }
        context.replaceQuery({ tab: "accounts", ...params });
        let answer;
        try { answer = await api.console("GET", `accounts${queryString(params)}`); } catch (error) {
          clear(listBox, el("p", { class: "panel error" }, problemText(error)));
          return;
        }
        const rows = answer.items || [];
        const grid = table([
          { label: t("admin.col.login"), render: (row) => el("code", {}, row.login) },
          { label: t("admin.col.name"), key: "name" },
          { label: t("admin.col.role"), render: (row) => t(`role.${row.role}`) },
          { label: t("admin.col.scope"), render: (row) => el("span", { title: row.scope }, scopeText(row.scope)) },
          { label: t("admin.col.state"), render: (row) => el("span", { class: `account-state ${row.state}` }, t(`admin.state.${row.state}`)) },
          { label: t("admin.col.last-sign-in"), render: (row) => (row.lastSignIn ? formatTime(row.lastSignIn) : t("admin.never")) },
          { label: t("admin.col.sessions"), class: "num", render: (row) => String(row.openSessions) },
          { label: t("admin.col.actions"), render: rowActions },
        ], rows, { empty: t("admin.none"), caption: t("list.count", { n: rows.length }) });
        grid.querySelectorAll("tbody tr").forEach((tr, index) => { if (rows[index]) tr.dataset.account = rows[index].login; });
        clear(listBox, grid);
      }

      function rowActions(row) {
        const self = row.login === me.login;
        const button = (action, label, work, extra = {}) => {
          const node = el("button", { type: "button", "data-action": action, ...extra }, label);
          node.addEventListener("click", () => work(node, row));
          return node;
        };
        return el("div", { class: "actions" },
          button("edit", t("admin.action.edit"), edit),
          row.state === "active"
            ? button("disable", t("admin.action.disable"), disable, { class: "danger", disabled: self, title: self ? t("admin.self") : null })
            : button("enable", t("admin.action.enable"), enable),
          button("reset-password", t("admin.action.reset"), reset));
      }

      async function create(trigger) {
        const values = await ask(t("admin.create"), [
          { name: "login", label: t("admin.field.login"), required: true },
          { name: "name", label: t("admin.field.name"), required: true },
          { name: "role", label: t("admin.field.role"), type: "select", options: roleOptions(), required: true },
          { name: "scope", label: t("admin.field.scope"), required: true, value: "city" },
          { name: "password", label: t("admin.field.password"), type: "password" },
        ], { confirm: t("admin.create") });
        if (!values) return;
        const answer = await act(trigger, () => api.console("POST", "accounts", {
          login: values.login, name: values.name, role: values.role, scope: values.scope.trim(), password: values.password || undefined,
        }).catch((error) => { if (error.code === "account_exists") error.message = t("admin.exists"); throw error; }),
        t("admin.done.created", { login: values.login.trim().toLowerCase() }));
        if (!answer) return;
        if (answer.password) await showPassword(answer.account.login, answer.password);
        load();
      }

      async function edit(trigger, row) {
        const values = await ask(t("admin.edit", { login: row.login }), [
          { name: "name", label: t("admin.field.name"), required: true, value: row.name },
          { name: "role", label: t("admin.field.role"), type: "select", options: roleOptions(row.role), required: true },
          { name: "scope", label: t("admin.field.scope"), required: true, value: row.scope },
        ], { confirm: t("action.confirm") });
        if (!values) return;
        const body = { name: values.name };
        if (values.role !== row.role) body.role = values.role;
        if (values.scope.trim() !== row.scope) body.scope = values.scope.trim();
        if (await act(trigger, () => api.console("PATCH", `accounts/${encodeURIComponent(row.login)}`, body), t("admin.done.edited", { login: row.login }))) load();
      }

      async function disable(trigger, row) {
        if (!(await ask(t("admin.confirm.disable", { login: row.login }), [], { confirm: t("admin.action.disable") }))) return;
        if (await act(trigger, () => api.console("POST", `accounts/${encodeURIComponent(row.login)}/disable`), t("admin.done.disabled", { login: row.login }))) load();
      }
      async function enable(trigger, row) {
        if (await act(trigger, () => api.console("POST", `accounts/${encodeURIComponent(row.login)}/enable`), t("admin.done.enabled", { login: row.login }))) load();
      }
      async function reset(trigger, row) {
        const values = await ask(t("admin.confirm.reset", { login: row.login }), [
          { name: "password", label: t("admin.field.password"), type: "password" },
        ], { confirm: t("admin.action.reset") });
        if (!values) return;
        const answer = await act(trigger, () => api.console("POST", `accounts/${encodeURIComponent(row.login)}/reset-password`,
          { password: values.password || undefined }), t("admin.done.reset", { login: row.login }));
        if (!answer) return;
        if (answer.password) await showPassword(row.login, answer.password);
        load();
      }
      await load();
    }

    // ---- Audits (newest first; "older" follows the server's cursor, "newer" goes back).
    async function drawAudit(kind) {
      const signIns = kind === "sign-ins";
      const login = el("input", { name: "login", value: query.get("login") || "" });
      const second = signIns
        ? el("select", { name: "outcome" }, el("option", { value: "" }, t("admin.filter.any")),
          outcomes.map((outcome) => el("option", { value: outcome }, t(`admin.outcome.${outcome}`))))
        : el("input", { name: "case", value: query.get("case") || "" });
      if (signIns) second.value = query.get("outcome") || "";
      const listBox = el("div", { id: `admin-audit-${kind}` });
      const older = el("button", { type: "button", "data-action": "older" }, t("admin.older"));
      const newer = el("button", { type: "button", "data-action": "newer" }, t("admin.newer"));
      const filters = el("form", { class: "filters", role: "search" },
        el("label", {}, t("admin.filter.login"), login),
        el("label", {}, t(signIns ? "admin.filter.outcome" : "admin.filter.case"), second),
        el("button", { type: "submit" }, t("action.search")));
      clear(body, filters, listBox, el("div", { class: "pager" }, newer, older));
      const stack = []; // the `before` of each page shown so far
      let next = null;
      filters.addEventListener("submit", (event) => { event.preventDefault(); stack.length = 0; load(null); });
      older.addEventListener("click", () => { if (next) load(next); });
      newer.addEventListener("click", () => { stack.pop(); load(stack.pop() ?? null); });

      async function load(before) {
        const params = { login: login.value.trim(), [second.name]: second.value.trim() };
        context.replaceQuery({ tab: kind, ...params });
        let answer;
        try { answer = await api.console("GET", `audit/${kind}${queryString({ ...params, before: before ?? "", limit: 50 })}`); } catch (error) {
          clear(listBox, el("p", { class: "panel error" }, problemText(error)));
          return;
        }
        stack.push(before);
        next = answer.nextBefore ?? null;
        older.disabled = !next;
        newer.disabled = stack.length <= 1;
        const rows = answer.items || [];
        const columns = signIns ? [
          { label: t("admin.col.time"), render: (row) => formatTime(row.at) },
          { label: t("admin.col.login"), render: (row) => el("code", {}, row.login) },
          { label: t("admin.col.address"), render: (row) => row.address || "—" },
          { label: t("admin.col.outcome"), render: (row) => el("span", { class: `outcome ${row.outcome}` }, tOr(`admin.outcome.${row.outcome}`, row.outcome)) },
        ] : [
          { label: t("admin.col.time"), render: (row) => formatTime(row.at) },
          { label: t("admin.col.login"), render: (row) => el("span", {}, el("code", {}, row.login), row.name ? ` ${row.name}` : "") },
          { label: t("admin.col.case"), render: (row) => (row.service === "supervision"
            ? el("a", { href: `#/case/${encodeURIComponent(row.caseRef)}` }, row.caseRef) : el("span", {}, row.caseRef)) },
          { label: t("admin.col.service"), render: (row) => tOr(`admin.service.${row.service}`, row.service) },
          { label: t("admin.col.address"), render: (row) => row.address || "—" },
        ];
        const grid = table(columns, rows, { empty: t("admin.audit.none") });
        grid.querySelectorAll("tbody tr").forEach((tr, index) => { if (rows[index]) tr.dataset.audit = String(rows[index].id); });
        clear(listBox, grid);
      }
      await load(null);
    }

    drawTabs();
    await draw();
  },
};
