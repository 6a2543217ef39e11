// Small DOM helpers shared by every page: elements, tables, messages, dialogs, lights.
"use strict";
import { t, tOr, formatTime } from "./i18n.js";

/** el("button", { class: "primary", onclick: f }, "text", child) */
export function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node, ...children) { node.replaceChildren(); append(node, children); return node; }

/** A message under the header: kind is "ok" or "error"; it fades after a while. */
export function flash(text, kind = "ok") {
  const box = document.getElementById("flash");
  const item = el("p", { class: `flash ${kind}` }, text);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 12000 : 5000);
}

/** An API failure in words a person can act on: the server's message, and field problems. */
export function problemText(error) {
  if (!error) return "";
  if (error.code === "network") return t("error.network");
  const known = tOr(`error.${error.code}`, null);
  // The platform's error body lists field problems as `details: [{field, problem}]`.
  const problems = Array.isArray(error.details) ? error.details : error.details?.fields || [];
  const fields = problems.map((field) => `${field.field}: ${field.problem}`).join("; ");
  return [known || error.message, fields].filter(Boolean).join(" — ");
}

/**
 * A table of rows: columns are { key, label, render(row) → node|text, class }. `onOpen(row)` makes
 * a row open with a click or Enter (rows are focusable, so the queue works by keyboard).
 */
export function table(columns, rows, { onOpen, empty, caption } = {}) {
  const head = el("thead", {}, el("tr", {}, columns.map((column) => el("th", { scope: "col", class: column.class }, column.label))));
  const body = el("tbody");
  for (const row of rows) {
    const tr = el("tr", onOpen ? { tabindex: 0, class: "openable" } : {},
      columns.map((column) => el("td", { class: column.class }, column.render ? column.render(row) : row[column.key] ?? "—")));
    if (onOpen) {
      tr.addEventListener("click", (event) => { if (!event.target.closest("button, a, input, select")) onOpen(row); });
      tr.addEventListener("keydown", (event) => { if (event.key === "Enter" && event.target === tr) onOpen(row); });
    }
    body.append(tr);
  }
  if (rows.length === 0) body.append(el("tr", {}, el("td", { colspan: columns.length, class: "empty" }, empty || t("list.empty"))));
  return el("table", { class: "grid" }, caption ? el("caption", {}, caption) : null, head, body);
}

/**
 * Asks for the fields of an action in a modal dialog and resolves with their values, or null when
 * cancelled. fields: [{ name, label, type: "text"|"textarea"|"datetime-local"|"select", options, required }]
 */
export function ask(title, fields, { confirm } = {}) {
  return new Promise((resolve) => {
    const form = el("form", { method: "dialog", class: "ask" });
    form.append(el("h2", {}, title));
    for (const field of fields) {
      let input;
      if (field.type === "textarea") input = el("textarea", { name: field.name, rows: 3, required: field.required });
      else if (field.type === "select") {
        input = el("select", { name: field.name, required: field.required },
          field.options.map((option) => el("option", { value: option.value }, option.label)));
      } else input = el("input", { name: field.name, type: field.type || "text", required: field.required, value: field.value });
      if (field.value !== undefined) input.value = field.value;
      form.append(el("label", {}, field.label, input));
    }
    const dialog = el("dialog", { class: "ask-dialog" }, form);
    const cancel = el("button", { type: "button", onclick: () => { dialog.close(); } }, t("action.cancel"));
    form.append(el("div", { class: "buttons" }, cancel, el("button", { type: "submit", class: "primary" }, confirm || t("action.confirm"))));
    let values = null;
    form.addEventListener("submit", () => { values = Object.fromEntries(new FormData(form).entries()); });
    dialog.addEventListener("close", () => { dialog.remove(); resolve(values); });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * Runs an action button's work: disables it meanwhile, shows success or the server's reason.
 * Returns the result, or undefined when it failed.
 */
export async function act(button, work, success) {
  if (button) button.disabled = true;
  try {
    const result = await work();
    if (success) flash(success, "ok");
    return result;
  } catch (error) {
    flash(problemText(error), "error");
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/**
 * The light of a clock (红黄绿灯) from the centre's marks: red once the deadline watcher marked it
 * overdue, yellow once warned, green while running, none without a deadline. Never from the
 * browser's own clock: the city's clock is the server's (and runs fast in a demo).
 */
export function lightOf(clock) {
  if (!clock || !clock.deadline) return "none";
  if (clock.overdueAt) return "red";
  if (clock.warnedAt) return "yellow";
  return "green";
}

export function light(kind, deadline) {
  return el("span", { class: `light ${kind}`, title: t(`light.${kind}`) }, el("span", { class: "dot", "aria-hidden": "true" }),
    el("span", { class: "light-text" }, deadline ? formatTime(deadline) : t(`light.${kind}`)));
}

/** A case state as a tag, labelled from the catalogue. */
export function stateTag(state) { return el("span", { class: `state state-${state}` }, tOr(`state.${state}`, state)); }

/** A link to a case's detail page, by number. */
export function caseLink(item) {
  return el("a", { href: `#/case/${encodeURIComponent(item.number || item.id)}` }, item.number || item.id);
}

export function labelled(label, value) { return el("div", { class: "field" }, el("span", { class: "label" }, label), el("span", { class: "value" }, value ?? "—")); }
