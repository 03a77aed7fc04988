// System: version, camera health with CPU per camera, storage against the retention cap,
// outbox backlog. Refreshes every few seconds.

import { ApiError, get } from "../api.js";
import { h, problem, replace } from "../dom.js";
import { bytes, num, when } from "../format.js";

function healthRows(cameras) {
  return cameras.map((c) => {
    const online = c.online === true || c.state === "online";
    return h("tr", { dataset: { camera: c.camera } },
      h("td", { class: "name" }, c.camera),
      h("td", {}, h("span", { class: `badge ${online ? "online" : "offline"}` }, c.state || (online ? "online" : "offline"))),
      h("td", {}, num(c.input_fps)), h("td", {}, num(c.analysis_fps)),
      h("td", {}, typeof c.lag === "number" ? `${num(c.lag, 2)} s` : "–"),
      h("td", { class: "cpu" }, typeof c.cpu_percent === "number" ? `${num(c.cpu_percent, 0)} %` : "–"),
      h("td", {}, String(c.restarts ?? "–")),
      h("td", { class: "name" }, c.last_error || ""));
  });
}

function storageBlock(s) {
  if (!s) return h("p", { class: "muted" }, "Storage figures unavailable.");
  const used = s.used_bytes ?? s.used;
  const cap = s.cap_bytes ?? s.max_bytes ?? s.cap ?? null;
  const children = [h("p", { id: "storage-text" }, `${bytes(used)} used${cap ? ` of ${bytes(cap)} (retention cap)` : " (no size cap)"}`)];
  if (cap) children.push(h("meter", { min: 0, max: cap, value: Math.min(used, cap), high: cap * 0.9, "aria-label": "Storage used against the retention cap" }));
  if (s.max_age_days ?? s.retain_days) children.push(h("p", { class: "muted" }, `Kept at most ${s.max_age_days ?? s.retain_days} days.`));
  if (s.recording_stopped || s.full) children.push(h("p", { class: "error" }, "The disk is full: recording has stopped."));
  return h("div", {}, children);
}

function outboxBlock(o) {
  if (o === null || o === undefined) return h("p", { class: "muted" }, "Outbox figures unavailable.");
  if (typeof o === "number") return h("p", { id: "outbox-text" }, `${o} messages waiting`);
  const entries = Object.entries(o.by_destination || o.destinations || {});
  return h("div", {}, h("p", { id: "outbox-text" }, `${o.pending ?? o.backlog ?? o.total ?? 0} messages waiting`
    + (o.oldest_at ? `, oldest from ${when(o.oldest_at)}` : "")),
  entries.length ? h("ul", {}, entries.map(([k, v]) => h("li", {}, `${k}: ${typeof v === "object" ? v.pending ?? JSON.stringify(v) : v}`))) : null);
}

export async function render(root) {
  const body = h("div", { id: "system" });
  root.append(h("h1", {}, "System"), body);
  let timer = null;

  async function refresh() {
    let s;
    try {
      s = await get("/api/system");
    } catch (e) {
      clearInterval(timer);
      if (e instanceof ApiError && e.status === 403) replace(body, problem("Not allowed", "Only operators and admins may see the system page."));
      else if (e instanceof ApiError && e.status === 404) replace(body, problem("Not available", "This server does not report system figures (GET /api/system)."));
      else replace(body, problem("Something went wrong", e.message));
      return;
    }
    replace(
      body,
      h("p", {}, "Vigil version ", h("strong", { id: "version" }, s.version || "?")),
      h("section", { class: "card" }, h("h2", {}, "Cameras"),
        h("div", { class: "table-wrap" }, h("table", { id: "health" },
          h("thead", {}, h("tr", {}, ["Camera", "State", "Input fps", "Analysis fps", "Lag", "CPU", "Restarts", "Last error"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, healthRows(s.cameras || []))))),
      h("section", { class: "card" }, h("h2", {}, "Storage"), storageBlock(s.storage)),
      h("section", { class: "card" }, h("h2", {}, "Outbox (MQTT, webhooks)"), outboxBlock(s.outbox)),
    );
  }

  await refresh();
  timer = setInterval(refresh, 5000);
  return () => clearInterval(timer);
}
