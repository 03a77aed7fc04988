// System: version, camera health with CPU per camera, storage against the retention cap,
// outbox backlog. Refreshes every few seconds.

import { ApiError, get } from "../api.js";
import { h, problem, replace } from "../dom.js";
import { bytes, num, when } from "../format.js";

/** Restarts the supervisor made on purpose (CameraHealth.last_error holds these as well as failures). */
const PLANNED = new Map([["config changed", "config changed (planned)"], ["disabled in the config", "disabled in the config"]]);

/** Why the camera last restarted: a planned restart reads as such, a failure stands out. */
export function restartReason(reason) {
  if (!reason) return h("span", { class: "muted" }, "–");
  if (PLANNED.has(reason)) return h("span", { class: "planned", title: "A planned restart, not a failure" }, PLANNED.get(reason));
  return h("span", { class: "failure", title: "The worker failed and was restarted" }, `failed: ${reason}`);
}

function stateBadge(c) {
  const online = c.online === true || c.state === "online";
  if (c.state === "stopped" && c.last_error === "disabled in the config") return h("span", { class: "badge unknown" }, "disabled");
  const cls = online ? "online" : ["offline", "restarting"].includes(c.state) ? "offline" : "unknown";
  return h("span", { class: `badge ${cls}` }, c.state || (online ? "online" : "offline"));
}

function healthRows(cameras) {
  return cameras.map((c) => {
    return h("tr", { dataset: { camera: c.camera } },
      h("td", { class: "name" }, c.camera),
      h("td", {}, stateBadge(c)),
      h("td", {}, num(c.input_fps)), h("td", {}, num(c.analysis_fps)),
      h("td", {}, typeof c.lag === "number" ? `${num(c.lag, 2)} s` : "–"),
      h("td", { class: "cpu" }, typeof c.cpu_percent === "number" ? `${num(c.cpu_percent, 0)} %` : "–"),
      h("td", {}, String(c.restarts ?? "–")),
      h("td", { class: "name reason" }, restartReason(c.last_error)));
  });
}

function storageBlock(s) {
  if (!s) return h("p", { class: "muted" }, "Storage figures unavailable.");
  const used = s.used_bytes;
  const cap = s.cap_bytes;
  const children = [h("p", { id: "storage-text" }, cap
    ? `${bytes(used)} used of ${bytes(cap)} (retention cap, ${num(100 * (s.used_fraction ?? used / cap), 0)} %)`
    : `${bytes(used)} used (no size cap)`)];
  if (cap) children.push(h("meter", { min: 0, max: cap, value: Math.min(used, cap), low: cap * 0.7, high: cap * 0.9, optimum: 0, "aria-label": "Storage used against the retention cap" }));
  if (typeof s.free_bytes === "number") children.push(h("p", { class: "muted" }, `${bytes(s.free_bytes)} free on the data disk.`));
  return h("div", {}, children);
}

function age(seconds) {
  if (typeof seconds !== "number") return "";
  return seconds < 120 ? `${num(seconds, 0)} s` : seconds < 7200 ? `${num(seconds / 60, 0)} min` : `${num(seconds / 3600, 1)} h`;
}

function outboxBlock(o) {
  if (!o) return h("p", { class: "muted" }, "Outbox figures unavailable.");
  const head = `${o.backlog} message${o.backlog === 1 ? "" : "s"} waiting`
    + (o.oldest_pending_age != null ? `, oldest ${age(o.oldest_pending_age)}` : "")
    + (o.failed ? `; ${o.failed} given up` : "")
    + (o.running ? "" : " (no delivery worker in this process)");
  const rows = (o.destinations || []).map((d) => h("tr", {},
    h("td", { class: "name" }, d.name), h("td", {}, String(d.pending)), h("td", {}, String(d.failed)),
    h("td", {}, String(d.delivered)), h("td", {}, d.oldest_pending_age != null ? age(d.oldest_pending_age) : "–"),
    h("td", { class: "name" }, d.last_error ? `${d.last_error} (${when(d.last_error_at)})` : "")));
  return h("div", {}, h("p", { id: "outbox-text" }, head),
    rows.length ? h("div", { class: "table-wrap" }, h("table", { id: "outbox" },
      h("thead", {}, h("tr", {}, ["Destination", "Waiting", "Given up", "Delivered", "Oldest", "Last error"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, rows))) : null);
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
          h("thead", {}, h("tr", {}, ["Camera", "State", "Input fps", "Analysis fps", "Lag", "CPU", "Restarts", "Last restart reason"].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, healthRows(s.cameras || []))))),
      h("section", { class: "card" }, h("h2", {}, "Storage"), storageBlock(s.storage)),
      h("section", { class: "card" }, h("h2", {}, "Outbox (MQTT, webhooks)"), outboxBlock(s.outbox)),
    );
  }

  await refresh();
  timer = setInterval(refresh, 5000);
  return () => clearInterval(timer);
}
