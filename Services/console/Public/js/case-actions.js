// The centre's commands on a case, one place for each: its button, the dialog that asks for what
// the command needs, and the call. Which commands a person may take now is the server's answer
// (supervision's case detail lists them in `actions`, from the workflow's role and state table);
// the pages never decide it themselves.
"use strict";
import { api } from "./api.js";
import { t } from "./i18n.js";
import { el, ask, act } from "./ui.js";
import { loadReference } from "./reference.js";

const reason = (label) => ({ name: "reason", label: t(label), type: "textarea", required: true });

/**
 * 退回: a report that is not city management goes back to the channel it came from with the
 * competent body (有权处理单位). Offered wherever a case ends unhandled; a 12345 ticket whose
 * category the mapping table marks not ours comes with both filled in.
 */
function returnFields(item) {
  const notOurs = item?.hotlineCategory?.outcome === "not_ours";
  return [
    { name: "reasonCode", label: t("actions.field.reason-code"), type: "select",
      options: [{ value: "", label: t("reasonCode.none") }, { value: "outside_city_management", label: t("reasonCode.outside_city_management") }],
      value: notOurs ? "outside_city_management" : "" },
    { name: "competentBody", label: t("actions.field.competent-body"), value: notOurs ? item.hotlineCategory.competentBody || "" : "" },
  ];
}

/** The body of a command that ends a case unhandled: its reason, and for 退回 the code and the competent body. */
function notHandledBody(values) {
  const returned = values.reasonCode === "outside_city_management";
  return { reason: values.reason, reasonCode: returned ? values.reasonCode : undefined,
    competentBody: returned ? (values.competentBody || "").trim() || undefined : undefined };
}

/** A datetime-local value (Beijing wall clock) → an RFC 3339 instant. */
function instant(local) { return local ? new Date(`${local}:00+08:00`).toISOString() : undefined; }

/**
 * Each command: the dialog fields (none: a confirmation) and how its body is made. `decide`
 * commands come as a pair of buttons, approve and refuse.
 */
const commands = {
  // 受理: the acceptor may set the class while accepting (a 12345 ticket's provisional class from
  // a suggestion, or a wrong one). The current class comes first, then the suggestions, then every
  // class that can be filed.
  "accept": {
    fields: async (item) => {
      const reference = await loadReference();
      const current = `${item.kind}:${item.classCode}`;
      const seen = new Set([current]);
      const named = (kind, code) => `${t(`kind.${kind}`)} · ${reference.className(kind, code)}`;
      const options = [{ value: current, label: `${named(item.kind, item.classCode)} · ${t("actions.field.class.current")}` }];
      for (const entry of item.suggestions?.classes || []) {
        const key = `${entry.kind}:${entry.classCode}`;
        if (seen.has(key)) continue;
        seen.add(key);
        options.push({ value: key, label: `${named(entry.kind, entry.classCode)} · ${t("actions.field.class.suggested", { p: Math.round(entry.score * 100) })}` });
      }
      const fileable = [...new Set(reference.filingConditions.map((condition) => `${condition.kind}:${condition.classCode}`))].sort();
      for (const key of fileable) {
        if (seen.has(key)) continue;
        const [kind, code] = key.split(":");
        options.push({ value: key, label: named(kind, code) });
      }
      return [{ name: "classKey", label: t("actions.field.class"), type: "select", options, value: current, required: true }];
    },
    body: (values, _approve, item) => {
      const [kind, classCode] = String(values.classKey || "").split(":");
      return kind && classCode && (kind !== item.kind || classCode !== item.classCode) ? { kind, classCode } : {};
    },
  },
  "reject": { fields: (item) => [reason("actions.field.reject-reason"), ...returnFields(item)], body: notHandledBody },
  "handle-at-intake": { fields: () => [{ name: "result", label: t("actions.field.result"), type: "textarea", required: true }] },
  "verification": {
    decide: true,
    fields: (approve) => [{ name: "note", label: t(approve ? "actions.field.note" : "actions.field.refute-note"), type: "textarea", required: !approve }],
    body: (values, approve) => ({ result: approve ? "confirmed" : "refuted", note: values.note || undefined }),
  },
  "file": {
    fields: async (item) => {
      const reference = await loadReference();
      const options = reference.conditionsOf(item.kind, item.classCode).map((condition) => ({ value: condition.id, label: `${condition.id} ${condition.description}` }));
      return [options.length
        ? { name: "conditionId", label: t("actions.field.condition"), type: "select", options, required: true }
        : { name: "conditionId", label: t("actions.field.condition"), required: true, value: item.conditionId || "" }];
    },
  },
  "refuse-filing": { fields: (item) => [reason("actions.field.refuse-reason"), ...returnFields(item)], body: notHandledBody },
  "void": {
    fields: (item) => [reason("actions.field.void-reason"), { name: "duplicateOf", label: t("actions.field.duplicate-of") }, ...returnFields(item)],
    body: async (values) => ({ ...notHandledBody(values), duplicateOf: await caseIdOf(values.duplicateOf) }),
  },
  "close": { fields: () => [] },
  "urge": { fields: () => [{ name: "message", label: t("actions.field.urge-message"), type: "textarea", required: true }] },
  "approve-self-handled": { fields: () => [] },
  "reject-self-handled": { fields: () => [reason("actions.field.reject-reason")] },
  "return-decision": { decide: true, fields: decisionFields, body: decisionBody },
  "extension-decision": {
    decide: true,
    fields: (approve, item) => approve
      ? [{ name: "newDeadline", label: t("actions.field.new-deadline"), type: "datetime-local", value: localValue(item.pendingRequest?.requestedDeadline) }]
      : decisionFields(false),
    body: (values, approve) => approve ? { approve: true, newDeadline: instant(values.newDeadline) } : { approve: false, reason: values.reason },
  },
  "suspension-decision": { decide: true, fields: decisionFields, body: decisionBody },
  "resume": { fields: () => [] },
  "check": {
    decide: true,
    fields: (approve) => [{ name: "note", label: t(approve ? "actions.field.note" : "actions.field.check-failed-note"), type: "textarea", required: !approve }],
    body: (values, approve) => ({ passed: approve, note: values.note || undefined }),
  },
  // 回访: the citizen's verdict on a closed case; the server's policy decides whether it reopens.
  "return-visit": {
    fields: () => [
      { name: "verdict", label: t("actions.field.verdict"), type: "select", required: true,
        options: [["satisfied", t("verdict.satisfied")], ["basically_satisfied", t("verdict.basically_satisfied")], ["dissatisfied", t("verdict.dissatisfied")]]
          .map(([value, label]) => ({ value, label })) },
      { name: "note", label: t("actions.field.visit-note"), type: "textarea" },
    ],
    body: (values) => ({ verdict: values.verdict, note: values.note || undefined }),
  },
  // The shift leader's answer to a reopening the policy referred: 重办 or 维持结案.
  // A case no department handled (self-handled, handled during the call) needs one named.
  "reopen-decision": {
    decide: true,
    fields: async (approve, item) => {
      if (!approve) return [reason("actions.field.keep-closed-reason")];
      const fields = [{ name: "reason", label: t("actions.field.reopen-reason"), type: "textarea" }];
      if (!item.currentDepartment) {
        const reference = await loadReference();
        const options = [...reference.departments.values()].map((department) => ({ value: department.code, label: `${department.name} (${department.code})` }));
        fields.unshift({ name: "departmentCode", label: t("actions.field.reopen-department"), type: "select", options, required: true });
      }
      return fields;
    },
    body: (values, approve) => ({ reopen: approve, reason: values.reason || undefined, departmentCode: values.departmentCode || undefined }),
  },
};

/** A case named by number (what people quote) or id → its id, as commands that link cases take it. */
async function caseIdOf(reference) {
  const text = (reference || "").trim();
  if (!text) return undefined;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) return text;
  const answer = await api.get("supervision", `cases/${encodeURIComponent(text)}`);
  return answer.case.id;
}

function decisionFields(approve) { return approve ? [] : [reason("actions.field.refuse-reason")]; }
function decisionBody(values, approve) { return approve ? { approve: true } : { approve: false, reason: values.reason }; }

function localValue(value) {
  if (!value) return undefined;
  const beijing = new Date(new Date(value).getTime() + 8 * 3600 * 1000);
  return beijing.toISOString().slice(0, 16);
}

/** The label of a command's button (and of its approve / refuse pair). */
function label(name, approve) {
  return approve === undefined ? t(`actions.${name}`) : t(`actions.${name}.${approve ? "approve" : "refuse"}`);
}

/**
 * Runs one command on a case: asks for its fields (or a confirmation), posts it to supervision,
 * and resolves with the case's new view, or undefined when cancelled or refused (the reason is shown).
 */
export async function run(name, item, { approve, button } = {}) {
  const command = commands[name];
  if (!command) throw new Error(`no command ${name}`);
  const fields = await command.fields(approve ?? item, item);
  const values = await ask(`${label(name, approve)} · ${item.number}`, fields, { confirm: label(name, approve) });
  if (values === null) return undefined;
  // The body is made inside act(): making it may ask the server (a case number to its id), and a
  // failure there is shown like the command's own.
  return act(button, async () => api.post("supervision", `cases/${item.id}/${name}`, command.body ? await command.body(values, approve, item) : values),
    t("actions.done", { action: label(name, approve), number: item.number }));
}

/**
 * The buttons of the commands the server says this person may take on `item` now (`actions`
 * from the case detail, or a list the page got otherwise). `onDone(view)` gets the new case view.
 */
export function buttons(item, actions, onDone) {
  const row = el("div", { class: "actions" });
  for (const name of actions || []) {
    const command = commands[name];
    if (!command) continue;
    const pair = command.decide ? [true, false] : [undefined];
    for (const approve of pair) {
      const button = el("button", {
        type: "button", class: approve === false ? "danger" : "primary",
        dataset: approve === undefined ? { action: name } : { action: name, approve: String(approve) },
      }, label(name, approve));
      button.addEventListener("click", async () => {
        const view = await run(name, item, { approve, button });
        if (view !== undefined && onDone) onDone(view);
      });
      row.append(button);
    }
  }
  return row;
}

/** The commands this module can draw (the server may list others, e.g. department actions). */
export const known = Object.keys(commands);
