// Users (admins only): accounts, roles, per-camera access, and API tokens.

import { ApiError, del, get, patch, post } from "../api.js";
import { field, h, problem, replace, select, toast } from "../dom.js";
import { when } from "../format.js";

const ROLES = ["viewer", "operator", "admin"];

function scopeText(cameras) {
  return cameras === "*" ? "*" : cameras.join(", ");
}

function parseScope(text) {
  const t = text.trim();
  if (t === "*") return "*";
  return t.split(",").map((s) => s.trim()).filter(Boolean);
}

function fieldErrors(e) {
  return e instanceof ApiError && e.fields.length
    ? e.fields.map((f) => `${f.loc.filter((p) => p !== "body").join(".")}: ${f.msg}`).join("; ")
    : e.message;
}

export async function render(root, ctx) {
  let users;
  try {
    users = await get("/api/users");
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) {
      root.appendChild(problem("Not allowed", "Only admins may manage users and their API tokens."));
      return null;
    }
    throw e;
  }
  const cameras = await ctx.listCameras();
  const cameraHint = `"*" for every camera, or ids separated by commas${cameras.length ? ` (${cameras.map((c) => c.id).join(", ")})` : ""}`;
  const usersBox = h("div", { class: "table-wrap" });
  const tokensBox = h("div", { class: "table-wrap" });
  const tokenSecret = h("div", { id: "new-token", "aria-live": "polite" });

  // -- create a user --------------------------------------------------------------------
  const newName = h("input", { name: "username", required: true, autocomplete: "off" });
  const newPass = h("input", { name: "password", type: "password", required: true, autocomplete: "new-password" });
  const newRole = select(ROLES, "viewer", { name: "role" });
  const newCams = h("input", { name: "cameras", value: "", placeholder: "*" });
  const createErr = h("p", { class: "field-error", role: "alert", hidden: true });
  const createForm = h("form", { class: "card", "aria-labelledby": "new-user" },
    h("h2", { id: "new-user" }, "Add a user"),
    h("div", { class: "filters" }, field("Username", newName), field("Password", newPass), field("Role", newRole),
      field("Cameras", newCams, cameraHint), h("div", { class: "field actions" }, h("button", { type: "submit" }, "Add user"))),
    createErr);
  createForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    createErr.hidden = true;
    const body = { username: newName.value.trim(), password: newPass.value, role: newRole.value };
    if (newCams.value.trim()) body.cameras = parseScope(newCams.value);
    try {
      await post("/api/users", body);
      toast(`User ${body.username} added`);
      createForm.reset();
      await refresh();
    } catch (e) {
      createErr.textContent = fieldErrors(e);
      createErr.hidden = false;
    }
  });

  // -- the users table ------------------------------------------------------------------
  function userRow(u) {
    const role = select(ROLES, u.role, { "aria-label": `Role of ${u.username}` });
    const cams = h("input", { value: scopeText(u.cameras), "aria-label": `Cameras of ${u.username}` });
    const disabled = h("input", { type: "checkbox", checked: u.disabled, "aria-label": `${u.username} disabled` });
    const err = h("p", { class: "field-error", role: "alert", hidden: true });
    const save = h("button", { type: "button", class: "secondary" }, "Save");
    save.addEventListener("click", async () => {
      err.hidden = true;
      try {
        await patch(`/api/users/${u.id}`, { role: role.value, cameras: parseScope(cams.value), disabled: disabled.checked });
        toast(`User ${u.username} saved`);
        await refresh();
      } catch (e) {
        err.textContent = fieldErrors(e);
        err.hidden = false;
      }
    });
    const remove = h("button", { type: "button", class: "danger" }, "Delete");
    remove.addEventListener("click", async () => {
      if (!window.confirm(`Delete user ${u.username}, their sessions and tokens?`)) return;
      try {
        await del(`/api/users/${u.id}`);
        toast(`User ${u.username} deleted`);
        await refresh();
      } catch (e) {
        err.textContent = e.message;
        err.hidden = false;
      }
    });
    return h("tr", { dataset: { user: u.username } },
      h("td", { class: "name" }, u.username, u.id === ctx.me.id ? h("small", { class: "muted" }, " (you)") : null),
      h("td", {}, role), h("td", {}, cams), h("td", {}, disabled),
      h("td", { class: "muted" }, when(u.created_at)),
      h("td", {}, h("div", { class: "row-actions" }, save, remove), err));
  }

  function showUsers() {
    replace(usersBox, h("table", { id: "users" },
      h("caption", { class: "sr-only" }, "Users"),
      h("thead", {}, h("tr", {}, ["User", "Role", "Cameras", "Disabled", "Created", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, users.map(userRow))));
  }

  // -- tokens ---------------------------------------------------------------------------
  const tokName = h("input", { name: "token-name", required: true, maxlength: 100 });
  const tokUser = h("select", { name: "token-user" });
  const tokDays = h("input", { name: "token-days", type: "number", min: 1, step: 1, placeholder: "never" });
  const tokErr = h("p", { class: "field-error", role: "alert", hidden: true });
  const tokForm = h("form", { class: "card", "aria-labelledby": "new-token-title" },
    h("h2", { id: "new-token-title" }, "Create an API token"),
    h("div", { class: "filters" }, field("What it is for", tokName), field("For user", tokUser),
      field("Expires after (days)", tokDays), h("div", { class: "field actions" }, h("button", { type: "submit" }, "Create token"))),
    tokErr, tokenSecret);
  tokForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    tokErr.hidden = true;
    const body = { name: tokName.value.trim(), user_id: Number(tokUser.value) };
    if (tokDays.value) body.expires_in_s = Number(tokDays.value) * 86400;
    try {
      const made = await post("/api/tokens", body);
      replace(tokenSecret, h("p", {}, "Copy the token now: it is shown this once."), h("p", { class: "secret" }, made.token));
      tokForm.reset();
      await refresh();
    } catch (e) {
      tokErr.textContent = fieldErrors(e);
      tokErr.hidden = false;
    }
  });

  function showTokens(tokens) {
    const names = new Map(users.map((u) => [u.id, u.username]));
    replace(tokUser, users.map((u) => h("option", { value: u.id, selected: u.id === ctx.me.id }, u.username)));
    replace(tokensBox, h("table", { id: "tokens" },
      h("caption", { class: "sr-only" }, "API tokens"),
      h("thead", {}, h("tr", {}, ["Name", "User", "Prefix", "Created", "Last used", "Expires", "State", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, tokens.length ? tokens.map((t) => h("tr", {},
        h("td", { class: "name" }, t.name), h("td", {}, names.get(t.user_id) || String(t.user_id)), h("td", {}, h("code", {}, t.prefix)),
        h("td", {}, when(t.created_at)), h("td", {}, t.last_used_at ? when(t.last_used_at) : "never"),
        h("td", {}, t.expires_at ? when(t.expires_at) : "never"), h("td", {}, t.revoked_at ? "revoked" : "active"),
        h("td", {}, t.revoked_at ? null : h("button", { type: "button", class: "danger", onclick: async () => {
          try {
            await del(`/api/tokens/${t.id}`);
            toast(`Token ${t.name} revoked`);
            await refresh();
          } catch (e) {
            toast(e.message, "error");
          }
        } }, "Revoke")))) : h("tr", {}, h("td", { colspan: 8, class: "muted" }, "No API tokens.")))));
  }

  async function refresh() {
    users = await get("/api/users");
    showUsers();
    showTokens(await get("/api/tokens", { all: true }));
  }

  root.append(h("h1", {}, "Users and API tokens"), createForm, h("h2", {}, "Users"), usersBox, tokForm, h("h2", {}, "API tokens"), tokensBox);
  await refresh();
  return null;
}
