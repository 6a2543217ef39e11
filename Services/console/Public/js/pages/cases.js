// The case list (案件查询): every filter of supervision's GET /api/v1/cases, its keyset pages as
// the service cuts them (newest first; the page never sorts rows itself), the filter in the URL
// so that a shared link shows the same list, a live refresh of the page in view, and a CSV of
// every page of the current filter, made in the browser.
"use strict";
import { api } from "../api.js";
import { t, tOr, formatTime, formatNumber, currentLanguage } from "../i18n.js";
import { el, clear, flash, problemText, table, lightOf, light, stateTag } from "../ui.js";
import { loadReference } from "../reference.js";

/** The states a list can ask for, in the order of the lifecycle. */
export const caseStates = [
  "reported", "awaiting_accept", "awaiting_verify", "awaiting_file", "awaiting_dispatch", "manual_dispatch",
  "in_handling", "suspended", "awaiting_check", "awaiting_close", "self_handled_pending",
  "closed", "voided", "not_accepted", "not_filed",
];
/** Every state that still needs someone (the API takes a comma-separated list). */
const openStates = caseStates.filter((state) => !["closed", "voided", "not_accepted", "not_filed"].includes(state)).join(",");
const channels = ["supervisor", "hotline_12345", "hotline_12319", "police_110", "app", "open311"];
const pageSizes = [20, 50, 100, 200];
/** The filters this page keeps in the URL; the names are the API's own. */
const filterNames = ["q", "state", "district", "street", "community", "grid", "department", "class", "channel", "overdue", "from", "to"];
/** A CSV stops here; the note says so, and a narrower filter gets the rest. */
const exportCap = 10000;
/** The posts supervision lets take case data away in bulk (GET /api/v1/cases/export). */
const exportRoles = ["auditor", "shift_leader", "admin"];

/** Loads the pages' own style sheet once (shared by the list and the detail). */
export function useCaseStyles() {
  if (!document.getElementById("cases-css")) {
    document.head.append(el("link", { id: "cases-css", rel: "stylesheet", href: "/css/cases.css" }));
  }
}

/** A datetime-local value, read as Beijing wall-clock time, as an instant for the API. */
function instantOf(local) {
  if (!local) return undefined;
  if (/[zZ]|[+-]\d\d:?\d\d$/.test(local)) return new Date(local).toISOString();
  const date = new Date(`${local.length === 16 ? `${local}:00` : local}+08:00`);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}

/** An instant as the value of a datetime-local input on Beijing's clock. */
function localOf(value) {
  if (!value) return "";
  if (!/[zZ]|[+-]\d\d:?\d\d$/.test(value)) return value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  return new Date(date.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16);
}

/** Beijing time as "2026-12-03 14:30:00" for the CSV (a form Excel reads as a date). */
function csvTime(value) {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Date(date.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 19).replace("T", " ");
}

/** The running clock's deadline with its light; a case without a running clock has none. */
export function deadlineCell(item) {
  const clock = item.clock;
  if (!clock || !clock.deadline) return el("span", { class: "muted" }, "—");
  const kind = lightOf(clock);
  return el("span", { class: "deadline" }, light(kind, clock.deadline),
    el("span", { class: "stage" }, tOr(`case.stage.${clock.stage}`, clock.stage)));
}

/** Narrows the area options to what the signed-in person's scope can see at all. */
function scopeOf(session) {
  const [level, code] = String(session.user.scope || "city").split(":");
  return { level, code: code || null };
}

export default {
  async render(view, route, context) {
    useCaseStyles();
    const scope = scopeOf(context.session);
    const english = currentLanguage() === "en";
    const reference = await loadReference();

    // What the URL asks for; unknown names are dropped (the API would refuse them with 422).
    const initial = {};
    for (const name of filterNames) initial[name] = route.query.get(name) || "";
    const pageSize = pageSizes.includes(Number(route.query.get("limit"))) ? Number(route.query.get("limit")) : 50;
    let cursor = route.query.get("cursor") || null;
    /** The cursors of the pages before this one; empty after opening a shared link to a later page. */
    let earlier = [];
    let pageNumber = cursor ? null : 1;
    let current = { items: [], nextCursor: null };
    let exporting = null;

    // ---------- the filter form ----------
    const inputs = {};
    const option = (value, label, selected) => el("option", { value, selected: selected ? true : null }, label);
    const anyOption = (key) => option("", t(key));

    inputs.q = el("input", { name: "q", type: "search", value: initial.q, placeholder: t("cases.filter.q.placeholder"), class: "wide" });

    const stateSelect = el("select", { name: "state" }, anyOption("cases.filter.any"),
      option(openStates, t("cases.filter.state.open")),
      el("optgroup", { label: t("cases.filter.state.one") }, caseStates.map((state) => option(state, tOr(`state.${state}`, state)))));
    if (initial.state && ![...stateSelect.options].some((item) => item.value === initial.state)) {
      // A list of states from a shared link keeps its meaning even if it is not one of the choices.
      stateSelect.append(option(initial.state, initial.state.split(",").map((state) => tOr(`state.${state}`, state)).join("、")));
    }
    stateSelect.value = initial.state;
    inputs.state = stateSelect;

    // Areas: codes nest (district 6 digits, street 9, community 12, grid 15), so a child belongs to
    // a parent when its code starts with the parent's, whatever the reference lists beside it.
    const areaOptions = (items, parent) => [...items.values()]
      .filter((item) => !parent || String(item.code).startsWith(parent))
      .sort((a, b) => String(a.code).localeCompare(String(b.code)))
      .map((item) => option(item.code, (english && item.nameEn) || item.name || item.code));
    const fixedDistrict = scope.level === "district" ? scope.code : scope.level === "street" ? scope.code?.slice(0, 6) : null;
    const fixedStreet = scope.level === "street" ? scope.code : null;

    const areaInput = (name, items, parentOf) => {
      if (items.size === 0) {
        // Without the reference the filter still works on codes typed in.
        return el("input", { name, value: initial[name], placeholder: t(`cases.filter.${name}.code`), inputmode: "numeric", size: 14 });
      }
      const select = el("select", { name });
      const fill = () => {
        const keep = select.value || initial[name];
        clear(select, anyOption(fixedDistrict && name === "district" ? "cases.filter.any-in-scope" : "cases.filter.any"), areaOptions(items, parentOf()));
        if (keep && ![...select.options].some((item) => item.value === keep)) select.append(option(keep, keep));
        select.value = keep || "";
      };
      select.refill = fill;
      fill();
      return select;
    };
    const districtItems = fixedDistrict ? new Map([...reference.districts].filter(([code]) => code === fixedDistrict)) : reference.districts;
    const streetItems = fixedStreet ? new Map([...reference.streets].filter(([code]) => code === fixedStreet)) : reference.streets;
    inputs.district = areaInput("district", districtItems, () => fixedDistrict);
    inputs.street = areaInput("street", streetItems, () => inputs.district.value || fixedDistrict);
    inputs.community = areaInput("community", reference.communities, () => inputs.street.value || fixedStreet || inputs.district.value || fixedDistrict);
    inputs.grid = el("input", { name: "grid", value: initial.grid, placeholder: t("cases.filter.grid.code"), inputmode: "numeric", size: 16 });
    const refillAreas = (changed) => {
      if (changed === "district") { inputs.street.refill?.(); inputs.street.value = inputs.street.value && inputs.street.value.startsWith(inputs.district.value) ? inputs.street.value : ""; }
      if (changed === "district" || changed === "street") {
        inputs.community.refill?.();
        const parent = inputs.street.value || inputs.district.value;
        if (inputs.community.value && parent && !inputs.community.value.startsWith(parent)) inputs.community.value = "";
      }
    };

    if (reference.departments.size === 0 || scope.level === "department") {
      inputs.department = el("input", { name: "department", value: initial.department, placeholder: t("cases.filter.department.code"), size: 12 });
      if (scope.level === "department") { inputs.department.value = ""; inputs.department.disabled = true; inputs.department.placeholder = scope.code; }
    } else {
      inputs.department = el("select", { name: "department" }, anyOption("cases.filter.any"),
        [...reference.departments.values()].sort((a, b) => String(a.code).localeCompare(String(b.code)))
          .map((item) => option(item.code, item.name && item.name !== item.code ? `${item.name}` : item.code)));
      if (initial.department && ![...inputs.department.options].some((item) => item.value === initial.department)) inputs.department.append(option(initial.department, initial.department));
      inputs.department.value = initial.department;
    }

    if (reference.classes.size === 0) {
      inputs.class = el("input", { name: "class", value: initial.class, placeholder: t("cases.filter.class.code"), inputmode: "numeric", size: 8 });
    } else {
      // Classes by kind; a major class (2 digits) takes in all its sub-classes, since the API
      // filters by code prefix.
      const byKind = new Map();
      for (const item of reference.classes.values()) {
        if (!byKind.has(item.kind)) byKind.set(item.kind, []);
        byKind.get(item.kind).push(item);
      }
      inputs.class = el("select", { name: "class" }, anyOption("cases.filter.any"),
        [...byKind.entries()].sort().map(([kind, items]) => el("optgroup", { label: tOr(`kind.${kind}`, kind) },
          items.sort((a, b) => String(a.code).localeCompare(String(b.code))).map((item) => option(item.code,
            `${String(item.code).length > 2 ? "\u2003" : ""}${item.code} ${english ? item.nameEn || item.nameZh || "" : item.nameZh || item.nameEn || ""}`)))));
      if (initial.class && ![...inputs.class.options].some((item) => item.value === initial.class)) inputs.class.append(option(initial.class, initial.class));
      inputs.class.value = initial.class;
    }

    inputs.channel = el("select", { name: "channel" }, anyOption("cases.filter.any"), channels.map((channel) => option(channel, tOr(`channel.${channel}`, channel))));
    inputs.channel.value = initial.channel;
    inputs.overdue = el("input", { name: "overdue", type: "checkbox", checked: initial.overdue === "true" ? true : null });
    inputs.from = el("input", { name: "from", type: "datetime-local", value: localOf(initial.from) });
    inputs.to = el("input", { name: "to", type: "datetime-local", value: localOf(initial.to) });
    const sizeSelect = el("select", { name: "limit" }, pageSizes.map((size) => option(String(size), t("cases.page-size", { n: size }), size === pageSize)));

    const field = (key, input, extra) => el("label", { class: extra }, t(`cases.filter.${key}`), input);
    const quick = (key, days) => el("button", {
      type: "button", class: "link quick", onclick: () => {
        const now = new Date();
        const startOfToday = new Date(`${new Date(now.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10)}T00:00:00+08:00`);
        inputs.from.value = localOf(new Date(startOfToday.getTime() - (days - 1) * 86400000).toISOString());
        inputs.to.value = "";
        apply();
      },
    }, t(key));

    const exportButton = el("button", { type: "button", dataset: { action: "export-csv" } }, t("action.export-csv"));
    const stopButton = el("button", { type: "button", hidden: true, dataset: { action: "cancel-export" } }, t("cases.export.stop"));
    const exportNote = el("span", { id: "cases-export-note", class: "note", role: "status", "aria-live": "polite" });
    // The server's export (数据共享) for the posts that may take case data away: every case of the
    // reporting window, masked, as CSV or GeoJSON, with no cap. The CSV button beside it keeps
    // the rows in view, as everyone's list shows them.
    const dataExport = exportRoles.includes(context.session.user.role)
      ? ["csv", "geojson"].map((format) => el("button", { type: "button", dataset: { action: `export-${format}-all` },
        onclick: () => exportAll(format) }, t(`cases.export.all.${format}`)))
      : [];

    const form = el("form", { class: "filters cases-filters", id: "cases-filter", role: "search" },
      field("q", inputs.q, "grow"),
      field("state", inputs.state),
      field("district", inputs.district),
      field("street", inputs.street),
      field("community", inputs.community),
      field("grid", inputs.grid),
      field("department", inputs.department),
      field("class", inputs.class),
      field("channel", inputs.channel),
      el("fieldset", { class: "range" }, el("legend", {}, t("cases.filter.reported")),
        el("label", {}, t("cases.filter.from"), inputs.from),
        el("label", {}, t("cases.filter.to"), inputs.to),
        el("span", { class: "quicks" }, quick("cases.filter.today", 1), quick("cases.filter.week", 7), quick("cases.filter.month", 30))),
      el("label", { class: "check" }, inputs.overdue, t("cases.filter.overdue")),
      el("div", { class: "buttons" },
        el("button", { type: "submit", class: "primary" }, t("action.search")),
        el("button", { type: "button", dataset: { action: "reset" }, onclick: () => { reset(); } }, t("action.reset"))));

    // ---------- the list ----------
    const status = el("p", { class: "note cases-status", id: "cases-status" });
    const holder = el("div", { class: "cases-table", id: "cases-list" });
    const firstButton = el("button", { type: "button", dataset: { action: "first-page" } }, t("cases.page.first"));
    const previousButton = el("button", { type: "button", dataset: { action: "previous-page" } }, t("action.previous"));
    const nextButton = el("button", { type: "button", dataset: { action: "next-page" } }, t("action.next"));
    const pageLabel = el("span", { class: "page-number" });
    const pager = el("nav", { class: "pager", "aria-label": t("cases.pager") }, firstButton, previousButton, pageLabel, nextButton, sizeSelect);
    const refreshed = el("span", { class: "note refreshed" });
    const listPanel = el("div", { class: "panel list-panel" }, status, holder, pager);

    view.append(el("section", { id: "page-cases" },
      el("div", { class: "cases-head" },
        el("h1", {}, t("cases.title")),
        el("div", { class: "cases-tools" }, refreshed, exportNote, stopButton, exportButton, ...dataExport)),
      el("div", { class: "panel" }, form),
      listPanel));

    /** The filter as the form shows it now, by the API's names (empty ones left out). */
    function filterFromForm() {
      const filter = {};
      for (const name of filterNames) {
        const input = inputs[name];
        if (!input || input.disabled) continue;
        let value = input.type === "checkbox" ? (input.checked ? "true" : "") : input.value.trim();
        if (value) filter[name] = value;
      }
      return filter;
    }
    let applied = filterFromForm();

    /** The API's query for a page of the applied filter. */
    function apiQuery(filter, pageCursor, limit) {
      const params = { ...filter, limit };
      if (filter.from) params.from = instantOf(filter.from);
      if (filter.to) params.to = instantOf(filter.to);
      if (pageCursor) params.cursor = pageCursor;
      return params;
    }

    function writeUrl() {
      context.replaceQuery({ ...applied, limit: Number(sizeSelect.value) === 50 ? "" : sizeSelect.value, cursor: cursor || "" });
      sessionStorage.setItem("cg.cases-list", location.hash);
    }

    const columns = [
      { key: "number", label: t("cases.col.number"), render: (item) => el("a", { href: `#/case/${encodeURIComponent(item.number)}` }, item.number), class: "number" },
      { key: "class", label: t("cases.col.class"), render: (item) => el("span", { class: "class-name" },
        el("span", { class: "kind" }, tOr(`kind.${item.kind}`, item.kind || "")), " ", reference.className(item.kind, item.classCode)) },
      { key: "channel", label: t("cases.col.channel"), render: (item) => tOr(`channel.${item.channel}`, item.channel) },
      { key: "state", label: t("cases.col.state"), render: (item) => stateTag(item.state) },
      { key: "area", label: t("cases.col.area"), render: (item) => areaCell(item) },
      { key: "department", label: t("cases.col.department"), render: (item) => item.currentDepartment ? reference.departmentName(item.currentDepartment) : el("span", { class: "muted" }, "—") },
      { key: "reportedAt", label: t("cases.col.reported"), render: (item) => el("time", { datetime: item.reportedAt }, formatTime(item.reportedAt)), class: "time" },
      { key: "deadline", label: t("cases.col.deadline"), render: (item) => deadlineCell(item), class: "time" },
    ];

    function areaCell(item) {
      if (!item.gridCode && !item.streetCode && !item.districtCode) return el("span", { class: "muted" }, t("cases.area.none"));
      const names = [item.districtCode && reference.districtName(item.districtCode), item.streetCode && reference.streetName(item.streetCode)].filter(Boolean);
      return el("span", { class: "area" }, names.join(" · "), el("span", { class: "grid-code" }, item.gridCode || ""));
    }

    function draw() {
      const focused = document.activeElement?.closest?.("tr[data-case]")?.dataset.case;
      const grid = table(columns, current.items, {
        onOpen: (item) => context.navigate("case", [item.number]),
        empty: Object.keys(applied).length ? t("cases.empty.filtered") : t("list.empty"),
        caption: t("cases.caption"),
      });
      const bodyRows = grid.tBodies[0].rows;
      current.items.forEach((item, index) => {
        bodyRows[index].dataset.case = item.number;
        bodyRows[index].setAttribute("aria-label", `${item.number} ${tOr(`state.${item.state}`, item.state)}`);
      });
      clear(holder, grid);
      if (focused) holder.querySelector(`tr[data-case="${CSS.escape(focused)}"]`)?.focus({ preventScroll: true });
      const from = pageNumber ? (pageNumber - 1) * Number(sizeSelect.value) + 1 : null;
      status.textContent = current.items.length === 0 ? ""
        : pageNumber ? t("cases.shown", { from: formatNumber(from), to: formatNumber(from + current.items.length - 1) })
          : t("cases.shown-later", { n: formatNumber(current.items.length) });
      pageLabel.textContent = pageNumber ? t("cases.page.number", { n: pageNumber }) : t("cases.page.later");
      firstButton.disabled = !cursor;
      previousButton.disabled = !cursor;
      nextButton.disabled = !current.nextCursor;
      refreshed.classList.remove("stale");
      refreshed.textContent = t("cases.refreshed", { time: new Intl.DateTimeFormat(document.documentElement.lang, { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }).format(new Date()) });
    }

    let loading = 0;
    /** Loads the page at `cursor` of the applied filter; a quiet load (the live refresh) keeps the rows on failure. */
    async function load({ quiet = false } = {}) {
      const ticket = ++loading;
      if (!quiet) holder.setAttribute("aria-busy", "true");
      try {
        const page = await api.get("supervision", "cases", apiQuery(applied, cursor, Number(sizeSelect.value)));
        if (ticket !== loading) return;
        current = page;
        draw();
      } catch (error) {
        if (ticket !== loading) return;
        if (quiet) {
          // The rows in view stay; the note says they are not fresh, and the next round tries again.
          refreshed.textContent = t("cases.refresh-failed", { reason: problemText(error) });
          refreshed.classList.add("stale");
          return;
        }
        current = { items: [], nextCursor: null };
        clear(holder, el("p", { class: "panel error", role: "alert" }, problemText(error)));
        status.textContent = "";
        pageLabel.textContent = "";
        firstButton.disabled = previousButton.disabled = !cursor;
        nextButton.disabled = true;
      } finally {
        if (ticket === loading) holder.removeAttribute("aria-busy");
      }
    }

    function apply() {
      const next = filterFromForm();
      if (JSON.stringify(next) === JSON.stringify(applied) && !cursor) { return load(); }
      applied = next;
      cursor = null; earlier = []; pageNumber = 1;
      writeUrl();
      return load();
    }

    function reset() {
      for (const name of filterNames) {
        const input = inputs[name];
        if (!input || input.disabled) continue;
        if (input.type === "checkbox") input.checked = false; else input.value = "";
      }
      inputs.street.refill?.(); inputs.community.refill?.();
      apply();
    }

    form.addEventListener("submit", (event) => { event.preventDefault(); apply(); });
    form.addEventListener("change", (event) => {
      const name = event.target.name;
      if (name === "q" || name === "grid") return; // typed text waits for Enter or the search button
      refillAreas(name);
      apply();
    });
    sizeSelect.addEventListener("change", () => { cursor = null; earlier = []; pageNumber = 1; writeUrl(); load(); });
    nextButton.addEventListener("click", () => {
      if (!current.nextCursor) return;
      earlier.push(cursor);
      cursor = current.nextCursor;
      if (pageNumber) pageNumber += 1;
      writeUrl(); load().then(() => holder.querySelector("tr[data-case]")?.focus({ preventScroll: true }));
      listPanel.scrollIntoView({ block: "start" });
    });
    previousButton.addEventListener("click", () => {
      if (earlier.length) { cursor = earlier.pop(); if (pageNumber) pageNumber -= 1; } else { cursor = null; pageNumber = 1; }
      writeUrl(); load();
    });
    firstButton.addEventListener("click", () => { cursor = null; earlier = []; pageNumber = 1; writeUrl(); load(); });

    // ---------- CSV ----------
    const csvColumns = [
      ["cases.csv.number", (item) => item.number],
      ["cases.csv.id", (item) => item.id],
      ["cases.csv.kind", (item) => tOr(`kind.${item.kind}`, item.kind)],
      ["cases.csv.class-code", (item) => item.classCode],
      ["cases.csv.class", (item) => reference.className(item.kind, item.classCode)],
      ["cases.csv.channel", (item) => tOr(`channel.${item.channel}`, item.channel)],
      ["cases.csv.state", (item) => tOr(`state.${item.state}`, item.state)],
      ["cases.csv.state-code", (item) => item.state],
      ["cases.csv.district-code", (item) => item.districtCode],
      ["cases.csv.district", (item) => item.districtCode ? reference.districtName(item.districtCode) : ""],
      ["cases.csv.street-code", (item) => item.streetCode],
      ["cases.csv.street", (item) => item.streetCode ? reference.streetName(item.streetCode) : ""],
      ["cases.csv.community-code", (item) => item.communityCode],
      ["cases.csv.grid-code", (item) => item.gridCode],
      ["cases.csv.address", (item) => item.address],
      ["cases.csv.department-code", (item) => item.currentDepartment],
      ["cases.csv.department", (item) => item.currentDepartment ? reference.departmentName(item.currentDepartment) : ""],
      ["cases.csv.reported", (item) => csvTime(item.reportedAt)],
      ["cases.csv.stage", (item) => item.clock ? tOr(`case.stage.${item.clock.stage}`, item.clock.stage) : ""],
      ["cases.csv.deadline", (item) => csvTime(item.clock?.deadline)],
      ["cases.csv.light", (item) => item.clock?.deadline ? t(`light.${lightOf(item.clock)}`) : ""],
      ["cases.csv.handling-deadline", (item) => csvTime(item.handlingDeadline)],
    ];

    /** One CSV cell: quoted, quotes doubled, and text a spreadsheet would run as a formula defused. */
    function cell(value) {
      let text = value === undefined || value === null ? "" : String(value);
      if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
      return `"${text.replace(/"/g, '""')}"`;
    }

    async function exportCsv() {
      if (exporting) return;
      const filter = { ...applied };
      const run = exporting = { stopped: false };
      exportButton.disabled = true;
      stopButton.hidden = false;
      const lines = [csvColumns.map(([key]) => cell(t(key))).join(",")];
      let pageCursor = null;
      let count = 0;
      let capped = false;
      try {
        do {
          const page = await api.get("supervision", "cases", apiQuery(filter, pageCursor, 200));
          for (const item of page.items) {
            if (count >= exportCap) { capped = true; break; }
            lines.push(csvColumns.map(([, value]) => cell(value(item))).join(","));
            count += 1;
          }
          pageCursor = page.nextCursor;
          if (count >= exportCap && pageCursor) capped = true;
          exportNote.textContent = t("cases.export.progress", { n: formatNumber(count) });
        } while (pageCursor && !capped && !run.stopped);
        if (run.stopped) { exportNote.textContent = t("cases.export.stopped"); return; }
        // The byte order mark makes Excel read the file as UTF-8 (else Chinese comes out garbled).
        const blob = new Blob(["\uFEFF", lines.join("\r\n"), "\r\n"], { type: "text/csv;charset=utf-8" });
        const stamp = csvTime(new Date().toISOString()).replace(/[-: ]/g, "").slice(0, 12);
        const link = el("a", { href: URL.createObjectURL(blob), download: `cases-${stamp}.csv`, hidden: true });
        document.body.append(link);
        link.click();
        setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 10000);
        exportNote.textContent = capped ? t("cases.export.capped", { n: formatNumber(exportCap) }) : t("cases.export.done", { n: formatNumber(count) });
        flash(exportNote.textContent, "ok");
      } catch (error) {
        exportNote.textContent = "";
        flash(`${t("cases.export.failed")}: ${problemText(error)}`, "error");
      } finally {
        if (exporting === run) exporting = null;
        exportButton.disabled = false;
        stopButton.hidden = true;
      }
    }
    /**
     * Downloads the server's export of the applied filter. It needs a reporting window: without
     * one it takes the last 30 days, and says so. The text search is not part of it.
     */
    function exportAll(format) {
      const params = apiQuery(applied, null, undefined);
      delete params.limit;
      delete params.q;
      const now = new Date();
      if (!params.to) params.to = now.toISOString();
      if (!params.from) params.from = new Date(new Date(params.to).getTime() - 30 * 86400000).toISOString();
      params.format = format;
      const link = el("a", { href: `/api/supervision/cases/export?${new URLSearchParams(params)}`, download: `cases.${format}`, hidden: true });
      document.body.append(link);
      link.click();
      setTimeout(() => link.remove(), 1000);
      exportNote.textContent = t("cases.export.all.window", { from: csvTime(params.from), to: csvTime(params.to) })
        + (applied.q ? ` ${t("cases.export.all.no-text")}` : "");
    }

    exportButton.addEventListener("click", exportCsv);
    stopButton.addEventListener("click", () => { if (exporting) exporting.stopped = true; });

    writeUrl();
    await load();
    // Live: the page in view is fetched again at its own cursor, so the position holds while
    // cases move; a failure here shows once in the flash and the next round tries again.
    const stop = context.every(10, () => (exporting ? undefined : load({ quiet: true })));
    return () => { stop(); if (exporting) exporting.stopped = true; };
  },
};
