// DOM helpers. Text only ever goes in through textContent or text nodes: operator-typed
// names (cameras, zones, users, notes) are never parsed as HTML (no HTML-string APIs here).

const PROPS = new Set(["value", "checked", "disabled", "selected", "hidden", "multiple", "required", "readOnly"]);

function add(el, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) add(el, c);
  } else if (child instanceof Node) {
    el.appendChild(child);
  } else {
    el.appendChild(document.createTextNode(String(child)));
  }
}

function setProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.setAttribute("class", value);
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "style") throw new Error("inline styles are blocked by the CSP: use a class");
    else if (PROPS.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
}

/** h("button", {class: "x", onclick: f}, "text", child...): an HTML element. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  add(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes (no children from strings). */
export function svg(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setProps(el, props);
  add(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  add(el, children);
  return el;
}

/** A labelled form control: <label>text <control></label> with a stable id. */
let nextId = 0;
export function field(labelText, control, hint) {
  if (!control.id) control.id = `f${++nextId}`;
  const parts = [h("label", { for: control.id }, labelText), control];
  if (hint) {
    const hintEl = h("small", { class: "hint", id: `${control.id}-hint` }, hint);
    control.setAttribute("aria-describedby", hintEl.id);
    parts.push(hintEl);
  }
  return h("div", { class: "field" }, parts);
}

export function select(options, value, props) {
  const el = h("select", props);
  for (const opt of options) {
    const [v, label] = Array.isArray(opt) ? opt : [opt, opt];
    el.appendChild(h("option", { value: v, selected: v === value }, label));
  }
  return el;
}

let toastTimer = null;
/** A short message in the live region at the bottom of the screen. */
export function toast(message, kind = "info") {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = message;
  el.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = "toast"; }, 4000);
}

/** The "not allowed" / error box shown in place of a page's content. */
export function problem(title, detail) {
  return h("div", { class: "problem", role: "alert" }, h("h2", {}, title), detail ? h("p", {}, detail) : null);
}
