// One case (案件详情): what it is and where, its photos by purpose, the running clock with the
// deadline's basis, a pending request, the whole timeline (who, when, why, which clocks), and the
// commands the signed-in post may take now — the server's list, drawn by case-actions.js.
// Each GET of a case is an audited opening (docs/console.md), so this page fetches on arrival,
// after a command and on the refresh button, never on a timer.
"use strict";
import { api } from "../api.js";
import { t, tOr, formatTime, formatNumber } from "../i18n.js";
import { el, clear, flash, problemText, lightOf, light, stateTag, labelled } from "../ui.js";
import { loadReference } from "../reference.js";
import { createMap, gridLayer, caseMarker, colours } from "../map.js";
import { buttons } from "../case-actions.js";
import { useCaseStyles } from "./cases.js";
import { pages } from "../main.js";

/** Photo purposes in the order a case lives them. */
const purposes = ["report", "before", "after", "verification", "check", "progress", "completion"];
/** Timeline details that hold an instant. */
const instantDetails = new Set(["deadline", "requested_deadline", "previous_deadline"]);
/** How far around the case the map looks for others (metres). */
const nearRadius = 300;

/** "2027:provisional-8b2d4e10" (a recompute entry's basis token) → "2027 provisional". */
function basisToken(token) {
  const [year, version = ""] = token.split(":");
  const standing = version.split("-")[0];
  return `${year} ${tOr(`case.basis.${standing}`, standing)}`;
}

/** What a deadline was counted on: the calendar years and their standing, or natural time, or a decision. */
export function basisView(basis) {
  if (!basis) return el("span", { class: "muted" }, t("case.basis.unknown"));
  const kind = el("span", { class: "basis-kind" }, tOr(`case.basis.kind.${basis.kind}`, basis.kind));
  if (basis.kind !== "working_calendar" || !basis.years?.length) return el("span", { class: "basis" }, kind);
  return el("span", { class: "basis" }, kind, el("ul", { class: "basis-years" }, basis.years.map((year) =>
    el("li", { class: `standing-${year.standing}`, title: year.version || null },
      el("strong", {}, String(year.year)), " ",
      el("span", { class: `standing ${year.standing}` }, tOr(`case.basis.${year.standing}`, year.standing)),
      year.notice ? el("span", { class: "notice" }, ` · ${t("case.basis.notice", { notice: year.notice })}`) : null,
      year.standing === "provisional" ? el("span", { class: "note" }, ` · ${t("case.basis.provisional-note")}`) : null))));
}

/** A clock's limit in words: "10 个工作日". */
function limitText(limit) {
  if (!limit) return t("case.clock.limit-decided");
  // English says "1 working day" but "0.5 working hours"; the catalogue has a form for exactly one.
  const one = limit.value === 1 ? tOr(`case.unit.${limit.unit}.one`, null) : null;
  return one || t(`case.unit.${limit.unit}`, { n: formatNumber(limit.value) });
}

/** A stage clock as a small table of facts (the running one, or one a transition stopped/started). */
function clockFacts(clock, { running = false } = {}) {
  const kind = running ? lightOf(clock) : null;
  return el("div", { class: "clock-facts" },
    labelled(t("case.clock.stage"), tOr(`case.stage.${clock.stage}`, clock.stage)),
    labelled(t("case.clock.started"), formatTime(clock.startedAt)),
    labelled(t("case.clock.deadline"), clock.deadline ? (running ? light(kind, clock.deadline) : formatTime(clock.deadline)) : t("light.none")),
    labelled(t("case.clock.limit"), limitText(clock.limit)),
    labelled(t("case.clock.basis"), basisView(clock.basis)),
    clock.warnedAt ? labelled(t("case.clock.warned"), formatTime(clock.warnedAt)) : null,
    clock.overdueAt ? labelled(t("case.clock.overdue"), formatTime(clock.overdueAt)) : null);
}

/** A clock in one line for the timeline (a div, so that `#case-timeline li` are the entries only): "开始 处置 · 截止 … · 10 个工作日 · 2026 正式". */
function clockLine(which, clock) {
  const years = clock.basis?.kind === "working_calendar" && clock.basis.years?.length
    ? clock.basis.years.map((year) => `${year.year} ${tOr(`case.basis.${year.standing}`, year.standing)}${year.notice ? ` (${year.notice})` : ""}`).join("、")
    : clock.basis ? tOr(`case.basis.kind.${clock.basis.kind}`, clock.basis.kind) : null;
  return el("div", { class: `clock-line ${which}`, dataset: { stage: clock.stage } },
    el("span", { class: "clock-which" }, t(`case.timeline.clock-${which}`)), " ",
    el("strong", {}, tOr(`case.stage.${clock.stage}`, clock.stage)),
    clock.deadline ? ` · ${t("case.timeline.deadline", { time: formatTime(clock.deadline) })}` : "",
    ` · ${limitText(clock.limit)}`,
    years ? el("span", { class: "muted" }, ` · ${t("case.timeline.basis", { basis: years })}`) : null,
    clock.overdueAt ? el("span", { class: "light red" }, ` · ${t("light.red")}`) : clock.warnedAt ? el("span", { class: "light yellow" }, ` · ${t("light.yellow")}`) : null);
}

/** A photo: a thumbnail when the console itself serves it (the CSP allows only same-origin images), else a link. */
function photoView(photo, index) {
  let url;
  try { url = new URL(photo.url, location.href); } catch { return el("span", { class: "photo broken" }, photo.url); }
  const text = t("case.photo.link", { n: index + 1, host: url.host });
  const link = el("a", { href: url.href, target: "_blank", rel: "noopener noreferrer", class: "photo", title: photo.url });
  if (url.origin === location.origin) {
    const image = el("img", { src: url.href, alt: text, loading: "lazy" });
    image.addEventListener("error", () => { clear(link, el("span", { class: "photo-text" }, text)); });
    link.append(image);
  } else link.append(el("span", { class: "photo-text" }, text));
  return link;
}

function photosPanel(item) {
  const photos = item.photos || [];
  const groups = purposes.map((purpose) => [purpose, photos.filter((photo) => (photo.purpose || "report") === purpose)])
    .concat([["other", photos.filter((photo) => photo.purpose && !purposes.includes(photo.purpose))]])
    .filter(([, list]) => list.length);
  return el("section", { class: "panel", id: "case-photos", "aria-labelledby": "case-photos-title" },
    el("h2", { id: "case-photos-title" }, t("case.photos.title"), " ", el("span", { class: "count" }, formatNumber(photos.length))),
    groups.length === 0 ? el("p", { class: "muted" }, t("case.photos.none"))
      : el("div", { class: "photo-groups" }, groups.map(([purpose, list]) => el("div", { class: "photo-group", dataset: { purpose } },
        el("h3", {}, tOr(`case.photo.${purpose}`, purpose)),
        el("div", { class: "photo-list" }, list.map(photoView))))));
}

export default {
  async render(view, route, context) {
    useCaseStyles();
    const reference = await loadReference();
    const key = route.args[0] || "";
    const root = el("section", { id: "page-case" });
    view.append(root);
    // Back to the list this person came from; a post without the case list (departments) goes to its own page.
    const role = context.session.user.role;
    const listed = pages.cases.roles.includes(role);
    const home = Object.entries(pages).find(([, page]) => page.nav && page.roles?.includes(role))?.[0] || "cases";
    const backHref = listed ? sessionStorage.getItem("cg.cases-list") || "#/cases" : `#/${home}`;
    const back = el("a", { class: "back", href: backHref }, listed ? t("case.back") : t("case.back-post", { page: t(`nav.${home}`) }));

    let mapPanel = null;
    let mapState = null;

    async function fetchCase() {
      return api.get("supervision", `cases/${encodeURIComponent(key)}`);
    }

    let detail;
    try {
      detail = await fetchCase();
    } catch (error) {
      if (error.status === 404) {
        clear(root, back, el("div", { class: "panel not-found", role: "alert" },
          el("h1", {}, t("case.not-found.title")),
          el("p", {}, t("case.not-found.text", { key })),
          el("p", {}, el("a", { href: listed ? "#/cases" : backHref }, listed ? t("case.not-found.back") : t("case.back-post", { page: t(`nav.${home}`) })))));
        return undefined;
      }
      clear(root, back, el("div", { class: "panel error", role: "alert" }, el("h1", {}, t("case.failed")), el("p", {}, problemText(error))));
      return undefined;
    }

    async function refresh() {
      try {
        detail = await fetchCase();
        show();
      } catch (error) {
        flash(problemText(error), "error");
      }
    }

    function areaText(item) {
      return [
        item.districtCode && reference.districtName(item.districtCode),
        item.streetCode && reference.streetName(item.streetCode),
        item.communityCode && reference.communityName(item.communityCode),
      ].filter(Boolean).join(" · ") || t("cases.area.none");
    }

    function conditionText(item) {
      if (!item.conditionId) return null;
      const condition = conditionOf(item);
      return condition ? `${item.conditionId} ${condition.description}` : item.conditionId;
    }

    /** Condition ids repeat across the two kinds (component 0102-01 and event 0102-01 differ). */
    function conditionOf(item) {
      return reference.filingConditions.find((entry) => entry.id === item.conditionId && (!entry.kind || entry.kind === item.kind)) || null;
    }

    function closingCondition(item) {
      return conditionOf(item)?.closingCondition || null;
    }

    function summary(item) {
      const counts = [
        item.reworkCount ? t("case.count.rework", { n: item.reworkCount }) : null,
        item.returnCount ? t("case.count.return", { n: item.returnCount }) : null,
        item.extensionCount ? t("case.count.extension", { n: item.extensionCount }) : null,
        item.duplicateCount ? t("case.count.duplicate", { n: item.duplicateCount }) : null,
      ].filter(Boolean);
      return el("section", { class: "panel", id: "case-summary", "aria-labelledby": "case-summary-title" },
        el("h2", { id: "case-summary-title" }, t("case.summary.title")),
        labelled(t("case.field.class"), el("span", {}, el("span", { class: "kind" }, tOr(`kind.${item.kind}`, item.kind)), " ", reference.className(item.kind, item.classCode))),
        item.componentCode ? labelled(t("case.field.component"), item.componentCode) : null,
        labelled(t("case.field.channel"), tOr(`channel.${item.channel}`, item.channel)),
        labelled(t("case.field.reported"), formatTime(item.reportedAt)),
        labelled(t("case.field.description"), item.description || "—"),
        labelled(t("case.field.address"), item.address || "—"),
        labelled(t("case.field.area"), areaText(item)),
        labelled(t("case.field.grid"), item.gridCode ? `${item.gridCode}${item.areaClass ? ` · ${t("case.field.area-class", { c: item.areaClass })}` : ""}` : "—"),
        labelled(t("case.field.department"), item.currentDepartment ? `${reference.departmentName(item.currentDepartment)} (${item.currentDepartment})` : "—"),
        item.conditionId ? labelled(t("case.field.condition"), conditionText(item)) : null,
        closingCondition(item) ? labelled(t("case.field.closing-condition"), closingCondition(item)) : null,
        item.returnedBy?.length ? labelled(t("case.field.returned-by"), item.returnedBy.map((code) => reference.departmentName(code)).join("、")) : null,
        counts.length ? labelled(t("case.field.counts"), counts.join(" · ")) : null,
        item.duplicateOf ? labelled(t("case.field.duplicate-of"), el("a", { href: `#/case/${encodeURIComponent(item.duplicateOf)}` }, item.duplicateOf)) : null);
    }

    function clockPanel(item) {
      const clock = item.clock;
      const handlingDiffers = item.handlingDeadline && (!clock || clock.stage !== "handle");
      return el("section", { class: "panel", id: "case-clock", "aria-labelledby": "case-clock-title" },
        el("h2", { id: "case-clock-title" }, t("case.clock.title")),
        clock ? clockFacts(clock, { running: true }) : el("p", { class: "muted" }, item.suspended ? t("case.clock.suspended") : t("case.clock.none")),
        item.deadlineProvisional ? el("p", { class: "provisional-warning" }, t("case.clock.provisional")) : null,
        handlingDiffers ? el("div", { class: "handling-deadline" },
          labelled(t("case.clock.handling-deadline"), formatTime(item.handlingDeadline)),
          labelled(t("case.clock.basis"), basisView(item.handlingDeadlineBasis))) : null);
    }

    function pendingPanel(item) {
      const request = item.pendingRequest;
      if (!request) return null;
      return el("section", { class: "panel pending", id: "case-pending", dataset: { kind: request.kind }, "aria-labelledby": "case-pending-title" },
        el("h2", { id: "case-pending-title" }, t("case.pending.title"), " · ", tOr(`case.request.${request.kind}`, request.kind)),
        labelled(t("case.pending.department"), request.department ? `${reference.departmentName(request.department)} (${request.department})` : "—"),
        labelled(t("case.pending.by"), request.requestedBy || "—"),
        labelled(t("case.pending.at"), formatTime(request.requestedAt)),
        request.requestedDeadline ? labelled(t("case.pending.deadline"), formatTime(request.requestedDeadline)) : null,
        labelled(t("case.pending.reason"), request.reason || "—"));
    }

    function detailValue(name, value) {
      if (instantDetails.has(name)) return formatTime(value);
      if (name === "stage") return tOr(`case.stage.${value}`, value);
      if (name === "channel") return tOr(`channel.${value}`, value);
      if (name === "duplicate_of") return el("a", { href: `#/case/${encodeURIComponent(value)}` }, value);
      if (name === "returned_by") return value.split(" ").map((code) => reference.departmentName(code)).join("、");
      if (name === "condition_id") return conditionText({ conditionId: value, kind: detail.case.kind });
      if (name === "deadline_basis") return value.split(" ").filter(Boolean).map(basisToken).join("、");
      if (name === "distance_meters") return t("case.distance", { n: formatNumber(Number(value), 0) });
      if (name === "superseded_request") return tOr(`case.request.${value}`, value);
      if (name === "refused_action") return tOr(`case.task-action.${value}`, value);
      if (name === "before_photos" || name === "after_photos") {
        return el("span", { class: "photo-list" }, value.split(" ").filter(Boolean).map((url, index) => photoView({ url }, index)));
      }
      return value;
    }

    function timelineItem(entry) {
      const moved = entry.from && entry.from !== entry.to;
      const details = Object.entries(entry.details || {}).sort(([a], [b]) => a.localeCompare(b));
      const clocks = [entry.stoppedClock && clockLine("stopped", entry.stoppedClock), entry.startedClock && clockLine("started", entry.startedClock)].filter(Boolean);
      return el("li", { class: `entry kind-${entry.kind || "transition"}`, dataset: { action: entry.action, sequence: entry.sequence } },
        el("div", { class: "entry-when" },
          el("time", { datetime: entry.at }, formatTime(entry.at)),
          el("span", { class: "sequence" }, `#${entry.sequence}`)),
        el("div", { class: "entry-body" },
          el("div", { class: "entry-head" },
            el("strong", { class: "entry-action" }, tOr(`case.action.${entry.action}`, entry.action)),
            moved ? el("span", { class: "entry-states" }, stateTag(entry.from), el("span", { class: "arrow", "aria-label": t("case.timeline.to") }, "→"), stateTag(entry.to))
              : !entry.from ? el("span", { class: "entry-states" }, stateTag(entry.to)) : null),
          el("div", { class: "entry-who" },
            el("span", { class: "actor" }, entry.actorId), " · ", tOr(`role.${entry.actorRole}`, entry.actorRole),
            entry.actorDepartment ? ` · ${reference.departmentName(entry.actorDepartment)}` : "",
            entry.department && entry.department !== entry.actorDepartment
              ? el("span", { class: "muted" }, ` · ${t("case.timeline.department", { name: reference.departmentName(entry.department) })}`) : null),
          entry.reason ? el("p", { class: "entry-why" }, entry.reason) : null,
          details.length ? el("dl", { class: "entry-details" }, details.flatMap(([name, value]) => [
            el("dt", {}, tOr(`case.detail.${name}`, name)), el("dd", {}, detailValue(name, value))])) : null,
          clocks.length ? el("div", { class: "entry-clocks" }, clocks) : null));
    }

    function timelinePanel(timeline) {
      return el("section", { class: "panel", id: "case-timeline-panel", "aria-labelledby": "case-timeline-title" },
        el("h2", { id: "case-timeline-title" }, t("case.timeline.title"), " ", el("span", { class: "count" }, formatNumber(timeline.length))),
        el("ol", { id: "case-timeline", class: "timeline" }, timeline.map(timelineItem)));
    }

    function actionsPanel(item) {
      const row = buttons(item, item.actions, () => refresh());
      row.id = "case-actions";
      return el("div", { class: "case-actions-bar" },
        el("span", { class: "label" }, t("case.actions.title")),
        row.childElementCount ? row : el("span", { id: "case-actions", class: "muted" }, t("case.actions.none")));
    }

    /** The map: the case's point, its grid's polygon, and the cases within nearRadius coloured by their lights. */
    function buildMap(item) {
      const container = el("div", { class: "map case-map", id: "case-map", role: "region", "aria-label": t("case.map.title") });
      const nearby = el("div", { class: "nearby", id: "case-nearby" });
      const panel = el("section", { class: "panel", id: "case-map-panel", "aria-labelledby": "case-map-title" },
        el("h2", { id: "case-map-title" }, t("case.map.title")), container,
        el("p", { class: "legend note" },
          el("span", { class: "swatch self" }), t("case.map.self"), " ",
          el("span", { class: "swatch grid" }), t("case.map.grid"), " ",
          el("span", { class: "swatch near" }), t("case.map.near", { n: nearRadius })),
        nearby);
      if (item.latitude === null || item.latitude === undefined || item.longitude === null || item.longitude === undefined) {
        clear(container, el("p", { class: "muted no-point" }, t("case.map.no-point")));
        return { panel, draw: async () => {} };
      }
      const draw = async () => {
        const { L, map } = await createMap(container, { center: [item.latitude, item.longitude], zoom: 16 });
        mapState = { map };
        const [grid, near] = await Promise.all([
          item.gridCode ? api.get("grid-routing", `grids/${encodeURIComponent(item.gridCode)}`).catch(() => null) : null,
          api.get("supervision", "cases/near", { lon: item.longitude, lat: item.latitude, radius: nearRadius, limit: 100 }).catch(() => null),
        ]);
        if (!mapState) return; // the page was left meanwhile
        if (grid) {
          const layer = gridLayer(L, grid, { style: () => ({ color: colours.point, weight: 2, fillOpacity: 0.12 }) }).addTo(map);
          try { map.fitBounds(layer.getBounds().extend([item.latitude, item.longitude]), { padding: [20, 20], maxZoom: 18 }); } catch { /* a grid without area: keep the point's view */ }
        }
        const others = (near || []).filter((entry) => entry.case.id !== item.id);
        for (const entry of others) {
          caseMarker(L, entry.case, lightOf(entry.case.clock), (other) => { location.hash = `#/case/${encodeURIComponent(other.number)}`; }).addTo(map);
        }
        L.circleMarker([item.latitude, item.longitude], { radius: 10, color: "#fff", weight: 3, fillColor: colours.point, fillOpacity: 1 })
          .bindTooltip(`${item.number} ${item.address || ""}`.trim(), { permanent: false }).addTo(map);
        if (near === null) clear(nearby, el("p", { class: "muted" }, t("case.near.failed")));
        else if (others.length === 0) clear(nearby, el("p", { class: "muted" }, t("case.near.none", { n: nearRadius })));
        else {
          clear(nearby, el("h3", {}, t("case.near.title", { n: others.length })),
            el("ul", { class: "near-list" }, others.slice(0, 8).map((entry) => el("li", { dataset: { case: entry.case.number } },
              el("a", { href: `#/case/${encodeURIComponent(entry.case.number)}` }, entry.case.number), " ",
              stateTag(entry.case.state), " ",
              el("span", { class: "muted" }, `${t("case.distance", { n: formatNumber(entry.distanceMeters, 0) })} · ${reference.className(entry.case.kind, entry.case.classCode)}`)))));
        }
        map.invalidateSize();
      };
      return { panel, draw };
    }

    function show() {
      const item = detail.case;
      const timeline = detail.timeline || [];
      const clock = item.clock;
      document.title = `${item.number} · ${t("app.title")}`;
      if (!mapPanel) {
        const built = buildMap(item);
        mapPanel = built.panel;
        mapPanel.draw = built.draw;
      }
      const head = el("div", { class: "case-head" },
        back,
        el("div", { class: "case-title" },
          el("h1", {}, t("case.title", { number: item.number })),
          el("span", { id: "case-state" }, stateTag(item.state)),
          clock?.deadline ? el("span", { id: "case-light", class: "case-light" }, light(lightOf(clock), clock.deadline)) : null,
          item.pendingRequest ? el("a", { class: "pending-tag", href: "#case-pending", onclick: (event) => { event.preventDefault(); root.querySelector("#case-pending")?.scrollIntoView({ block: "start" }); } }, t("case.pending.tag", { kind: tOr(`case.request.${item.pendingRequest.kind}`, item.pendingRequest.kind) })) : null,
          el("button", { type: "button", class: "refresh", dataset: { action: "refresh" }, onclick: (event) => { event.currentTarget.disabled = true; refresh(); } }, t("action.refresh"))),
        el("p", { class: "case-subtitle" },
          el("span", { class: "kind" }, tOr(`kind.${item.kind}`, item.kind)), " ", reference.className(item.kind, item.classCode),
          " · ", tOr(`channel.${item.channel}`, item.channel), " · ", item.address || areaText(item)),
        actionsPanel(item));
      clear(root, head,
        el("div", { class: "case-columns" },
          el("div", { class: "case-main" }, pendingPanel(item), summary(item), clockPanel(item)),
          el("div", { class: "case-side" }, mapPanel, photosPanel(item))),
        timelinePanel(timeline));
    }

    show();
    if (mapPanel.draw) mapPanel.draw().catch((error) => { clear(mapPanel.querySelector("#case-map"), el("p", { class: "muted" }, `${t("case.map.failed")}: ${error.message}`)); });
    return () => { if (mapState) { mapState.map.remove(); mapState = null; } };
  },
};
