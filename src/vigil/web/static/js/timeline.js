// The events timeline: a strip with time ticks (whole hours, or finer for a short span) and a
// mark per event coloured by its rule, with a legend of the rules; a click picks the nearest event.

import { h } from "./dom.js";

export const RULE_COLORS = ["#ffb000", "#00c2ff", "#ff5fa2", "#7cff6b", "#c59bff", "#ff7a45", "#4dd0e1", "#f5f58c"];

const MIN = 60 * 1000;
const HOUR = 60 * MIN;
const STEPS = [5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR, 48 * HOUR, 7 * 24 * HOUR];
const HEIGHT = 64;
const PAD = 6;

/** Each rule's colour: the rules sorted by name take the palette in turn. */
export function ruleColors(rules) {
  const sorted = [...new Set(rules)].sort();
  return new Map(sorted.map((r, i) => [r, RULE_COLORS[i % RULE_COLORS.length]]));
}

/** The tick step (ms): the smallest that leaves at least `minPx` between labelled ticks. */
export function tickStep(spanMs, widthPx, minPx = 70) {
  const perPx = spanMs / Math.max(1, widthPx);
  return STEPS.find((s) => s / perPx >= minPx) || STEPS[STEPS.length - 1];
}

/** Local-time ticks in [t0, t1] every `step` ms: on whole minutes, hours or local midnights
 * (walked in local time, so the labels stay on whole hours across a DST change). */
export function ticks(t0, t1, step) {
  const d = new Date(t0);
  d.setSeconds(0, 0);
  if (step >= HOUR) d.setMinutes(0);
  const walk = step >= HOUR ? HOUR : MIN;
  const out = [];
  let days = 0;
  for (let t = d.getTime(); t <= t1 && out.length < 500; t += walk) {
    const local = new Date(t);
    let aligned;
    if (step >= 24 * HOUR) {
      aligned = local.getHours() === 0 && days++ % Math.round(step / (24 * HOUR)) === 0;
    } else if (step >= HOUR) {
      aligned = local.getHours() % (step / HOUR) === 0;
    } else {
      aligned = local.getMinutes() % (step / MIN) === 0;
    }
    if (aligned && t >= t0) out.push(t);
  }
  return out;
}

function label(t, step) {
  const d = new Date(t);
  if (step >= 24 * HOUR || (d.getHours() === 0 && d.getMinutes() === 0)) {
    return d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
  }
  return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/**
 * The strip and its legend. onpick(event) on a click. draw(events, {t0, t1, selectedId}) paints
 * it (t0/t1: ms; null: from the first event, or an hour back at least, to now); the canvas carries data-step (ms) and data-ticks.
 */
export function timeline(onpick) {
  const canvas = h("canvas", { class: "timeline", height: HEIGHT, "aria-hidden": "true" });
  const legend = h("ul", { class: "timeline-legend", "aria-label": "Timeline key" });
  let shown = [];
  let t0 = 0;
  let span = 1;

  function draw(events, { t0: from = null, t1: to = null, selectedId = null } = {}) {
    const w = canvas.clientWidth || 600;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(HEIGHT * dpr);
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, HEIGHT);
    shown = events;
    const colors = ruleColors(events.map((e) => e.rule));
    legend.replaceChildren(...[...colors].map(([rule, color]) => {
      const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.background = color; // CSSOM: allowed by the CSP, unlike a style attribute
      const n = events.filter((e) => e.rule === rule).length;
      return h("li", { dataset: { rule, color } }, swatch, `${rule.replace(/_/g, " ")} (${n})`);
    }));
    if (events.length) legend.append(h("li", { class: "muted" }, "dim: acknowledged"));
    if (!events.length) { delete canvas.dataset.ticks; return; }
    const times = events.map((e) => Date.parse(e.started_at));
    const t1 = to ?? Math.max(Date.now(), ...times);
    // without a chosen start, at least the last hour: a burst of events still reads against the clock
    t0 = from ?? Math.min(Math.min(...times) - 1000, t1 - HOUR);
    span = Math.max(1, t1 - t0);
    const X = (t) => ((t - t0) / span) * (w - 2 * PAD) + PAD;
    // baseline and ticks
    g.fillStyle = "#2f3847";
    g.fillRect(0, 40, w, 1);
    const step = tickStep(span, w - 2 * PAD);
    const at = ticks(t0, t1, step);
    g.font = "11px system-ui, sans-serif";
    g.textBaseline = "alphabetic";
    let lastRight = -Infinity;
    for (const t of at) {
      const x = Math.round(X(t)) + 0.5;
      g.fillStyle = "#2f3847";
      g.fillRect(x - 0.5, 4, 1, 36); // a faint grid line through the marks
      g.fillStyle = "#aab4c3";
      g.fillRect(x - 0.5, 40, 1, 6);
      const text = label(t, step);
      const tw = g.measureText(text).width;
      const tx = Math.min(w - tw - 2, Math.max(2, x - tw / 2));
      if (tx > lastRight + 4) {
        g.fillText(text, tx, 59);
        lastRight = tx + tw;
      }
    }
    canvas.dataset.step = String(step);
    canvas.dataset.ticks = String(at.length);
    // the marks: the rule's colour, dimmed once acknowledged; the selected one white and taller
    let selected = null;
    events.forEach((e, i) => {
      const x = X(times[i]);
      if (e.id === selectedId) { selected = x; return; }
      g.globalAlpha = e.acknowledged_at ? 0.4 : 1;
      g.fillStyle = colors.get(e.rule);
      g.fillRect(Math.round(x) - 1, 10, 3, 28);
    });
    g.globalAlpha = 1;
    if (selected !== null) {
      g.fillStyle = "#ffffff";
      g.fillRect(Math.round(selected) - 2, 2, 5, 38);
    }
  }

  canvas.addEventListener("click", (ev) => {
    if (!shown.length) return;
    const rect = canvas.getBoundingClientRect();
    const t = t0 + ((ev.clientX - rect.left - PAD) / (rect.width - 2 * PAD)) * span;
    let best = shown[0];
    for (const e of shown) if (Math.abs(Date.parse(e.started_at) - t) < Math.abs(Date.parse(best.started_at) - t)) best = e;
    onpick(best);
  });
  return { canvas, legend, draw };
}
