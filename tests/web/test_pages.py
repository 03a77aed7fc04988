"""Counts, the zone editor, users, system, first-run setup, viewers' limits, phone size and headers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from web_helpers import XSS, UiServer, login, shot

from vigil.api import PUBLIC_API_ROUTES
from vigil.auth.testing import assert_all_routes_require_auth
from vigil.web import PUBLIC_UI_ROUTES, SECURITY_HEADERS


def test_counts_chart_shows_data(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    page, _ = open_page(ui.url)
    login(page, "admin")
    page.goto("/counts?camera=A&range=6h")
    occupancy = page.locator("#chart-occupancy")
    occupancy.locator("canvas").first.wait_for()
    assert int(occupancy.get_attribute("data-points") or 0) >= 10  # 5-min buckets over the last hour
    assert "zone door" in occupancy.locator(".u-legend").inner_text()
    # a camera without counts says so instead of drawing an empty chart
    page.get_by_label("Camera").select_option("B")
    page.locator("#chart-occupancy[data-points='0']").wait_for()
    assert "No data" in occupancy.inner_text()
    page.get_by_label("Camera").select_option("A")
    occupancy.locator("canvas").first.wait_for()
    lines = page.locator("#chart-lines")
    lines.locator("canvas").first.wait_for()
    legend = lines.locator(".u-legend").inner_text()
    assert "gate in" in legend and "gate out" in legend
    # bars of the same hour stand side by side in the hour's middle 80 %, not on top of each other
    spread = page.evaluate(
        """async () => {
            const { sideBySide } = await import('/static/js/charts.js');
            const rows = [{x: 3600, key: 'gate out', v: 1}, {x: 3600, key: 'gate in', v: 2}, {x: 7200, key: 'gate in', v: 1}];
            return sideBySide(rows, 3600).map((r) => [r.key, r.x]);
        }"""
    )
    assert spread == [["gate out", 5400 + 720], ["gate in", 5400 - 720], ["gate in", 9000 - 720]]
    rules = page.locator("#chart-rules")
    rules.locator("canvas").first.wait_for()
    assert "gathering" in rules.locator(".u-legend").inner_text()
    page.locator("#heatmap[data-cells='6']").wait_for()
    shot(page, artifacts, "counts")


def test_zone_editor_draws_saves_and_shows_errors_inline(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    page, _ = open_page(ui.url)
    login(page, "admin")
    page.goto("/zones?camera=A")
    page.locator("#zone-list .shape").first.wait_for()
    assert page.locator("#zone-list input[name=name]").first.input_value() == "door"
    stage = page.locator("#stage svg")
    box = stage.bounding_box()
    assert box is not None

    def at(x: float, y: float) -> tuple[float, float]:
        return box["x"] + x * box["width"], box["y"] + y * box["height"]

    # draw a zone: four corners, then the first again to close it
    page.get_by_role("button", name="Draw zone").click()
    for x, y in ((0.6, 0.6), (0.9, 0.6), (0.9, 0.9), (0.6, 0.9), (0.6, 0.6)):
        page.mouse.click(*at(x, y))
    assert page.locator("#zone-list .shape").count() == 2
    page.locator("#zone-list input[name=name]").nth(1).fill("lobby")
    # move it: drag the body by 0.05 right
    page.mouse.move(*at(0.75, 0.75))
    page.mouse.down()
    page.mouse.move(*at(0.78, 0.75), steps=3)
    page.mouse.move(*at(0.8, 0.75), steps=3)
    page.mouse.up()
    # draw a line and flip it
    page.get_by_role("button", name="Draw line").click()
    page.mouse.click(*at(0.2, 0.7))
    page.mouse.click(*at(0.4, 0.7))
    assert page.locator("#line-list .shape").count() == 2
    page.locator("#line-list .shape").nth(1).get_by_role("button", name="Flip direction").click()
    shot(page, artifacts, "zones-drawn")
    page.get_by_role("button", name="Save to camera").click()
    page.locator("#toast").filter(has_text="Saved to camera A").wait_for()

    camera, cfg = ui.registry.applied[-1]
    assert camera == "A" and all(c == "A" for c, _ in ui.registry.applied)
    zones = {z.name: z.points for z in cfg.zones}
    assert set(zones) == {"door", "lobby"}
    xs = [p[0] for p in zones["lobby"]]
    assert 0.62 < min(xs) < 0.7 and 0.92 < max(xs) <= 0.96, zones["lobby"]
    (a, b) = next(line.points for line in cfg.lines if line.name == "line 1")
    assert a[0] > b[0]  # flipped: drawn left to right, saved right to left
    assert [z.name for z in ui.registry.camera_config("B").zones] == ["door"]

    # a self-crossing zone and a bad name come back as 422: shown next to the shape
    page.get_by_role("button", name="Add square zone").click()
    square = page.locator("#zone-list .shape").nth(2)
    square.get_by_label("Zone 3 points").fill("0.1,0.1 0.3,0.3 0.3,0.1 0.1,0.3")
    square.get_by_label("Zone 3 points").press("Tab")
    square.get_by_label("Zone 3 name").fill("bad/name")
    page.get_by_role("button", name="Save to camera").click()
    error = page.locator("#zone-list .shape").nth(2).locator(".field-error")
    error.wait_for()
    assert "cross" in error.inner_text() and "name" in error.inner_text()
    assert page.locator("#geometry-errors").inner_text().startswith("Not saved")
    shot(page, artifacts, "zones-errors")
    # delete it with the button: saving works again
    page.locator("#zone-list .shape").nth(2).get_by_role("button", name="Delete zone").click()
    page.get_by_role("button", name="Save to camera").click()
    page.locator("#toast").filter(has_text="Saved to camera A").wait_for()


def test_users_page_creates_user_and_token(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    page, _ = open_page(ui.url)
    login(page, "admin")
    page.goto("/users")
    page.locator("#users tr[data-user=viewer_a]").wait_for()
    page.get_by_label("Username").fill("night_shift")
    page.get_by_label("Password", exact=True).fill("another long password")
    page.get_by_label("Role", exact=True).select_option("operator")
    page.get_by_label("Cameras", exact=True).fill(f"A, {XSS}")
    page.get_by_role("button", name="Add user").click()
    row = page.locator("#users tr[data-user=night_shift]")
    row.wait_for()
    assert row.get_by_label("Cameras of night_shift").input_value() == f"A, {XSS}"
    user = next(u for u in ui.deps.auth.list_users() if u.username == "night_shift")
    assert user.cameras == ("A", XSS) and user.role.value == "operator"

    # a bad username comes back as 422 naming the field
    page.get_by_label("Username").fill("no spaces allowed")
    page.get_by_label("Password", exact=True).fill("another long password")
    page.get_by_role("button", name="Add user").click()
    page.locator("form .field-error").filter(has_text="username").wait_for()

    page.get_by_label("What it is for").fill("home assistant")
    page.get_by_label("For user").select_option(label="night_shift")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token .secret")
    secret.wait_for()
    token = secret.inner_text()
    assert token.startswith("vgl_")
    r = httpx.get(f"{ui.url}/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.json()["user"]["username"] == "night_shift"
    page.locator("#tokens td").filter(has_text="home assistant").wait_for()
    shot(page, artifacts, "users")

    # revoke the token: the API stops taking it
    page.locator("#tokens tr", has_text="home assistant").get_by_role("button", name="Revoke").click()
    page.locator("#tokens tr", has_text="home assistant").filter(has_text="revoked").wait_for()
    assert httpx.get(f"{ui.url}/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401

    # change role, cameras and disabled; then delete the user
    row = page.locator("#users tr[data-user=night_shift]")
    row.get_by_label("Role of night_shift").select_option("viewer")
    row.get_by_label("Cameras of night_shift").fill("B")
    row.get_by_label("night_shift disabled").check()
    row.get_by_role("button", name="Save").click()
    page.locator("#toast").filter(has_text="User night_shift saved").wait_for()
    user = next(u for u in ui.deps.auth.list_users() if u.username == "night_shift")
    assert (user.role.value, user.cameras, user.disabled) == ("viewer", ("B",), True)
    page.locator("#users tr[data-user=night_shift]").get_by_role("button", name="Delete").click()
    page.locator("#users tr[data-user=night_shift]").wait_for(state="detached")
    assert "night_shift" not in {u.username for u in ui.deps.auth.list_users()}


def test_viewer_sees_only_own_camera_and_no_admin_pages(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    page, _ = open_page(ui.url)
    login(page, "viewer_a")
    page.goto("/")
    page.locator("article.tile").first.wait_for()
    assert page.locator("article.tile").evaluate_all("els => els.map(e => e.dataset.camera)") == ["A"]
    nav = page.locator("header nav").inner_text()
    assert "Users" not in nav and "Zones" not in nav
    page.goto("/events")
    page.locator("#event-list .event-row").first.wait_for()
    assert set(page.locator("#event-list .ev-camera").all_inner_texts()) == {"A"}
    assert page.locator(".event-row", has_text="loitering").count() == 0
    page.locator("#event-list .event-row").first.click()
    page.locator(".event-detail").filter(has_text="Viewers cannot acknowledge").wait_for()
    # another camera's event by URL: the API says 403 and the page says so
    page.goto(f"/events?event={ui.events.b_only}")
    page.locator(".event-detail [role=alert]").filter(has_text="not allowed").wait_for()
    page.goto("/cameras/B")
    page.get_by_role("heading", name="Not allowed").wait_for()
    page.goto("/users")
    page.get_by_role("heading", name="Not allowed").wait_for()
    shot(page, artifacts, "viewer-users-not-allowed")
    page.goto("/zones")
    page.get_by_role("heading", name="Not allowed").wait_for()
    page.goto("/counts")
    page.locator("#chart-occupancy canvas").first.wait_for()
    assert page.get_by_label("Camera").locator("option").all_inner_texts() == ["A"]


def test_first_run_setup_creates_admin(fresh_ui: tuple[str, str], open_page: Any, artifacts: Path) -> None:
    url, token = fresh_ui
    page, _ = open_page(url)
    page.goto(f"/setup#token={token}")
    page.get_by_role("heading", name="Set up Vigil").wait_for()
    assert page.get_by_label("Setup token").input_value() == token
    assert "token" not in page.url
    page.get_by_label("Admin username").fill("boss")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Password again").fill("a long enough password")
    shot(page, artifacts, "setup")
    page.get_by_role("button", name="Create admin").click()
    page.locator(".who .user").filter(has_text="boss").wait_for()
    page.locator("article.tile").first.wait_for()
    # the token is spent
    page.get_by_role("button", name="Log out").click()
    page.goto(f"/setup#token={token}")
    page.get_by_label("Admin username").fill("second")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Password again").fill("a long enough password")
    page.get_by_role("button", name="Create admin").click()
    page.get_by_role("alert").filter(has_text="already done").wait_for()


def test_pages_fit_a_phone(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    page, _ = open_page(ui.url, width=375, height=667)
    login(page, "admin")
    for path, ready in (
        ("/", "article.tile"),
        ("/cameras/A", ".detail .live"),
        ("/events", "#event-list .event-row"),
        ("/counts?camera=A", "#chart-occupancy canvas"),
        ("/zones?camera=A", "#zone-list .shape"),
        ("/users", "#users"),
        ("/system", "#system h2, #system .problem"),
    ):
        page.goto(path)
        page.locator(ready).first.wait_for()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width} px wide on a 375 px screen"
        name = "phone-" + (path.strip("/").split("?")[0].replace("/", "-") or "cameras")
        shot(page, artifacts, name)
    # the event filters fold away: the events come first, and a tap opens the filters
    page.goto("/events")
    first = page.locator("#event-list .event-row").first
    first.wait_for()
    assert page.locator("details.filter-box[open]").count() == 0
    box = first.bounding_box()
    assert box is not None and box["y"] < 400, box
    page.locator("details.filter-box > summary").click()
    assert page.get_by_label("Camera").is_visible()


def test_keyboard_reaches_navigation_with_visible_focus(ui: UiServer, open_page: Any) -> None:
    page, _ = open_page(ui.url)
    login(page, "admin")
    page.goto("/events")
    page.locator("#event-list .event-row").first.wait_for()
    page.keyboard.press("Tab")  # the skip link
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.textContent]")
    assert focused == ["A", "Cameras"]
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")
    page.wait_for_url("**/cameras")


def test_ui_routes_are_public_pages_with_strict_headers(ui: UiServer) -> None:
    for path in ("/", "/events", "/cameras/A", "/static/js/main.js", "/static/app.css"):
        r = httpx.get(ui.url + path)
        assert r.status_code == 200, path
        for name, value in SECURITY_HEADERS.items():
            assert r.headers[name] == value, (path, name)
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert httpx.get(ui.url + "/static/js/main.js").headers["content-type"].startswith("text/javascript")
    assert httpx.get(ui.url + "/static/../ui.py").status_code == 404
    assert httpx.get(ui.url + "/static/%2e%2e/ui.py").status_code == 404
    assert httpx.get(ui.url + "/static/nope.js").status_code == 404
    # the API keeps answering 401 without credentials; only the UI's own routes are public
    assert httpx.get(ui.url + "/api/cameras").status_code == 401
    served = {(m, r.path_format) for r in ui.app.routes for m in getattr(r, "methods", ()) if not r.path.startswith("/api")}
    assert served == set(PUBLIC_UI_ROUTES)
    assert_all_routes_require_auth(ui.app, TestClient(ui.app), {**PUBLIC_API_ROUTES, **PUBLIC_UI_ROUTES})


def test_static_files_load_nothing_from_elsewhere() -> None:
    """No outbound URL in the UI's own code (the vendored uPlot is checked by the browser tests)."""
    from vigil.web import STATIC_DIR

    mine = [p for p in STATIC_DIR.rglob("*") if p.is_file() and "vendor" not in p.parts]
    assert len(mine) >= 10
    for path in mine:
        text = path.read_text()
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text, path
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text, path


def test_system_page_shows_health_of_the_callers_cameras(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    page, _ = open_page(ui.url)
    login(page, "operator_a")
    page.goto("/system")
    page.locator("#health tr[data-camera=A]").wait_for()
    assert page.locator("#health tbody tr").count() == 1  # B and the third camera are not theirs
    assert page.locator("#version").inner_text() != "?"
    assert "waiting" in page.locator("#outbox-text").inner_text()
    shot(page, artifacts, "system")
    page.get_by_role("button", name="Log out").click()
    login(page, "viewer_a")
    assert "System" not in page.locator("header nav").inner_text()
    page.goto("/system")
    page.get_by_role("heading", name="Not allowed").wait_for()


def test_system_page_tells_planned_restarts_from_failures(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    before = {c: ui.registry.health(c) for c in ("A", "B", XSS)}
    ui.registry.set_health(replace(before["A"], restarts=1, last_error="config changed"))
    ui.registry.set_health(replace(before["B"], state="restarting", restarts=3, last_error="worker exited with code 1"))
    ui.registry.set_health(replace(before[XSS], state="stopped", last_error="disabled in the config"))
    try:
        page, _ = open_page(ui.url)
        login(page, "admin")
        page.goto("/system")
        page.locator("#health tr[data-camera=A]").wait_for()
        assert "Last restart reason" in page.locator("#health thead").inner_text()
        assert "Last error" not in page.locator("#health thead").inner_text()
        planned = page.locator("#health tr[data-camera=A] .reason .planned")
        assert planned.inner_text() == "config changed (planned)"
        failure = page.locator("#health tr[data-camera=B] .reason .failure")
        assert failure.inner_text() == "failed: worker exited with code 1"
        assert page.locator("#health tr[data-camera=B] .badge.offline").inner_text() == "restarting"
        # a camera switched off in the config is not a failure
        disabled = page.locator("#health tbody tr").nth(2)
        assert disabled.locator(".badge").inner_text() == "disabled"
        assert disabled.locator(".badge.offline").count() == 0 and disabled.locator(".failure").count() == 0
        # the same on the camera grid
        page.goto("/")
        page.locator(f'article.tile[data-camera="{XSS}"] .badge', has_text="disabled").wait_for()
        assert page.locator(f'article.tile[data-camera="{XSS}"] .badge.offline').count() == 0
        page.goto("/system")
        page.locator("#health tr[data-camera=A]").wait_for()
        shot(page, artifacts, "system-restarts")
    finally:
        for health in before.values():
            ui.registry.set_health(health)


def test_zone_editor_rules_with_parameters_and_inline_errors(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    page, _ = open_page(ui.url)
    login(page, "admin")
    page.goto("/zones?camera=B")
    rules = page.locator("#rule-list .rule")
    rules.nth(1).wait_for()
    assert rules.count() == 2

    # dropping the zone a rule uses: the rule's zone field says why nothing was saved
    page.locator("#zone-list .shape").first.get_by_role("button", name="Delete zone").click()
    page.get_by_role("button", name="Save to camera").click()
    zone_error = page.locator('#rule-list .rule[data-index="0"] [data-param=zone] .field-error')
    zone_error.wait_for()
    assert "door" in zone_error.inner_text()
    assert page.locator("#geometry-errors").inner_text().startswith("Not saved")
    assert [z.name for z in ui.registry.camera_config("B").zones] == ["door"]
    page.get_by_role("button", name="Discard changes").click()
    page.locator("#zone-list .shape").first.wait_for()
    assert page.locator("#geometry-errors").inner_text() == ""

    # attach a loitering rule to the zone; a parameter out of bounds comes back inline
    page.get_by_label("New rule type").select_option("loitering")
    page.get_by_role("button", name="Add rule").click()
    rules.nth(2).wait_for()
    assert rules.nth(2).get_by_label("Rule 3 zone", exact=True).input_value() == "door"
    rules.nth(2).locator("summary", has_text="More parameters").click()
    dwell = rules.nth(2).get_by_label("Rule 3 min dwell (s)", exact=True)
    dwell.fill("-5")
    dwell.press("Tab")
    page.get_by_role("button", name="Save to camera").click()
    error = page.locator('#rule-list .rule[data-index="2"] [data-param=min_dwell] .field-error')
    error.wait_for()
    assert "0" in error.inner_text()
    shot(page, artifacts, "zones-rule-error")
    rules.nth(2).get_by_label("Rule 3 min dwell (s)", exact=True).fill("20")
    rules.nth(2).get_by_label("Rule 3 min dwell (s)", exact=True).press("Tab")
    page.get_by_role("button", name="Save to camera").click()
    page.locator("#toast").filter(has_text="Saved to camera B").wait_for()
    cfg = ui.registry.camera_config("B")
    loiter = next(r for r in cfg.rules if r.type == "loitering")
    assert (loiter.zone, loiter.min_dwell) == ("door", 20.0)

    # renaming the zone carries its rules along
    page.locator("#zone-list input[name=name]").first.fill("entrance")
    page.get_by_role("button", name="Save to camera").click()
    page.wait_for_function("() => document.querySelector('#zone-list input[name=name]')?.value === 'entrance'")
    page.locator("#toast").filter(has_text="Saved to camera B").wait_for()
    cfg = ui.registry.camera_config("B")
    assert [z.name for z in cfg.zones] == ["entrance"]
    assert {r.zone for r in cfg.rules if getattr(r, "zone", None)} == {"entrance"}
    assert "door" in {z.name for z in ui.registry.camera_config("A").zones}


def test_zone_editor_canvas_leads_and_rules_are_cards(ui: UiServer, open_page: Any, artifacts: Path) -> None:
    page, _ = open_page(ui.url)
    login(page, "admin")
    page.goto("/zones?camera=A")
    cards = page.locator("#rule-list .rule")
    cards.nth(1).wait_for()
    page.wait_for_function("() => document.querySelector('#stage img')?.naturalWidth > 0")
    # the snapshot is the main element: about two thirds of a 1280 px screen
    stage = page.locator("#stage").bounding_box()
    assert stage is not None and 0.6 <= stage["width"] / 1280 <= 0.72, stage
    # each rule is a collapsed card whose one line names type, zone or line and key parameters with units
    summaries = page.locator("#rule-list .rule-summary").all_inner_texts()
    assert "gathering · zone door · min people 4 · min duration 10 s" in summaries[0], summaries
    assert "line crossing · line gate" in summaries[1], summaries
    assert page.locator("#rule-list details.rule-card[open]").count() == 0
    assert not page.get_by_label("Rule 1 zone", exact=True).is_visible()
    # on a ground-calibrated camera lengths read in metres
    summaries = page.evaluate(
        """async () => {
            const { forCamera, ruleSummary } = await import('/static/js/rules.js');
            const schema = await (await fetch('/api/rules/schema')).json();
            const gathering = schema.rules.find((t) => t.type === 'gathering');
            const rule = { type: 'gathering', zone: 'door', radius: 2 };
            return [false, true].map((calibrated) => ruleSummary(rule, forCamera(gathering, calibrated)));
        }"""
    )
    assert summaries == [
        "gathering · zone door · min people 4 · radius 2 bh · min duration 10 s",
        "gathering · zone door · min people 4 · radius 2 m · min duration 10 s",
    ]

    # the keyboard opens a card; a changed parameter shows in its summary
    cards.nth(0).locator(".rule-summary").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Rule 1 zone", exact=True).wait_for()
    cards.nth(0).locator("summary", has_text="More parameters").click()
    people = page.get_by_label("Rule 1 min people", exact=True)
    people.fill("6")
    people.press("Tab")
    assert "min people 6" in cards.nth(0).locator(".rule-summary").inner_text()

    # the side panel scrolls; the snapshot stays in view
    cards.nth(1).locator(".rule-summary").click()
    assert page.evaluate("() => document.documentElement.scrollHeight") > 800
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("() => window.scrollY > 0")
    box = page.locator("#stage").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 800, box

    # a value the server refuses: the collapsed card opens itself and its field takes the focus
    people.fill("1")
    people.press("Tab")
    cards.nth(0).locator(".rule-summary").click()
    assert page.locator('#rule-list .rule[data-index="0"] details.rule-card[open]').count() == 0
    page.get_by_role("button", name="Save to camera").click()
    page.locator('#rule-list .rule[data-index="0"] [data-param=min_people] .field-error').wait_for()
    assert page.locator('#rule-list .rule[data-index="0"] details.rule-card[open]').count() == 1
    assert page.evaluate("() => document.activeElement.name") == "min_people"
    assert "1 problem" in cards.nth(0).locator(".rule-summary").inner_text()
    shot(page, artifacts, "zones-cards")
    page.get_by_role("button", name="Discard changes").click()
    page.locator("#rule-list .field-error").wait_for(state="detached")
    assert page.locator("#rule-list details.rule-card[open]").count() == 0
    assert next(r for r in ui.registry.camera_config("A").rules if r.type == "gathering").min_people == 4


CONTRAST_JS = """() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [15, 19, 26];
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.checkVisibility() || el.closest('.live, .heat, .stage, .uplot, option')) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color).slice(0, 3);
    const [a, b] = [lum(fg), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) bad.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)} "${el.textContent.trim().slice(0, 30)}"`);
  }
  return bad;
}"""


def test_text_contrast_is_at_least_4_5(ui: UiServer, open_page: Any) -> None:
    page, _ = open_page(ui.url)
    login(page, "admin")
    for path, ready in (
        ("/", "article.tile"),
        ("/events", "#event-list .event-row"),
        ("/users", "#users"),
        ("/zones?camera=A", "#rule-list .rule"),
        ("/system", "#health"),
    ):
        page.goto(path)
        page.locator(ready).first.wait_for()
        if path == "/events":
            page.locator("#event-list .event-row").first.click()
            page.locator(".event-detail:not([data-loading]) h2").wait_for()
        assert page.evaluate(CONTRAST_JS) == [], path
