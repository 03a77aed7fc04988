"""Login, the camera grid (live image, health, names as text) and event review in a real browser."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from web_helpers import XSS, Overlay, UiServer, event, login, shot

from vigil.types import Event


def test_login_then_grid_shows_live_cameras(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    page, _ = open_page(ui.url)
    page.goto("/events")
    page.wait_for_url("**/login?next=%2Fevents")
    shot(page, artifacts, "login")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("alert").filter(has_text="Wrong username or password").wait_for()

    login(page, "admin")
    page.goto("/")
    tiles = page.locator("article.tile")
    tiles.nth(2).wait_for()
    assert tiles.count() == 3
    # the camera named like an HTML tag is text, not an element
    assert page.get_by_role("link", name=XSS, exact=True).is_visible()
    assert page.locator('img[src="x"]').count() == 0

    tile = page.locator('article.tile[data-camera="A"]')
    live = tile.locator(".live")
    page.wait_for_function("() => Number(document.querySelector('.tile .live')?.dataset.frames || 0) >= 1")
    first = live.locator("img.frame").get_attribute("src")
    page.wait_for_function(
        "(src) => document.querySelector('.tile .live img.frame')?.getAttribute('src') !== src", arg=first
    )
    assert tile.locator(".badge").inner_text().startswith("online")
    # health comes from the supervisor: a camera going offline shows within a few seconds
    b = ui.registry.health("B")
    ui.registry.set_health(replace(b, state="offline"))
    try:
        page.locator('article.tile[data-camera="B"] .badge.offline').wait_for()
        assert page.locator('article.tile[data-camera="B"] .badge').inner_text() == "offline"
        shot(page, artifacts, "cameras")
    finally:
        ui.registry.set_health(b)

    page.locator('article.tile[data-camera="A"] h2 a').click()
    page.wait_for_url("**/cameras/A")
    # the full view streams MJPEG and draws the tracks over it
    page.locator('.detail .live[data-mode="mjpeg"]').wait_for()
    page.wait_for_function("() => document.querySelector('.detail .live img.frame')?.naturalWidth === 320")
    page.locator(".detail .live .frame-status").wait_for(state="hidden")
    if Overlay is not None:
        page.locator('.detail .live[data-tracks="1"]').wait_for()
    page.locator("ul.events .event-row").first.wait_for()
    page.locator('dl.counts dd[data-zone="door"]').wait_for()
    shot(page, artifacts, "camera-detail")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    page.goto("/cameras")
    page.wait_for_url("**/login?next=%2Fcameras")


def test_event_review_clip_ack_and_live_arrival(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    page, _ = open_page(ui.url)
    login(page, "operator_a")
    page.goto("/events")
    rows = page.locator("#event-list .event-row")
    rows.first.wait_for()
    # operator_a sees camera A only: 5 gatherings and 5 line crossings
    page.wait_for_function("() => document.querySelectorAll('#event-list .event-row').length === 10")
    assert page.locator("#event-list .ev-camera").all_inner_texts() == ["A"] * 10
    page.locator("#stream-state[data-state=live]").wait_for()

    # open the event with media: snapshot and clip, and the clip plays
    page.locator(f'.event-row[data-id="{ui.events.a_with_media}"]').click()
    detail = page.locator(".event-detail")
    detail.locator("img.snapshot").wait_for()
    page.wait_for_function("() => document.querySelector('.event-detail img.snapshot')?.naturalWidth > 0")
    video = detail.locator("video.clip")
    video.wait_for()
    played = page.evaluate(
        """async () => {
            const v = document.querySelector('.event-detail video.clip');
            v.muted = true;
            await v.play();
            await new Promise((r) => setTimeout(r, 400));
            return {t: v.currentTime, w: v.videoWidth, err: v.error && v.error.code};
        }"""
    )
    assert played["w"] == 320 and played["t"] > 0, played
    # the clip comes first, with native controls and the snapshot as its poster; both are labelled
    # and take their media's shape (no black bars), at most about half the screen tall
    assert detail.locator("figure.media figcaption").all_inner_texts() == ["Clip", "Snapshot"]
    assert video.get_attribute("poster") == detail.locator("img.snapshot").get_attribute("src")
    assert video.get_attribute("controls") is not None
    page.wait_for_function("() => document.querySelector('.event-detail video.clip').style.aspectRatio !== ''")
    page.wait_for_function("() => document.querySelector('.event-detail img.snapshot').style.aspectRatio !== ''")
    for element in (video, detail.locator("img.snapshot")):
        b = element.bounding_box()
        assert b is not None and abs(b["width"] / b["height"] - 320 / 240) < 0.02 and b["height"] <= 0.53 * 800, b

    # keyboard: j moves to the next (older) event, k back; a acknowledges with the typed note
    page.locator(f'.event-row[data-id="{ui.events.a_with_media}"]').focus()
    page.keyboard.press("j")
    page.wait_for_url("**event=*")
    second = page.locator(".event-row.selected").get_attribute("data-id")
    assert second != ui.events.a_with_media
    page.keyboard.press("k")
    page.locator(f'.event-row.selected[data-id="{ui.events.a_with_media}"]').wait_for()
    page.locator(f'.event-detail[data-id="{ui.events.a_with_media}"]:not([data-loading])').wait_for()
    page.get_by_label("Note").fill("checked <b>on site</b>")
    page.locator(f'.event-row[data-id="{ui.events.a_with_media}"]').focus()
    page.keyboard.press("a")
    detail.locator(".ack-state").filter(has_text="Acknowledged by operator_a").wait_for()
    detail.locator(".note-text").filter(has_text="checked <b>on site</b>").wait_for()
    stored = ui.deps.events.get(ui.events.a_with_media)
    assert stored.acknowledged_by == "operator_a"
    assert [n.text for n in ui.deps.events.notes(stored.id)] == ["checked <b>on site</b>"]

    # the help is visible and toggles with ?
    assert page.locator("#shortcuts").is_visible()
    page.keyboard.press("?")
    page.locator("#shortcut-help").wait_for(state="visible")
    shot(page, artifacts, "events")

    # a new event of camera A arrives without a reload; one of camera B never shows
    ui.deps.events.record(event("B", rule="loitering", t=50.0, tid=99), at=datetime.now(UTC))
    new_id = ui.deps.events.record(event("A", rule="running", zone=None, t=51.0, tid=98), at=datetime.now(UTC))
    page.locator(f'.event-row[data-id="{new_id}"]').wait_for(timeout=5000)
    assert "running" in page.locator(f'.event-row[data-id="{new_id}"]').inner_text()
    assert page.locator("#event-list .ev-camera").filter(has_text="B").count() == 0


def test_filters_and_names_render_as_text(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    page, _ = open_page(ui.url)
    login(page, "admin")
    page.goto("/events?camera=B")
    rows = page.locator("#event-list .event-row")
    rows.first.wait_for()
    cams = page.locator("#event-list .ev-camera").all_inner_texts()
    assert cams and set(cams) == {"B"}
    assert page.locator(f'.event-row[data-id="{ui.events.b_only}"]').is_visible()
    page.get_by_label("Camera").select_option(XSS)
    page.locator(f'.event-row[data-id="{ui.events.xss_zone}"]').wait_for()
    page.locator(f'.event-row[data-id="{ui.events.xss_zone}"]').click()
    page.locator(".event-detail h2").filter(has_text=f"zone {XSS}").wait_for()
    assert page.locator(".event-detail .meta .name").inner_text() == XSS
    assert page.locator('img[src="x"]').count() == 0
    shot(page, artifacts, "events-escaped-names")

    # rule and time filters: only gatherings of camera A that started in the last 27 minutes
    since = datetime.now() - timedelta(minutes=27)  # the form takes local time
    page.get_by_label("Camera").select_option("A")
    page.get_by_label("Rule").fill("gathering")
    page.get_by_label("From").fill(since.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**rule=gathering**")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#event-list .event-row')].every((r) => r.dataset.rule === 'gathering')"
    )
    starts = page.locator("#event-list .event-row").evaluate_all("rows => rows.map((r) => r.dataset.started)")
    cutoff = since.replace(second=0, microsecond=0).astimezone(UTC)
    assert starts and all(datetime.fromisoformat(s) >= cutoff for s in starts), starts
    assert len(starts) < 5  # the older gatherings are left out


TIMELINE_COLOURS_JS = """() => {
  const c = document.querySelector('canvas.timeline');
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const found = new Set();
  for (let i = 0; i < data.length; i += 4) {
    found.add('#' + [data[i], data[i + 1], data[i + 2]].map((v) => v.toString(16).padStart(2, '0')).join(''));
  }
  return [...document.querySelectorAll('.timeline-legend li[data-rule]')].map((li) => [li.dataset.rule, li.dataset.color, found.has(li.dataset.color)]);
}"""


def test_timeline_has_hour_ticks_and_a_colour_per_rule(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    page, _ = open_page(ui.url)
    login(page, "admin")
    until = datetime.now(UTC)
    since = until - timedelta(hours=6)
    page.goto("/events?" + urlencode({"camera": "A", "since": since.isoformat(), "until": until.isoformat()}))
    page.locator("#event-list .event-row").first.wait_for()
    page.locator("canvas.timeline[data-ticks]").wait_for(state="attached")
    timeline = page.locator("canvas.timeline")
    # six hours: a tick on every whole hour
    assert timeline.get_attribute("data-step") == str(3600 * 1000)
    assert timeline.get_attribute("data-ticks") == "6"
    # one colour per rule, named in the legend and drawn on the strip
    legend = page.evaluate(TIMELINE_COLOURS_JS)
    rules = {rule for rule, _, _ in legend}
    assert {"gathering", "line_crossing"} <= rules, legend
    assert len({colour for _, colour, _ in legend}) == len(legend), legend
    assert all(drawn for _, _, drawn in legend), legend
    assert "gathering (" in page.locator(".timeline-legend").inner_text()


def test_camera_detail_counts_whole_people_now(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    """The worker sends whole people per zone; the page shows the latest count (not a bucket's
    average such as 2.3) and the peak of the last five minutes."""
    now = datetime.now(UTC)
    for seconds_ago, people in ((4, 2), (3, 3), (2, 3), (1, 2)):
        ui.deps.events.record_counts("A", {"door": people}, at=now - timedelta(seconds=seconds_ago))
    page, _ = open_page(ui.url)
    login(page, "admin")
    page.goto("/cameras/A")
    door = page.locator('dl.counts dd[data-zone="door"]')
    door.wait_for()
    assert door.locator(".now").inner_text() == "2"
    assert "peak 3 in 5 min" in door.inner_text()
    assert "." not in door.inner_text()
    shot(page, artifacts, "camera-detail-counts")
    # no count lately (camera B's worker sent none): no number is made up
    page.goto("/cameras/B")
    b_door = page.locator('dl.counts dd[data-zone="door"]')
    b_door.wait_for()
    assert b_door.locator(".now").inner_text() == "–"
    assert "no count" in b_door.inner_text()


def test_event_attributes_read_with_their_units(ui: UiServer, open_page: Any) -> None:
    attrs: dict[str, float | int | str | list[float]] = {
        "rule": "gathering", "zone": "door", "radius": 1.5, "radius_unit": "bh", "peak_count": 6, "speed": 0.123456,
    }  # fmt: skip
    eid = ui.deps.events.record(
        Event(kind="gathering", camera="A", t=70.0, phase="instant", track_ids=(70,), attributes=attrs, confidence=0.9),
        at=datetime.now(UTC) - timedelta(minutes=1),
    )
    page, _ = open_page(ui.url)
    login(page, "admin")
    page.goto(f"/events?event={eid}")
    shown = page.locator(f'.event-detail[data-id="{eid}"] dl.attrs')
    shown.wait_for()
    pairs = dict(zip(shown.locator("dt").all_inner_texts(), shown.locator("dd").all_inner_texts(), strict=True))
    assert pairs == {"radius": "1.5 bh", "peak count": "6", "speed": "0.123"}, pairs
