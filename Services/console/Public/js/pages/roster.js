// 网格责任: the roster of grid supervisors (who covers which street, community or grid on which
// shift, from which day), the field tasks nobody on duty could take (the shift leader's queue,
// assigned here by hand) and the day's field work per shift. The rows and the rules are
// supervision's (reference files plus the changes made here); a change takes effect from a day,
// never rewriting the past, and the change log says who made it.
"use strict";
import { api, currentSession } from "../api.js";
import { t, formatTime } from "../i18n.js";
import { el, clear, table, ask, act, caseLink } from "../ui.js";
import { loadReference } from "../reference.js";
import { useDeskStyle } from "./acceptor.js";
import { tabStrip } from "./dispatcher.js";

const tabNames = ["roster", "queue", "workload"];
const editors = ["shift_leader", "admin"];

/** Today in the city's zone (UTC+8), as the roster's `date` parameter reads it. */
function cityToday() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

export default {
  async render(view, route, context) {
    useDeskStyle();
    const reference = await loadReference();
    // A street (9 digits) or community (12) by its name; a unit grid (15) under its community's.
    const areaName = (code) => code.length === 9 ? reference.streetName(code)
      : code.length === 12 ? reference.communityName(code)
        : code.length === 15 ? `${reference.communityName(code.slice(0, 12))} · ${code.slice(12)}` : code;
    const role = currentSession()?.user.role;
    const canEdit = editors.includes(role);
    const canAssign = role === "shift_leader";
    let tab = tabNames.includes(route.query.get("tab")) ? route.query.get("tab") : "roster";
    let day = /^\d{4}-\d{2}-\d{2}$/.test(route.query.get("date") || "") ? route.query.get("date") : cityToday();
    const remember = () => context.replaceQuery({ tab: tab === "roster" ? "" : tab, date: day === cityToday() ? "" : day });
    const strip = tabStrip("roster", tabNames.map((name) => ({ name, label: t(`roster.tab.${name}`), counted: name === "queue" })), tab,
      (name) => { tab = name; remember(); });

    const dayInput = el("input", { type: "date", id: "roster-date", value: day });
    dayInput.addEventListener("change", () => { if (dayInput.value) { day = dayInput.value; remember(); refresh(); } });
    view.append(el("div", { id: "page-roster", class: "desk" },
      el("h1", {}, t("roster.title"), el("label", { class: "muted" }, t("roster.date"), " ", dayInput)),
      strip.node));
    const boxes = {};
    for (const name of tabNames) {
      boxes[name] = el("div", { class: "panel" }, el("p", { class: "loading" }, t("page.loading")));
      strip.panel(name).append(boxes[name]);
    }
    let shifts = [];
    const shiftName = (code) => shifts.find((shift) => shift.code === code)?.name || code;

    // ---- the roster on the chosen day
    async function loadRoster() {
      const answer = await api.get("supervision", "roster", { date: day });
      shifts = answer.shifts;
      const rows = answer.rows.slice().sort((a, b) => a.areaCode.localeCompare(b.areaCode) || a.shift.localeCompare(b.shift)
        || (a.duty === b.duty ? 0 : a.duty === "primary" ? -1 : 1));
      const columns = [
        { label: t("roster.column.area"), render: (row) => {
          const name = areaName(row.areaCode);
          return name === row.areaCode ? row.areaCode : `${name} (${row.areaCode})`;
        } },
        { label: t("roster.column.shift"), class: "nowrap", render: (row) => {
          const shift = shifts.find((item) => item.code === row.shift);
          return shift ? `${shift.name} ${shift.start}–${shift.end}` : row.shift;
        } },
        { label: t("roster.column.duty"), render: (row) => t(`roster.duty.${row.duty}`) },
        { label: t("roster.column.supervisor"), render: (row) => `${row.supervisorName || ""} (${row.supervisorId})` },
        { label: t("roster.column.valid"), class: "nowrap", render: (row) => `${row.validFrom} → ${row.validTo || t("roster.open")}` },
        { label: t("roster.column.source"), render: (row) => t(`roster.source.${row.source}`) },
      ];
      if (canEdit) {
        columns.push({ label: t("dispatcher.column.actions"), render: (row) => {
          const end = el("button", { type: "button", dataset: { row: row.id } }, t("roster.action.end"));
          end.addEventListener("click", () => endRow(end, row));
          return end;
        } });
      }
      const add = canEdit ? el("button", { type: "button", class: "primary", id: "roster-add" }, t("roster.action.add")) : null;
      add?.addEventListener("click", () => addRow(add));
      clear(boxes.roster,
        el("h2", {}, t("roster.section.roster", { date: answer.date }), " ", el("span", { class: "muted" }, t("roster.version", { version: answer.version }))),
        el("p", { class: "note" }, t("roster.note.roster")),
        add,
        table(columns, rows, { empty: t("roster.empty.roster") }));
    }

    async function addRow(button) {
      const values = await ask(t("roster.action.add"), [
        { name: "supervisorId", label: t("roster.field.supervisorId"), required: true },
        { name: "supervisorName", label: t("roster.field.supervisorName") },
        { name: "areaCode", label: t("roster.field.areaCode"), required: true },
        { name: "shift", label: t("roster.field.shift"), type: "select", options: shifts.map((shift) => ({ value: shift.code, label: `${shift.name} ${shift.start}–${shift.end}` })) },
        { name: "duty", label: t("roster.field.duty"), type: "select", options: ["primary", "cover"].map((duty) => ({ value: duty, label: t(`roster.duty.${duty}`) })) },
        { name: "validFrom", label: t("roster.field.validFrom"), type: "date", required: true, value: day < cityToday() ? cityToday() : day },
        { name: "validTo", label: t("roster.field.validTo"), type: "date" },
        { name: "reason", label: t("roster.field.reason"), type: "textarea" },
      ], { confirm: t("roster.action.add") });
      if (!values) return;
      const body = Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ""));
      if (await act(button, () => api.post("supervision", "roster/assignments", body), t("roster.done.added"))) await loadRoster();
    }

    async function endRow(button, row) {
      const values = await ask(t("roster.action.endTitle", { who: row.supervisorName || row.supervisorId, area: row.areaCode }), [
        { name: "day", label: t("roster.field.endDay"), type: "date", required: true, value: day < cityToday() ? cityToday() : day },
        { name: "reason", label: t("roster.field.reason"), type: "textarea" },
      ], { confirm: t("roster.action.end") });
      if (!values) return;
      const body = { day: values.day, ...(values.reason ? { reason: values.reason } : {}) };
      if (await act(button, () => api.post("supervision", `roster/assignments/${encodeURIComponent(row.id)}/end`, body), t("roster.done.ended"))) {
        await loadRoster();
      }
    }

    // ---- field tasks nobody on duty holds: the shift leader's queue
    async function loadQueue() {
      const answer = await api.get("supervision", "field-tasks", { queue: "true" });
      const tasks = answer.tasks.slice().sort((a, b) => String(a.dueAt || a.assignedAt).localeCompare(String(b.dueAt || b.assignedAt)));
      const columns = [
        { label: t("acceptor.column.number"), class: "nowrap", render: (task) => caseLink({ id: task.caseId, number: task.caseNumber || task.caseId }) },
        { label: t("roster.column.kind"), render: (task) => t(`roster.kind.${task.kind}`) },
        { label: t("roster.column.grid"), class: "nowrap", render: (task) => task.gridCode || "—" },
        { label: t("acceptor.column.place"), render: (task) => task.address || task.description || "—" },
        { label: t("roster.column.why"), render: (task) => t(`roster.reason.${task.reason}`) },
        { label: t("roster.column.due"), class: "nowrap", render: (task) => formatTime(task.dueAt || task.stageDeadline) },
      ];
      if (canAssign) {
        columns.push({ label: t("dispatcher.column.actions"), render: (task) => {
          const assign = el("button", { type: "button", class: "primary", dataset: { task: task.taskId } }, t("roster.action.assign"));
          assign.addEventListener("click", () => assignTask(assign, task));
          return assign;
        } });
      }
      strip.setCount("queue", tasks.length);
      clear(boxes.queue, el("h2", {}, t("roster.section.queue")), el("p", { class: "note" }, t("roster.note.queue")),
        table(columns, tasks, { empty: t("roster.empty.queue") }));
    }

    async function assignTask(button, task) {
      // Offer who is on duty for the task's grid now, first; any supervisor id may be typed.
      let onDuty = [];
      if (task.gridCode) {
        try { onDuty = (await api.get("supervision", "roster/on-duty", { grid: task.gridCode })).onDuty; } catch { onDuty = []; }
      }
      const hint = onDuty.map((duty) => `${duty.supervisorName || ""} (${duty.supervisorId}, ${t(`roster.duty.${duty.duty}`)})`).join("、");
      const values = await ask(t("roster.action.assignTitle", { number: task.caseNumber || "" }), [
        { name: "supervisorId", label: hint ? t("roster.field.assignee", { hint }) : t("roster.field.supervisorId"), required: true,
          value: onDuty[0]?.supervisorId || "" },
      ], { confirm: t("roster.action.assign") });
      if (!values) return;
      if (await act(button, () => api.post("supervision", `field-tasks/${task.taskId}/assign`, { supervisorId: values.supervisorId }),
        t("roster.done.assigned"))) await loadQueue();
    }

    // ---- the day's field work per shift
    async function loadWorkload() {
      const answer = await api.get("supervision", "roster/workload", { date: day });
      const counts = ["assigned", "verifications", "checks", "answered", "answeredOnTime", "handedOver", "cancelled", "open", "queued"];
      const rows = [];
      for (const shift of answer.shifts) {
        rows.push({ who: shift.shift ? shiftName(shift.shift) : t("roster.offRoster"), total: true, counts: shift.counts });
        for (const one of shift.supervisors) rows.push({ who: `　${one.supervisorId}`, counts: one.counts });
      }
      const columns = [{ label: t("roster.column.who"), render: (row) => row.total ? el("strong", {}, row.who) : row.who }]
        .concat(counts.map((name) => ({ label: t(`roster.count.${name}`), class: "nowrap", render: (row) => String(row.counts[name] ?? 0) })));
      clear(boxes.workload, el("h2", {}, t("roster.section.workload", { date: answer.date })),
        el("p", { class: "note" }, t("roster.note.workload", { n: answer.queueNow })),
        table(columns, rows, { empty: t("roster.empty.workload") }));
    }

    const refresh = () => Promise.all([loadRoster(), loadQueue(), loadWorkload()]);
    await refresh();
    // The queue and the day's counts move with the city; the roster only when someone changes it.
    return context.every(30, () => Promise.all([loadQueue(), loadWorkload()]));
  },
};
