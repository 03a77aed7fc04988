import { h } from "../dom.js";

export async function render(root) {
  root.appendChild(h("h1", {}, "counts"));
}
