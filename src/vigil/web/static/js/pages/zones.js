// The zone and line editor: draw, move and delete polygons and directed lines over the camera's
// current snapshot, name them, and save them to that camera only (PUT geometry); the server's
// 422 errors show next to the shape or field they name.

import { ApiError, cameraPath, get, put } from "../api.js";
import { field, h, problem, replace, select, svg, toast } from "../dom.js";
import { classChoices, newRule, ruleForm } from "../rules.js";

const CLOSE_PX = 12;

const clamp = (v) => Math.min(1, Math.max(0, v));
const round = (v) => Math.round(v * 10000) / 10000;

function pointsText(points) {
  return points.map(([x, y]) => `${round(x)},${round(y)}`).join(" ");
}

function parsePoints(text) {
  const pts = text.trim().split(/\s+/).filter(Boolean).map((pair) => pair.split(",").map(Number));
  if (!pts.length || pts.some((p) => p.length !== 2 || p.some((v) => !Number.isFinite(v)))) return null;
  return pts;
}

function uniqueName(prefix, taken) {
  let i = 1;
  while (taken.has(`${prefix} ${i}`)) i += 1;
  return `${prefix} ${i}`;
}

export async function render(root, ctx) {
  const cameras = await ctx.listCameras();
  if (ctx.me.role !== "admin") {
    root.appendChild(problem("Not allowed", "Only admins may edit zones and lines."));
    return null;
  }
  if (!cameras.length) {
    root.appendChild(problem("No cameras", "There is no camera to edit."));
    return null;
  }
  const params = new URLSearchParams(location.search);
  let cameraId = cameras.some((c) => c.id === params.get("camera")) ? params.get("camera") : cameras[0].id;
  let geo = { zones: [], lines: [] };
  let hasRules = false;
  let selected = null; // {kind: "zones"|"lines", index}
  let mode = null; // "zones" | "lines" while drawing
  let draft = [];
  let errors = new Map(); // "zones.0.points" -> message
  let general = [];
  let dirty = false;
  let openRules = new Set(); // indices of the rule cards shown expanded
  let schema = null;
  try {
    schema = await get("/api/rules/schema");
  } catch (e) {
    schema = null; // older servers: rules are edited as JSON
  }

  const cameraSel = select(cameras.map((c) => [c.id, c.id]), cameraId, { name: "camera" });
  const img = h("img", { alt: "" });
  const overlay = svg("svg", { role: "img", "aria-label": "Zones and lines over the snapshot" });
  const stage = h("div", { class: "stage", id: "stage" }, img, overlay);
  const hint = h("p", { class: "hint", "aria-live": "polite" });
  const list = h("div", { id: "shapes" });
  const generalBox = h("div", { class: "error", role: "alert", id: "geometry-errors" });
  const saveButton = h("button", { type: "button", id: "save" }, "Save to camera");
  const drawZone = h("button", { type: "button", class: "secondary", onclick: () => startDrawing("zones") }, "Draw zone");
  const drawLine = h("button", { type: "button", class: "secondary", onclick: () => startDrawing("lines") }, "Draw line");
  const addSquare = h("button", { type: "button", class: "secondary", onclick: addSquareZone }, "Add square zone");
  const finish = h("button", { type: "button", class: "secondary", hidden: true, onclick: finishDrawing }, "Finish shape");
  const cancel = h("button", { type: "button", class: "secondary", hidden: true, onclick: cancelDrawing }, "Cancel");
  const reload = h("button", { type: "button", class: "secondary", onclick: () => load() }, "Discard changes");

  root.append(
    h("div", { class: "page-head" }, h("h1", {}, "Zones and lines"), h("form", { class: "filters compact" }, field("Camera", cameraSel))),
    h("div", { class: "editor" },
      h("section", { class: "editor-canvas", "aria-label": "Drawing area" },
        h("div", { class: "toolbar" }, drawZone, drawLine, addSquare, finish, cancel),
        stage, hint),
      h("aside", { class: "editor-side", "aria-label": "Shapes and rules" },
        h("div", { class: "toolbar save-bar" }, saveButton, reload), generalBox, list)),
  );

  // -- drawing --------------------------------------------------------------------------
  function size() {
    return [overlay.clientWidth || 1, overlay.clientHeight || 1];
  }

  function toNorm(ev) {
    const r = overlay.getBoundingClientRect();
    return [clamp((ev.clientX - r.left) / r.width), clamp((ev.clientY - r.top) / r.height)];
  }

  function draw() {
    const [w, hh] = size();
    const P = (p) => `${p[0] * w},${p[1] * hh}`;
    const nodes = [];
    geo.zones.forEach((z, i) => {
      const sel = selected && selected.kind === "zones" && selected.index === i;
      const poly = svg("polygon", { class: `zone${sel ? " selected" : ""}`, points: z.points.map(P).join(" "), dataset: { kind: "zones", index: i } });
      poly.appendChild(svg("title", {}, z.name));
      nodes.push(poly);
      const label = svg("text", { x: z.points[0][0] * w + 4, y: z.points[0][1] * hh + 14, fill: "#fff", "font-size": 12 });
      label.textContent = z.name;
      nodes.push(label);
    });
    geo.lines.forEach((l, i) => {
      const sel = selected && selected.kind === "lines" && selected.index === i;
      const [a, b] = l.points;
      const ln = svg("line", { class: `line${sel ? " selected" : ""}`, x1: a[0] * w, y1: a[1] * hh, x2: b[0] * w, y2: b[1] * hh, dataset: { kind: "lines", index: i } });
      ln.appendChild(svg("title", {}, `${l.name} (arrow: the 'in' direction)`));
      nodes.push(ln);
      // arrow across the middle, pointing to the 'in' side (the right of a->b on screen)
      const mx = ((a[0] + b[0]) / 2) * w;
      const my = ((a[1] + b[1]) / 2) * hh;
      const dx = (b[0] - a[0]) * w;
      const dy = (b[1] - a[1]) * hh;
      const len = Math.hypot(dx, dy) || 1;
      const nx = -dy / len;
      const ny = dx / len;
      nodes.push(svg("line", { class: "dir", x1: mx - nx * 16, y1: my - ny * 16, x2: mx + nx * 16, y2: my + ny * 16 }));
      nodes.push(svg("polygon", { class: "dir", fill: "#ffb000", points: `${mx + nx * 20},${my + ny * 20} ${mx + nx * 10 + (dx / len) * 6},${my + ny * 10 + (dy / len) * 6} ${mx + nx * 10 - (dx / len) * 6},${my + ny * 10 - (dy / len) * 6}` }));
      const label = svg("text", { x: a[0] * w + 4, y: a[1] * hh - 6, fill: "#ffb000", "font-size": 12 });
      label.textContent = l.name;
      nodes.push(label);
    });
    if (selected) {
      const shape = geo[selected.kind][selected.index];
      if (shape) {
        shape.points.forEach((p, j) => nodes.push(svg("circle", { class: "handle", cx: p[0] * w, cy: p[1] * hh, r: 7, dataset: { kind: selected.kind, index: selected.index, vertex: j } })));
      }
    }
    if (mode && draft.length) {
      nodes.push(svg("polyline", { class: "draft", points: draft.map(P).join(" ") }));
      draft.forEach((p) => nodes.push(svg("circle", { class: "handle", cx: p[0] * w, cy: p[1] * hh, r: 5 })));
    }
    overlay.replaceChildren(...nodes);
    stage.classList.toggle("drawing", Boolean(mode));
  }

  function startDrawing(kind) {
    mode = kind;
    draft = [];
    selected = null;
    finish.hidden = kind !== "zones";
    cancel.hidden = false;
    hint.textContent = kind === "zones"
      ? "Click the corners of the zone on the image. Click the first corner again, press Enter or Finish to close it; Esc cancels."
      : "Click the two ends of the line. People crossing in the arrow's direction count as 'in'.";
    draw();
    overlay.focus && overlay.focus();
  }

  function cancelDrawing() {
    mode = null;
    draft = [];
    finish.hidden = true;
    cancel.hidden = true;
    hint.textContent = "";
    draw();
  }

  function finishDrawing() {
    if (mode === "zones" && draft.length >= 3) {
      const taken = new Set(geo.zones.map((z) => z.name));
      geo.zones.push({ name: uniqueName("zone", taken), points: draft });
      selected = { kind: "zones", index: geo.zones.length - 1 };
    } else if (mode === "lines" && draft.length === 2) {
      const taken = new Set(geo.lines.map((l) => l.name));
      geo.lines.push({ name: uniqueName("line", taken), points: draft });
      selected = { kind: "lines", index: geo.lines.length - 1 };
    } else if (mode === "zones") {
      hint.textContent = "A zone needs at least 3 corners.";
      return;
    }
    dirty = true;
    cancelDrawing();
    showList();
    const name = list.querySelector(".shape.selected input[name=name]");
    if (name) name.focus();
  }

  function addSquareZone() {
    const taken = new Set(geo.zones.map((z) => z.name));
    geo.zones.push({ name: uniqueName("zone", taken), points: [[0.35, 0.35], [0.65, 0.35], [0.65, 0.65], [0.35, 0.65]] });
    selected = { kind: "zones", index: geo.zones.length - 1 };
    dirty = true;
    showList();
    draw();
  }

  let drag = null;
  overlay.addEventListener("pointerdown", (ev) => {
    const p = toNorm(ev);
    if (mode) {
      const [w, hh] = size();
      if (mode === "zones" && draft.length >= 3 && Math.hypot((p[0] - draft[0][0]) * w, (p[1] - draft[0][1]) * hh) < CLOSE_PX) {
        finishDrawing();
        return;
      }
      draft.push(p);
      if (mode === "lines" && draft.length === 2) finishDrawing();
      else draw();
      return;
    }
    const t = ev.target;
    const kind = t.dataset && t.dataset.kind;
    if (!kind) {
      selected = null;
      showList();
      draw();
      return;
    }
    const index = Number(t.dataset.index);
    selected = { kind, index };
    const vertex = t.dataset.vertex === undefined ? null : Number(t.dataset.vertex);
    drag = { kind, index, vertex, start: p, orig: geo[kind][index].points.map((q) => [...q]) };
    overlay.setPointerCapture(ev.pointerId);
    showList();
    draw();
  });
  overlay.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const p = toNorm(ev);
    const shape = geo[drag.kind][drag.index];
    if (drag.vertex !== null) {
      shape.points[drag.vertex] = p;
    } else {
      let dx = p[0] - drag.start[0];
      let dy = p[1] - drag.start[1];
      const xs = drag.orig.map((q) => q[0]);
      const ys = drag.orig.map((q) => q[1]);
      dx = Math.min(1 - Math.max(...xs), Math.max(-Math.min(...xs), dx));
      dy = Math.min(1 - Math.max(...ys), Math.max(-Math.min(...ys), dy));
      shape.points = drag.orig.map(([x, y]) => [x + dx, y + dy]);
    }
    dirty = true;
    draw();
  });
  const endDrag = () => {
    if (drag) { drag = null; showList(); }
  };
  overlay.addEventListener("pointerup", endDrag);
  overlay.addEventListener("pointercancel", endDrag);

  function onKey(ev) {
    const t = ev.target;
    const typing = t && ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName);
    if (mode && ev.key === "Escape") { ev.preventDefault(); cancelDrawing(); }
    else if (mode && ev.key === "Enter" && !typing) { ev.preventDefault(); finishDrawing(); }
    else if (!typing && selected && (ev.key === "Delete" || ev.key === "Backspace")) { ev.preventDefault(); remove(selected.kind, selected.index); }
  }
  document.addEventListener("keydown", onKey);

  function remove(kind, index) {
    geo[kind].splice(index, 1);
    selected = null;
    dirty = true;
    showList();
    draw();
  }

  // -- the list of shapes ---------------------------------------------------------------
  function errorFor(prefix) {
    const msgs = [...errors.entries()].filter(([k]) => k === prefix || k.startsWith(`${prefix}.`)).map(([k, m]) => `${k.slice(prefix.length + 1) || "shape"}: ${m}`);
    return msgs.length ? h("p", { class: "field-error", role: "alert" }, msgs.join("; ")) : null;
  }

  function shapeItem(kind, shape, index) {
    const sel = selected && selected.kind === kind && selected.index === index;
    const noun = kind === "zones" ? "Zone" : "Line";
    const name = h("input", { name: "name", value: shape.name, maxlength: 64, "aria-label": `${noun} ${index + 1} name` });
    name.addEventListener("input", () => {
      const before = shape.name;
      shape.name = name.value;
      // rules that watch this zone or line follow the new name
      const key = kind === "zones" ? "zone" : "line";
      for (const r of geo.rules || []) if (r[key] === before) r[key] = shape.name;
      dirty = true;
      draw();
    });
    name.addEventListener("change", () => { if (hasRules) showRules(); });
    name.addEventListener("focus", () => { if (!sel) { selected = { kind, index }; draw(); markSelected(); } });
    const pts = h("input", { name: "points", value: pointsText(shape.points), "aria-label": `${noun} ${index + 1} points`, spellcheck: "false" });
    pts.addEventListener("change", () => {
      const parsed = parsePoints(pts.value);
      if (!parsed) { toast("Points: write x,y pairs separated by spaces, e.g. 0.1,0.2 0.5,0.2 0.5,0.6", "error"); return; }
      shape.points = parsed.map(([x, y]) => [clamp(x), clamp(y)]);
      dirty = true;
      draw();
    });
    const buttons = [h("button", { type: "button", class: "danger", onclick: () => remove(kind, index) }, `Delete ${noun.toLowerCase()}`)];
    if (kind === "lines") {
      buttons.unshift(h("button", { type: "button", class: "secondary", onclick: () => { shape.points = [shape.points[1], shape.points[0]]; dirty = true; showList(); draw(); } }, "Flip direction"));
    }
    for (const [input, key] of [[name, "name"], [pts, "points"]]) {
      if ([...errors.keys()].some((k) => k === `${kind}.${index}.${key}` || k.startsWith(`${kind}.${index}.${key}.`))) input.setAttribute("aria-invalid", "true");
    }
    return h(
      "li",
      { class: `shape${sel ? " selected" : ""}`, dataset: { kind, index } },
      h("div", { class: "shape-head" },
        field(`${noun} name`, name, kind === "zones" ? "Letters, digits, space and _ . : -" : null),
        h("div", { class: "row-actions" }, buttons)),
      field("Points (x,y from 0 to 1)", pts),
      errorFor(`${kind}.${index}`),
    );
  }

  function markSelected() {
    for (const li of list.querySelectorAll(".shape")) {
      li.classList.toggle("selected", Boolean(selected) && li.dataset.kind === selected.kind && Number(li.dataset.index) === selected.index);
    }
  }

  function showList() {
    replace(
      list,
      h("h2", {}, `Zones (${geo.zones.length})`),
      h("ul", { class: "shape-list", id: "zone-list" }, geo.zones.map((z, i) => shapeItem("zones", z, i))),
      h("h2", {}, `Lines (${geo.lines.length})`),
      h("ul", { class: "shape-list", id: "line-list" }, geo.lines.map((l, i) => shapeItem("lines", l, i))),
      rulesBox,
    );
    showRules();
    replace(generalBox, general.map((m) => h("p", {}, m)));
  }

  const rulesBox = h("section", { id: "rules", "aria-label": "Rules" });

  function showRules() {
    if (!hasRules) {
      replace(rulesBox, h("p", { class: "hint" }, "Rules that use these zones and lines are set in the config file."));
      return;
    }
    replace(rulesBox, schema ? rulesForms() : rulesEditor());
  }

  function rulesForms() {
    const zoneNames = () => geo.zones.map((z) => z.name);
    const lineNames = () => geo.lines.map((l) => l.name);
    const items = geo.rules.map((rule, i) => ruleForm(rule, i, {
      schema, zones: zoneNames, lines: lineNames, errors,
      calibrated: Boolean(cameras.find((c) => c.id === cameraId)?.calibrated),
      open: openRules.has(i),
      ontoggle: (open) => { if (open) openRules.add(i); else openRules.delete(i); },
      onchange: () => { dirty = true; },
      ontype: (next) => { geo.rules[i] = next; openRules.add(i); dirty = true; showRules(); rulesBox.querySelector(`.rule[data-index="${i}"] select[name=type]`)?.focus(); },
      onremove: () => {
        geo.rules.splice(i, 1);
        openRules = new Set([...openRules].filter((j) => j !== i).map((j) => (j > i ? j - 1 : j)));
        dirty = true;
        showRules();
      },
    }));
    const typeSel = select(schema.rules.map((t) => [t.type, t.type.replace(/_/g, " ")]), geo.zones.length ? "loitering" : "running", { name: "new-rule-type" });
    const add = h("button", { type: "button", class: "secondary", onclick: () => {
      const t = schema.rules.find((x) => x.type === typeSel.value);
      geo.rules.push(newRule(t, zoneNames(), lineNames()));
      openRules.add(geo.rules.length - 1);
      dirty = true;
      showRules();
      rulesBox.querySelector(".rule:last-of-type select[name=type]")?.focus();
    } }, "Add rule");
    return [
      h("h2", {}, `Rules (${geo.rules.length})`),
      h("p", { class: "hint" }, "What to detect in these zones and lines. Saved with them, for this camera only. Open a rule to edit it."),
      h("ul", { class: "shape-list", id: "rule-list" }, items),
      h("div", { class: "row-actions add-rule" }, field("New rule type", typeSel), add),
      classChoices(schema),
    ];
  }

  // Rules as JSON, when the server does not describe its rule types.
  function rulesEditor() {
    const items = geo.rules.map((rule, i) => {
      const type = h("input", { name: "type", value: rule.type || "", "aria-label": `Rule ${i + 1} type` });
      type.addEventListener("input", () => { rule.type = type.value; dirty = true; });
      const rest = { ...rule };
      delete rest.type;
      const paramsBox = h("textarea", { name: "params", rows: 3, spellcheck: "false", "aria-label": `Rule ${i + 1} parameters (JSON)` }, JSON.stringify(rest));
      paramsBox.addEventListener("change", () => {
        try {
          const parsed = JSON.parse(paramsBox.value || "{}");
          geo.rules[i] = { type: rule.type, ...parsed };
          dirty = true;
        } catch (e) {
          toast(`Rule ${i + 1}: the parameters are not valid JSON (${e.message})`, "error");
        }
      });
      return h("li", { class: "shape" }, field("Type", type), field("Parameters (JSON: name, zone, line, ...)", paramsBox),
        errorFor(`rules.${i}`),
        h("button", { type: "button", class: "danger", onclick: () => { geo.rules.splice(i, 1); dirty = true; showRules(); } }, "Remove rule"));
    });
    const add = h("button", { type: "button", class: "secondary", onclick: () => {
      const zone = geo.zones[0] ? geo.zones[0].name : undefined;
      geo.rules.push(zone ? { type: "loitering", zone } : { type: "running" });
      dirty = true;
      showRules();
    } }, "Add rule");
    return h("section", {}, h("h2", {}, `Rules (${geo.rules.length})`), h("ul", { class: "shape-list", id: "rule-list" }, items), add);
  }

  // -- load and save --------------------------------------------------------------------
  async function load() {
    errors = new Map();
    general = [];
    selected = null;
    dirty = false;
    openRules = new Set();
    cancelDrawing();
    history.replaceState({}, "", `/zones?camera=${encodeURIComponent(cameraId)}`);
    img.src = `${cameraPath(cameraId, "/snapshot.jpg")}?t=${Date.now()}`;
    img.alt = `Current snapshot of camera ${cameraId}`;
    const data = await get(cameraPath(cameraId, "/geometry"));
    hasRules = Array.isArray(data.rules);
    geo = {
      zones: data.zones.map((z) => ({ name: z.name, points: z.points.map((p) => [...p]) })),
      lines: data.lines.map((l) => ({ name: l.name, points: l.points.map((p) => [...p]) })),
      ...(hasRules ? { rules: data.rules.map((r) => ({ ...r })) } : {}),
    };
    showList();
    draw();
  }

  async function save() {
    const body = {
      zones: geo.zones.map((z) => ({ name: z.name.trim(), points: z.points.map(([x, y]) => [round(x), round(y)]) })),
      lines: geo.lines.map((l) => ({ name: l.name.trim(), points: l.points.map(([x, y]) => [round(x), round(y)]) })),
      ...(hasRules ? { rules: geo.rules } : {}),
    };
    saveButton.disabled = true;
    errors = new Map();
    general = [];
    try {
      await put(cameraPath(cameraId, "/geometry"), body);
      await load();
      toast(`Saved to camera ${cameraId}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        for (const f of e.fields) {
          const loc = f.loc[0] === "body" ? f.loc.slice(1) : f.loc;
          const shown = loc[0] === "zones" || loc[0] === "lines" || (loc[0] === "rules" && hasRules);
          const msg = /should match pattern/.test(f.msg) ? "use letters, digits, spaces and _ . : - only" : f.msg;
          if (shown && loc.length >= 2) errors.set(loc.join("."), msg);
          else general.push(`${loc.join(".") || "request"}: ${msg}`);
        }
        if (!e.fields.length) general.push(e.message);
        general.unshift("Not saved: fix the problems marked below.");
      } else {
        general.push(e.status === 403 ? `Not allowed: ${e.message}` : `Not saved: ${e.message}`);
      }
      showList();
      focusFirstProblem();
    } finally {
      saveButton.disabled = false;
    }
  }

  // after a refused save: the first field the server named (its card has opened) takes the focus
  function focusFirstProblem() {
    const bad = list.querySelector("[aria-invalid=true]");
    const target = bad || list.querySelector(".shape .field-error")?.closest(".shape")?.querySelector("input, select, textarea, summary");
    if (target) {
      target.focus({ preventScroll: true });
      target.scrollIntoView({ block: "center" });
    } else {
      generalBox.scrollIntoView({ block: "nearest" });
    }
  }

  saveButton.addEventListener("click", save);
  cameraSel.addEventListener("change", () => {
    if (dirty && !window.confirm("Discard the unsaved changes to this camera?")) { cameraSel.value = cameraId; return; }
    cameraId = cameraSel.value;
    load().catch((e) => replace(generalBox, h("p", {}, e.message)));
  });
  img.addEventListener("load", () => {
    if (!img.naturalWidth || !img.naturalHeight) return;
    stage.style.aspectRatio = `${img.naturalWidth} / ${img.naturalHeight}`;
    stage.style.setProperty("--ar", String(img.naturalWidth / img.naturalHeight)); // caps its width to fit the screen's height
  });
  const resize = new ResizeObserver(draw);
  resize.observe(stage);
  await load();
  return () => { resize.disconnect(); document.removeEventListener("keydown", onKey); };
}
