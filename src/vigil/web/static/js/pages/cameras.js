// The camera grid (a live tile per camera the user may see) and one camera's full view.

import { cameraPath, get } from "../api.js";
import { h, problem, replace } from "../dom.js";
import { eventRow, eventStream } from "../eventlist.js";
import { layerToggles, liveView, loadLayers } from "../live.js";

const COUNT_WINDOW_S = 300;
const STALE_S = 60;

/** The latest count (whole people) and the peak over the window, from 1 s count buckets;
 * "–" when no count came in the last minute (the worker sends one every few seconds). */
export function liveCount(buckets, now = Date.now()) {
  if (!buckets.length) return { now: "–", note: "no count in the last 5 min" };
  const last = buckets[buckets.length - 1];
  const peak = Math.max(...buckets.map((b) => b.maximum));
  const age = (now - Date.parse(last.start)) / 1000;
  if (age > STALE_S) return { now: "–", note: `no count for ${Math.round(age / 60)} min; peak ${peak} in 5 min` };
  return { now: String(Math.round(last.mean)), note: `peak ${peak} in 5 min` };
}

export async function renderGrid(root, ctx) {
  const cameras = await ctx.listCameras(true);
  const layers = loadLayers();
  const views = [];
  const grid = h("div", { class: "grid" });
  root.append(
    h("div", { class: "page-head" }, h("h1", {}, "Cameras"), layerToggles(layers, (l) => views.forEach((v) => v.setLayers(l)))),
  );
  if (!cameras.length) {
    root.appendChild(problem("No cameras", "You may not see any camera yet, or none is configured. Ask an admin."));
    return null;
  }
  for (const cam of cameras) {
    const view = liveView(cam.id, { layers, intervalMs: 1000 });
    views.push(view);
    const href = `/cameras/${encodeURIComponent(cam.id)}`;
    grid.appendChild(
      h(
        "article",
        { class: "tile", dataset: { camera: cam.id } },
        h("header", {}, h("h2", {}, h("a", { href, "data-link": true }, cam.id)), view.badge.el),
        h("a", { href, "data-link": true, class: "tile-live", "aria-label": `Open camera ${cam.id}` }, view.el),
      ),
    );
  }
  root.appendChild(grid);
  return () => views.forEach((v) => v.stop());
}

export async function renderDetail(root, ctx, cameraId) {
  const cam = await get(cameraPath(cameraId));
  const layers = loadLayers();
  const view = liveView(cam.id, { layers, intervalMs: 500, mjpeg: true });
  const list = h("ul", { class: "events compact", "aria-label": "Recent events" });
  const countsBox = h("dl", { class: "counts" }, h("dd", { class: "muted" }, "Loading…"));
  const streamState = h("span", { class: "muted" });
  const events = new Map();

  const showEvents = () => {
    const sorted = [...events.values()].sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at)).slice(0, 20);
    replace(list, sorted.length ? sorted.map((e) => eventRow(e, {
      showCamera: false,
      onselect: (ev) => ctx.navigate(`/events?camera=${encodeURIComponent(cam.id)}&event=${encodeURIComponent(ev.id)}`),
    })) : h("li", { class: "muted" }, "No events yet."));
  };

  root.append(
    h("div", { class: "page-head" }, h("h1", {}, "Camera ", h("span", { class: "name" }, cam.id)), view.badge.el),
    h(
      "div",
      { class: "detail" },
      h("section", { class: "detail-live", "aria-label": "Live view" }, view.el, layerToggles(layers, (l) => view.setLayers(l))),
      h(
        "aside",
        { class: "detail-side" },
        h("section", {}, h("h2", {}, "People in zones now"), countsBox),
        h("section", {}, h("h2", {}, "Recent events ", streamState), list),
        h("p", {}, h("a", { href: `/counts?camera=${encodeURIComponent(cam.id)}`, "data-link": true }, "Counts and plots"), " · ",
          h("a", { href: `/events?camera=${encodeURIComponent(cam.id)}`, "data-link": true }, "All events")),
      ),
    ),
  );

  const page = await get("/api/events", { camera: cam.id, limit: 20 });
  page.items.forEach((e) => events.set(e.id, e));
  showEvents();
  const close = eventStream((e) => { events.set(e.id, e); showEvents(); }, {
    camera: cam.id,
    onstate: (s) => { streamState.textContent = s === "live" ? "(live)" : `(${s})`; },
  });

  // The API keeps each count the worker sends (whole people, on a change and every few
  // seconds) and answers them in buckets; 1 s buckets give the latest count itself, not an average.
  async function refreshCounts() {
    if (!cam.zones.length) {
      replace(countsBox, h("dd", { class: "muted" }, "This camera has no zones."));
      return;
    }
    const since = new Date(Date.now() - COUNT_WINDOW_S * 1000);
    const rows = await Promise.all(cam.zones.map(async (zone) => {
      try {
        const s = await get(cameraPath(cam.id, "/counts"), { zone, since: since.toISOString(), bucket: 1 });
        return [zone, liveCount(s.buckets)];
      } catch (e) {
        return [zone, { now: "?", note: e.message }];
      }
    }));
    replace(countsBox, rows.map(([zone, c]) => [
      h("dt", {}, zone),
      h("dd", { dataset: { zone, now: c.now } }, h("span", { class: "now" }, c.now), c.note ? h("small", { class: "muted" }, ` ${c.note}`) : null),
    ]));
  }
  refreshCounts();
  const timer = setInterval(refreshCounts, 5000);
  return () => { view.stop(); close(); clearInterval(timer); };
}
