// The shift leader's desk (值班长): the decisions that are the shift leader's alone, one queue per
// tab — filing, closing, self-handled reports, extension and suspension requests, suspended cases
// to resume, dissatisfied return visits the policy did not reopen (重办待定) — and voiding any open
// case found by its number. Which buttons a row gets is the
// server's `actions`; the queues refresh every 10 s.
"use strict";
import { api } from "../api.js";
import { t, formatTime, formatNumber } from "../i18n.js";
import { el, clear, labelled, stateTag, flash, problemText } from "../ui.js";
import { buttons } from "../case-actions.js";
import { loadReference } from "../reference.js";
import {
  useDeskStyle, countedHeading, queueTable, keepingFocus, placeCell, clockCell, channelText, photoLinks, byUrgency, openStates,
} from "./acceptor.js";
import { tabStrip, scanInHandling, decidable, requestTable } from "./dispatcher.js";

const tabNames = ["file", "close", "self", "requests", "suspended", "reopen", "void"];

/** The queues read from supervision's list by state, and the commands each queue's rows offer. */
const queues = {
  file: { state: "awaiting_file", commands: ["file", "refuse-filing"] },
  close: { state: "awaiting_close", commands: ["close"] },
  self: { state: "self_handled_pending", commands: ["approve-self-handled", "reject-self-handled"] },
  suspended: { state: "suspended", commands: ["resume"] },
  // Closed cases whose reopening the return-visit policy referred to the shift leader.
  reopen: { state: "closed", filter: { referred: "true" }, commands: ["reopen-decision"] },
};

export default {
  async render(view, route, context) {
    useDeskStyle();
    const reference = await loadReference();
    let tab = tabNames.includes(route.query.get("tab")) ? route.query.get("tab") : "file";
    const lists = { file: [], close: [], self: [], suspended: [], reopen: [], requests: [] };
    const more = {};
    let capped = false;

    const remember = () => context.replaceQuery({ tab: tab === "file" ? "" : tab, number: tab === "void" ? voidInput.value.trim() : "" });
    const strip = tabStrip("shift", tabNames.map((name) => ({ name, label: t(`shift.tab.${name}`), counted: name !== "void" })), tab, (name) => { tab = name; remember(); });
    view.append(el("div", { id: "page-shift-leader", class: "desk" }, el("h1", {}, t("shift.title")), strip.node));
    const openCase = (item) => context.navigate("case", [item.number]);
    const offered = (item, name) => (item.actions || []).filter((action) => queues[name].commands.includes(action));

    const number = { label: t("acceptor.column.number"), class: "nowrap", render: (item) => item.number };
    const kindClass = { label: t("acceptor.column.class"), render: (item) => reference.className(item.kind, item.classCode) };
    const department = { label: t("dispatcher.column.department"), render: (item) => reference.departmentName(item.currentDepartment) };
    const reported = { label: t("acceptor.column.reported"), class: "nowrap", render: (item) => formatTime(item.reportedAt) };
    const place = { label: t("acceptor.column.place"), render: placeCell };
    const clock = { label: t("acceptor.column.clock"), class: "nowrap", render: clockCell };
    const actions = (name) => ({ label: t("dispatcher.column.actions"), render: (item) => buttons(item, offered(item, name), loadQueues) });

    const columnsOf = {
      file: [number, { label: t("acceptor.column.channel"), class: "nowrap", render: (item) => channelText(item.channel) }, kindClass, place, reported, clock, actions("file")],
      close: [number, kindClass, department, place, clock, actions("close")],
      self: [number, kindClass, place,
        { label: t("shift.column.photos"), render: (item) => photoLinks(item.photos, ["before", "after"]) },
        reported, clock, actions("self")],
      suspended: [number, kindClass, department, place, reported, actions("suspended")],
      reopen: [number, kindClass, department,
        { label: t("shift.column.citizen"), render: (item) => item.reopenReferral?.note || "—" },
        { label: t("shift.column.referral"), render: (item) => t(`shift.referral.${item.reopenReferral?.reason}`) },
        { label: t("shift.column.referred"), class: "nowrap", render: (item) => formatTime(item.reopenReferral?.referredAt) },
        actions("reopen")],
    };

    const boxes = {};
    for (const name of Object.keys(queues).concat("requests")) {
      boxes[name] = el("div", { class: "panel" }, el("p", { class: "loading" }, t("page.loading")));
      strip.panel(name).append(boxes[name]);
    }

    function draw(name) {
      const items = lists[name];
      const box = boxes[name];
      const heading = countedHeading("h2", t(`shift.section.${name}`), items.length, `shift-${name}-title`, more[name]);
      const note = el("p", { class: "note" }, t(`shift.note.${name}`));
      const extra = more[name] ? el("p", { class: "note" }, t("acceptor.more", { n: items.length })) : null;
      keepingFocus(box, () => clear(box, heading, note, extra, name === "requests"
        ? requestTable(items, {
          reference, onDone: loadRequests, onOpen: openCase, empty: t("shift.empty.requests"),
          scanNote: capped ? el("p", { class: "note" }, t("dispatcher.scan.capped")) : null,
        })
        : queueTable(columnsOf[name], items, { onOpen: openCase, empty: t(`shift.empty.${name}`) })));
      strip.setCount(name, items.length, more[name]);
    }

    async function loadQueues() {
      // The oldest-first sort works on the newest 100 of each queue; a longer queue says so and
      // the case list has the rest. Four lists of 200 at once took the page over 200 ms.
      const pages = await Promise.all(Object.values(queues).map((queue) => api.get("supervision", "cases", { state: queue.state, limit: 100, ...queue.filter })));
      Object.keys(queues).forEach((name, index) => {
        lists[name] = pages[index].items.sort(byUrgency);
        more[name] = Boolean(pages[index].nextCursor);
        draw(name);
      });
      if (found) await refreshFound();
    }

    // Extension and suspension requests, filtered by supervision.
    async function loadRequests() {
      const scan = await scanInHandling({ pending: "extension,suspension" });
      capped = scan.capped;
      lists.requests = decidable(scan.items, ["extension", "suspension"]);
      draw("requests");
    }

    const refresh = () => Promise.all([loadQueues(), loadRequests()]);
    const tick = refresh;

    // ---- voiding: any open case, found by its number
    const voidInput = el("input", { id: "void-number", name: "number", autocomplete: "off", required: true, placeholder: "20261203-0001", value: route.query.get("number") || "" });
    const voidForm = el("form", { class: "void-find", id: "void-find" },
      el("label", { for: "void-number" }, t("shift.void.number"), voidInput),
      el("button", { type: "submit", class: "primary" }, t("shift.void.find")));
    const voidResult = el("div", { class: "void-card", "aria-live": "polite" });
    strip.panel("void").append(el("div", { class: "panel" },
      el("h2", { id: "shift-void-title" }, t("shift.section.void")),
      el("p", { class: "note" }, t("shift.note.void")),
      voidForm, voidResult));
    let found = null;

    voidForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const wanted = voidInput.value.trim();
      if (!wanted) return;
      remember();
      await find(wanted);
    });

    async function find(wanted) {
      clear(voidResult, el("p", { class: "loading" }, t("page.loading")));
      try {
        const answer = await api.get("supervision", `cases/${encodeURIComponent(wanted)}`);
        found = answer.case;
        drawFound();
        drawDuplicates(found);
      } catch (error) {
        found = null;
        clear(voidResult, el("p", { class: "desk-stale", role: "alert" }, error.status === 404 ? t("shift.void.not-found", { number: wanted }) : problemText(error)));
      }
    }

    // The card keeps its own copy fresh from the list of its state (no second "opening" of the case).
    async function refreshFound() {
      if (!found || !openStates.has(found.state)) return;
      const page = await api.get("supervision", "cases", { state: found.state, q: found.number, limit: 5 }).catch(() => null);
      const now = page?.items.find((item) => item.id === found.id);
      if (now && now.version !== found.version) { found = now; drawFound(); }
    }

    const foundCard = el("div");
    const duplicates = el("div");
    function drawFound() {
      const item = found;
      const voidable = (item.actions || []).includes("void");
      let why = null;
      if (!openStates.has(item.state)) why = t("shift.void.ended");
      else if (item.state === "self_handled_pending") why = t("shift.void.self-handled");
      else if (!voidable) why = t("shift.void.not-allowed");
      clear(foundCard, el("section", { class: "panel", dataset: { case: item.number }, "aria-labelledby": "void-case-title" },
        el("div", { class: "detail-head" },
          el("h3", { id: "void-case-title" }, item.number),
          stateTag(item.state),
          el("a", { class: "open-case", href: `#/case/${encodeURIComponent(item.number)}` }, t("acceptor.open-case"))),
        labelled(t("acceptor.column.channel"), channelText(item.channel)),
        labelled(t("acceptor.column.class"), reference.className(item.kind, item.classCode)),
        labelled(t("acceptor.column.reported"), formatTime(item.reportedAt)),
        labelled(t("acceptor.field.address"), item.address || "—"),
        labelled(t("dispatcher.column.department"), item.currentDepartment ? reference.departmentName(item.currentDepartment) : "—"),
        labelled(t("shift.void.description"), item.description || "—"),
        why ? el("p", { class: "note" }, why) : buttons(item, ["void"], (next) => { if (next) { found = { ...found, ...next }; drawFound(); } refresh(); })));
      if (!voidResult.contains(foundCard)) clear(voidResult, foundCard, duplicates);
    }

    // Open cases of the same class close by: what the case may be a duplicate of (their numbers
    // go into the void dialog's "duplicate of").
    async function drawDuplicates(item) {
      clear(duplicates);
      if (typeof item.latitude !== "number" || !openStates.has(item.state)) return;
      const near = await api.get("supervision", "cases/near", { lon: item.longitude, lat: item.latitude, radius: 200, limit: 50 }).catch(() => []);
      if (found?.id !== item.id) return;
      const same = near.filter((entry) => entry.case.id !== item.id && openStates.has(entry.case.state)
        && entry.case.kind === item.kind && entry.case.classCode === item.classCode).slice(0, 8);
      clear(duplicates, el("h3", {}, t("shift.void.candidates")),
        same.length === 0 ? el("p", { class: "note" }, t("shift.void.no-candidates"))
          : el("ul", { class: "near-list" }, same.map((entry) => el("li", { class: "same-class" },
            el("span", { class: "distance" }, t("acceptor.near.metres", { m: formatNumber(Math.round(entry.distanceMeters)) })),
            el("a", { href: `#/case/${encodeURIComponent(entry.case.number)}` }, entry.case.number),
            stateTag(entry.case.state),
            el("span", { class: "what", title: entry.case.description || "" }, `${formatTime(entry.case.reportedAt)} · ${entry.case.description || ""}`)))));
    }

    await loadQueues();
    loadRequests().catch((error) => flash(problemText(error), "error"));
    if (voidInput.value.trim()) await find(voidInput.value.trim());
    const stop = context.every(10, tick);
    return () => stop();
  },
};
