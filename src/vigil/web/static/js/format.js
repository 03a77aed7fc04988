// Times and numbers as people read them.

export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function clock(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export function num(x, digits = 1) {
  return typeof x === "number" && Number.isFinite(x) ? x.toFixed(digits) : "–";
}

export function bytes(n) {
  if (typeof n !== "number" || !Number.isFinite(n)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** Time ranges offered by the range selectors: [value, label, seconds]. */
export const RANGES = [
  ["1h", "Last hour", 3600],
  ["6h", "Last 6 hours", 6 * 3600],
  ["24h", "Last 24 hours", 86400],
  ["7d", "Last 7 days", 7 * 86400],
  ["30d", "Last 30 days", 30 * 86400],
];

/** {since, until} ISO strings (UTC) for a RANGES value, ending now. */
export function rangeOf(value) {
  const found = RANGES.find((r) => r[0] === value) || RANGES[2];
  const until = new Date();
  const since = new Date(until.getTime() - found[2] * 1000);
  return { since: since.toISOString(), until: until.toISOString(), seconds: found[2] };
}

/** A datetime-local input's value as an ISO string with timezone, or null. */
export function localInputToIso(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function eventLabel(e) {
  return [e.rule, e.zone ? `zone ${e.zone}` : null, e.line ? `line ${e.line}` : null].filter(Boolean).join(" · ");
}
