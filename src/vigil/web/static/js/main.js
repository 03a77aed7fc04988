// The app shell: who is logged in, the navigation bar, and the client-side router.

import { ApiError, get, post, setCsrf, setUnauthorizedHandler } from "./api.js";
import { clear, h, problem, replace, toast } from "./dom.js";
import * as auth from "./pages/auth.js";
import * as cameras from "./pages/cameras.js";
import * as counts from "./pages/counts.js";
import * as events from "./pages/events.js";
import * as system from "./pages/system.js";
import * as users from "./pages/users.js";
import * as zones from "./pages/zones.js";

const NAV = [
  { path: "/cameras", label: "Cameras", match: (p) => p === "/" || p.startsWith("/cameras") },
  { path: "/events", label: "Events" },
  { path: "/counts", label: "Counts" },
  { path: "/zones", label: "Zones", admin: true },
  { path: "/users", label: "Users", admin: true },
  { path: "/system", label: "System", operator: true },
];

const ROUTES = [
  [/^\/(cameras\/?)?$/, cameras.renderGrid],
  [/^\/cameras\/(.+)$/, cameras.renderDetail],
  [/^\/events$/, events.render],
  [/^\/counts$/, counts.render],
  [/^\/zones$/, zones.render],
  [/^\/users$/, users.render],
  [/^\/system$/, system.render],
];

const state = { me: null, cameras: null };
let cleanup = null;
let generation = 0;

let moveFocus = false;

export function navigate(path, { replace: swap = false } = {}) {
  if (swap) history.replaceState({}, "", path);
  else {
    history.pushState({}, "", path);
    moveFocus = true; // after an in-app link, screen readers start at the new page
  }
  render();
}

/** The cameras this user may see (GET /api/cameras filters them), fetched once per session. */
async function listCameras(refresh = false) {
  if (!state.cameras || refresh) state.cameras = await get("/api/cameras");
  return state.cameras;
}

async function loadMe() {
  try {
    const me = await get("/api/auth/me");
    state.me = me.user;
    setCsrf(me.csrf_token);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    state.me = null;
    setCsrf(null);
  }
  state.cameras = null;
}

async function logout() {
  try {
    await post("/api/auth/logout");
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) toast(`Log out failed: ${e.message}`, "error");
  }
  state.me = null;
  state.cameras = null;
  setCsrf(null);
  navigate("/login", { replace: true });
}

function renderNav() {
  const here = NAV.find((n) => (n.match ? n.match(location.pathname) : location.pathname.startsWith(n.path)));
  document.title = here ? `${here.label} · Vigil` : location.pathname === "/setup" ? "Set up · Vigil" : "Vigil";
  const top = document.getElementById("top");
  if (!state.me) {
    replace(top, h("span", { class: "brand" }, "Vigil"));
    return;
  }
  const path = location.pathname;
  const isAdmin = state.me.role === "admin";
  const isViewer = state.me.role === "viewer";
  const links = NAV.filter((n) => (!n.admin || isAdmin) && (!n.operator || !isViewer)).map((n) => {
    const current = n.match ? n.match(path) : path.startsWith(n.path);
    return h("a", { href: n.path, "data-link": true, "aria-current": current ? "page" : null }, n.label);
  });
  replace(
    top,
    h("a", { class: "brand", href: "/", "data-link": true }, "Vigil"),
    h("nav", { "aria-label": "Main" }, links),
    h(
      "div",
      { class: "who" },
      h("span", { class: "user", title: `role: ${state.me.role}` }, state.me.username, " ", h("small", {}, `(${state.me.role})`)),
      h("button", { type: "button", class: "secondary", id: "logout", onclick: logout }, "Log out"),
    ),
  );
}

export async function render() {
  const mine = ++generation;
  if (cleanup) {
    try { cleanup(); } catch (e) { console.error(e); }
    cleanup = null;
  }
  const root = document.getElementById("main");
  const path = location.pathname;
  const ctx = {
    me: state.me,
    navigate,
    listCameras,
    isCurrent: () => mine === generation,
    onLogin: async (next) => {
      await loadMe();
      navigate(next && next.startsWith("/") && !next.startsWith("//") ? next : "/", { replace: true });
    },
  };
  if (path === "/setup" || (!state.me && path === "/login")) {
    renderNav();
    cleanup = (path === "/setup" ? auth.renderSetup : auth.renderLogin)(clear(root), ctx) || null;
    return;
  }
  if (!state.me) {
    navigate(`/login?next=${encodeURIComponent(path + location.search)}`, { replace: true });
    return;
  }
  if (path === "/login") {
    navigate("/", { replace: true });
    return;
  }
  renderNav();
  const route = ROUTES.find(([re]) => re.test(path));
  clear(root);
  if (!route) {
    root.appendChild(problem("Page not found", `There is no page at ${path}.`));
    return;
  }
  const args = path.match(route[0]).slice(1).map((p) => (p === undefined ? p : decodeURIComponent(p)));
  try {
    const result = await route[1](root, ctx, ...args);
    if (mine === generation) cleanup = typeof result === "function" ? result : null;
    else if (typeof result === "function") result();
    if (mine === generation && moveFocus && !root.contains(document.activeElement)) root.focus({ preventScroll: true });
    moveFocus = false;
  } catch (e) {
    if (mine !== generation) return;
    clear(root);
    root.appendChild(pageError(e));
  }
}

/** A page-level failure: 403 says "not allowed" plainly; others show the server's message. */
export function pageError(e) {
  if (e instanceof ApiError && e.status === 403) {
    return problem("Not allowed", `Your account may not see this page (${e.message}). Ask an admin for access.`);
  }
  if (e instanceof ApiError && e.status === 401) return problem("Logged out", "Your session ended: log in again.");
  console.error(e);
  return problem("Something went wrong", e.message || String(e));
}

document.addEventListener("click", (event) => {
  const a = event.target.closest && event.target.closest("a[data-link]");
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  navigate(a.getAttribute("href"));
});
window.addEventListener("popstate", render);
setUnauthorizedHandler(() => {
  if (!state.me) return;
  state.me = null;
  toast("Your session ended: log in again.", "error");
  navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
});

loadMe()
  .then(render)
  .catch((e) => replace(document.getElementById("main"), pageError(e)));
