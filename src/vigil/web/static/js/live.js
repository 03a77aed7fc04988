// A camera's live view: the latest frame (polled as JPEG), an overlay canvas (boxes, trails,
// zones, lines) and a health badge. Each view stops its timers when the page is left.

import { ApiError, cameraPath, get } from "./api.js";
import { h } from "./dom.js";
import { num } from "./format.js";

export const LAYERS = [
  ["boxes", "Boxes"],
  ["trails", "Trails"],
  ["zones", "Zones"],
  ["lines", "Lines"],
];

const STORE_KEY = "vigil.overlay";

export function loadLayers() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORE_KEY) || "null");
    if (saved && typeof saved === "object") return { boxes: true, trails: true, zones: true, lines: true, ...saved };
  } catch (e) { /* fall through */ }
  return { boxes: true, trails: true, zones: true, lines: true };
}

/** Checkboxes that switch overlay layers on and off; `onchange(layers)` after each change. */
export function layerToggles(layers, onchange) {
  const boxes = LAYERS.map(([key, label]) => {
    const input = h("input", { type: "checkbox", checked: layers[key], name: `layer-${key}` });
    input.addEventListener("change", () => {
      layers[key] = input.checked;
      localStorage.setItem(STORE_KEY, JSON.stringify(layers));
      onchange(layers);
    });
    return h("label", { class: "toggle" }, input, ` ${label}`);
  });
  return h("fieldset", { class: "layers" }, h("legend", {}, "Overlay"), boxes);
}

function healthText(hl) {
  if (!hl) return ["unknown", "health unknown"];
  const online = hl.online === true || hl.state === "online";
  if (hl.state === "stopped" && hl.last_error === "disabled in the config") return ["unknown", "disabled"];
  const state = online ? "online" : hl.state || "offline";
  const parts = [state];
  if (online) {
    parts.push(`${num(hl.analysis_fps ?? hl.input_fps)} fps`);
    if (typeof hl.lag === "number") parts.push(`lag ${num(hl.lag, 2)} s`);
  }
  // starting, finished and stopped are no failure: only offline and restarting are shown red
  const cls = online ? "online" : ["starting", "finished", "stopped"].includes(state) ? "unknown" : "offline";
  return [cls, parts.join(" · ")];
}

export function healthBadge() {
  const el = h("span", { class: "badge unknown", role: "status" }, "…");
  return {
    el,
    set(hl) {
      const [cls, text] = healthText(hl);
      el.className = `badge ${cls}`;
      el.textContent = text;
    },
  };
}

const COLORS = ["#ffb000", "#00c2ff", "#ff5fa2", "#7cff6b", "#c59bff", "#ff7a45"];

function color(id) {
  return COLORS[Math.abs(Number(id) || 0) % COLORS.length];
}

/** Normalise the overlay response: tracks with box [x1,y1,x2,y2] and trail [[x,y],...] in 0-1. */
export function overlayTracks(data) {
  const tracks = (data && (data.tracks || data.objects)) || [];
  return tracks.map((t) => ({
    id: t.id ?? t.track_id,
    label: t.label ?? t.class_name ?? t.cls ?? "",
    box: t.box ?? t.bbox ?? null,
    trail: t.trail ?? t.points ?? [],
  }));
}

/** Draw geometry and tracks on `canvas` (sized to its box); coordinates are normalised. */
export function drawOverlay(canvas, layers, geometry, tracks) {
  const w = canvas.clientWidth;
  const hgt = canvas.clientHeight;
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(hgt * dpr);
  }
  const g = canvas.getContext("2d");
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, hgt);
  g.lineWidth = 2;
  g.font = "12px system-ui, sans-serif";
  const X = (p) => p[0] * w;
  const Y = (p) => p[1] * hgt;
  if (layers.zones && geometry) {
    for (const z of geometry.zones || []) {
      g.beginPath();
      z.points.forEach((p, i) => (i ? g.lineTo(X(p), Y(p)) : g.moveTo(X(p), Y(p))));
      g.closePath();
      g.fillStyle = "rgba(0, 194, 255, 0.15)";
      g.strokeStyle = "#00c2ff";
      g.fill();
      g.stroke();
      g.fillStyle = "#00c2ff";
      g.fillText(z.name, X(z.points[0]) + 4, Y(z.points[0]) + 14);
    }
  }
  if (layers.lines && geometry) {
    for (const l of geometry.lines || []) drawLine(g, X, Y, l);
  }
  for (const t of tracks || []) {
    const c = color(t.id);
    if (layers.trails && t.trail && t.trail.length > 1) {
      g.strokeStyle = c;
      g.globalAlpha = 0.8;
      g.beginPath();
      t.trail.forEach((p, i) => (i ? g.lineTo(X(p), Y(p)) : g.moveTo(X(p), Y(p))));
      g.stroke();
      g.globalAlpha = 1;
    }
    if (layers.boxes && t.box) {
      const [x1, y1, x2, y2] = t.box;
      g.strokeStyle = c;
      g.strokeRect(x1 * w, y1 * hgt, (x2 - x1) * w, (y2 - y1) * hgt);
      g.fillStyle = c;
      g.fillText(`${t.label} ${t.id ?? ""}`.trim(), x1 * w + 2, Math.max(12, y1 * hgt - 3));
    }
  }
}

function drawLine(g, X, Y, l) {
  const [a, b] = l.points;
  g.strokeStyle = "#ffb000";
  g.fillStyle = "#ffb000";
  g.beginPath();
  g.moveTo(X(a), Y(a));
  g.lineTo(X(b), Y(b));
  g.stroke();
  // The 'in' side: crossing from the left of a->b to its right; the arrow points right.
  const mx = (X(a) + X(b)) / 2;
  const my = (Y(a) + Y(b)) / 2;
  const dx = X(b) - X(a);
  const dy = Y(b) - Y(a);
  const len = Math.hypot(dx, dy) || 1;
  const nx = -dy / len;
  const ny = dx / len;
  g.beginPath();
  g.moveTo(mx - nx * 14, my - ny * 14);
  g.lineTo(mx + nx * 14, my + ny * 14);
  g.stroke();
  g.beginPath();
  g.moveTo(mx + nx * 18, my + ny * 18);
  g.lineTo(mx + nx * 10 + dx / len * 5, my + ny * 10 + dy / len * 5);
  g.lineTo(mx + nx * 10 - dx / len * 5, my + ny * 10 - dy / len * 5);
  g.closePath();
  g.fill();
  g.fillText(l.name, X(a) + 4, Y(a) - 4);
}

/**
 * The live view of one camera. opts: {intervalMs, layers, mjpeg}. Returns {el, badge, setLayers, stop}.
 * The image is the snapshot JPEG fetched every intervalMs into a blob URL (no flicker, no cache),
 * or with `mjpeg` the live MJPEG stream (full rate; the server counts it as a viewer), falling
 * back to snapshots when the stream fails.
 */
export function liveView(camera, opts = {}) {
  const intervalMs = opts.intervalMs || 1000;
  let layers = opts.layers || loadLayers();
  const img = h("img", { class: "frame", alt: `Live view of camera ${camera}` });
  const canvas = h("canvas", { class: "overlay", "aria-hidden": "true" });
  const status = h("p", { class: "frame-status muted" }, "Waiting for the first frame…");
  const el = h("div", { class: "live" }, img, canvas, status);
  const badge = healthBadge();
  let geometry = null;
  let tracks = [];
  let overlayAvailable = true;
  let stopped = false;
  let url = null;
  const timers = [];

  const redraw = () => { if (img.naturalWidth) drawOverlay(canvas, layers, geometry, tracks); };

  async function frame() {
    try {
      const r = await fetch(cameraPath(camera, "/snapshot.jpg"), { cache: "no-store", credentials: "same-origin" });
      if (stopped) return;
      if (r.status === 404) { status.textContent = "No frame yet"; status.hidden = false; return; }
      if (!r.ok) { status.textContent = `Live view unavailable (HTTP ${r.status})`; status.hidden = false; return; }
      const blob = await r.blob();
      if (stopped) return;
      const next = URL.createObjectURL(blob);
      img.src = next;
      if (url) URL.revokeObjectURL(url);
      url = next;
      status.hidden = true;
      el.dataset.frames = String(Number(el.dataset.frames || 0) + 1);
    } catch (e) {
      status.textContent = "Live view unavailable";
      status.hidden = false;
    }
  }

  async function overlay() {
    if (!overlayAvailable || !(layers.boxes || layers.trails)) { tracks = []; redraw(); return; }
    try {
      tracks = overlayTracks(await get(cameraPath(camera, "/overlay")));
    } catch (e) {
      // A server without the overlay route answers FastAPI's bare "Not Found": stop asking.
      if (e instanceof ApiError && e.status === 404 && e.message === "Not Found") overlayAvailable = false;
      tracks = [];
    }
    el.dataset.tracks = String(tracks.length);
    if (!stopped) redraw();
  }

  async function health() {
    try {
      badge.set(await get(cameraPath(camera, "/health")));
    } catch (e) {
      badge.set(null);
    }
  }

  async function loadGeometry() {
    try {
      geometry = await get(cameraPath(camera, "/geometry"));
    } catch (e) {
      geometry = null;
    }
    redraw();
  }

  // the box takes the camera's shape (CSSOM styles are allowed by the CSP, inline ones are not)
  const fit = () => {
    if (img.naturalWidth && img.naturalHeight) el.style.aspectRatio = `${img.naturalWidth} / ${img.naturalHeight}`;
  };
  img.addEventListener("load", () => { fit(); redraw(); });
  const resize = new ResizeObserver(redraw);
  resize.observe(el);
  let polling = null;
  const poll = () => {
    if (polling || stopped) return;
    frame();
    polling = setInterval(frame, intervalMs);
    timers.push(polling);
  };
  if (opts.mjpeg) {
    el.dataset.mode = "mjpeg";
    img.addEventListener("error", () => {
      if (stopped || polling) return;
      el.dataset.mode = "snapshots";
      poll();
    });
    img.src = cameraPath(camera, "/live.mjpeg");
    // a multipart image has no event per frame: say it is live once the first frame shows
    const shown = setInterval(() => {
      if (img.naturalWidth) { status.hidden = true; fit(); redraw(); clearInterval(shown); }
    }, 200);
    timers.push(shown);
  } else {
    poll();
  }
  health();
  loadGeometry();
  overlay();
  timers.push(setInterval(overlay, intervalMs));
  timers.push(setInterval(health, 3000));
  return {
    el,
    badge,
    setLayers(next) { layers = next; overlay(); redraw(); },
    reloadGeometry: loadGeometry,
    stop() {
      stopped = true;
      timers.forEach(clearInterval);
      img.removeAttribute("src"); // ends the MJPEG request
      resize.disconnect();
      if (url) URL.revokeObjectURL(url);
    },
  };
}
