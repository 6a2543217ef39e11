// The dispatcher's desk (派遣): three queues in tabs. The manual-dispatch desk (grid-routing's queue
// of cases routing could not place or route: the report point, the case's grid among its
// neighbours, the responsibility chain with the departments that returned the case struck out);
// the return requests to decide; and the overdue and warned cases in handling, to urge. Everything
// refreshes every 10 s.
//
// `tabStrip`, `scanInHandling` and `requestTable` are shared with the shift leader's page, which
// decides the other kinds of the same pending requests.
"use strict";
import { api } from "../api.js";
import { t, tOr, formatTime } from "../i18n.js";
import { el, clear, ask, act, flash, problemText, labelled } from "../ui.js";
import { buttons } from "../case-actions.js";
import { loadReference } from "../reference.js";
import { createMap, gridLayer, colours } from "../map.js";
import {
  useDeskStyle, countedHeading, queueTable, keepingFocus, placeCell, clockCell, byUrgency, bboxAround,
} from "./acceptor.js";

// ---------------------------------------------------------------------------------------------
// Shared with the shift leader's page

/**
 * Tabs over panels (WAI-ARIA tabs: arrow keys, Home and End move between them). `definitions`:
 * [{ name, label, counted }] (`counted: false`: a tab that is not a queue). Returns { node, panel(name), setCount(name, n, more), select(name) }.
 */
export function tabStrip(prefix, definitions, current, onChange) {
  const strip = el("div", { class: "desk-tabs", role: "tablist" });
  const panels = new Map();
  const tabs = new Map();
  const counts = new Map();
  for (const definition of definitions) {
    const count = definition.counted === false ? null : el("span", { class: "count" }, "…");
    const tab = el("button", {
      type: "button", role: "tab", id: `${prefix}-tab-${definition.name}`, "aria-controls": `${prefix}-panel-${definition.name}`,
      dataset: { tab: definition.name },
    }, definition.label, count);
    tab.addEventListener("click", () => select(definition.name, true));
    tab.addEventListener("keydown", (event) => {
      const names = definitions.map((item) => item.name);
      const at = names.indexOf(definition.name);
      const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: names.length - 1 }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      const name = names[(to + names.length) % names.length];
      select(name, true);
      tabs.get(name).focus();
    });
    strip.append(tab);
    tabs.set(definition.name, tab);
    counts.set(definition.name, count);
    panels.set(definition.name, el("section", {
      role: "tabpanel", id: `${prefix}-panel-${definition.name}`, "aria-labelledby": `${prefix}-tab-${definition.name}`, tabindex: "-1",
    }));
  }
  function select(name, byUser) {
    if (!tabs.has(name)) name = definitions[0].name;
    for (const [key, tab] of tabs) {
      tab.setAttribute("aria-selected", String(key === name));
      tab.tabIndex = key === name ? 0 : -1;
      panels.get(key).hidden = key !== name;
    }
    if (byUser) onChange(name);
  }
  select(current, false);
  return {
    node: el("div", {}, strip, ...panels.values()),
    panel: (name) => panels.get(name),
    setCount(name, n, more) {
      const count = counts.get(name);
      if (!count) return;
      count.textContent = more ? `${n}+` : String(n);
      count.classList.toggle("busy", n > 0);
    },
    select,
  };
}

/**
 * In-handling cases that match `filter` (supervision's `pending` or `light`), at most `pages`
 * pages of `size` in the list's order; `capped` says there were more. The server filters: the
 * page never downloads the whole in-handling list to find a few requests.
 */
export async function scanInHandling(filter, pages = 5, size = 200) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < pages; page++) {
    const answer = await api.get("supervision", "cases", { state: "in_handling", ...filter, limit: size, cursor });
    items.push(...answer.items);
    cursor = answer.nextCursor;
    if (!cursor) return { items, capped: false };
  }
  return { items, capped: true };
}

/** The decision commands, by the kind of request they answer. */
export const decisionOf = { return: "return-decision", extension: "extension-decision", suspension: "suspension-decision" };

/**
 * The pending requests among `items` that this person may decide (the server's `actions` says
 * which), oldest request first.
 */
export function decidable(items, kinds) {
  return items
    .filter((item) => item.pendingRequest && kinds.includes(item.pendingRequest.kind)
      && (item.actions || []).includes(decisionOf[item.pendingRequest.kind]))
    .sort((a, b) => Date.parse(a.pendingRequest.requestedAt) - Date.parse(b.pendingRequest.requestedAt));
}

/** A table of pending requests with their decision buttons. */
export function requestTable(items, { reference, onDone, onOpen, empty, scanNote }) {
  const columns = [
    { label: t("dispatcher.column.number"), class: "nowrap", render: (item) => item.number },
    { label: t("dispatcher.column.request"), class: "nowrap", render: (item) => el("span", { class: "tag info" }, t(`dispatcher.request.${item.pendingRequest.kind}`)) },
    { label: t("dispatcher.column.department"), render: (item) => reference.departmentName(item.pendingRequest.department || item.currentDepartment) },
    { label: t("dispatcher.column.reason"), render: (item) => el("div", { class: "desk-reason" }, item.pendingRequest.reason || "—") },
    items.some((item) => item.pendingRequest.kind === "extension")
      ? { label: t("dispatcher.column.requested-deadline"), class: "nowrap", render: (item) => item.pendingRequest.requestedDeadline ? formatTime(item.pendingRequest.requestedDeadline) : "—" }
      : null,
    { label: t("dispatcher.column.requested-at"), class: "nowrap", render: (item) => formatTime(item.pendingRequest.requestedAt) },
    { label: t("dispatcher.column.handling"), class: "nowrap", render: clockCell },
    { label: t("dispatcher.column.actions"), render: (item) => buttons(item, [decisionOf[item.pendingRequest.kind]], onDone) },
  ];
  return el("div", {}, scanNote || null, queueTable(columns.filter(Boolean), items, { onOpen, empty }));
}

// ---------------------------------------------------------------------------------------------
// The dispatcher's page

const tabNames = ["desk", "requests", "urging"];

export default {
  async render(view, route, context) {
    useDeskStyle();
    const reference = await loadReference();
    let tab = tabNames.includes(route.query.get("tab")) ? route.query.get("tab") : "desk";
    let selected = route.query.get("case") || null; // case number on the desk
    let queue = [];
    let requests = [];
    let urging = [];
    let capped = false;
    let overdueMore = false;
    let desk = null; // { number, caseId, data, full, map, grids, chosen }

    const remember = () => context.replaceQuery({ tab: tab === "desk" ? "" : tab, case: tab === "desk" ? selected || "" : "" });
    const strip = tabStrip("dispatcher", tabNames.map((name) => ({ name, label: t(`dispatcher.tab.${name}`) })), tab, (name) => { tab = name; remember(); });
    view.append(el("div", { id: "page-dispatcher", class: "desk" }, el("h1", {}, t("dispatcher.title")), strip.node));

    const openCase = (item) => context.navigate("case", [item.number]);

    // ---- (a) the manual-dispatch desk
    const queueBox = el("section", { class: "panel", "aria-labelledby": "dispatcher-queue-title" });
    const detailBox = el("aside", { class: "panel desk-detail", id: "desk-detail", "aria-labelledby": "desk-detail-title" });
    strip.panel("desk").append(el("div", { class: "desk-columns" }, queueBox, detailBox));

    const deskColumns = [
      { label: t("dispatcher.column.number"), class: "nowrap", render: (item) => item.caseNumber },
      { label: t("dispatcher.column.why"), render: (item) => el("span", { class: item.reason === "unlocatable" ? "tag" : "tag info" }, tOr(`dispatcher.reason.${item.reason}`, item.reason)) },
      { label: t("dispatcher.column.detail"), render: (item) => el("div", { class: "desk-reason muted" }, item.detail || "—") },
      { label: t("dispatcher.column.grid"), class: "nowrap", render: (item) => item.gridCode || "—" },
      { label: t("dispatcher.column.queued"), class: "nowrap", render: (item) => formatTime(item.openedAt) },
    ];

    function drawQueue() {
      const rows = queue.map((item) => ({ ...item, number: item.caseNumber }));
      keepingFocus(queueBox, () => clear(queueBox,
        countedHeading("h2", t("dispatcher.desk.queue"), queue.length, "dispatcher-queue-title"),
        queueTable(deskColumns, rows, { onOpen: (item) => choose(item.number), selected, empty: t("dispatcher.desk.empty") })));
      strip.setCount("desk", queue.length);
    }

    let deskClosed = false;
    async function loadQueue() {
      if (deskClosed) return;
      let answer;
      try { answer = await api.get("grid-routing", "manual-dispatch"); } catch (error) {
        if (error.status !== 403) throw error;
        // The desk is the dispatchers' (grid-routing's rule); a shift leader sees the other tabs.
        deskClosed = true;
        clear(queueBox, el("h2", { id: "dispatcher-queue-title" }, t("dispatcher.desk.queue")), el("p", { class: "note" }, t("dispatcher.desk.not-yours")));
        clear(detailBox);
        detailBox.hidden = true;
        strip.setCount("desk", 0);
        return;
      }
      queue = answer.items;
      drawQueue();
      if (desk && !queue.some((item) => item.caseNumber === desk.number) && !desk.gone) {
        desk.gone = true;
        drawDesk();
      }
    }

    function forgetDesk() {
      if (desk?.map) desk.map.remove();
      desk = null;
    }

    function showNothing() {
      forgetDesk();
      clear(detailBox, el("h2", { id: "desk-detail-title", class: "sr-only" }, t("dispatcher.desk.detail")),
        el("p", { class: "desk-empty" }, t("dispatcher.desk.choose")));
    }

    let focusDetail = false;
    queueBox.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target instanceof HTMLTableRowElement) focusDetail = true;
    });

    async function choose(number) {
      const item = queue.find((entry) => entry.caseNumber === number);
      selected = number;
      remember();
      for (const row of queueBox.querySelectorAll("tr[data-case]")) {
        if (row.dataset.case === number) row.setAttribute("aria-current", "true"); else row.removeAttribute("aria-current");
      }
      forgetDesk();
      if (!item) { showNothing(); return; }
      clear(detailBox, el("p", { class: "loading" }, t("page.loading")));
      try {
        const [data, full] = await Promise.all([
          api.get("grid-routing", `manual-dispatch/${encodeURIComponent(item.caseId)}`),
          api.get("supervision", `cases/${encodeURIComponent(number)}`).then((answer) => answer.case, () => null),
        ]);
        if (selected !== number) return;
        desk = { number, caseId: item.caseId, data, full, map: null, grids: null, chosen: null, gone: false };
        drawDesk();
        if (focusDetail) { focusDetail = false; detailBox.querySelector("h2")?.focus(); }
        // The chain works without the map; placing an unlocatable case also has the two lists.
        await drawMap().catch((error) => mapBox.replaceChildren(el("p", { class: "note" }, problemText(error) || String(error))));
      } catch (error) {
        if (selected !== number) return;
        clear(detailBox, el("p", { class: "desk-empty" }, problemText(error)));
      }
    }

    /** After a locate or a dispatch the item leaves the queue: go on with the next one. */
    async function deskActed() {
      const order = queue.map((item) => item.caseNumber);
      const at = order.indexOf(desk?.number);
      await loadQueue();
      const following = order.slice(at + 1).concat(order.slice(0, Math.max(at, 0))).find((number) => queue.some((item) => item.caseNumber === number));
      if (desk && queue.some((item) => item.caseNumber === desk.number)) { await choose(desk.number); return; }
      if (following) {
        await choose(following);
        queueBox.querySelector(`tr[data-case="${CSS.escape(following)}"]`)?.focus();
      } else showNothing();
    }

    const deskHead = el("div");
    const mapBox = el("div", { class: "map desk-map tall", id: "desk-map", role: "region" });
    const deskTail = el("div");

    function drawDesk() {
      const { data, full } = desk;
      const info = data.case || {};
      const unlocatable = data.item?.reason === "unlocatable";
      clear(deskHead,
        el("div", { class: "detail-head" },
          el("h2", { id: "desk-detail-title", tabindex: "-1" }, desk.number),
          el("span", { class: unlocatable ? "tag" : "tag info" }, tOr(`dispatcher.reason.${data.item?.reason}`, data.item?.reason || "")),
          el("a", { class: "open-case", href: `#/case/${encodeURIComponent(desk.number)}` }, t("acceptor.open-case"))),
        desk.gone ? el("p", { class: "desk-stale", role: "status" }, t("dispatcher.desk.gone")) : null,
        labelled(t("dispatcher.column.class"), `${tOr(`kind.${info.kind}`, info.kind || "")} · ${reference.className(info.kind, info.classCode)}`),
        labelled(t("acceptor.field.address"), info.address || "—"),
        labelled(t("dispatcher.column.grid"), info.gridCode ? `${info.gridCode} · ${reference.communityName(data.grid?.properties?.communityCode)}` : t("acceptor.unlocated")),
        labelled(t("dispatcher.column.detail"), data.item?.detail || "—"),
        (info.description || full?.description) ? el("div", { class: "description" }, info.description || full.description) : null);
      mapBox.setAttribute("aria-label", t(unlocatable ? "dispatcher.map.choose" : "dispatcher.map.case"));
      clear(deskTail, desk.gone ? null : unlocatable ? gridChoice() : chain());
      if (!detailBox.contains(deskHead)) clear(detailBox, deskHead, deskTail, mapBox);
    }

    // An unlocatable case: the dispatcher places it in a grid by clicking one on the map of the
    // whole city, or by keyboard: a community (the map zooms to it), then one of its grids.
    const gridShown = el("output", { id: "desk-grid", "aria-live": "polite" });
    const communitySelect = el("select", { id: "desk-community", "aria-label": t("dispatcher.grid.community") });
    const gridSelect = el("select", { id: "desk-grid-choice", "aria-label": t("dispatcher.grid.list") });
    const locateButton = el("button", { type: "button", class: "primary", dataset: { action: "locate" }, disabled: true }, t("dispatcher.locate"));
    communitySelect.addEventListener("change", () => showCommunity(communitySelect.value, true));
    gridSelect.addEventListener("change", () => chooseGrid(gridSelect.value || null));
    locateButton.addEventListener("click", async () => {
      if (!desk?.chosen) return;
      const { number, caseId, chosen } = desk;
      const values = await ask(t("dispatcher.locate.confirm", { number, grid: chosen }), [], { confirm: t("dispatcher.locate") });
      if (values === null) return;
      const done = await act(locateButton, () => api.post("grid-routing", `manual-dispatch/${encodeURIComponent(caseId)}/locate`, { gridCode: chosen }),
        t("dispatcher.located", { number, grid: chosen }));
      // Refused (often: someone else placed it meanwhile): the queue as it is now.
      if (done) await deskActed(); else await loadQueue();
    });

    function gridChoice() {
      // Communities grouped by district and street, from the reference data.
      const streets = [...reference.streets.values()].sort((a, b) => a.code.localeCompare(b.code));
      const communities = [...reference.communities.values()];
      clear(communitySelect, el("option", { value: "" }, t("dispatcher.grid.pick-community")),
        streets.map((street) => el("optgroup", { label: `${reference.districtName(street.districtCode)} · ${street.name}` },
          communities.filter((community) => community.streetCode === street.code).sort((a, b) => a.code.localeCompare(b.code))
            .map((community) => el("option", { value: community.code }, community.name)))));
      clear(gridSelect, el("option", { value: "" }, t("dispatcher.grid.pick-community-first")));
      gridSelect.disabled = true;
      return el("section", { "aria-labelledby": "desk-grid-title" },
        el("h3", { id: "desk-grid-title" }, t("dispatcher.grid.title")),
        el("p", { class: "note" }, t("dispatcher.grid.note")),
        el("div", { class: "grid-choice" }, communitySelect, gridSelect),
        el("div", { class: "grid-choice" }, el("span", {}, t("dispatcher.grid.chosen")), gridShown, locateButton));
    }

    /** A community's grids in the grid list; `zoom` moves the map to them. */
    function showCommunity(code, zoom) {
      if (!desk) return;
      if (communitySelect.value !== code) communitySelect.value = code;
      const grids = [...(desk.gridsByCode?.values() || [])].filter((feature) => feature.properties.communityCode === code)
        .sort((a, b) => a.properties.code.localeCompare(b.properties.code));
      clear(gridSelect, el("option", { value: "" }, code ? t("dispatcher.grid.pick") : t("dispatcher.grid.pick-community-first")),
        grids.map((feature) => el("option", { value: feature.properties.code }, `${feature.properties.code} · ${t(`dispatcher.area.${feature.properties.areaClass}`)}`)));
      gridSelect.disabled = grids.length === 0;
      gridSelect.value = grids.some((feature) => feature.properties.code === desk.chosen) ? desk.chosen : "";
      if (zoom && grids.length && desk.map && desk.layer) {
        const bounds = desk.layer.getLayers().filter((layer) => layer.feature.properties.communityCode === code)
          .reduce((all, layer) => all.extend(layer.getBounds()), window.L.latLngBounds([]));
        desk.map.fitBounds(bounds, { padding: [16, 16] });
      }
    }

    function chooseGrid(code) {
      if (!desk) return;
      desk.chosen = code;
      const feature = code ? desk.gridsByCode?.get(code) : null;
      gridShown.textContent = code
        ? `${code}${feature ? ` · ${reference.communityName(feature.properties.communityCode)}` : ""}`
        : t("dispatcher.grid.none");
      gridShown.classList.toggle("chosen", Boolean(code));
      locateButton.disabled = !code;
      if (feature && communitySelect.value !== feature.properties.communityCode) showCommunity(feature.properties.communityCode, false);
      if (gridSelect.value !== (code || "")) gridSelect.value = code || "";
      desk.layer?.setStyle(gridStyle);
      if (code) desk.layer?.getLayers().find((layer) => layer.feature.properties.code === code)?.bringToFront();
    }

    function gridStyle(feature) {
      const code = feature.properties.code;
      if (desk?.chosen === code) return { color: colours.red, weight: 3, fillColor: colours.red, fillOpacity: 0.3 };
      if (desk?.data.case?.gridCode === code) return { color: colours.point, weight: 3, fillColor: colours.point, fillOpacity: 0.2 };
      return { color: colours.grid, weight: 1, fillOpacity: 0.06 };
    }

    // The responsibility chain in order; a department that returned the case cannot get it again.
    function chain() {
      const candidates = desk.data.candidates || []; // in the chain's order
      const inChain = new Set(candidates.map((candidate) => candidate.departmentCode));
      const returned = new Set([...(desk.data.returnedBy || []), ...(desk.full?.returnedBy || []), ...candidates.filter((c) => c.excluded).map((c) => c.departmentCode)]);
      const list = el("ol", { class: "chain", "aria-label": t("dispatcher.chain.title") }, candidates.map((candidate, index) => {
        const button = el("button", {
          type: "button", class: candidate.excluded ? null : "primary", disabled: candidate.excluded,
          dataset: { action: "dispatch", department: candidate.departmentCode },
        }, `${candidate.name || reference.departmentName(candidate.departmentCode)} (${candidate.departmentCode})`);
        button.addEventListener("click", () => dispatchTo(candidate.departmentCode, candidate.name, button));
        return el("li", {}, el("span", { class: "step" }, `${index + 1}.`), button,
          el("span", { class: "muted" }, tOr(`dispatcher.step.${candidate.step}`, candidate.step)),
          candidate.excluded ? el("span", { class: "returned" }, t("dispatcher.chain.returned")) : null);
      }));

      const others = [...reference.departments.values()].filter((department) => !inChain.has(department.code));
      const otherButton = el("button", { type: "button", dataset: { action: "dispatch" }, disabled: true }, t("dispatcher.dispatch"));
      let picker;
      if (others.length) {
        picker = el("select", { id: "desk-other-department", "aria-label": t("dispatcher.chain.other") },
          el("option", { value: "" }, t("dispatcher.chain.pick")),
          others.map((department) => el("option", { value: department.code, disabled: returned.has(department.code) },
            `${department.name} (${department.code})${returned.has(department.code) ? ` · ${t("dispatcher.chain.returned")}` : ""}`)));
      } else {
        picker = el("input", { id: "desk-other-department", "aria-label": t("dispatcher.chain.other"), placeholder: t("dispatcher.chain.code"), autocomplete: "off" });
      }
      const sync = () => {
        const code = picker.value.trim().toUpperCase();
        otherButton.disabled = !code || returned.has(code);
        if (code) otherButton.dataset.department = code; else delete otherButton.dataset.department;
      };
      picker.addEventListener(picker.tagName === "SELECT" ? "change" : "input", sync);
      otherButton.addEventListener("click", () => {
        const code = picker.value.trim().toUpperCase();
        if (code) dispatchTo(code, reference.departmentName(code), otherButton);
      });
      return el("section", { "aria-labelledby": "desk-chain-title" },
        el("h3", { id: "desk-chain-title" }, t("dispatcher.chain.title")),
        candidates.length ? list : el("p", { class: "note" }, t("dispatcher.chain.none")),
        el("div", { class: "other-department" }, el("span", {}, t("dispatcher.chain.other")), picker, otherButton));
    }

    async function dispatchTo(code, name, button) {
      if (!desk) return;
      const { number, caseId } = desk;
      const label = name && name !== code ? `${name} (${code})` : code;
      const values = await ask(t("dispatcher.dispatch.confirm", { number, department: label }), [], { confirm: t("dispatcher.dispatch") });
      if (values === null) return;
      const done = await act(button, () => api.post("grid-routing", `manual-dispatch/${encodeURIComponent(caseId)}/dispatch`, { departmentCode: code }),
        t("dispatcher.dispatched", { number, department: label }));
      if (done) await deskActed(); else await loadQueue();
    }

    async function drawMap() {
      const { data } = desk;
      const number = desk.number;
      const info = data.case || {};
      const hasPoint = typeof info.latitude === "number" && typeof info.longitude === "number";
      const unlocatable = data.item?.reason === "unlocatable";
      // Placing a case by hand needs the whole city to choose from; otherwise the grids around it.
      const params = hasPoint && !unlocatable ? { bbox: bboxAround(info.latitude, info.longitude, 450) } : {};
      let collection = null;
      try { collection = await api.get("grid-routing", "grids", params); } catch (error) {
        if (desk?.number === number) flash(problemText(error), "error");
      }
      if (desk?.number !== number) return;
      const features = [...(collection?.features || [])];
      if (data.grid && !features.some((feature) => feature.properties.code === data.grid.properties.code)) features.push(data.grid);
      mapBox.replaceChildren();
      const { L, map } = await createMap(mapBox, { center: hasPoint ? [info.latitude, info.longitude] : undefined, zoom: 16 });
      if (desk?.number !== number) { map.remove(); return; }
      desk.map = map;
      desk.gridsByCode = new Map(features.map((feature) => [feature.properties.code, feature]));
      desk.layer = gridLayer(L, { type: "FeatureCollection", features }, {
        style: gridStyle,
        onClick: unlocatable ? (feature) => chooseGrid(feature.properties.code) : undefined,
      }).addTo(map);
      if (hasPoint) {
        const point = [info.latitude, info.longitude];
        L.circleMarker(point, { radius: 8, color: "#fff", weight: 2, fillColor: colours.point, fillOpacity: 1, interactive: false }).addTo(map);
        L.tooltip({ permanent: true, direction: "top", offset: [0, -8] }).setLatLng(point).setContent(t("dispatcher.map.point")).addTo(map);
      }
      if (unlocatable && features.length) map.fitBounds(desk.layer.getBounds(), { padding: [8, 8] });
      else if (!hasPoint && data.grid) map.fitBounds(L.geoJSON(data.grid).getBounds(), { maxZoom: 16 });
      if (unlocatable) chooseGrid(null);
    }

    // ---- (b) requests to decide, (c) urging
    const requestsBox = el("div", { class: "panel" }, el("p", { class: "loading" }, t("page.loading")));
    const urgingBox = el("div", { class: "panel" }, el("p", { class: "loading" }, t("page.loading")));
    strip.panel("requests").append(requestsBox);
    strip.panel("urging").append(urgingBox);
    const scanNote = () => (capped ? el("p", { class: "note" }, t("dispatcher.scan.capped")) : null);

    function drawRequests() {
      keepingFocus(requestsBox, () => clear(requestsBox,
        countedHeading("h2", t("dispatcher.requests.title"), requests.length, "dispatcher-requests-title"),
        el("p", { class: "note" }, t("dispatcher.requests.note")),
        requestTable(requests, { reference, onDone: loadScan, onOpen: openCase, empty: t("dispatcher.requests.empty"), scanNote: scanNote() })));
      strip.setCount("requests", requests.length);
    }

    const urgingColumns = [
      { label: t("dispatcher.column.handling"), class: "nowrap", render: clockCell },
      { label: t("dispatcher.column.number"), class: "nowrap", render: (item) => item.number },
      { label: t("dispatcher.column.class"), render: (item) => reference.className(item.kind, item.classCode) },
      { label: t("dispatcher.column.department"), render: (item) => reference.departmentName(item.currentDepartment) },
      { label: t("acceptor.column.place"), render: placeCell },
      { label: t("dispatcher.column.actions"), render: (item) => buttons(item, (item.actions || []).filter((name) => name === "urge"), loadOverdue) },
    ];

    function drawUrging() {
      const count = urging.length;
      keepingFocus(urgingBox, () => clear(urgingBox,
        countedHeading("h2", t("dispatcher.urging.title"), count, "dispatcher-urging-title", overdueMore),
        el("p", { class: "note" }, t("dispatcher.urging.note")),
        overdueMore ? el("p", { class: "note" }, t("dispatcher.urging.more"), " ",
          el("a", { href: "#/cases?state=in_handling&overdue=true" }, t("dispatcher.urging.all"))) : null,
        scanNote(),
        queueTable(urgingColumns, urging, { onOpen: openCase, empty: t("dispatcher.urging.empty") })));
      strip.setCount("urging", count, overdueMore);
    }

    // Overdue (red), warned (yellow) and return requests, each filtered by supervision.
    let overdueItems = [];
    let warnedItems = [];
    async function loadOverdue() {
      // The newest 100 overdue; the tab links to the whole overdue list when there are more.
      const overdue = await api.get("supervision", "cases", { state: "in_handling", overdue: true, limit: 100 });
      overdueItems = overdue.items;
      overdueMore = Boolean(overdue.nextCursor);
      drawUrgingNow();
    }
    async function loadScan() {
      const [returns, warned] = await Promise.all([scanInHandling({ pending: "return" }), scanInHandling({ light: "yellow" }, 1, 100)]);
      capped = returns.capped;
      warnedItems = warned.items;
      requests = decidable(returns.items, ["return"]);
      drawRequests();
      drawUrgingNow();
    }
    function drawUrgingNow() {
      const red = new Set(overdueItems.map((item) => item.id));
      const warned = warnedItems.filter((item) => !red.has(item.id));
      urging = [...[...overdueItems].sort(byUrgency), ...warned.sort(byUrgency)];
      drawUrging();
    }

    const refresh = () => Promise.all([loadQueue(), loadOverdue(), loadScan()]);
    // The desk first; the requests and urging tabs fill in behind it.
    await loadQueue();
    loadOverdue().catch((error) => flash(problemText(error), "error"));
    loadScan().catch((error) => flash(problemText(error), "error"));
    if (deskClosed) { /* nothing to choose */ } else if (selected && tab === "desk") await choose(selected); else showNothing();
    const stop = context.every(10, refresh);
    return () => { stop(); forgetDesk(); };
  },
};
