// Event review: filters, a timeline and a list, the selected event's snapshot, clip, notes and
// acknowledgement; new events arrive live (SSE); j / k / a keyboard shortcuts.

import { ApiError, get, post } from "../api.js";
import { field, h, replace, select, toast } from "../dom.js";
import { eventRow, eventStream } from "../eventlist.js";
import { eventLabel, localInputToIso, when } from "../format.js";
import { timeline as makeTimeline } from "../timeline.js";

const PAGE = 50;

function isoToLocalInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const roundish = (v) => (typeof v === "number" ? String(Math.round(v * 1000) / 1000) : String(v));

/** An event's attributes as [label, text]: rule, zone and line left out (the title has them),
 * a `<name>_unit` attribute joined to its value ("radius 1.5 bh"), underscores as spaces. */
export function attributes(attrs) {
  return Object.entries(attrs)
    .filter(([k]) => !["rule", "zone", "line"].includes(k) && !(k.endsWith("_unit") && k.slice(0, -5) in attrs))
    .map(([k, v]) => {
      const unit = attrs[`${k}_unit`];
      const text = Array.isArray(v) ? v.map(roundish).join(", ") : roundish(v);
      return [k.replace(/_/g, " "), unit ? `${text} ${unit}` : text];
    });
}

/** A labelled picture or clip ("Clip", "Snapshot"). */
function mediaFigure(caption, el) {
  return h("figure", { class: "media", dataset: { kind: caption.toLowerCase() } }, h("figcaption", {}, caption), el);
}

/** The element takes its media's shape once known: as wide as the panel allows while at most
 * about half the screen tall, so no black bars at the sides. */
function fitted(el) {
  const fit = (w, hgt) => {
    if (!w || !hgt) return;
    el.style.aspectRatio = `${w} / ${hgt}`;
    el.style.maxWidth = `min(100%, calc(52vh * ${w / hgt}))`;
  };
  if (el.tagName === "VIDEO") el.addEventListener("loadedmetadata", () => fit(el.videoWidth, el.videoHeight));
  else el.addEventListener("load", () => fit(el.naturalWidth, el.naturalHeight));
  return el;
}

function matches(e, f) {
  if (f.camera && e.camera !== f.camera) return false;
  if (f.rule && e.rule !== f.rule) return false;
  if (f.zone && e.zone !== f.zone) return false;
  if (f.acknowledged === "true" && !e.acknowledged_at) return false;
  if (f.acknowledged === "false" && e.acknowledged_at) return false;
  const t = Date.parse(e.started_at);
  if (f.since && t < Date.parse(f.since)) return false;
  if (f.until && t >= Date.parse(f.until)) return false;
  return true;
}

export async function render(root, ctx) {
  const params = new URLSearchParams(location.search);
  const cameras = await ctx.listCameras();
  const canAck = ctx.me.role !== "viewer";
  const filters = {
    camera: params.get("camera") || "",
    rule: params.get("rule") || "",
    zone: params.get("zone") || "",
    acknowledged: params.get("acknowledged") || "",
    since: params.get("since") || "",
    until: params.get("until") || "",
  };
  let selectedId = params.get("event");
  let events = [];
  let cursor = null;

  // -- filters --------------------------------------------------------------------------
  const cameraSel = select([["", "All cameras"], ...cameras.map((c) => [c.id, c.id])], filters.camera, { name: "camera" });
  const ruleIn = h("input", { name: "rule", value: filters.rule, list: "rules-list", placeholder: "any", size: 9 });
  const zoneIn = h("input", { name: "zone", value: filters.zone, list: "zones-list", placeholder: "any", size: 9 });
  const ackSel = select([["", "All"], ["false", "Not acknowledged"], ["true", "Acknowledged"]], filters.acknowledged, { name: "acknowledged" });
  const sinceIn = h("input", { type: "datetime-local", name: "since", value: isoToLocalInput(filters.since) });
  const untilIn = h("input", { type: "datetime-local", name: "until", value: isoToLocalInput(filters.until) });
  const rulesList = h("datalist", { id: "rules-list" });
  const zonesList = h("datalist", { id: "zones-list" },
    [...new Set(cameras.flatMap((c) => c.zones))].map((z) => h("option", { value: z })));
  const filterForm = h(
    "form",
    { class: "filters", "aria-label": "Event filters" },
    field("Camera", cameraSel), field("Rule", ruleIn), field("Zone", zoneIn), field("State", ackSel),
    field("From", sinceIn), field("To", untilIn),
    h("div", { class: "field actions" }, h("button", { type: "submit" }, "Apply"),
      h("button", { type: "button", class: "secondary", onclick: () => { filterForm.reset(); Object.keys(filters).forEach((k) => { filters[k] = ""; }); sinceIn.value = ""; untilIn.value = ""; ruleIn.value = ""; zoneIn.value = ""; cameraSel.value = ""; ackSel.value = ""; reload(); } }, "Clear")),
    rulesList, zonesList,
  );
  filterForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    Object.assign(filters, {
      camera: cameraSel.value, rule: ruleIn.value.trim(), zone: zoneIn.value.trim(), acknowledged: ackSel.value,
      since: localInputToIso(sinceIn.value) || "", until: localInputToIso(untilIn.value) || "",
    });
    reload();
  });
  // on a phone the filters fold away (unless some are set) so that the events come first
  const filterSummary = h("summary", {}, "Filters");
  const filterBox = h("details", { class: "filter-box" }, filterSummary, filterForm);
  const showFilterCount = () => {
    const n = Object.values(filters).filter(Boolean).length;
    filterSummary.textContent = n ? `Filters (${n} set)` : "Filters";
    return n;
  };
  filterBox.open = !window.matchMedia("(max-width: 800px)").matches || showFilterCount() > 0;
  cameraSel.addEventListener("change", () => filterForm.requestSubmit());
  ackSel.addEventListener("change", () => filterForm.requestSubmit());

  // -- layout ---------------------------------------------------------------------------
  const strip = makeTimeline((e) => selectEvent(e.id, true));
  const list = h("ul", { class: "events", id: "event-list", "aria-label": "Events, newest first" });
  const more = h("button", { type: "button", class: "secondary", hidden: true, onclick: () => load(false) }, "Load older events");
  const detail = h("section", { class: "event-detail", "aria-label": "Selected event", tabindex: "-1" }, h("p", { class: "muted" }, "Select an event."));
  const live = h("span", { class: "muted", id: "stream-state" }, "");
  const announce = h("p", { class: "sr-only", "aria-live": "polite" });
  const help = h(
    "p",
    { class: "shortcuts", id: "shortcuts" },
    "Keys: ", h("kbd", {}, "j"), " next · ", h("kbd", {}, "k"), " previous · ",
    canAck ? [h("kbd", {}, "a"), " acknowledge · "] : null, h("kbd", {}, "?"), " help",
  );
  const helpDialog = h(
    "div",
    { class: "help", id: "shortcut-help", hidden: true, role: "note" },
    h("h2", {}, "Keyboard shortcuts"),
    h("dl", {},
      h("dt", {}, h("kbd", {}, "j")), h("dd", {}, "Next (older) event"),
      h("dt", {}, h("kbd", {}, "k")), h("dd", {}, "Previous (newer) event"),
      h("dt", {}, h("kbd", {}, "a")), h("dd", {}, "Acknowledge the selected event (with the note typed below it)"),
      h("dt", {}, h("kbd", {}, "?")), h("dd", {}, "Show or hide this help")),
  );
  root.append(
    h("div", { class: "page-head" }, h("h1", {}, "Events ", live), help),
    helpDialog,
    filterBox,
    h("div", { class: "review" },
      h("div", { class: "review-list" }, strip.canvas, strip.legend, list, more),
      detail),
    announce,
  );

  // -- data -----------------------------------------------------------------------------
  function query() {
    return {
      camera: filters.camera || null, rule: filters.rule || null, zone: filters.zone || null,
      acknowledged: filters.acknowledged || null, since: filters.since || null, until: filters.until || null, limit: PAGE,
    };
  }

  function syncUrl() {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) p.set(k, v);
    if (selectedId) p.set("event", selectedId);
    const text = p.toString();
    history.replaceState({}, "", `/events${text ? `?${text}` : ""}`);
  }

  async function load(fresh) {
    try {
      const page = await get("/api/events", { ...query(), cursor: fresh ? null : cursor });
      if (!ctx.isCurrent()) return;
      events = fresh ? page.items : [...events, ...page.items.filter((e) => !events.some((x) => x.id === e.id))];
      cursor = page.next_cursor;
      more.hidden = !cursor;
      showList();
    } catch (e) {
      replace(list, h("li", { class: "error", role: "alert" }, e instanceof ApiError && e.status === 403 ? `Not allowed: ${e.message}` : e.message));
    }
  }

  function reload() {
    syncUrl();
    showFilterCount();
    load(true).then(() => { if (selectedId) selectEvent(selectedId, false); });
  }

  function showList() {
    // a live arrival re-draws the list: the focused row keeps the focus
    const focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest(".event-row") : null;
    const focusedId = focused && list.contains(focused) ? focused.dataset.id : null;
    const rules = [...new Set(events.map((e) => e.rule))].sort();
    replace(rulesList, rules.map((r) => h("option", { value: r })));
    replace(list, events.length ? events.map((e) => eventRow(e, { selected: e.id === selectedId, onselect: (ev) => {
      // on a phone the event shows below the list: bring it into view after a tap
      scrollToDetail = window.matchMedia("(max-width: 800px)").matches;
      selectEvent(ev.id, true);
    } })) : h("li", { class: "muted" }, "No events match."));
    if (focusedId) list.querySelector(`.event-row[data-id="${CSS.escape(focusedId)}"]`)?.focus({ preventScroll: true });
    drawTimeline();
  }

  function drawTimeline() {
    strip.draw(events, {
      t0: filters.since ? Date.parse(filters.since) : null,
      t1: filters.until ? Date.parse(filters.until) : null,
      selectedId,
    });
  }

  // -- the selected event ---------------------------------------------------------------
  let noteBox = null;
  let scrollToDetail = false;

  async function selectEvent(id, focusRow) {
    selectedId = id;
    syncUrl();
    for (const b of list.querySelectorAll(".event-row")) {
      const on = b.dataset.id === id;
      b.classList.toggle("selected", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
      if (on && focusRow) { b.focus({ preventScroll: true }); b.scrollIntoView({ block: "nearest" }); }
    }
    drawTimeline();
    detail.dataset.loading = id;
    let event;
    let media;
    let notes;
    try {
      [event, media, notes] = await Promise.all([
        get(`/api/events/${encodeURIComponent(id)}`),
        get(`/api/events/${encodeURIComponent(id)}/media`),
        get(`/api/events/${encodeURIComponent(id)}/notes`),
      ]);
    } catch (e) {
      if (selectedId === id) replace(detail, h("p", { class: "error", role: "alert" }, e.message));
      return;
    }
    if (selectedId !== id || !ctx.isCurrent()) return;
    showDetail(event, media, notes);
  }

  // Clips are written a few seconds after an event (post-roll): a recent event without one is
  // checked again until it has one.
  let mediaTimer = null;
  function watchMedia(e, media) {
    clearTimeout(mediaTimer);
    const recent = Date.now() - Date.parse(e.updated_at) < 5 * 60 * 1000;
    if (!recent || media.some((m) => m.kind === "clip")) return;
    mediaTimer = setTimeout(async () => {
      if (selectedId !== e.id || !ctx.isCurrent()) return;
      try {
        const now = await get(`/api/events/${encodeURIComponent(e.id)}/media`);
        if (selectedId !== e.id) return;
        if (now.length !== media.length) selectEvent(e.id, false);
        else watchMedia(e, media);
      } catch (err) { /* the next selection tries again */ }
    }, 4000);
  }

  function showDetail(e, media, notes) {
    watchMedia(e, media);
    if (scrollToDetail) {
      scrollToDetail = false;
      requestAnimationFrame(() => detail.scrollIntoView({ block: "start" }));
    }
    const snapshots = media.filter((m) => m.kind === "snapshot");
    const clips = media.filter((m) => m.kind === "clip");
    const poster = snapshots.length ? snapshots[0].url : undefined;
    const attrs = attributes(e.attributes || {});
    // a note being typed survives a refresh of the same event
    const typed = noteBox && detail.dataset.id === e.id ? noteBox.value : "";
    detail.dataset.id = e.id;
    delete detail.dataset.loading;
    noteBox = canAck ? h("textarea", { name: "note", rows: 2, maxlength: 4000, placeholder: "Optional note", value: typed }) : null;
    const ackButton = canAck && !e.acknowledged_at ? h("button", { type: "button", id: "ack", onclick: () => acknowledge(e.id) }, "Acknowledge") : null;
    const noteButton = canAck && e.acknowledged_at ? h("button", { type: "button", class: "secondary", onclick: () => addNote(e.id) }, "Add note") : null;
    replace(
      detail,
      h("h2", {}, eventLabel(e)),
      h("p", { class: "meta" }, "Camera ", h("strong", { class: "name" }, e.camera),
        !e.ended_at || e.ended_at === e.started_at ? ` · ${e.ended_at ? "at" : "started"} ${when(e.started_at)}` : ` · ${when(e.started_at)} to ${when(e.ended_at)}`,
        !e.ended_at && e.active ? " · active" : ""),
      h("p", { class: "ack-state", role: "status" }, e.acknowledged_at ? `Acknowledged by ${e.acknowledged_by} at ${when(e.acknowledged_at)}` : "Not acknowledged"),
      clips.map((m) => mediaFigure("Clip", fitted(h("video", { class: "clip", src: m.url, poster, controls: true, preload: "metadata", playsinline: true, "aria-label": `Clip of event ${eventLabel(e)}` })))),
      snapshots.map((m) => mediaFigure("Snapshot", fitted(h("img", { class: "snapshot", src: m.url, alt: `Snapshot of event ${eventLabel(e)}` })))),
      !media.length ? h("p", { class: "muted" }, "No snapshot or clip for this event.") : null,
      attrs.length ? h("dl", { class: "attrs" }, attrs.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])) : null,
      h("h3", {}, "Notes"),
      h("ul", { class: "notes" }, notes.length ? notes.map((n) => h("li", {}, h("span", { class: "muted" }, `${n.author}, ${when(n.at)}: `), h("span", { class: "note-text" }, n.text))) : h("li", { class: "muted" }, "No notes.")),
      canAck ? h("div", { class: "ack-form" }, field("Note", noteBox), ackButton, noteButton) : h("p", { class: "muted" }, "Viewers cannot acknowledge events."),
    );
  }

  async function acknowledge(id) {
    const note = noteBox && noteBox.value.trim();
    try {
      const e = await post(`/api/events/${encodeURIComponent(id)}/ack`, note ? { note } : undefined);
      upsert(e);
      toast("Event acknowledged");
      if (selectedId === id) selectEvent(id, true);
    } catch (e) {
      toast(e.status === 403 ? `Not allowed: ${e.message}` : `Acknowledge failed: ${e.message}`, "error");
    }
  }

  async function addNote(id) {
    const text = noteBox && noteBox.value.trim();
    if (!text) { toast("Type a note first", "error"); return; }
    try {
      await post(`/api/events/${encodeURIComponent(id)}/notes`, { text });
      if (selectedId === id) selectEvent(id, false);
    } catch (e) {
      toast(`Adding the note failed: ${e.message}`, "error");
    }
  }

  function upsert(e) {
    const i = events.findIndex((x) => x.id === e.id);
    if (i >= 0) events[i] = e;
    else if (matches(e, filters)) {
      events.unshift(e);
      events.sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at));
      announce.textContent = `New event: ${eventLabel(e)} on camera ${e.camera}`;
    } else return;
    showList();
    const row = list.querySelector(`.event-row[data-id="${CSS.escape(e.id)}"]`);
    if (row && i < 0) row.classList.add("arrived");
  }

  // -- keyboard -------------------------------------------------------------------------
  function onKey(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
    if (ev.key === "?") { helpDialog.hidden = !helpDialog.hidden; ev.preventDefault(); return; }
    if (!events.length) return;
    const i = events.findIndex((e) => e.id === selectedId);
    if (ev.key === "j") { ev.preventDefault(); selectEvent(events[Math.min(events.length - 1, i + 1)].id, true); }
    else if (ev.key === "k") { ev.preventDefault(); selectEvent(events[Math.max(0, i - 1)].id, true); }
    else if (ev.key === "a" && canAck && i >= 0) { ev.preventDefault(); acknowledge(selectedId); }
  }
  document.addEventListener("keydown", onKey);
  const onResize = () => drawTimeline();
  window.addEventListener("resize", onResize);

  const close = eventStream(upsert, {
    onstate: (s) => { live.textContent = s === "live" ? "(live)" : `(${s})`; live.dataset.state = s; },
  });
  reload();
  return () => {
    clearTimeout(mediaTimer);
    close();
    document.removeEventListener("keydown", onKey);
    window.removeEventListener("resize", onResize);
  };
}
