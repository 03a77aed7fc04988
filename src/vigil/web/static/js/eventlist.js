// Events as list rows, and the live stream (SSE) that brings new and changed events.

import { h } from "./dom.js";
import { clock, eventLabel, when } from "./format.js";

/** One event as a row: a button (keyboard reachable) with its time, camera, rule, zone and state. */
export function eventRow(e, { onselect, selected, showCamera = true } = {}) {
  const state = e.acknowledged_at ? h("span", { class: "tag ack" }, "acknowledged") : e.active ? h("span", { class: "tag active" }, "active") : h("span", { class: "tag new" }, "new");
  const button = h(
    "button",
    {
      type: "button",
      class: `event-row${selected ? " selected" : ""}`,
      "aria-pressed": selected ? "true" : "false",
      dataset: { id: e.id, started: e.started_at, rule: e.rule },
      title: when(e.started_at),
      onclick: () => onselect && onselect(e),
    },
    h("span", { class: "ev-time" }, clock(e.started_at)),
    showCamera ? h("span", { class: "ev-camera" }, e.camera) : null,
    h("span", { class: "ev-what" }, eventLabel(e)),
    state,
  );
  return h("li", {}, button);
}

/**
 * Subscribe to /api/events/stream (only the caller's cameras; `camera` narrows). onevent(e)
 * for every new or changed event. Returns a function that closes the stream.
 */
export function eventStream(onevent, { camera, onstate } = {}) {
  const url = camera ? `/api/events/stream?camera=${encodeURIComponent(camera)}` : "/api/events/stream";
  const source = new EventSource(url, { withCredentials: true });
  source.addEventListener("event", (msg) => {
    try {
      onevent(JSON.parse(msg.data));
    } catch (e) {
      console.error("bad event message", e);
    }
  });
  source.addEventListener("open", () => onstate && onstate("live"));
  source.addEventListener("error", () => onstate && onstate(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting"));
  return () => source.close();
}
