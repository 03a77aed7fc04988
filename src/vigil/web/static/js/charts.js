// Charts with the vendored uPlot (window.uPlot, loaded by index.html): time series and bars.

import { h } from "./dom.js";

const PALETTE = ["#ffb000", "#00c2ff", "#ff5fa2", "#7cff6b", "#c59bff", "#ff7a45", "#4dd0e1", "#f06292"];

/**
 * A chart in `box` (cleared first). xs: unix seconds; series: [{label, values}] aligned with xs
 * (null where missing). opts: {bars, yLabel, xRange: [min, max] unix seconds}. Returns a function that removes it.
 */
export function chart(box, xs, series, opts = {}) {
  box.replaceChildren();
  const points = series.reduce((n, s) => n + s.values.filter((v) => v !== null && v !== undefined).length, 0);
  box.dataset.points = String(points);
  if (!points) {
    box.appendChild(h("p", { class: "muted empty" }, "No data in this range."));
    return () => {};
  }
  if (!window.uPlot) {
    box.appendChild(h("p", { class: "error" }, "The chart library did not load."));
    return () => {};
  }
  const uPlot = window.uPlot;
  const bars = opts.bars && uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.8, 40], gap: 1 }) : null;
  const axis = { stroke: "#aab4c3", grid: { stroke: "#2a3140" }, ticks: { stroke: "#2a3140" } };
  const options = {
    width: Math.max(240, box.clientWidth || 500),
    height: 240,
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: opts.xRange ? { time: true, range: () => opts.xRange } : { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [axis, { ...axis, label: opts.yLabel || "", size: 50 }],
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        fill: bars ? `${PALETTE[i % PALETTE.length]}99` : undefined,
        width: 2,
        paths: bars || undefined,
        points: { show: !bars && xs.length < 60 },
        spanGaps: false,
      })),
    ],
  };
  const plot = new uPlot(options, [xs, ...series.map((s) => s.values)], box);
  const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(240, box.clientWidth), height: 240 }));
  resize.observe(box);
  return () => { resize.disconnect(); plot.destroy(); };
}

/** Align keyed rows into xs and one value list per key: rows of {x, key, v}. */
export function pivot(rows, keyLabel = (k) => k) {
  const xs = [...new Set(rows.map((r) => r.x))].sort((a, b) => a - b);
  const keys = [...new Set(rows.map((r) => r.key))].sort();
  const index = new Map(xs.map((x, i) => [x, i]));
  const series = keys.map((key) => {
    const values = xs.map(() => null);
    for (const r of rows) if (r.key === key) values[index.get(r.x)] = (values[index.get(r.x)] || 0) + r.v;
    return { label: keyLabel(key), values };
  });
  return { xs, series };
}

/**
 * Bar rows ({x: bucket start, key, v}, seconds) placed in the middle of their `bucketS`-second
 * bucket, the keys side by side instead of on top of each other: key i of n (sorted) moves by
 * (i - (n - 1) / 2) * 0.8 * bucketS / n. uPlot sizes bars by the closest x values, so each bar
 * then takes its share of the bucket.
 */
export function sideBySide(rows, bucketS) {
  const keys = [...new Set(rows.map((r) => r.key))].sort();
  const step = (0.8 * bucketS) / Math.max(1, keys.length);
  return rows.map((r) => ({ ...r, x: r.x + bucketS / 2 + (keys.indexOf(r.key) - (keys.length - 1) / 2) * step }));
}

/** Draw a heat grid (row-major counts) on `canvas` with transparent-to-red cells. */
export function drawHeat(canvas, grid) {
  const w = canvas.clientWidth;
  const hgt = canvas.clientHeight;
  canvas.width = w;
  canvas.height = hgt;
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, w, hgt);
  const { grid_w: gw, grid_h: gh, cells } = grid;
  if (!gw || !gh) return 0;
  const max = Math.max(1, ...cells);
  const cw = w / gw;
  const ch = hgt / gh;
  let drawn = 0;
  for (let r = 0; r < gh; r += 1) {
    for (let c = 0; c < gw; c += 1) {
      const v = cells[r * gw + c];
      if (!v) continue;
      const t = Math.sqrt(v / max);
      g.fillStyle = `rgba(${Math.round(255 * Math.min(1, 2 * t))}, ${Math.round(200 * (1 - t))}, 0, ${0.15 + 0.6 * t})`;
      g.fillRect(c * cw, r * ch, Math.ceil(cw), Math.ceil(ch));
      drawn += 1;
    }
  }
  return drawn;
}
