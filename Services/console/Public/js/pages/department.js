// 部门待办: the web inbox of a department that has no system of its own. It lists the tasks that
// disposal holds for the signed-in department (one per dispatch), shows one task with its log,
// and sends the department's six commands to disposal. A department never closes a case: the
// centre answers completions and requests with notices, which come back into the same log.
"use strict";
import { api } from "../api.js";
import { t, tOr, formatTime, currentLanguage } from "../i18n.js";
import { el, clear, flash, problemText, table, ask, light, labelled } from "../ui.js";
import { loadReference } from "../reference.js";
import { createMap, caseMarker, gridLayer } from "../map.js";

/** Loads the field pages' stylesheet once (shared with the supervisor's page). */
export function fieldStyles() {
  if (!document.querySelector("link[data-field-css]")) {
    document.head.append(el("link", { rel: "stylesheet", href: "/css/field.css", "data-field-css": "true" }));
  }
}

/**
 * The commands the department may send for `task` now. The rules belong to
 * DepartmentTaskRules (Shared/CityGridModel/Workflow/DepartmentTaskRules.swift), which disposal
 * asks before every operation; disposal's task JSON does not list them, so this mirrors that
 * table and nothing else in the page decides it. Disposal still answers 409 for anything the
 * centre changed meanwhile, and the page shows that answer.
 */
export function allowedCommands(task) {
  // Suspended, completed and final tasks take no department operation at all.
  if (task.state !== "dispatched" && task.state !== "accepted") return [];
  const pending = task.pendingRequest?.kind;
  const allowed = [];
  // Signing for a task the department asked to give back waits for the centre's answer.
  if (task.state === "dispatched" && pending !== "return") allowed.push("accept");
  // A note changes nothing; completing answers whatever request is pending.
  allowed.push("progress", "complete");
  // One request at a time.
  if (!pending) allowed.push("return", "extension", "suspension");
  return allowed;
}

/** Which light a task shows: the centre's marks decide (it runs the clock), the deadline alone is green. */
export function taskLight(task) {
  if (task.state !== "dispatched" && task.state !== "accepted") return "none";
  if (task.overdueAt) return "red";
  if (task.warningAt) return "yellow";
  return task.deadline ? "green" : "none";
}

const lightRank = { red: 0, yellow: 1, green: 2, none: 3 };

/** "7 working_days" (disposal's text) or {value, unit} (supervision's clock) in words. */
export function limitText(limit) {
  if (!limit) return null;
  let value = limit.value;
  let unit = limit.unit;
  if (typeof limit === "string") [value, unit] = limit.trim().split(/\s+/);
  return tOr(`department.limit.${unit}`, null)?.replace("{n}", value) ?? String(typeof limit === "string" ? limit : `${value} ${unit}`);
}

/** What a deadline was counted on, in words: the calendar years and their standing, natural time, or a decision. */
export function basisText(basis) {
  if (!basis) return t("department.basis.unknown");
  const kind = tOr(`department.basis.${basis.kind}`, basis.kind);
  const years = (basis.years || []).map((year) => t(`department.basis.year.${year.standing}`, { year: year.year, notice: year.notice || "" }));
  return years.length ? `${kind}（${years.join("；")}）` : kind;
}

/** A Beijing wall-clock `datetime-local` value → RFC 3339 with the city's offset. */
function rfc3339(local) { return local ? `${local.length === 16 ? `${local}:00` : local}+08:00` : undefined; }

/** An instant → the `datetime-local` value of the same moment on Beijing's clock. */
function beijingLocal(instant) {
  if (!instant) return undefined;
  return new Date(new Date(instant).getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16);
}

/** Photo URLs typed one per line (or separated by spaces) → the API's array, or undefined. */
function photoList(text) {
  const urls = String(text || "").split(/[\r\n]+/).map((url) => url.trim()).filter(Boolean);
  return urls.length ? urls : undefined;
}

/** Links to photos (the console's pages may not load images from elsewhere, so they open in a new tab). */
function photoLinks(urls, labelKey = "department.photo") {
  const safe = (urls || []).filter((url) => /^https?:\/\//i.test(url));
  if (!safe.length) return null;
  return el("span", { class: "photos" }, safe.map((url, index) =>
    el("a", { href: url, target: "_blank", rel: "noopener noreferrer", title: url }, t(labelKey, { n: index + 1 }))));
}

/** An API failure from disposal in words: its reason, and each field with its problem (disposal lists them as an array). */
function refusalText(error) {
  const fields = Array.isArray(error?.details) ? error.details : [];
  const base = error?.code === "illegal_transition"
    ? t("department.refused", { reason: error.message })
    : fields.length ? t("department.problem.fields") : problemText({ ...error, details: {} });
  return [base, fields.map(fieldProblem).join("; ")].filter(Boolean).join(" ");
}

/** One of disposal's field problems in the page's language; a problem it does not know stays in the server's words. */
function fieldProblem({ field, problem }) {
  const [, name, index] = /^(\w+)(?:\[(\d+)\])?$/.exec(String(field)) || [null, String(field), undefined];
  const label = tOr(`department.problem-field.${name}`, name) + (index === undefined ? "" : t("department.problem.item", { n: Number(index) + 1 }));
  const text = String(problem || "");
  let words = text;
  let match;
  if ((match = /^must be later than the current deadline (\S+)/.exec(text))) words = t("department.problem.not-later", { deadline: formatTime(match[1]) });
  else if (text === "must be in the future") words = t("department.problem.past");
  else if (text.startsWith("is required")) words = t("department.problem.required");
  else if (text === "must be an absolute http(s) URL") words = t("department.problem.url");
  else if ((match = /^must be at most (\d+) characters$/.exec(text))) words = t("department.problem.too-long", { n: match[1] });
  else if ((match = /^at most (\d+) photos$/.exec(text))) words = t("department.problem.too-many", { n: match[1] });
  return `${label}${t("department.problem.colon")}${words}`;
}

/**
 * The six commands: the dialog's fields (named as disposal's body fields) and the body they make.
 * Their names are disposal's command names, used as the URL's last segment and as data-action.
 */
const commands = {
  accept: {
    fields: () => [{ name: "note", label: t("department.field.note-optional"), type: "textarea" }],
    body: (values) => ({ note: values.note?.trim() || undefined }),
  },
  progress: {
    fields: () => [
      { name: "note", label: t("department.field.note"), type: "textarea", required: true },
      { name: "photos", label: t("department.field.photos"), type: "textarea" },
    ],
    body: (values) => ({ note: values.note.trim(), photos: photoList(values.photos) }),
  },
  complete: {
    fields: () => [
      { name: "result", label: t("department.field.result"), type: "textarea", required: true },
      { name: "photos", label: t("department.field.completion-photos"), type: "textarea" },
    ],
    body: (values) => ({ result: values.result.trim(), photos: photoList(values.photos) }),
  },
  return: {
    fields: () => [{ name: "reason", label: t("department.field.return-reason"), type: "textarea", required: true }],
    body: (values) => ({ reason: values.reason.trim() }),
  },
  extension: {
    fields: (task) => [
      {
        name: "requestedDeadline", label: t("department.field.requestedDeadline"), type: "datetime-local", required: true,
        value: beijingLocal(task.deadline ? new Date(new Date(task.deadline).getTime() + 24 * 3600 * 1000) : null),
      },
      { name: "reason", label: t("department.field.extension-reason"), type: "textarea", required: true },
    ],
    body: (values) => ({ requestedDeadline: rfc3339(values.requestedDeadline), reason: values.reason.trim() }),
  },
  suspension: {
    fields: () => [{ name: "reason", label: t("department.field.suspension-reason"), type: "textarea", required: true }],
    body: (values) => ({ reason: values.reason.trim() }),
  },
};

const tabs = ["open", "overdue", "done", "all"];
const taskStates = ["dispatched", "accepted", "suspended", "completed", "returned", "closed", "voided", "superseded"];
const pageSize = 20;
const clockTime = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

/** Every task of one state (disposal pages at most 200 a call); stops after `limit` tasks. */
async function tasksIn(code, state, limit = 2000) {
  const items = [];
  let total = 0;
  const size = Math.min(200, limit);
  for (let page = 1; items.length < limit; page += 1) {
    const answer = await api.get("disposal", `departments/${encodeURIComponent(code)}/tasks`, { state, page, pageSize: size });
    items.push(...answer.items);
    total = answer.total;
    if (answer.items.length < size || items.length >= total) break;
  }
  return { items, total };
}

function byUrgency(a, b) {
  const rank = lightRank[taskLight(a)] - lightRank[taskLight(b)];
  if (rank) return rank;
  return (a.deadline ? Date.parse(a.deadline) : Infinity) - (b.deadline ? Date.parse(b.deadline) : Infinity);
}

function doneAt(task) { return Date.parse(task.completedAt || task.endedAt || task.dispatchedAt) || 0; }

export default {
  async render(view, route, context) {
    fieldStyles();
    const scope = String(context.session.user.scope || "");
    const code = scope.startsWith("department:") ? scope.slice("department:".length) : "";
    const me = context.session.user.id;
    const query = route.query;
    const state = {
      tab: tabs.includes(query.get("tab")) ? query.get("tab") : "open",
      page: Math.max(1, Number(query.get("page")) || 1),
      filter: taskStates.includes(query.get("state")) ? query.get("state") : "",
      selected: (query.get("task") || "").toLowerCase(),
      open: [], openTotal: 0, openCapped: false,
      shown: [], shownTotal: 0,
      detailKey: null,
    };
    // Names of classes and communities; without the reference the task's own (Chinese) names and codes show.
    let reference = await loadReference();

    const tabBar = el("div", { class: "tabs", role: "group", "aria-label": t("department.tabs") });
    const stateFilter = el("select", { name: "state", "aria-label": t("department.filter.state") },
      el("option", { value: "" }, t("department.filter.any-state")),
      taskStates.map((name) => el("option", { value: name }, t(`department.state.${name}`))));
    stateFilter.value = state.filter;
    const filterRow = el("div", { class: "filters" }, el("label", {}, t("department.filter.state"), stateFilter));
    const note = el("p", { class: "note list-note" });
    const listBox = el("div", { class: "task-list" });
    const pager = el("div", { class: "pager" });
    const detail = el("section", { class: "panel task-detail", "aria-live": "polite", "aria-label": t("department.detail") });
    const stamp = el("span", { class: "note refreshed" });

    clear(view, el("div", { id: "page-department", class: "field-page" },
      el("div", { class: "page-head" }, el("h1", {}, t("department.title")), el("span", { class: "note" }, code), stamp),
      el("div", { class: "columns field-columns" },
        el("section", { class: "panel" }, tabBar, filterRow, note, listBox, pager),
        detail)));
    drawEmptyDetail();

    stateFilter.addEventListener("change", () => { state.filter = stateFilter.value; state.page = 1; remember(); refresh(); });

    function remember() {
      context.replaceQuery({
        tab: state.tab === "open" ? "" : state.tab, page: state.page > 1 ? state.page : "",
        state: state.tab === "all" ? state.filter : "", task: state.selected,
      });
    }

    function drawTabs() {
      const overdue = state.open.filter((task) => taskLight(task) === "red").length;
      const counts = { open: state.openTotal, overdue, done: null, all: null };
      clear(tabBar, tabs.map((name) => el("button", {
        type: "button", class: `tab${name === state.tab ? " current" : ""}${name === "overdue" && overdue ? " alarm" : ""}`,
        "aria-pressed": String(name === state.tab), "data-tab": name,
        onclick: () => { state.tab = name; state.page = 1; remember(); refresh(); },
      }, t(`department.tab.${name}`), counts[name] === null ? null : el("span", { class: "count" }, String(counts[name])))));
      filterRow.hidden = state.tab !== "all";
    }

    /** The class's name in the page's language (disposal stores the Chinese one). */
    function className(task) {
      const known = reference.classes.get(`${task.kind}:${task.classCode}`);
      if (!known) return task.className;
      return (currentLanguage() === "en" ? known.nameEn : known.nameZh) || task.className;
    }

    /** Where a task is: its address, else its community (from the reference) and grid. */
    function place(task) {
      if (task.address) return task.address;
      const community = task.gridCode && reference.communities.get(task.gridCode.slice(0, 12));
      return community ? community.name : t("department.grid-place", { grid: task.gridCode || "—" });
    }

    function flags(task) {
      return el("span", { class: "flags" },
        task.urgeCount > 0 ? el("span", { class: "badge urged", title: t("department.urged-times", { n: task.urgeCount }) }, t("department.urged-badge", { n: task.urgeCount })) : null,
        task.pendingRequest ? el("span", { class: "badge pending" }, t(`department.pending.${task.pendingRequest.kind}`)) : null,
        String(task.lastNotice || "").startsWith("update_refused") ? el("span", { class: "badge refused" }, t("department.refused-badge")) : null,
        task.reworkOf ? el("span", { class: "badge" }, t("department.rework")) : null);
    }

    function drawList() {
      const done = state.tab === "done";
      const columns = [
        { key: "deadline", label: t("department.col.deadline"), render: (task) => light(taskLight(task), task.deadline) },
        { key: "caseNumber", label: t("department.col.case"), render: (task) => el("span", { class: "case-cell" }, el("strong", {}, task.caseNumber), flags(task)) },
        { key: "className", label: t("department.col.class"), class: "class", render: (task) => el("span", { title: `${task.classCode} ${className(task)}` }, className(task)) },
        { key: "address", label: t("department.col.place"), class: "place", render: (task) => el("span", { title: task.gridCode ? t("department.grid-place", { grid: task.gridCode }) : null }, place(task)) },
        done
          ? { key: "completedAt", label: t("department.col.completed"), class: "time", render: (task) => formatTime(task.completedAt || task.endedAt) }
          : { key: "dispatchedAt", label: t("department.col.dispatched"), class: "time", render: (task) => formatTime(task.dispatchedAt) },
        { key: "state", label: t("department.col.state"), render: (task) => el("span", { class: `state task-${task.state}` }, t(`department.state.${task.state}`)) },
      ];
      const grid = table(columns, state.shown, { onOpen: (task) => select(task.dispatchId, true), empty: t(`department.empty.${state.tab}`) });
      grid.classList.add("tasks");
      const rows = grid.tBodies[0].rows;
      state.shown.forEach((task, index) => {
        const row = rows[index];
        const id = task.dispatchId.toLowerCase();
        row.dataset.task = id;
        row.classList.add(`light-${taskLight(task)}`);
        if (task.urgeCount > 0 && taskLight(task) !== "none") row.classList.add("urged");
        if (id === state.selected) { row.classList.add("selected"); row.setAttribute("aria-current", "true"); }
      });
      // Redrawing on every poll must not take the keyboard's place away.
      const focused = document.activeElement?.closest?.("tr[data-task]")?.dataset.task;
      clear(listBox, grid);
      if (focused) listBox.querySelector(`tr[data-task="${focused}"]`)?.focus({ preventScroll: true });

      const pages = Math.max(1, Math.ceil(state.shownTotal / pageSize));
      clear(pager,
        el("button", { type: "button", disabled: state.page <= 1, onclick: () => { state.page -= 1; remember(); refresh(); } }, t("action.previous")),
        el("span", {}, t("department.page", { page: state.page, pages })),
        el("button", { type: "button", disabled: state.page >= pages, onclick: () => { state.page += 1; remember(); refresh(); } }, t("action.next")),
        el("span", { class: "note" }, t("list.count", { n: state.shownTotal })));
      note.textContent = t(`department.note.${state.tab}`) + (state.openCapped && state.tab !== "all" && state.tab !== "done" ? ` ${t("department.note.capped")}` : "");
    }

    async function loadOpen() {
      const [dispatched, accepted] = await Promise.all([tasksIn(code, "dispatched"), tasksIn(code, "accepted")]);
      state.open = [...dispatched.items, ...accepted.items].sort(byUrgency);
      state.openTotal = dispatched.total + accepted.total;
      state.openCapped = state.open.length < state.openTotal;
    }

    async function loadShown() {
      const slice = (items) => items.slice((state.page - 1) * pageSize, state.page * pageSize);
      if (state.tab === "open") {
        state.shownTotal = state.open.length;
        state.shown = slice(state.open);
      } else if (state.tab === "overdue") {
        const red = state.open.filter((task) => taskLight(task) === "red");
        state.shownTotal = red.length;
        state.shown = slice(red);
      } else if (state.tab === "done") {
        // The newest feedbacks: tasks completed (waiting for the centre's check) and closed ones.
        const [completed, closed] = await Promise.all([tasksIn(code, "completed", 50), tasksIn(code, "closed", 50)]);
        const recent = [...completed.items, ...closed.items].sort((a, b) => doneAt(b) - doneAt(a)).slice(0, 50);
        state.shownTotal = recent.length;
        state.shown = slice(recent);
      } else {
        const answer = await api.get("disposal", `departments/${encodeURIComponent(code)}/tasks`, { state: state.filter, page: state.page, pageSize });
        state.shown = answer.items;
        state.shownTotal = answer.total;
      }
      const pages = Math.max(1, Math.ceil(state.shownTotal / pageSize));
      if (state.page > pages) { state.page = pages; remember(); await loadShown(); }
    }

    let busy = null;
    let again = false;
    /** Loads and draws the list (and the open task); a call while one runs makes it run once more after. */
    async function refresh() {
      if (!code) { clear(listBox, el("p", { class: "message" }, t("department.no-department"))); return; }
      if (busy) { again = true; return busy; }
      busy = load();
      try { await busy; } finally { busy = null; }
      if (again) { again = false; await refresh(); }
    }

    async function load() {
      try {
        if (!reference.version) reference = await loadReference();
        await loadOpen();
        await loadShown();
        drawTabs();
        drawList();
        if (state.selected) await loadDetail(false);
        stamp.textContent = t("department.refreshed", { time: clockTime.format(new Date()) });
      } catch (error) {
        flash(refusalText(error), "error");
      }
    }

    function select(dispatchId, focus) {
      state.selected = dispatchId.toLowerCase();
      state.detailKey = null;
      remember();
      for (const row of listBox.querySelectorAll("tr[data-task]")) {
        const on = row.dataset.task === state.selected;
        row.classList.toggle("selected", on);
        if (on) row.setAttribute("aria-current", "true"); else row.removeAttribute("aria-current");
      }
      loadDetail(focus);
    }

    function drawEmptyDetail() {
      clear(detail, el("h2", {}, t("department.detail")), el("p", { class: "note" }, t("department.detail.none")));
    }

    let detailMap = null;
    async function loadDetail(focus) {
      const id = state.selected;
      let answer;
      try {
        answer = await api.get("disposal", `tasks/${encodeURIComponent(id)}`);
      } catch (error) {
        if (id !== state.selected) return;
        if (error.status === 404) {
          state.selected = "";
          remember();
          drawEmptyDetail();
          flash(t("department.detail.gone"), "error");
          return;
        }
        throw error;
      }
      if (id !== state.selected) return;
      // Redraw only when something changed, so a poll never disturbs a reader.
      const key = JSON.stringify([answer.task, answer.events.length, answer.events.at(-1)?.eventId]);
      if (key === state.detailKey) return;
      state.detailKey = key;
      // A poll that redraws the task puts the keyboard back on the same command (if it is still allowed).
      const focusedAction = detail.contains(document.activeElement) ? document.activeElement.dataset?.action : null;
      drawDetail(answer.task, answer.events);
      if (focus) detail.querySelector("h2")?.focus();
      else if (focusedAction) (detail.querySelector(`button[data-action="${focusedAction}"]`) || detail.querySelector("h2"))?.focus({ preventScroll: true });
    }

    function drawDetail(task, events) {
      if (detailMap) { detailMap.map.remove(); detailMap = null; }
      const kind = taskLight(task);
      const lastUrge = [...events].reverse().find((entry) => entry.kind === "notice.urged");
      const lastRefusal = [...events].reverse().find((entry) => entry.kind === "notice.update_refused");
      const refusalIsLatest = lastRefusal && String(task.lastNotice || "").startsWith("update_refused");
      const mapBox = el("div", { class: "map task-map", role: "img", "aria-label": t("department.map", { place: place(task) }) });
      const actions = el("div", { class: "actions" }, allowedCommands(task).map((name) => el("button", {
        type: "button", class: name === "complete" || name === "accept" ? "primary" : null, "data-action": name,
        onclick: (event) => perform(name, task, event.currentTarget),
      }, t(`department.command.${name}`))));
      const basis = task.deadlineBasis ? basisText(task.deadlineBasis) : t("department.basis.unknown");

      clear(detail,
        el("h2", { tabindex: -1 }, task.caseNumber, " ", el("span", { class: "muted" }, className(task))),
        el("div", { class: "detail-state" },
          el("span", { class: `state task-${task.state}` }, t(`department.state.${task.state}`)),
          light(kind, task.deadline), flags(task)),
        task.urgeCount > 0 ? el("p", { class: "banner urged", role: "alert" },
          el("strong", {}, t("department.urged-times", { n: task.urgeCount })),
          lastUrge ? ` · ${formatTime(lastUrge.at)} · ${lastUrge.note || lastUrge.reason || ""}` : "") : null,
        refusalIsLatest ? el("p", { class: "banner refused", role: "alert" }, refusalLine(lastRefusal)) : null,
        task.pendingRequest ? el("p", { class: "banner pending" },
          el("strong", {}, t(`department.pending.${task.pendingRequest.kind}`)), " · ",
          t("department.pending.waiting"),
          task.pendingRequest.requestedDeadline ? ` · ${t("department.field.requestedDeadline")}: ${formatTime(task.pendingRequest.requestedDeadline)}` : "",
          task.pendingRequest.reason ? ` · ${task.pendingRequest.reason}` : "") : null,
        actions.childElementCount ? actions : el("p", { class: "note" }, t(`department.no-actions.${task.state}`)),
        el("div", { class: "detail-grid" },
          el("div", {},
            labelled(t("department.field.deadline"), task.deadline ? formatTime(task.deadline) : t("light.none")),
            labelled(t("department.field.limit"), limitText(task.handlingLimit) || "—"),
            labelled(t("department.field.basis"), el("span", {}, basis,
              task.deadlineProvisional ? el("span", { class: "badge provisional", title: t("department.provisional.hint") }, t("department.provisional")) : null)),
            labelled(t("department.field.kind-class"), `${tOr(`kind.${task.kind}`, task.kind)} · ${task.classCode} ${className(task)}`),
            labelled(t("department.field.condition"), task.conditionId),
            labelled(t("department.field.description"), task.description),
            labelled(t("department.field.place"), place(task)),
            labelled(t("department.field.grid"), task.gridCode),
            labelled(t("department.field.point"), task.latitude != null ? `${task.latitude.toFixed(6)}, ${task.longitude.toFixed(6)}` : "—"),
            labelled(t("department.field.photos-report"), photoLinks(task.photos) || "—"),
            labelled(t("department.field.dispatched"), `${formatTime(task.dispatchedAt)} · ${tOr(`department.via.${task.via}`, task.via)}${task.redispatch ? ` · ${t("department.redispatch")}` : ""}`),
            task.reworkOf ? labelled(t("department.field.rework-of"), taskLink(task.reworkOf)) : null,
            task.supersededBy ? labelled(t("department.field.superseded-by"), taskLink(task.supersededBy)) : null,
            task.acceptedAt ? labelled(t("department.field.accepted"), formatTime(task.acceptedAt)) : null,
            task.completedAt ? labelled(t("department.field.completed"), formatTime(task.completedAt)) : null,
            task.result ? labelled(t("department.field.result"), task.result) : null,
            task.resultPhotos?.length ? labelled(t("department.field.completion-photos-shown"), photoLinks(task.resultPhotos, "department.photo-done")) : null,
            // Supervision shows a department only the cases it holds now, so only an unfinished task links to its case.
            ["dispatched", "accepted", "suspended", "completed"].includes(task.state)
              ? labelled(t("department.field.case"), el("a", { href: `#/case/${encodeURIComponent(task.caseNumber)}` }, t("department.open-case"))) : null),
          task.latitude != null ? mapBox : null),
        el("h3", {}, t("department.history")),
        history(events));
      if (task.latitude != null) drawMap(mapBox, task);
    }

    /** Another dispatch of the same case (the one a rework replaced, or the one that replaced this). */
    function taskLink(dispatchId) {
      return el("button", { type: "button", class: "link", onclick: () => select(dispatchId, true) }, t("department.open-dispatch"));
    }

    function refusalLine(entry) {
      // The notice's note reads "<action> refused: <code>"; the reason is the centre's own words.
      const [, action = "", code = ""] = /^(\S+) refused: (\S+)/.exec(String(entry.note || "")) || [];
      const why = tOr(`department.refusal.${code}`, null);
      return el("span", {}, el("strong", {}, t("department.refused-title", { action: tOr(`department.event.${action}`, action) })),
        ` · ${formatTime(entry.at)}`, why ? ` · ${why}` : "",
        entry.reason ? el("span", { class: "muted block" }, entry.reason) : null);
    }

    async function drawMap(box, task) {
      try {
        const made = await createMap(box, { center: [task.latitude, task.longitude], zoom: 16 });
        if (!box.isConnected) { made.map.remove(); return; }
        detailMap = made;
        caseMarker(made.L, { number: task.caseNumber, description: task.description, latitude: task.latitude, longitude: task.longitude }, taskLight(task)).addTo(made.map);
        if (task.gridCode) {
          api.get("grid-routing", `grids/${encodeURIComponent(task.gridCode)}`).then((feature) => {
            if (detailMap === made) gridLayer(made.L, feature).addTo(made.map).bringToBack();
          }, () => { /* the grid's outline is a help, the point is what matters */ });
        }
      } catch { box.remove(); }
    }

    function actorText(entry) {
      if (String(entry.actorId).toLowerCase() === String(me).toLowerCase()) return t("department.actor.me");
      return tOr(`department.actor.${entry.actorId}`, entry.actorId);
    }

    /** The log, oldest first; runs of the same notice (the centre urges again and again) are folded into one line. */
    function history(events) {
      const folded = [];
      for (const entry of events) {
        const last = folded.at(-1);
        if (last && entry.kind.startsWith("notice.") && last.entry.kind === entry.kind && (last.entry.note || "") === (entry.note || "")) {
          last.count += 1;
          last.lastAt = entry.at;
        } else folded.push({ entry, count: 1, lastAt: entry.at });
      }
      const list = el("ol", { class: "task-history" });
      for (const { entry, count, lastAt } of folded) {
        const words = [entry.note && entry.kind !== "dispatched" ? entry.note : null, entry.result, entry.reason].filter(Boolean);
        list.append(el("li", { class: `event ${entry.kind.replace(/\./g, "-")}` },
          el("span", { class: "when" }, formatTime(entry.at), count > 1 ? ` – ${formatTime(lastAt)}` : ""),
          el("span", { class: "what" },
            el("strong", {}, tOr(`department.event.${entry.kind}`, entry.kind), count > 1 ? ` ×${count}` : ""),
            ` · ${actorText(entry)}`,
            words.length ? el("span", { class: "words" }, words.join(" · ")) : null,
            entry.requestedDeadline ? el("span", { class: "words" }, `${t("department.field.requestedDeadline")}: ${formatTime(entry.requestedDeadline)}`) : null,
            entry.deadline && entry.kind !== "notice.warning" && entry.kind !== "notice.overdue"
              ? el("span", { class: "words" }, t("department.history.deadline", { deadline: formatTime(entry.deadline) }),
                entry.previousDeadline ? ` ${t("department.history.previous", { deadline: formatTime(entry.previousDeadline) })}` : "",
                entry.deadlineBasis ? ` · ${basisText(entry.deadlineBasis)}` : "")
              : null,
            photoLinks(entry.photos))));
      }
      return list;
    }

    async function perform(name, task, button) {
      const command = commands[name];
      const label = t(`department.command.${name}`);
      const values = await ask(`${label} · ${task.caseNumber}`, command.fields(task), { confirm: label });
      if (values === null) return;
      button.disabled = true;
      try {
        await api.post("disposal", `tasks/${encodeURIComponent(task.dispatchId)}/${name}`, command.body(values));
        flash(t("department.done", { action: label, number: task.caseNumber }), "ok");
        state.detailKey = null;
        await refresh();
      } catch (error) {
        flash(refusalText(error), "error");
        // Refused for the task's state: the centre or a colleague changed it, so show where it stands now.
        if (error.status === 409) { state.detailKey = null; refresh(); }
      } finally {
        button.disabled = false;
      }
    }

    await refresh();
    return context.every(10, refresh);
  },
};
