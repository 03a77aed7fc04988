// The camera grid (a live tile per camera the user may see) and one camera's full view.

import { cameraPath, get } from "../api.js";
import { h, problem, replace } from "../dom.js";
import { num } from "../format.js";
import { eventRow, eventStream } from "../eventlist.js";
import { layerToggles, liveView, loadLayers } from "../live.js";

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
        h("section", {}, h("h2", {}, "Live counts"), countsBox),
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

  async function refreshCounts() {
    if (!cam.zones.length) {
      replace(countsBox, h("dd", { class: "muted" }, "This camera has no zones."));
      return;
    }
    const until = new Date();
    const since = new Date(until.getTime() - 5 * 60 * 1000);
    const rows = await Promise.all(cam.zones.map(async (zone) => {
      try {
        const s = await get(cameraPath(cam.id, "/counts"), { zone, since: since.toISOString(), until: until.toISOString(), bucket: 10 });
        const last = s.buckets[s.buckets.length - 1];
        return [zone, last ? num(last.mean, 1) : "–"];
      } catch (e) {
        return [zone, "?"];
      }
    }));
    replace(countsBox, rows.map(([zone, value]) => [h("dt", {}, zone), h("dd", { dataset: { zone } }, value)]));
  }
  refreshCounts();
  const timer = setInterval(refreshCounts, 5000);
  return () => { view.stop(); close(); clearInterval(timer); };
}
