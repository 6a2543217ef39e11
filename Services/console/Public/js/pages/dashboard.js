// The leaders' big screen (指挥大屏): the city's grids coloured by open and overdue cases, counts
// by state, district and department, today's intake by channel, the overdue list, department and
// area rankings with grades and a six-month trend. Every count is one grouped request to
// supervision's counts API (never a walk through the case list); the page refreshes itself in
// place every 10 s (assessment figures every minute) and never redraws the map.
"use strict";
import { api } from "../api.js";
import { t, tOr, formatNumber, formatTime, currentLanguage } from "../i18n.js";
import { el, clear, table, caseLink, problemText } from "../ui.js";
import { createMap, gridLayer, colours } from "../map.js";
import { loadReference } from "../reference.js";

/** States in which a case is still open (not ended): what the map and the area counts show. */
const openStates = ["reported", "awaiting_accept", "awaiting_verify", "awaiting_file", "awaiting_dispatch", "manual_dispatch",
  "in_handling", "suspended", "awaiting_check", "awaiting_close", "self_handled_pending"];
const endedStates = ["closed", "voided", "not_accepted", "not_filed"];
const channels = ["supervisor", "hotline_12345", "hotline_12319", "police_110", "app", "open311"];
const beijingOffset = 8 * 3600 * 1000;

let chartLoading = null;
/** Loads Debian's Chart.js once; resolves with window.Chart. */
function loadChart() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!chartLoading) {
    chartLoading = new Promise((resolve, reject) => {
      const script = Object.assign(document.createElement("script"), { src: "/vendor/chart.js/chart.min.js" });
      script.onload = () => resolve(window.Chart);
      script.onerror = () => { chartLoading = null; reject(new Error("chart.js not installed (apt-get install libjs-chart.js)")); };
      document.head.append(script);
    });
  }
  return chartLoading;
}

function loadStyle() {
  if (document.querySelector("link[data-page=dashboard]")) return;
  document.head.append(el("link", { rel: "stylesheet", href: "/css/dashboard.css", "data-page": "dashboard" }));
}

/** The city's calendar day (Beijing) of an instant, and its bounds as RFC 3339 instants. */
function cityDay(now) {
  const day = new Date(now.getTime() + beijingOffset).toISOString().slice(0, 10);
  const start = new Date(`${day}T00:00:00+08:00`);
  return { day, from: start.toISOString(), to: new Date(start.getTime() + 86400000).toISOString() };
}

/** The first moment of the calendar month (Beijing) containing `now`, as an ISO time. */
function cityMonthStart(now) {
  const month = new Date(now.getTime() + beijingOffset).toISOString().slice(0, 7);
  return new Date(`${month}-01T00:00:00+08:00`).toISOString();
}

/** The last `n` calendar months (Beijing) up to the one containing `now`, oldest first: ["2026-07", …]. */
function lastMonths(now, n) {
  const local = new Date(now.getTime() + beijingOffset);
  let year = local.getUTCFullYear(), month = local.getUTCMonth() + 1;
  const months = [];
  for (let i = 0; i < n; i += 1) {
    months.unshift(`${year}-${String(month).padStart(2, "0")}`);
    month -= 1;
    if (month === 0) { month = 12; year -= 1; }
  }
  return months;
}

/** "3 天 4 小时" / "5 小时 12 分" / "8 分": how long ago a deadline passed. */
function overdueFor(deadline, now) {
  const minutes = Math.max(0, Math.floor((now - new Date(deadline)) / 60000));
  const days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), rest = minutes % 60;
  if (days > 0) return t("dashboard.duration.days", { days, hours });
  if (hours > 0) return t("dashboard.duration.hours", { hours, minutes: rest });
  return t("dashboard.duration.minutes", { minutes: rest });
}

const byKey = (counts) => new Map((counts || []).map((row) => [row.key ?? "", row.count]));
const sum = (map) => [...map.values()].reduce((a, b) => a + b, 0);

/** Horizontal bars as a list (readable without colour: each bar carries its number). */
function bars(items, { max, kind } = {}) {
  const top = max ?? Math.max(1, ...items.map((item) => item.value));
  if (items.length === 0) return el("p", { class: "muted empty" }, t("list.empty"));
  return el("ul", { class: `bars ${kind || ""}` }, items.map((item) =>
    el("li", { dataset: { key: item.key } },
      el("span", { class: "bar-label", title: item.label }, item.label),
      el("span", { class: "bar-track" }, el("span", { class: `bar-fill ${item.tone || ""}`, style: `width:${Math.min(100, Math.round((item.value / top) * 100))}%` })),
      el("span", { class: "bar-value" }, formatNumber(item.value)))));
}

function gradeTag(grade) { return grade ? el("span", { class: `grade grade-${grade}` }, grade) : "—"; }

function deltaTag(row) {
  if (row.rank_delta === undefined || row.rank_delta === null) return el("span", { class: "delta muted" }, "—");
  if (row.rank_delta === 0) return el("span", { class: "delta same", title: t("dashboard.rank.same") }, "＝");
  const up = row.rank_delta > 0;
  return el("span", { class: `delta ${up ? "up" : "down"}`, title: t(up ? "dashboard.rank.up" : "dashboard.rank.down", { n: Math.abs(row.rank_delta) }) },
    `${up ? "▲" : "▼"}${Math.abs(row.rank_delta)}`);
}

export default {
  async render(view, route, context) {
    loadStyle();
    document.body.classList.add("big-screen");
    const { session } = context;
    const [level, code] = String(session.user.scope || "city").split(":");
    let reference = await loadReference();

    const panel = (id, titleKey, ...children) => el("section", { class: "panel dash-panel", id, "aria-labelledby": `${id}-title` },
      el("h2", { id: `${id}-title` }, t(titleKey)), ...children);
    const tile = (id, labelKey, tone) => el("div", { class: `tile ${tone || ""}`, id },
      el("span", { class: "tile-label" }, t(labelKey)), el("span", { class: "tile-value" }, "—"));

    const clockText = el("span", { class: "dash-clock", id: "dashboard-clock" }, "—");
    const updatedText = el("span", { class: "dash-updated muted", id: "dashboard-updated" });
    const mapBox = el("div", { class: "map dash-map", id: "dashboard-map", role: "img", "aria-label": t("dashboard.map.label") });
    const mapNote = el("p", { class: "muted map-note", id: "dashboard-map-note", hidden: true });
    const legend = el("ul", { class: "legend", "aria-label": t("dashboard.map.legend") },
      el("li", {}, el("span", { class: "swatch overdue" }), t("dashboard.map.overdue")),
      el("li", {}, el("span", { class: "swatch open-many" }), t("dashboard.map.open-many")),
      el("li", {}, el("span", { class: "swatch open-few" }), t("dashboard.map.open-few")),
      el("li", {}, el("span", { class: "swatch none" }), t("dashboard.map.none")));
    const statesBox = el("div", { class: "dash-body" });
    const districtsBox = el("div", { class: "dash-body" });
    const departmentsBox = el("div", { class: "dash-body" });
    const channelsBox = el("div", { class: "dash-body" });
    const overdueBox = el("div", { class: "dash-body scroll" });
    const rankDepartmentsBox = el("div", { class: "dash-body scroll" });
    const rankAreasBox = el("div", { class: "dash-body scroll" });
    const trendCanvas = el("canvas", { id: "dashboard-trend-chart", role: "img", "aria-label": t("dashboard.trend.label") });
    const trendTable = el("div", { class: "visually-hidden", id: "dashboard-trend-table" });
    const periodText = el("span", { class: "muted period" });
    const areaLevel = el("select", { id: "dashboard-area-level", "aria-label": t("dashboard.rank.level") },
      ["district", "street"].map((value) => el("option", { value }, t(`dashboard.level.${value}`))));
    areaLevel.value = route.query.get("level") === "street" ? "street" : "district";

    const root = el("div", { id: "page-dashboard", class: "dashboard", dataset: { refreshes: "0" } },
      el("div", { class: "dash-head" },
        el("h1", {}, t("dashboard.title")),
        el("span", { class: "muted" }, level === "city" ? t("scope.city") : `${t(`scope.${level}`)} ${code}`),
        clockText, updatedText),
      el("div", { class: "tiles" },
        tile("dashboard-open", "dashboard.tile.open"),
        tile("dashboard-overdue-total", "dashboard.tile.overdue", "red"),
        tile("dashboard-today", "dashboard.tile.today"),
        tile("dashboard-waiting", "dashboard.tile.waiting", "yellow"),
        tile("dashboard-closed", "dashboard.tile.closed", "green")),
      el("div", { class: "dash-grid top" },
        el("div", { class: "dash-col left" },
          panel("dashboard-states", "dashboard.states", statesBox),
          panel("dashboard-districts", "dashboard.districts", districtsBox),
          panel("dashboard-departments", "dashboard.departments", departmentsBox)),
        el("section", { class: "panel dash-panel map-panel", id: "dashboard-map-panel", "aria-labelledby": "dashboard-map-title" },
          el("div", { class: "panel-head" }, el("h2", { id: "dashboard-map-title" }, t("dashboard.map.title")), legend),
          mapBox, mapNote),
        el("div", { class: "dash-col right" },
          panel("dashboard-channels", "dashboard.channels", channelsBox),
          panel("dashboard-overdue", "dashboard.overdue", overdueBox))),
      el("div", { class: "dash-grid bottom" },
        panel("dashboard-rank-departments", "dashboard.rank.departments", rankDepartmentsBox),
        el("section", { class: "panel dash-panel trend-panel", id: "dashboard-trend", "aria-labelledby": "dashboard-trend-title" },
          el("div", { class: "panel-head" }, el("h2", { id: "dashboard-trend-title" }, t("dashboard.trend.title")), periodText),
          el("div", { class: "chart-box" }, trendCanvas), trendTable),
        el("section", { class: "panel dash-panel", id: "dashboard-rank-areas", "aria-labelledby": "dashboard-rank-areas-title" },
          el("div", { class: "panel-head" }, el("h2", { id: "dashboard-rank-areas-title" }, t("dashboard.rank.areas")), areaLevel),
          rankAreasBox)));
    clear(view, root);

    // ---- The city's clock: the services run on it (accelerated in the demo), not on the browser's.
    let clockOffset = 0;
    const cityNow = () => new Date(Date.now() + clockOffset);
    async function syncClock() {
      try {
        const answer = await api.console("GET", "clock");
        clockOffset = new Date(answer.now).getTime() - Date.now();
      } catch (error) {
        if (error.status !== 404) throw error;
        clockOffset = 0; // a console without the clock endpoint: the browser's clock is the best guess
      }
      clockText.textContent = t("dashboard.clock", { time: formatTime(cityNow()) });
    }

    // ---- The map: drawn once; each refresh only restyles the grids.
    let gridCounts = { open: new Map(), overdue: new Map() };
    let gridLayerRef = null;
    let mapRef = null;
    function gridStyle(feature) {
      const gridCode = feature.properties.code;
      const overdue = gridCounts.overdue.get(gridCode) || 0, open = gridCounts.open.get(gridCode) || 0;
      if (overdue > 0) return { fillColor: colours.red, fillOpacity: Math.min(0.85, 0.45 + overdue * 0.1), color: "#ff8a80", weight: 1 };
      if (open >= 3) return { fillColor: "#f57c00", fillOpacity: Math.min(0.8, 0.35 + open * 0.05), color: "#7a8ba0", weight: 0.6 };
      if (open > 0) return { fillColor: colours.yellow, fillOpacity: 0.45, color: "#7a8ba0", weight: 0.6 };
      return { fillColor: "#2f5d8a", fillOpacity: 0.18, color: "#4d6a8a", weight: 0.5 };
    }
    function gridTooltip(feature) {
      const gridCode = feature.properties.code;
      return t("dashboard.map.tooltip", { code: gridCode, open: gridCounts.open.get(gridCode) || 0, overdue: gridCounts.overdue.get(gridCode) || 0 });
    }
    async function drawMap() {
      const params = level === "district" ? { district: code } : level === "street" ? { street: code } : {};
      let collection;
      try {
        collection = await api.get("grid-routing", "grids", params);
      } catch (error) {
        mapNote.hidden = false;
        mapNote.textContent = t("dashboard.map.unavailable", { reason: problemText(error) });
        return;
      }
      const { L, map } = await createMap(mapBox, { canvas: true, zoom: 12 });
      mapRef = map;
      gridLayerRef = gridLayer(L, collection, {
        style: gridStyle,
        onClick: (feature) => context.navigate("cases", [], { grid: feature.properties.code, state: openStates.join(",") }),
      }).addTo(map);
      gridLayerRef.eachLayer((layer) => layer.setTooltipContent(gridTooltip(layer.feature)));
      const bounds = gridLayerRef.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [8, 8] });
      mapBox.setAttribute("data-grids", String(collection.features?.length || 0));
    }
    function restyleMap() {
      if (!gridLayerRef) return;
      gridLayerRef.setStyle(gridStyle);
      gridLayerRef.eachLayer((layer) => layer.setTooltipContent(gridTooltip(layer.feature)));
    }

    // ---- Counts (every 10 s).
    const counts = (by, params = {}) => api.get("supervision", "cases/counts", { by, ...params });
    async function refreshCounts() {
      await syncClock();
      const now = cityNow();
      const today = cityDay(now);
      const open = { state: openStates.join(",") };
      // Ended cases only among this month's reports: counting every case ever ended would read the
      // whole history (a million index entries) on every refresh; open cases are a few per cent.
      const month = { state: endedStates.join(","), from: cityMonthStart(now) };
      const [byGrid, overdueByGrid, openByStatus, endedByStatus, byDistrict, byDepartment, byChannel, overdueList] = await Promise.all([
        counts("grid", open), counts("grid", { ...open, overdue: true }), counts("status", open), counts("status", month),
        counts("district", open), counts("department", open), counts("channel", { from: today.from, to: today.to }),
        api.get("supervision", "cases", { ...open, overdue: true, limit: 50 }),
      ]);
      const byStatus = { counts: [...openByStatus.counts, ...endedByStatus.counts] };
      gridCounts = { open: byKey(byGrid.counts), overdue: byKey(overdueByGrid.counts) };
      restyleMap();

      const statuses = byKey(byStatus.counts);
      const openTotal = openStates.reduce((total, state) => total + (statuses.get(state) || 0), 0);
      const overdueTotal = sum(gridCounts.overdue);
      const intake = byKey(byChannel.counts);
      setTile("dashboard-open", openTotal);
      setTile("dashboard-overdue-total", overdueTotal);
      setTile("dashboard-today", sum(intake));
      setTile("dashboard-waiting", (statuses.get("awaiting_dispatch") || 0) + (statuses.get("manual_dispatch") || 0));
      setTile("dashboard-closed", statuses.get("closed") || 0);

      clear(statesBox, bars([...openStates, ...endedStates].filter((state) => statuses.has(state))
        .map((state) => ({ key: state, label: tOr(`state.${state}`, state), value: statuses.get(state),
          tone: endedStates.includes(state) ? "ended" : state === "in_handling" ? "busy" : "" })),
      { max: Math.max(1, ...openStates.map((state) => statuses.get(state) || 0)) }));
      const districts = byKey(byDistrict.counts);
      clear(districtsBox, bars([...districts.entries()].sort((a, b) => b[1] - a[1])
        .map(([key, value]) => ({ key, label: key ? reference.districtName(key) : t("dashboard.unlocated"), value }))));
      const departments = byKey(byDepartment.counts);
      const topDepartments = [...departments.entries()].filter(([key]) => key).sort((a, b) => b[1] - a[1]);
      clear(departmentsBox, bars(topDepartments.slice(0, 10).map(([key, value]) => ({ key, label: reference.departmentName(key), value }))),
        topDepartments.length > 10 ? el("p", { class: "muted more" }, t("dashboard.more", { n: topDepartments.length - 10 })) : null,
        departments.get("") ? el("p", { class: "muted more" }, t("dashboard.no-department", { n: departments.get("") })) : null);
      const knownChannels = [...channels, ...[...intake.keys()].filter((key) => !channels.includes(key))];
      clear(channelsBox,
        el("p", { class: "muted day" }, t("dashboard.today", { day: today.day })),
        bars(knownChannels.map((key) => ({ key, label: tOr(`channel.${key}`, key), value: intake.get(key) || 0 }))));

      const rows = (overdueList.items || []).filter((item) => item.clock?.deadline)
        .sort((a, b) => new Date(a.clock.deadline) - new Date(b.clock.deadline));
      const overdueTable = table([
        { label: t("dashboard.col.number"), class: "number", render: (item) => caseLink(item) },
        { label: t("dashboard.col.class"), render: (item) => reference.className(item.kind, item.classCode) },
        { label: t("dashboard.col.department"), render: (item) => item.currentDepartment ? reference.departmentName(item.currentDepartment) : tOr(`state.${item.state}`, item.state) },
        { label: t("dashboard.col.overdue"), class: "num overdue-by", render: (item) => overdueFor(item.clock.deadline, now) },
      ], rows, { empty: t("dashboard.overdue.none"), onOpen: (item) => context.navigate("case", [item.number]) });
      overdueTable.querySelectorAll("tbody tr.openable").forEach((tr, index) => { tr.dataset.case = rows[index].number; });
      clear(overdueBox, overdueTable,
        overdueTotal > rows.length ? el("p", { class: "muted more" }, t("dashboard.overdue.more", { shown: rows.length, n: overdueTotal })) : null);

      root.dataset.refreshes = String(Number(root.dataset.refreshes) + 1);
      updatedText.textContent = t("dashboard.updated", { time: new Intl.DateTimeFormat(currentLanguage(), { timeStyle: "medium", hour12: false }).format(new Date()) });
    }
    function setTile(id, value) { root.querySelector(`#${id} .tile-value`).textContent = formatNumber(value); }

    // ---- Assessment (every 60 s): rankings of this month, the trend of the last six.
    const monthFigures = new Map(); // month → totals; finished months never change, so they are fetched once
    let chart = null;
    async function refreshAssessment() {
      const now = cityNow();
      const months = lastMonths(now, 6);
      const current = months[months.length - 1];
      const [departmentRanking, areaRanking] = await Promise.all([
        api.get("assessment", "rankings", { family: "departments", period: current }),
        api.get("assessment", "rankings", { family: "areas", level: areaLevel.value, period: current }),
      ]);
      periodText.textContent = t("dashboard.period", { period: current, asOf: formatTime(departmentRanking.as_of) });
      const rankColumns = (name) => [
        { label: t("dashboard.col.rank"), class: "num", render: (row) => row.rank ?? "—" },
        { label: t("dashboard.col.name"), render: name },
        { label: t("dashboard.col.score"), class: "num", render: (row) => row.score === undefined ? "—" : formatNumber(row.score, 1) },
        { label: t("dashboard.col.grade"), render: (row) => gradeTag(row.grade) },
        { label: t("dashboard.col.change"), class: "num", render: deltaTag },
      ];
      clear(rankDepartmentsBox, table(rankColumns((row) => reference.departmentName(row.code)), departmentRanking.rows || [],
        { empty: t("dashboard.rank.none") }));
      const areaName = (row) => (areaLevel.value === "street" ? reference.streetName(row.code) : reference.districtName(row.code));
      clear(rankAreasBox, table(rankColumns(areaName), areaRanking.rows || [], { empty: t("dashboard.rank.none") }));

      await Promise.all(months.filter((month) => !monthFigures.has(month) || month === current).map(async (month) => {
        const figures = await api.get("assessment", "kpi/departments", { period: month });
        const total = (field) => (figures.rows || []).reduce((acc, row) => acc + (row[field] || 0), 0);
        monthFigures.set(month, { due: total("due"), handled: total("handled"), onTime: total("handled_on_time"), overdue: total("overdue") });
      }));
      for (const month of [...monthFigures.keys()]) if (!months.includes(month)) monthFigures.delete(month);
      await drawTrend(months);
    }

    async function drawTrend(months) {
      const rate = (part, whole) => (whole ? Math.round((part / whole) * 1000) / 10 : null);
      const data = months.map((month) => monthFigures.get(month) || { due: 0, handled: 0, onTime: 0, overdue: 0 });
      const series = {
        due: data.map((d) => d.due), overdue: data.map((d) => d.overdue),
        disposal: data.map((d) => rate(d.handled, d.due)), onTime: data.map((d) => rate(d.onTime, d.due)),
      };
      // The same figures as a table for screen readers (the canvas is a picture).
      clear(trendTable, table([
        { label: t("dashboard.trend.month"), render: (row) => row.month },
        { label: t("dashboard.trend.due"), class: "num", render: (row) => row.due },
        { label: t("dashboard.trend.overdue"), class: "num", render: (row) => row.overdue },
        { label: t("dashboard.trend.disposal"), class: "num", render: (row) => (row.disposal === null ? "—" : `${row.disposal}%`) },
        { label: t("dashboard.trend.on-time"), class: "num", render: (row) => (row.onTime === null ? "—" : `${row.onTime}%`) },
      ], months.map((month, i) => ({ month, due: series.due[i], overdue: series.overdue[i], disposal: series.disposal[i], onTime: series.onTime[i] }))));
      const Chart = await loadChart();
      if (chart) {
        chart.data.labels = months;
        chart.data.datasets[0].data = series.due;
        chart.data.datasets[1].data = series.overdue;
        chart.data.datasets[2].data = series.disposal;
        chart.data.datasets[3].data = series.onTime;
        chart.update("none");
        return;
      }
      const ink = getComputedStyle(document.body).getPropertyValue("--ink").trim() || "#e6eef8";
      const line = getComputedStyle(document.body).getPropertyValue("--line").trim() || "#274261";
      Chart.defaults.color = ink;
      Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
      chart = new Chart(trendCanvas, {
        data: {
          labels: months,
          datasets: [
            { type: "bar", label: t("dashboard.trend.due"), data: series.due, backgroundColor: "#3b6ea5", yAxisID: "count", order: 3 },
            { type: "bar", label: t("dashboard.trend.overdue"), data: series.overdue, backgroundColor: colours.red, yAxisID: "count", order: 2 },
            { type: "line", label: t("dashboard.trend.disposal"), data: series.disposal, borderColor: "#4caf50", backgroundColor: "#4caf50", yAxisID: "rate", tension: 0.25, spanGaps: true, order: 1 },
            { type: "line", label: t("dashboard.trend.on-time"), data: series.onTime, borderColor: colours.yellow, backgroundColor: colours.yellow, yAxisID: "rate", tension: 0.25, spanGaps: true, order: 0 },
          ],
        },
        options: {
          responsive: true, maintainAspectRatio: false, animation: false,
          interaction: { mode: "index", intersect: false },
          plugins: { legend: { position: "bottom", labels: { boxWidth: 14 } } },
          scales: {
            x: { type: "category", grid: { color: line } },
            count: { type: "linear", position: "left", beginAtZero: true, grid: { color: line }, title: { display: true, text: t("dashboard.trend.cases") } },
            rate: { type: "linear", position: "right", min: 0, max: 100, grid: { drawOnChartArea: false }, ticks: { callback: (value) => `${value}%` } },
          },
        },
      });
    }

    areaLevel.addEventListener("change", () => {
      context.replaceQuery({ level: areaLevel.value === "district" ? "" : areaLevel.value });
      refreshAssessment().catch(() => {});
    });

    const guarded = (work, box) => async () => {
      try { await work(); } catch (error) {
        if (error.status === 401) throw error;
        box.dataset.error = problemText(error);
        updatedText.textContent = t("dashboard.failed", { reason: problemText(error) });
      }
    };
    await syncClock();
    await Promise.all([
      drawMap().then(() => guarded(refreshCounts, root)()),
      guarded(refreshAssessment, rankDepartmentsBox)(),
    ]);
    // Reference names may arrive after the first draw (grid-routing restarting): try again once.
    if (!reference.version) loadReference().then((next) => { reference = next; });
    const stopCounts = context.every(10, refreshCounts);
    const stopAssessment = context.every(60, refreshAssessment);
    return () => {
      stopCounts();
      stopAssessment();
      if (chart) chart.destroy();
      if (mapRef) mapRef.remove();
      document.body.classList.remove("big-screen");
    };
  },
};
