// The REST API client: JSON in and out, the session cookie, and the CSRF token on unsafe methods.

let csrfToken = null;
let onUnauthorized = null;

export function setCsrf(token) {
  csrfToken = token || null;
}

export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/** Why a request failed: status, the server's message, and per-field messages for 422s. */
export class ApiError extends Error {
  constructor(status, body, path) {
    const detail = body && body.detail;
    const fields = Array.isArray(detail)
      ? detail.map((d) => ({ loc: (d.loc || []).map(String), msg: String(d.msg || "invalid").replace(/^Value error, /, "") }))
      : [];
    const message = typeof detail === "string"
      ? detail
      : fields.length
        ? fields.map((f) => `${f.loc.filter((p) => p !== "body" && p !== "query").join(".")}: ${f.msg}`).join("; ")
        : `${path}: HTTP ${status}`;
    super(message);
    this.status = status;
    this.fields = fields;
    this.path = path;
  }
}

/** "?a=1&b=x&b=y" from an object (arrays repeat the key; null, undefined and "" are left out). */
export function qs(params) {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (v === null || v === undefined || v === "") continue;
      out.append(key, String(v));
    }
  }
  const text = out.toString();
  return text ? `?${text}` : "";
}

const QUIET_401 = new Set(["/api/auth/me", "/api/auth/login", "/api/auth/setup"]);

export async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (e) {
    throw new ApiError(0, { detail: `cannot reach the server (${e.message})` }, path);
  }
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    if (response.status === 401 && onUnauthorized && !QUIET_401.has(path.split("?")[0])) onUnauthorized();
    throw new ApiError(response.status, data, path);
  }
  return data;
}

export const get = (path, params) => request("GET", path + qs(params));
export const post = (path, body) => request("POST", path, body);
export const put = (path, body) => request("PUT", path, body);
export const patch = (path, body) => request("PATCH", path, body);
export const del = (path) => request("DELETE", path);

/** "/api/cameras/<id>" with the id escaped for a URL path. */
export function cameraPath(id, rest = "") {
  return `/api/cameras/${encodeURIComponent(id)}${rest}`;
}
