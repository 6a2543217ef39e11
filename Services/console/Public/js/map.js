// Maps without internet tiles: Leaflet (Debian's libjs-leaflet, served under /vendor/leaflet) with
// our own GeoJSON — grid polygons from grid-routing — and points for cases.
"use strict";

let loading = null;

/** Loads Leaflet's script and style once; resolves with window.L. */
export function loadLeaflet() {
  if (window.L) return Promise.resolve(window.L);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href: "/vendor/leaflet/leaflet.css" }));
      const script = Object.assign(document.createElement("script"), { src: "/vendor/leaflet/leaflet.js" });
      script.onload = () => resolve(window.L);
      script.onerror = () => reject(new Error("leaflet not installed (apt-get install libjs-leaflet)"));
      document.head.append(script);
    });
  }
  return loading;
}

/**
 * A map in `container` with no tile layer; the caller adds GeoJSON and markers. `canvas: true`
 * draws faster (the big screen's 1,500 grids); the default SVG keeps every polygon a DOM element
 * with class `grid-<code>`, which a keyboard user, a test and a screen reader can reach.
 */
export async function createMap(container, { center = [40.81, 111.67], zoom = 13, canvas = false } = {}) {
  const L = await loadLeaflet();
  const map = L.map(container, { attributionControl: false, zoomSnap: 0.25, preferCanvas: canvas }).setView(center, zoom);
  return { L, map };
}

export const colours = { red: "#d93025", yellow: "#f2a900", green: "#1e8e3e", none: "#5f6b7a", point: "#1a56db", grid: "#3c4a5c" };

/** A case's point as a circle marker in the colour of its light. */
export function caseMarker(L, item, light = "none", onClick) {
  const marker = L.circleMarker([item.latitude, item.longitude], {
    radius: 7, color: "#fff", weight: 1.5, fillColor: colours[light] || colours.point, fillOpacity: 0.95,
  });
  marker.bindTooltip(`${item.number || ""} ${item.description || ""}`.trim());
  if (onClick) marker.on("click", () => onClick(item));
  return marker;
}

/**
 * Grid polygons from grid-routing's GET /api/v1/grids (a GeoJSON FeatureCollection). `style(feature)`
 * may colour each grid; `onClick(feature)` makes grids selectable.
 */
export function gridLayer(L, collection, { style, onClick } = {}) {
  return L.geoJSON(collection, {
    style: (feature) => ({ color: colours.grid, weight: 1, fillOpacity: 0.08, className: `grid grid-${feature.properties.code}`, ...(style ? style(feature) : {}) }),
    onEachFeature: (feature, layer) => {
      layer.bindTooltip(feature.properties.code, { sticky: true });
      if (onClick) layer.on("click", () => onClick(feature, layer));
    },
  });
}
