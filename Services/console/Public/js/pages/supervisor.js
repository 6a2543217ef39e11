// 监督员: the grid supervisor's tasks in a browser (the phone app comes later): the reports in
// their area waiting for them to verify on site (核实) and the handled cases waiting for their
// check (核查), with each stage's deadline and light, the points on a map of their grids, and the
// commands the centre's workflow lets them take now (supervision lists them per case).
"use strict";
import { api } from "../api.js";
import { t, tOr, formatTime, currentLanguage } from "../i18n.js";
import { el, clear, flash, problemText, table, light, caseLink } from "../ui.js";
import { buttons } from "../case-actions.js";
import { loadReference } from "../reference.js";
import { createMap, caseMarker, gridLayer, colours } from "../map.js";
import { fieldStyles, limitText, basisText } from "./department.js";

/** The two queues of this page, each one case state of supervision's list. */
const queues = [
  { state: "awaiting_verify", key: "verify" },
  { state: "awaiting_check", key: "check" },
];
const limit = 100;

/**
 * The light of a stage clock from the centre's marks. ui.lightOf also compares the deadline with
 * the browser's clock, which is not the city's when the city clock is set apart (a demo or a
 * replay); the deadline watcher marks warnings and overdue clocks within seconds, so its marks suffice.
 */
function clockLight(clock) {
  if (!clock || !clock.deadline) return "none";
  if (clock.overdueAt) return "red";
  if (clock.warnedAt) return "yellow";
  return "green";
}

const clockTime = new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

export default {
  async render(view, route, context) {
    fieldStyles();
    const user = context.session.user;
    const [level, areaCode] = String(user.scope || "").split(":");
    let reference = await loadReference();
    const state = { lists: {}, more: {}, selected: route.query.get("case") || "", fitted: "", areaShown: false };

    const english = currentLanguage() === "en";
    const areaName = level === "district" ? (english && reference.districts.get(areaCode)?.nameEn) || reference.districtName(areaCode)
      : level === "street" ? reference.streetName(areaCode) : t(`scope.${level}`);
    const stamp = el("span", { class: "note refreshed" });
    const sections = {};
    for (const queue of queues) {
      sections[queue.key] = {
        count: el("span", { class: "badge" }),
        body: el("div", { class: "queue-body" }),
        note: el("p", { class: "note" }),
      };
    }
    const mapBox = el("div", { class: "map supervisor-map", role: "img", "aria-label": t("supervisor.map.label") });
    const legend = el("p", { class: "note map-legend" },
      ["red", "yellow", "green"].map((kind) => el("span", { class: `light ${kind}` }, el("span", { class: "dot", "aria-hidden": "true" }), t(`light.${kind}`))),
      el("span", {}, t("supervisor.map.hint")));

    clear(view, el("div", { id: "page-supervisor", class: "field-page" },
      el("div", { class: "page-head" }, el("h1", {}, t("supervisor.title")), el("span", { class: "note" }, `${areaName}${areaCode ? ` · ${areaCode}` : ""}`), stamp),
      el("div", { class: "columns supervisor-columns" },
        el("div", {}, queues.map((queue) => el("section", { class: "panel", id: `queue-${queue.key}`, "aria-labelledby": `queue-${queue.key}-title` },
          el("div", { class: "queue-head" },
            el("h2", { id: `queue-${queue.key}-title` }, t(`supervisor.queue.${queue.key}`)), sections[queue.key].count),
          el("p", { class: "note" }, t(`supervisor.queue.${queue.key}.hint`)),
          sections[queue.key].body, sections[queue.key].note))),
        el("section", { class: "panel supervisor-side" }, el("h2", {}, t("supervisor.map")), mapBox, legend))));

    // The map: the supervisor's grids as the ground (no tiles in this city's network), the cases on top.
    let map = null;
    let markers = null;
    const markerOf = new Map();
    try {
      map = await createMap(mapBox, { zoom: 13 });
      markers = map.L.layerGroup().addTo(map.map);
      const area = level === "district" ? { district: areaCode } : level === "street" ? { street: areaCode } : null;
      if (area) {
        state.areaShown = true;
        api.get("grid-routing", "grids", area).then((grids) => {
          const layer = gridLayer(map.L, grids, { style: () => ({ fillOpacity: 0.04, weight: 0.6 }) }).addTo(map.map);
          layer.bringToBack();
          if (grids.features?.length) map.map.fitBounds(layer.getBounds(), { padding: [8, 8] });
          else throw new Error("no grids");
        }).catch(() => {
          // Without the outlines the points still show where to go: follow them instead.
          state.areaShown = false;
          drawMarkers();
        });
      }
    } catch {
      mapBox.replaceWith(el("p", { class: "note" }, t("supervisor.map.none")));
    }

    function place(item) {
      if (item.address) return item.address;
      const community = item.communityCode && reference.communities.get(item.communityCode);
      return community ? community.name : t("supervisor.grid", { grid: item.gridCode || "—" });
    }

    function deadlineCell(item) {
      const clock = item.clock;
      const node = el("span", { class: "deadline-cell" }, light(clockLight(clock), clock?.deadline));
      if (clock?.limit) node.title = `${t("supervisor.limit")}: ${limitText(clock.limit)} · ${basisText(clock.basis)}`;
      return node;
    }

    function columns(queue) {
      const list = [
        { key: "deadline", label: t("supervisor.col.deadline"), class: "time", render: deadlineCell },
        { key: "number", label: t("supervisor.col.case"), class: "number", render: (item) => caseLink(item) },
        {
          key: "what", label: t("supervisor.col.what"), class: "description",
          render: (item) => el("span", {}, el("strong", { class: "block" }, reference.className(item.kind, item.classCode)),
            item.description || "—", el("span", { class: "muted" }, place(item))),
        },
      ];
      if (queue.key === "check") {
        list.push({ key: "department", label: t("supervisor.col.department"), render: (item) => item.currentDepartment ? reference.departmentName(item.currentDepartment) : "—" });
      } else {
        list.push({ key: "reported", label: t("supervisor.col.reported"), class: "time", render: (item) => el("span", {}, formatTime(item.reportedAt), el("span", { class: "muted block" }, tOr(`channel.${item.channel}`, item.channel))) });
      }
      list.push({ key: "actions", label: t("supervisor.col.actions"), class: "actions-cell", render: (item) => item.actions?.length ? buttons(item, item.actions, done) : el("span", { class: "muted" }, t("supervisor.no-actions")) });
      return list;
    }

    function done() { refresh(); }

    function drawQueue(queue) {
      const items = state.lists[queue.state] || [];
      const section = sections[queue.key];
      const grid = table(columns(queue), items, { onOpen: (item) => select(item.number, true), empty: t(`supervisor.empty.${queue.key}`) });
      grid.classList.add("queue");
      items.forEach((item, index) => {
        const row = grid.tBodies[0].rows[index];
        row.dataset.case = item.number;
        if (item.number === state.selected) { row.classList.add("selected"); row.setAttribute("aria-current", "true"); }
      });
      // Redrawing on every poll must not take the keyboard's place away: the same row, or the same button in it.
      const active = document.activeElement;
      const focused = active?.closest?.("tr[data-case]")?.dataset.case;
      const button = active?.dataset?.action ? `button[data-action="${active.dataset.action}"]${active.dataset.approve ? `[data-approve="${active.dataset.approve}"]` : ""}` : null;
      clear(section.body, grid);
      if (focused) {
        const row = section.body.querySelector(`tr[data-case="${CSS.escape(focused)}"]`);
        ((button && row?.querySelector(button)) || row)?.focus({ preventScroll: true });
      }
      section.count.textContent = String(items.length) + (state.more[queue.state] ? "+" : "");
      section.count.classList.toggle("urged", items.some((item) => clockLight(item.clock) === "red"));
      clear(section.note, state.more[queue.state]
        ? el("span", {}, t("supervisor.more", { n: limit }), " ", el("a", { href: `#/cases?state=${queue.state}` }, t("supervisor.more.link")))
        : null);
    }

    function drawMarkers() {
      if (!map) return;
      markers.clearLayers();
      markerOf.clear();
      const all = queues.flatMap((queue) => state.lists[queue.state] || []).filter((item) => item.latitude != null && item.longitude != null);
      for (const item of all) {
        const kind = clockLight(item.clock);
        const marker = caseMarker(map.L, item, kind, () => select(item.number, false));
        if (item.number === state.selected) marker.setStyle({ radius: 10, color: colours.point, weight: 3 });
        marker.addTo(markers);
        markerOf.set(item.number, marker);
      }
      // A district or street map shows the whole area, where every case in scope lies; only a
      // city-wide supervisor's map follows the points, and only when the set of cases changes,
      // so that a refresh never takes away the view the user chose.
      if (state.areaShown) return;
      const key = all.map((item) => item.number).sort().join(",");
      if (all.length && key !== state.fitted) {
        state.fitted = key;
        map.map.fitBounds(map.L.latLngBounds(all.map((item) => [item.latitude, item.longitude])), { padding: [30, 30], maxZoom: 16 });
      }
    }

    function select(number, fromList) {
      state.selected = number;
      context.replaceQuery({ case: number });
      for (const row of view.querySelectorAll("tr[data-case]")) {
        const on = row.dataset.case === number;
        row.classList.toggle("selected", on);
        if (on) row.setAttribute("aria-current", "true"); else row.removeAttribute("aria-current");
        if (on && !fromList) row.scrollIntoView({ block: "nearest" });
      }
      drawMarkers();
      const marker = markerOf.get(number);
      if (marker && map) { map.map.panTo(marker.getLatLng()); marker.openTooltip(); }
    }

    let busy = null;
    async function refresh() {
      if (busy) return busy;
      busy = (async () => {
        try {
          const answers = await Promise.all(queues.map((queue) => api.get("supervision", "cases", { state: queue.state, limit })));
          queues.forEach((queue, index) => {
            state.lists[queue.state] = answers[index].items;
            state.more[queue.state] = Boolean(answers[index].nextCursor);
          });
          if (!reference.version) reference = await loadReference();
          queues.forEach(drawQueue);
          drawMarkers();
          stamp.textContent = t("supervisor.refreshed", { time: clockTime.format(new Date()) });
        } catch (error) {
          flash(problemText(error), "error");
        }
      })();
      try { await busy; } finally { busy = null; }
    }

    await refresh();
    return context.every(10, refresh);
  },
};
