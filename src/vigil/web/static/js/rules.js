// Rule forms built from GET /api/rules/schema: a type, the zone or line it watches, and each
// parameter with its unit, bounds and default. Values are kept in the rule object as the
// geometry PUT takes them; errors (422 rules.N.field) show next to their field.

import { field, h } from "./dom.js";

const MAIN = new Set(["name", "zone", "line", "enabled"]);

function unitLabel(p) {
  return p.unit ? ` (${p.unit})` : "";
}

function bounds(p) {
  const lo = p.minimum ?? p.exclusive_minimum;
  const hi = p.maximum ?? p.exclusive_maximum;
  const parts = [];
  if (lo !== null && lo !== undefined) parts.push(`${p.exclusive_minimum != null ? ">" : "≥"} ${lo}`);
  if (hi !== null && hi !== undefined) parts.push(`${p.exclusive_maximum != null ? "<" : "≤"} ${hi}`);
  return parts.join(", ");
}

function hintOf(p) {
  const parts = [];
  if (p.description) parts.push(p.description);
  const b = bounds(p);
  if (b) parts.push(b);
  if (p.nullable && p.default_when_null != null) parts.push(`empty: ${p.default_when_null} ${p.unit}`);
  return parts.join(" · ");
}

/** A new rule of `type`: its required zone or line filled with the first one there is. */
export function newRule(typeSchema, zones, lines) {
  const rule = { type: typeSchema.type };
  if (typeSchema.zone === "required" && zones.length) rule.zone = zones[0];
  if (typeSchema.line === "required" && lines.length) rule.line = lines[0];
  for (const p of typeSchema.params) {
    if (p.required && !p.refers_to && (p.default === null || p.default === undefined) && (p.type === "integer" || p.type === "number")) {
      rule[p.name] = p.minimum ?? p.exclusive_minimum ?? 1;
    }
  }
  return rule;
}

function control(rule, p, ctx, label) {
  const value = rule[p.name];
  const set = (v) => {
    if (v === undefined) delete rule[p.name];
    else rule[p.name] = v;
    ctx.onchange();
  };
  if (p.refers_to) {
    const names = () => (p.refers_to === "zone" ? ctx.zones() : ctx.lines());
    const sel = h("select", { name: p.name, "aria-label": label });
    const fill = () => {
      const current = rule[p.name] ?? "";
      const opts = [];
      if (!p.required) opts.push(h("option", { value: "" }, p.refers_to === "zone" ? "(the whole frame)" : "(none)"));
      const list = names();
      if (current && !list.includes(current)) opts.push(h("option", { value: current }, `${current} (missing)`));
      for (const n of list) opts.push(h("option", { value: n }, n));
      sel.replaceChildren(...opts);
      sel.value = current;
    };
    fill();
    sel.addEventListener("focus", fill);
    sel.addEventListener("mousedown", fill);
    sel.addEventListener("change", () => set(sel.value || (p.nullable ? null : undefined)));
    return sel;
  }
  if (p.type === "boolean") {
    const box = h("input", { type: "checkbox", name: p.name, checked: value ?? p.default ?? false, "aria-label": label });
    box.addEventListener("change", () => set(box.checked));
    return box;
  }
  if (p.type === "number" || p.type === "integer") {
    const input = h("input", {
      type: "number", name: p.name, "aria-label": label, inputmode: "decimal",
      step: p.type === "integer" ? 1 : "any",
      min: p.minimum ?? undefined, max: p.maximum ?? undefined,
      value: value === null || value === undefined ? "" : String(value),
      placeholder: p.nullable ? (p.default_when_null != null ? `${p.default_when_null}` : "default") : p.default != null ? String(p.default) : "",
    });
    input.addEventListener("change", () => {
      const text = input.value.trim();
      if (!text) set(p.nullable ? null : undefined);
      else set(Number(text));
    });
    return input;
  }
  if (p.type === "array") {
    const input = h("input", {
      name: p.name, "aria-label": label, spellcheck: "false",
      value: Array.isArray(value) ? value.join(", ") : "",
      placeholder: Array.isArray(p.default) ? p.default.join(", ") : p.nullable ? "any" : "",
      list: p.choices ? `choices-${p.name}` : undefined,
    });
    input.addEventListener("change", () => {
      const items = input.value.split(",").map((s) => s.trim()).filter(Boolean);
      set(items.length ? items : p.nullable ? null : undefined);
    });
    return input;
  }
  if (p.type === "string") {
    if (p.choices) {
      const sel = h("select", { name: p.name, "aria-label": label },
        p.nullable || !p.required ? h("option", { value: "" }, "(default)") : null,
        p.choices.map((c) => h("option", { value: c, selected: c === value }, c)));
      sel.addEventListener("change", () => set(sel.value || (p.nullable ? null : undefined)));
      return sel;
    }
    const input = h("input", { name: p.name, "aria-label": label, value: value ?? "", maxlength: p.max_length ?? undefined, placeholder: p.name === "name" ? rule.type : "" });
    input.addEventListener("input", () => set(input.value.trim() ? input.value.trim() : p.nullable ? null : undefined));
    return input;
  }
  // objects (active_hours): JSON, empty for none
  const area = h("textarea", { name: p.name, rows: 2, spellcheck: "false", "aria-label": label }, value ? JSON.stringify(value) : "");
  area.addEventListener("change", () => {
    const text = area.value.trim();
    if (!text) { set(p.nullable ? null : undefined); area.setCustomValidity(""); return; }
    try {
      set(JSON.parse(text));
      area.setCustomValidity("");
    } catch (e) {
      area.setCustomValidity(`not valid JSON: ${e.message}`);
      area.reportValidity();
    }
  });
  return area;
}

/** The one list of object classes the class inputs suggest. */
export function classChoices(schema) {
  const all = new Set();
  for (const t of schema.rules) for (const p of t.params) if (p.name === "classes") (p.choices || []).forEach((c) => all.add(c));
  return h("datalist", { id: "choices-classes" }, [...all].map((c) => h("option", { value: c })));
}

function shown(v) {
  if (Array.isArray(v)) return v.join(", ");
  if (typeof v === "number") return String(Math.round(v * 1000) / 1000);
  return String(v);
}

/** The parameters a rule's one-line summary names: every min_/max_ threshold (its value or
 * default) and any other parameter set to something other than its default. */
function keyParams(rule, typeSchema) {
  const out = [];
  for (const p of typeSchema.params) {
    if (MAIN.has(p.name) || p.name === "update_interval" || p.refers_to) continue;
    const set = rule[p.name] !== undefined && rule[p.name] !== null && JSON.stringify(rule[p.name]) !== JSON.stringify(p.default);
    const threshold = /^(min|max)_/.test(p.name);
    if (!set && !threshold) continue;
    const value = set ? rule[p.name] : p.default;
    if (value === null || value === undefined) {
      if (p.required) out.push(`${p.name.replace(/_/g, " ")} ?`);
      continue;
    }
    out.push(`${p.name.replace(/_/g, " ")} ${shown(value)}${p.unit ? ` ${p.unit}` : ""}`);
  }
  return out;
}

/** One line about a rule: its type (and name), the zone or line it watches and its key
 * parameters with units, e.g. "loitering · zone door · min dwell 60 s". */
export function ruleSummary(rule, typeSchema) {
  const parts = [rule.name ? `${rule.name} (${String(rule.type).replace(/_/g, " ")})` : String(rule.type).replace(/_/g, " ")];
  if (rule.zone) parts.push(`zone ${rule.zone}`);
  else if (typeSchema && typeSchema.zone === "optional") parts.push("whole frame");
  if (rule.line) parts.push(`line ${rule.line}`);
  if (typeSchema) parts.push(...keyParams(rule, typeSchema));
  if (rule.enabled === false) parts.push("disabled");
  return parts.join(" · ");
}

/** A rule type's parameters in the camera's units: on a ground-calibrated camera lengths are
 * metres and speeds m/s (unit_calibrated), with the matching defaults. */
export function forCamera(typeSchema, calibrated) {
  if (!typeSchema || !calibrated) return typeSchema;
  return {
    ...typeSchema,
    params: typeSchema.params.map((p) => ({
      ...p,
      unit: p.unit_calibrated ?? p.unit,
      default_when_null: p.default_when_null_calibrated ?? p.default_when_null,
    })),
  };
}

/**
 * Rule `index` as a card: a one-line summary that expands to its form. ctx: {schema, zones(),
 * lines(), errors (Map "rules.N.field" -> msg), calibrated, open, ontoggle(open), onchange(),
 * ontype(newRule), onremove()}. A rule with an error is always open.
 */
export function ruleForm(rule, index, ctx) {
  const types = ctx.schema.rules;
  const typeSchema = forCamera(types.find((t) => t.type === rule.type), ctx.calibrated);
  const n = index + 1;
  const typeSel = h("select", { name: "type", "aria-label": `Rule ${n} type` },
    typeSchema ? null : h("option", { value: rule.type }, `${rule.type} (unknown)`),
    types.map((t) => h("option", { value: t.type, selected: t.type === rule.type }, t.type.replace(/_/g, " "))));
  typeSel.addEventListener("change", () => {
    const next = types.find((t) => t.type === typeSel.value);
    ctx.ontype(newRule(next, ctx.zones(), ctx.lines()));
  });
  const mine = [...ctx.errors.entries()].filter(([k]) => k === `rules.${index}` || k.startsWith(`rules.${index}.`));
  const errorOf = (name) => ctx.errors.get(`rules.${index}.${name}`);
  const general = mine.filter(([k]) => !(typeSchema && typeSchema.params.some((p) => k === `rules.${index}.${p.name}` || k.startsWith(`rules.${index}.${p.name}.`))));
  const summaryText = h("span", { class: "rule-line" }, ruleSummary(rule, typeSchema));
  const onchange = () => {
    summaryText.textContent = ruleSummary(rule, typeSchema);
    ctx.onchange();
  };
  const fieldCtx = { ...ctx, onchange };
  const row = (p) => {
    const label = `Rule ${n} ${p.name.replace(/_/g, " ")}${unitLabel(p)}`;
    const c = control(rule, p, fieldCtx, label);
    const err = mine.filter(([k]) => k === `rules.${index}.${p.name}` || k.startsWith(`rules.${index}.${p.name}.`)).map(([, m]) => m);
    const wrap = field(`${p.name.replace(/_/g, " ")}${unitLabel(p)}${p.required ? " *" : ""}`, c, hintOf(p));
    wrap.classList.add("param");
    wrap.dataset.param = p.name;
    if (err.length) {
      c.setAttribute("aria-invalid", "true");
      wrap.appendChild(h("p", { class: "field-error", role: "alert" }, err.join("; ")));
    }
    return wrap;
  };
  const params = typeSchema ? typeSchema.params : [];
  const main = params.filter((p) => MAIN.has(p.name) || p.required);
  const more = params.filter((p) => !MAIN.has(p.name) && !p.required);
  const changed = more.some((p) => errorOf(p.name) || (rule[p.name] !== undefined && JSON.stringify(rule[p.name]) !== JSON.stringify(p.default)));
  const details = h(
    "details",
    { class: "rule-card", open: Boolean(ctx.open) || mine.length > 0 },
    h("summary", { class: "rule-summary" },
      h("span", { class: "rule-n" }, `Rule ${n}`), " ", summaryText,
      mine.length ? h("span", { class: "tag problem-tag" }, `${mine.length} problem${mine.length === 1 ? "" : "s"}`) : null),
    h("div", { class: "rule-body" },
      field(`Rule ${n} type`, typeSel, typeSchema ? typeSchema.description : "This server does not describe this rule type."),
      main.map(row),
      more.length ? h("details", { class: "more", open: changed }, h("summary", {}, "More parameters"), more.map(row)) : null,
      general.length ? h("p", { class: "field-error", role: "alert" }, general.map(([k, m]) => `${k.split(".").slice(2).join(".") || "rule"}: ${m}`).join("; ")) : null,
      h("button", { type: "button", class: "danger", onclick: ctx.onremove }, "Remove rule")),
  );
  details.addEventListener("toggle", () => { if (ctx.ontoggle) ctx.ontoggle(details.open); });
  return h("li", { class: `shape rule${mine.length ? " invalid" : ""}`, dataset: { index } }, details);
}
