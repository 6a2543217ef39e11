// The acceptor's desk (受理): new reports waiting to be accepted and public reports out with a
// supervisor for verification, most urgent first; the chosen case beside the queue with its photos,
// a map of the report point and the open cases around it (suggested duplicates), and the commands
// supervision says the acceptor may take on it. The queue refreshes itself every 10 s.
//
// The helpers under "shared by the centre's desks" are also used by the dispatcher's and the shift
// leader's pages, which import them from here.
"use strict";
import { api } from "../api.js";
import { t, tOr, formatTime, formatNumber } from "../i18n.js";
import { el, clear, table, light, lightOf, stateTag, labelled, problemText } from "../ui.js";
import { buttons } from "../case-actions.js";
import { loadReference } from "../reference.js";
import { createMap, caseMarker, gridLayer, colours } from "../map.js";

// ---------------------------------------------------------------------------------------------
// Shared by the centre's desks

/** Loads the desks' stylesheet once. */
export function useDeskStyle() {
  if (!document.querySelector('link[data-desk-style]')) {
    document.head.append(el("link", { rel: "stylesheet", href: "/css/desk.css", "data-desk-style": "true" }));
  }
}

/** The states in which a case is still open (the suggested duplicates are among these). */
export const openStates = new Set(["reported", "awaiting_accept", "awaiting_verify", "awaiting_file", "awaiting_dispatch",
  "manual_dispatch", "in_handling", "suspended", "awaiting_check", "awaiting_close", "self_handled_pending"]);

/** A heading with the number of items beside it (highlighted when there is work). */
export function countedHeading(level, text, count, id, more = false) {
  const shown = more ? `${count}+` : String(count);
  return el(level, { id }, text, el("span", { class: `count${count ? " busy" : ""}`, "aria-label": t("acceptor.count", { n: shown }) }, shown));
}

/**
 * A queue table whose rows carry `data-case="<number>"` (the browser tests' hook). `selected` marks
 * the chosen row; other options as ui.table's.
 */
export function queueTable(columns, rows, options = {}) {
  const node = table(columns, rows, options);
  const trs = node.tBodies[0].rows;
  rows.forEach((row, index) => {
    const tr = trs[index];
    tr.dataset.case = row.number;
    if (options.selected && options.selected === row.number) tr.setAttribute("aria-current", "true");
  });
  // Up and down walk the queue's rows (Tab would also stop at every button in them).
  node.tBodies[0].addEventListener("keydown", (event) => {
    const tr = event.target;
    if (!(tr instanceof HTMLTableRowElement) || !["ArrowDown", "ArrowUp"].includes(event.key)) return;
    const next = event.key === "ArrowDown" ? tr.nextElementSibling : tr.previousElementSibling;
    if (next?.dataset.case) { event.preventDefault(); next.focus(); }
  });
  return node;
}

/**
 * Redraws a queue without losing the keyboard's place: if focus was on a row (or a button in it),
 * the same row of the new drawing gets it back, or the row now in its place when it left the queue.
 * Focus that fell to the page's body counts as still in the queue: an action button is disabled
 * while its command runs, which drops focus, and the redraw after the command is when it matters.
 */
export function keepingFocus(container, redraw) {
  if (!placeOf.has(container)) {
    placeOf.set(container, null);
    container.addEventListener("focusin", (event) => {
      const row = event.target.closest("tr[data-case]");
      placeOf.set(container, row ? {
        number: row.dataset.case, index: [...row.parentNode.rows].indexOf(row),
        table: [...container.querySelectorAll("table")].indexOf(row.closest("table")),
        action: event.target.dataset?.action, approve: event.target.dataset?.approve,
      } : null);
    });
    container.addEventListener("focusout", (event) => {
      if (event.relatedTarget && !container.contains(event.relatedTarget)) placeOf.set(container, null);
    });
  }
  const active = document.activeElement;
  const was = placeOf.get(container);
  const inside = active && active !== document.body ? container.contains(active) : Boolean(was);
  redraw();
  if (!inside || !was) return;
  const again = container.querySelector(`tr[data-case="${CSS.escape(was.number)}"]`);
  if (again) {
    const button = was.action
      ? again.querySelector(`button[data-action="${CSS.escape(was.action)}"]${was.approve ? `[data-approve="${was.approve}"]` : ""}:not(:disabled)`)
      : null;
    (button || again).focus({ preventScroll: true });
    return;
  }
  const rows = [...(container.querySelectorAll("table")[was.table]?.tBodies[0].rows || [])].filter((tr) => tr.dataset.case);
  const next = rows[Math.min(was.index, rows.length - 1)];
  if (next) next.focus({ preventScroll: true });
  else { container.tabIndex = -1; container.focus({ preventScroll: true }); }
}
const placeOf = new WeakMap();

/** The address over the description (the place where no address was given). */
export function placeCell(item) {
  const address = item.address || (item.gridCode ? t("acceptor.in-grid", { grid: item.gridCode }) : null);
  return el("div", { class: "desk-place" },
    el("div", { class: "desk-address", title: address || "" }, address || el("span", { class: "tag" }, t("acceptor.unlocated"))),
    el("div", { class: "desk-description", title: item.description || "" }, item.description || "—"));
}

/** The running clock's light with its deadline. */
export function clockCell(item) { return light(lightOf(item.clock), item.clock?.deadline); }

export function channelText(channel) { return tOr(`channel.${channel}`, channel || "—"); }

/** Photos as links grouped by purpose (the console's policy keeps other sites' images off the page). */
export function photoLinks(photos, purposes) {
  const groups = new Map();
  for (const photo of photos || []) {
    if (purposes && !purposes.includes(photo.purpose)) continue;
    if (!groups.has(photo.purpose)) groups.set(photo.purpose, []);
    groups.get(photo.purpose).push(photo.url);
  }
  if (groups.size === 0) return el("span", { class: "muted" }, t("acceptor.photos.none"));
  return el("div", { class: "desk-photos" }, [...groups].map(([purpose, urls]) => el("div", { class: "group" },
    el("span", { class: "label" }, tOr(`acceptor.photo.${purpose}`, purpose)),
    urls.map((url, index) => /^https?:\/\//i.test(url)
      ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", title: url }, t("acceptor.photo.n", { n: index + 1 }))
      : el("span", { title: url }, t("acceptor.photo.n", { n: index + 1 }))))));
}

/** Orders a queue most urgent first: the running clock's deadline, then the report time. */
export function byUrgency(a, b) {
  const deadline = (item) => (item.clock?.deadline ? Date.parse(item.clock.deadline) : Infinity);
  return deadline(a) - deadline(b) || Date.parse(a.reportedAt) - Date.parse(b.reportedAt);
}

/** A box around a point, `metres` each way, as grid-routing's bbox parameter. */
export function bboxAround(lat, lon, metres) {
  const dLat = metres / 111320;
  const dLon = metres / (111320 * Math.cos((lat * Math.PI) / 180));
  return [lon - dLon, lat - dLat, lon + dLon, lat + dLat].map((value) => value.toFixed(6)).join(",");
}

/**
 * The 12345 ticket's own category as the mapping table read it, and the suggestions of class and
 * place from the report's text. Shown beside the case, never applied: the acceptor still accepts
 * or rejects with the case's buttons. Nothing for a report without a category or suggestions.
 */
export function suggestionBox(item, reference) {
  const category = item.hotlineCategory;
  const suggestions = item.suggestions;
  if (!category && !suggestions) return null;
  const className = (kind, code) => `${tOr(`kind.${kind}`, kind)} · ${reference.className(kind, code)}`;
  const box = el("section", { class: "desk-suggest", id: "acceptor-suggest", "aria-labelledby": "acceptor-suggest-title" },
    el("h3", { id: "acceptor-suggest-title" }, t("acceptor.suggest.title")),
    el("p", { class: "note" }, t("acceptor.suggest.note")));
  if (category) {
    const where = [category.path || category.tablePath, `(${category.code})`].filter(Boolean).join(" ");
    box.append(labelled(t("acceptor.suggest.category"), el("span", {},
      where, " ", el("span", { class: `tag${category.outcome === "mapped" ? "" : " strong"}`, dataset: { outcome: category.outcome } },
        tOr(`acceptor.suggest.outcome.${category.outcome}`, category.outcome)))));
    if (category.reason) box.append(el("p", { class: "note" }, tOr(`acceptor.suggest.reason.${category.reason}`, category.reason)));
    if (category.outcome === "not_ours") {
      box.append(labelled(t("acceptor.suggest.competent-body"), category.competentBody || "—"),
        el("p", { class: "note strong" }, t("acceptor.suggest.not-ours")));
    }
    if (category.mappingVersion) box.append(el("p", { class: "muted" }, t("acceptor.suggest.version", { version: category.mappingVersion })));
  }
  if (item.classSource === "suggestion") {
    box.append(el("p", { class: "note strong", role: "note" }, t("acceptor.suggest.provisional", { class: className(item.kind, item.classCode) })));
  }
  if (!suggestions) return box;
  const percent = (share) => formatNumber(Math.round(share * 100));
  box.append(el("h4", {}, t("acceptor.suggest.classes")),
    el("ol", { class: "suggest-classes" }, suggestions.classes.map((entry) => {
      const current = entry.kind === item.kind && entry.classCode === item.classCode;
      return el("li", { dataset: { class: `${entry.kind}:${entry.classCode}` }, class: current ? "current" : null },
        el("span", { class: "what" }, className(entry.kind, entry.classCode)),
        el("span", { class: "score" }, el("span", { class: "bar", style: `width:${Math.max(2, Math.round(entry.score * 100))}%` }),
          el("span", { class: "value" }, t("acceptor.suggest.score", { p: percent(entry.score) }))),
        current ? el("span", { class: "tag" }, t("acceptor.suggest.current")) : null,
        entry.terms?.length ? el("span", { class: "muted terms" }, t("acceptor.suggest.terms", { terms: entry.terms.join("、") })) : null);
    })),
    el("h4", {}, t("acceptor.suggest.places")),
    suggestions.places.length
      ? el("ul", { class: "suggest-places" }, suggestions.places.map((place) => el("li", { dataset: { place: place.name } },
        el("span", { class: "what" }, place.name),
        el("span", { class: "tag" }, tOr(`acceptor.suggest.kind.${place.kind}`, place.kind)),
        place.gridCode
          ? el("span", { class: "muted" }, t("acceptor.suggest.place.grid", { grid: place.gridCode, community: reference.communityName(place.gridCode.slice(0, 12)) }))
          : null)))
      : el("p", { class: "muted" }, t("acceptor.suggest.places.none")),
    el("p", { class: "muted" }, t("acceptor.suggest.basis", { n: formatNumber(suggestions.basis.trainingTexts), version: suggestions.basis.corpusVersion || "—" })));
  return box;
}

// ---------------------------------------------------------------------------------------------
// The acceptor's page

const queueStates = ["reported", "awaiting_accept", "awaiting_verify"];
const radii = [50, 100, 200, 500];

export default {
  async render(view, route, context) {
    useDeskStyle();
    const reference = await loadReference();
    let selected = route.query.get("case") || null;
    let items = [];
    let more = false;
    let detail = null; // { number, item, map, stale }
    let radius = Number(route.query.get("radius")) || 200;

    const queueBox = el("div", { class: "desk-queue" });
    const detailBox = el("aside", { class: "panel desk-detail", id: "acceptor-detail", "aria-labelledby": "acceptor-detail-title" });
    view.append(el("div", { id: "page-acceptor", class: "desk" },
      el("h1", {}, t("acceptor.title")),
      el("div", { class: "desk-columns" }, queueBox, detailBox)));

    const columns = [
      { label: t("acceptor.column.number"), class: "nowrap", render: (item) => item.number },
      { label: t("acceptor.column.channel"), class: "nowrap", render: (item) => channelText(item.channel) },
      { label: t("acceptor.column.class"), render: (item) => reference.className(item.kind, item.classCode) },
      { label: t("acceptor.column.place"), render: placeCell },
      { label: t("acceptor.column.reported"), class: "nowrap", render: (item) => formatTime(item.reportedAt) },
      { label: t("acceptor.column.clock"), class: "nowrap", render: clockCell },
    ];

    function drawQueue() {
      const waiting = items.filter((item) => item.state !== "awaiting_verify");
      const verifying = items.filter((item) => item.state === "awaiting_verify");
      keepingFocus(queueBox, () => clear(queueBox,
        el("section", { class: "panel", "aria-labelledby": "acceptor-waiting" },
          countedHeading("h2", t("acceptor.section.waiting"), waiting.length, "acceptor-waiting"),
          queueTable(columns, waiting, { onOpen: (item) => choose(item.number), selected, empty: t("acceptor.empty.waiting") })),
        el("section", { class: "panel", "aria-labelledby": "acceptor-verifying" },
          countedHeading("h2", t("acceptor.section.verifying"), verifying.length, "acceptor-verifying"),
          el("p", { class: "note" }, t("acceptor.verifying.note")),
          queueTable(columns, verifying, { onOpen: (item) => choose(item.number), selected, empty: t("acceptor.empty.verifying") })),
        more ? el("p", { class: "note" }, t("acceptor.more", { n: items.length })) : null));
    }

    async function loadQueue() {
      const page = await api.get("supervision", "cases", { state: queueStates.join(","), limit: 200 });
      items = page.items.sort(byUrgency);
      more = Boolean(page.nextCursor);
      drawQueue();
      // The chosen case as the queue now shows it: new actions and state, or gone from the queue.
      if (detail) {
        const now = items.find((item) => item.number === detail.number);
        if (!now && !detail.stale) { detail.stale = true; drawCase(); }
        else if (now && (now.version !== detail.item.version || detail.stale)) { detail.item = { ...detail.item, ...now }; detail.stale = false; drawCase(); }
      }
    }

    function forget() {
      if (detail?.map) detail.map.remove();
      detail = null;
    }

    function showNothing() {
      forget();
      clear(detailBox, el("h2", { id: "acceptor-detail-title", class: "sr-only" }, t("acceptor.detail")),
        el("p", { class: "desk-empty" }, t("acceptor.choose")));
    }

    let focusDetail = false;
    queueBox.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && event.target instanceof HTMLTableRowElement) focusDetail = true;
    });

    async function choose(number) {
      selected = number;
      context.replaceQuery({ case: number, radius: radius === 200 ? "" : radius });
      for (const row of queueBox.querySelectorAll("tr[data-case]")) {
        if (row.dataset.case === number) row.setAttribute("aria-current", "true"); else row.removeAttribute("aria-current");
      }
      forget();
      clear(detailBox, el("p", { class: "loading" }, t("page.loading")));
      try {
        // Opening the case is what the audit records; the queue's refreshes reuse this view.
        const answer = await api.get("supervision", `cases/${encodeURIComponent(number)}`);
        if (selected !== number) return;
        detail = { number, item: answer.case, map: null, stale: !items.some((item) => item.number === number) };
        drawCase();
        if (focusDetail) { focusDetail = false; detailBox.querySelector("h2")?.focus(); }
        // The map is an aid: without it (no Leaflet, grids unreachable) the case and its actions stay.
        await drawSurroundings().catch((error) => surroundings.append(el("p", { class: "note" }, problemText(error) || String(error))));
      } catch (error) {
        if (selected !== number) return;
        clear(detailBox, el("p", { class: "desk-empty" }, problemText(error)));
      }
    }

    /**
     * After an action: show the new view; once the case no longer waits for the acceptor (accepted,
     * sent for verification, rejected, handled), go on with the next case that does.
     */
    const waitsForAcceptor = (item) => item.state !== "awaiting_verify";
    async function acted(next) {
      const order = items.filter(waitsForAcceptor).map((item) => item.number);
      const at = order.indexOf(detail?.number);
      if (detail && next) { detail.item = { ...detail.item, ...next }; drawCase(); }
      await loadQueue();
      if (!detail || items.some((item) => item.number === detail.number && waitsForAcceptor(item))) return;
      const waiting = new Set(items.filter(waitsForAcceptor).map((item) => item.number));
      const following = order.slice(at + 1).concat(order.slice(0, Math.max(at, 0))).find((number) => waiting.has(number))
        ?? [...waiting][0];
      if (following) {
        await choose(following);
        queueBox.querySelector(`tr[data-case="${CSS.escape(following)}"]`)?.focus();
      }
    }

    const head = el("div");
    function drawCase() {
      const item = detail.item;
      const unlocated = item.latitude === null || item.latitude === undefined;
      clear(head,
        el("div", { class: "detail-head" },
          el("h2", { id: "acceptor-detail-title", tabindex: "-1" }, item.number),
          stateTag(item.state),
          unlocated ? el("span", { class: "tag" }, t("acceptor.unlocated")) : null,
          el("a", { class: "open-case", href: `#/case/${encodeURIComponent(item.number)}` }, t("acceptor.open-case"))),
        detail.stale ? el("p", { class: "desk-stale", role: "status" }, t("acceptor.left-queue")) : null,
        labelled(t("acceptor.column.channel"), channelText(item.channel)),
        labelled(t("acceptor.column.class"), `${tOr(`kind.${item.kind}`, item.kind)} · ${reference.className(item.kind, item.classCode)}`),
        labelled(t("acceptor.column.reported"), formatTime(item.reportedAt)),
        labelled(t("acceptor.field.address"), item.address || "—"),
        labelled(t("acceptor.field.grid"), item.gridCode ? `${item.gridCode} · ${reference.communityName(item.communityCode)}` : t("acceptor.unlocated")),
        labelled(t("acceptor.column.clock"), item.clock ? el("span", {}, tOr(`acceptor.stage.${item.clock.stage}`, item.clock.stage), " ", clockCell(item)) : "—"),
        item.duplicateCount ? labelled(t("acceptor.field.duplicates"), t("acceptor.duplicates.linked", { n: item.duplicateCount })) : null,
        el("div", { class: "description" }, item.description || "—"),
        suggestionBox(item, reference),
        labelled(t("acceptor.field.photos"), photoLinks(item.photos)),
        item.state === "awaiting_verify" ? el("p", { class: "note" }, t("acceptor.verifying.waiting")) : null,
        detail.stale ? null : buttons(item, item.actions, acted));
      if (!detailBox.contains(head)) clear(detailBox, head, surroundings);
    }

    // The map and the suggested duplicates, drawn once per chosen case.
    const surroundings = el("section", { "aria-labelledby": "acceptor-near-title" });
    async function drawSurroundings() {
      const item = detail.item;
      const number = detail.number;
      const radiusSelect = el("select", { id: "acceptor-radius", "aria-label": t("acceptor.near.radius") },
        radii.map((metres) => el("option", { value: metres, selected: metres === radius }, t("acceptor.near.within", { m: metres }))));
      radiusSelect.addEventListener("change", () => {
        radius = Number(radiusSelect.value);
        context.replaceQuery({ case: number, radius: radius === 200 ? "" : radius });
        if (detail?.map) detail.map.remove();
        drawSurroundings();
      });
      const title = el("div", { class: "near-controls" }, el("h3", { id: "acceptor-near-title" }, t("acceptor.near.title")), radiusSelect);
      if (item.latitude === null || item.latitude === undefined) {
        clear(surroundings, title, el("p", { class: "note" }, t("acceptor.near.no-point")));
        radiusSelect.disabled = true;
        return;
      }
      const mapBox = el("div", { class: "map desk-map", id: "acceptor-map", role: "region", "aria-label": t("acceptor.near.map") });
      const list = el("ul", { class: "near-list", id: "acceptor-duplicates" });
      const status = el("p", { class: "note" }, t("page.loading"));
      clear(surroundings, title, mapBox, status, list);

      const [near, grids] = await Promise.all([
        api.get("supervision", "cases/near", { lon: item.longitude, lat: item.latitude, radius, limit: 100 }).catch((error) => error),
        api.get("grid-routing", "grids", { bbox: bboxAround(item.latitude, item.longitude, Math.max(radius, 300)) }).catch(() => null),
      ]);
      if (detail?.number !== number) return;
      const { L, map } = await createMap(mapBox, { center: [item.latitude, item.longitude], zoom: 16 });
      if (detail?.number !== number) { map.remove(); return; }
      detail.map = map;
      if (grids?.features?.length) {
        gridLayer(L, grids, {
          style: (feature) => feature.properties.code === item.gridCode
            ? { color: colours.point, weight: 2.5, fillOpacity: 0.12 } : {},
        }).addTo(map);
      }
      const here = L.circleMarker([item.latitude, item.longitude], { radius: 9, color: "#fff", weight: 2, fillColor: colours.point, fillOpacity: 1 })
        .bindTooltip(t("acceptor.near.report-point", { number: item.number }), { permanent: false }).addTo(map);
      L.circle([item.latitude, item.longitude], { radius, color: colours.point, weight: 1, dashArray: "4 4", fill: false, interactive: false }).addTo(map);

      if (near instanceof Error) { status.textContent = problemText(near); map.setView(here.getLatLng(), 16); return; }
      const sameClass = (other) => other.kind === item.kind && other.classCode === item.classCode;
      const suggested = near
        .filter((entry) => entry.case.id !== item.id && openStates.has(entry.case.state))
        .sort((a, b) => (sameClass(b.case) - sameClass(a.case)) || a.distanceMeters - b.distanceMeters)
        .slice(0, 20);
      status.textContent = suggested.length
        ? t("acceptor.near.found", { n: suggested.length, m: radius })
        : t("acceptor.near.none", { m: radius });
      const entries = new Map();
      for (const entry of suggested) {
        const other = entry.case;
        const link = el("a", { href: `#/case/${encodeURIComponent(other.number)}` }, other.number);
        const row = el("li", { class: sameClass(other) ? "same-class" : null, dataset: { case: other.number } },
          el("span", { class: "distance" }, t("acceptor.near.metres", { m: formatNumber(Math.round(entry.distanceMeters)) })),
          link,
          el("span", {}, stateTag(other.state), sameClass(other) ? el("span", { class: "tag strong" }, t("acceptor.near.same-class")) : null),
          el("span", { class: "what", title: `${reference.className(other.kind, other.classCode)} · ${other.description || ""}` },
            `${reference.className(other.kind, other.classCode)} · ${other.description || ""}`));
        entries.set(other.number, row);
        list.append(row);
        caseMarker(L, other, lightOf(other.clock), () => {
          for (const li of entries.values()) li.classList.remove("focused");
          row.classList.add("focused");
          row.scrollIntoView({ block: "nearest" });
          link.focus({ preventScroll: true });
        }).addTo(map);
      }
      const points = [[item.latitude, item.longitude], ...suggested.map((entry) => [entry.case.latitude, entry.case.longitude])];
      if (points.length > 1) map.fitBounds(points, { padding: [24, 24], maxZoom: 17 });
      else map.setView(points[0], 17);
    }

    await loadQueue();
    if (selected) await choose(selected); else showNothing();
    const stop = context.every(10, loadQueue);
    return () => { stop(); forget(); };
  },
};
