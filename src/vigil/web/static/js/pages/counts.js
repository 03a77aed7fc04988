// Counts and plots for one camera: occupancy per zone, line in/out per hour, events per rule
// per day, and a heatmap of foot points over the camera's snapshot; the time range is chosen.

import { ApiError, cameraPath, get } from "../api.js";
import { field, h, problem, replace, select } from "../dom.js";
import { RANGES, rangeOf } from "../format.js";
import { chart, drawHeat, pivot, sideBySide } from "../charts.js";

const BUCKETS = { "1h": 60, "6h": 300, "24h": 900, "7d": 3600, "30d": 6 * 3600 };

/** The chart's x range in unix seconds; bars (drawn in the middle of their bucket) get a whole
 * bucket more on each side so that the first and the current one show. */
function span(range, bucket = 0) {
  return [Date.parse(range.since) / 1000 - bucket, Date.parse(range.until) / 1000 + bucket];
}

function panel(title, id) {
  const body = h("div", { class: "plot", id });
  return [h("section", { class: "chart", "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, title), body), body];
}

function failure(box, e) {
  const text = e instanceof ApiError && e.status === 404 && e.message === "Not Found"
    ? "This server does not offer this chart yet."
    : e instanceof ApiError && e.status === 403 ? `Not allowed: ${e.message}` : e.message;
  replace(box, h("p", { class: "error" }, text));
  box.dataset.points = "0";
}

export async function render(root, ctx) {
  const cameras = await ctx.listCameras();
  if (!cameras.length) {
    root.appendChild(problem("No cameras", "You may not see any camera."));
    return null;
  }
  const params = new URLSearchParams(location.search);
  const state = {
    camera: cameras.some((c) => c.id === params.get("camera")) ? params.get("camera") : cameras[0].id,
    range: BUCKETS[params.get("range")] ? params.get("range") : "24h",
  };
  const cameraSel = select(cameras.map((c) => [c.id, c.id]), state.camera, { name: "camera" });
  const rangeSel = select(RANGES.map(([v, label]) => [v, label]), state.range, { name: "range" });
  const refresh = h("button", { type: "button", class: "secondary" }, "Refresh");
  const [occPanel, occBox] = panel("Occupancy per zone (average people per interval)", "chart-occupancy");
  const [linePanel, lineBox] = panel("Line crossings per hour (in / out)", "chart-lines");
  const [rulePanel, ruleBox] = panel("Events per rule per day", "chart-rules");
  const heatImg = h("img", { alt: "" });
  const heatCanvas = h("canvas", { "aria-hidden": "true" });
  const heatNote = h("p", { class: "muted" });
  const heat = h("div", { class: "heat", id: "heatmap" }, heatImg, heatCanvas);
  const heatPanel = h("section", { class: "chart", "aria-labelledby": "heat-title" },
    h("h2", { id: "heat-title" }, "Where people walked"), heat, heatNote);
  root.append(
    h("div", { class: "page-head" }, h("h1", {}, "Counts and plots"),
      h("form", { class: "filters", "aria-label": "Chart options" }, field("Camera", cameraSel), field("Time range", rangeSel),
        h("div", { class: "field actions" }, refresh))),
    h("div", { class: "charts" }, occPanel, linePanel, rulePanel, heatPanel),
  );

  let disposers = [];
  let heatGrid = null;
  const dispose = () => { disposers.forEach((d) => d()); disposers = []; };

  async function occupancy(cam, range) {
    const bucket = BUCKETS[state.range];
    const rows = [];
    for (const zone of cam.zones) {
      const s = await get(cameraPath(cam.id, "/counts"), { zone, since: range.since, until: range.until, bucket });
      for (const b of s.buckets) rows.push({ x: Date.parse(b.start) / 1000, key: zone, v: b.mean });
    }
    const { xs, series } = pivot(rows, (z) => `zone ${z}`);
    disposers.push(chart(occBox, xs, series, { yLabel: "people (average)", xRange: span(range) }));
  }

  async function lines(cam, range) {
    const data = await get("/api/stats/lines", { camera: cam.id, since: range.since, until: range.until });
    const rows = data.hours.map((r) => ({ x: Date.parse(r.hour) / 1000, key: `${r.line} ${r.direction}`, v: r.n }));
    const { xs, series } = pivot(sideBySide(rows, 3600));
    disposers.push(chart(lineBox, xs, series, { bars: true, yLabel: "crossings", xRange: span(range, 3600) }));
  }

  async function rules(cam, range) {
    const data = await get("/api/stats/events", {
      camera: cam.id, since: range.since, until: range.until, utc_offset_min: -new Date().getTimezoneOffset(),
    });
    const rows = data.days.map((d) => {
      const [y, m, day] = String(d.day).split("-").map(Number);
      return { x: new Date(y, m - 1, day).getTime() / 1000, key: d.rule, v: d.n };
    });
    const { xs, series } = pivot(sideBySide(rows, 86400));
    disposers.push(chart(ruleBox, xs, series, { bars: true, yLabel: "events", xRange: span(range, 86400) }));
  }

  async function heatmap(cam, range) {
    heatImg.src = `${cameraPath(cam.id, "/snapshot.jpg")}?t=${Date.now()}`;
    heatImg.alt = `Snapshot of camera ${cam.id} under the heatmap`;
    heatGrid = await get(cameraPath(cam.id, "/heatmap"), { since: range.since, until: range.until });
    const drawn = drawHeat(heatCanvas, heatGrid);
    heat.dataset.cells = String(drawn);
    heatNote.textContent = heatGrid.total ? `${heatGrid.total} foot points over ${heatGrid.hours} h.` : "No data in this range.";
  }

  async function load() {
    dispose();
    const cam = cameras.find((c) => c.id === state.camera);
    history.replaceState({}, "", `/counts?camera=${encodeURIComponent(cam.id)}&range=${state.range}`);
    const range = rangeOf(state.range);
    for (const box of [occBox, lineBox, ruleBox]) { replace(box, h("p", { class: "muted" }, "Loading…")); delete box.dataset.points; }
    const jobs = [[occupancy, occBox], [lines, lineBox], [rules, ruleBox], [heatmap, heatNote]];
    await Promise.all(jobs.map(([job, box]) => job(cam, range).catch((e) => {
      if (ctx.isCurrent()) failure(box, e);
    })));
  }

  cameraSel.addEventListener("change", () => { state.camera = cameraSel.value; load(); });
  rangeSel.addEventListener("change", () => { state.range = rangeSel.value; load(); });
  refresh.addEventListener("click", load);
  heatImg.addEventListener("load", () => {
    if (heatImg.naturalWidth && heatImg.naturalHeight) heat.style.aspectRatio = `${heatImg.naturalWidth} / ${heatImg.naturalHeight}`;
    if (heatGrid) drawHeat(heatCanvas, heatGrid);
  });
  const onResize = () => { if (heatGrid) drawHeat(heatCanvas, heatGrid); };
  window.addEventListener("resize", onResize);
  load();
  return () => { dispose(); window.removeEventListener("resize", onResize); };
}
