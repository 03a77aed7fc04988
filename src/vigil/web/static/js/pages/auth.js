// Log in, and the first-run setup that turns the one-time token into the first admin.

import { ApiError, post } from "../api.js";
import { field, h } from "../dom.js";

function errorBox() {
  return h("p", { class: "error", role: "alert", hidden: true });
}

function showError(box, message) {
  box.textContent = message;
  box.hidden = !message;
}

export function renderLogin(root, ctx) {
  const next = new URLSearchParams(location.search).get("next") || "/";
  const username = h("input", { name: "username", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const err = errorBox();
  const button = h("button", { type: "submit" }, "Log in");
  const form = h(
    "form",
    { class: "card narrow", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, "Log in to Vigil"),
    field("Username", username),
    field("Password", password),
    err,
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    showError(err, "");
    try {
      await post("/api/auth/login", { username: username.value, password: password.value });
      await ctx.onLogin(next);
    } catch (e) {
      showError(err, e instanceof ApiError && e.status === 401 ? "Wrong username or password." : e.message);
      password.select();
    } finally {
      button.disabled = false;
    }
  });
  root.appendChild(form);
  username.focus();
}

export function renderSetup(root, ctx) {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  // Keep the token out of history and of any later screenshot of the address bar.
  if (fromHash) history.replaceState({}, "", "/setup");
  const token = h("input", { name: "token", value: fromHash, required: true, autocomplete: "off" });
  const username = h("input", { name: "username", autocomplete: "username", required: true, value: "admin" });
  const password = h("input", { name: "password", type: "password", autocomplete: "new-password", required: true });
  const again = h("input", { name: "password2", type: "password", autocomplete: "new-password", required: true });
  const err = errorBox();
  const button = h("button", { type: "submit" }, "Create admin");
  const form = h(
    "form",
    { class: "card narrow", "aria-labelledby": "setup-title" },
    h("h1", { id: "setup-title" }, "Set up Vigil"),
    h("p", {}, "Create the first admin account with the one-time setup token that vigil serve printed at its first start."),
    field("Setup token", token),
    field("Admin username", username, "Letters, digits and . _ @ -"),
    field("Password", password),
    field("Password again", again),
    err,
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(err, "");
    if (password.value !== again.value) {
      showError(err, "The two passwords differ.");
      return;
    }
    button.disabled = true;
    try {
      await post("/api/auth/setup", { token: token.value.trim(), username: username.value, password: password.value });
      await post("/api/auth/login", { username: username.value, password: password.value });
      await ctx.onLogin("/");
    } catch (e) {
      const messages = {
        403: "The setup token is wrong or expired: use the link printed by vigil serve.",
        409: "Setup is already done: log in instead.",
      };
      showError(err, messages[e.status] || e.message);
    } finally {
      button.disabled = false;
    }
  });
  root.appendChild(form);
  (fromHash ? username : token).focus();
}
