"""The website widget in real headless Chromium, against the app and the real trained Rasa server.

Each test gets a fresh browser context (no storage carried over). The app runs under uvicorn on
loopback with three extra pages: one visited before the chat, a host page embedding the widget
with its exit pointed at a local "neutral" page (there is no internet here), and that page.
Set SIGNPOST_SCREENSHOTS=1 to write the README's screenshots to docs/.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Route, expect

from api.identity import keyed_hash
from api.main import create_app
from api.routers.widget import CONTENT_SECURITY_POLICY
from tests.browser import AXE, MISSING, ROOT, LiveServer, add_test_pages
from tests.conftest import make_settings


def e2e(test: Callable[..., None]) -> Callable[..., None]:
    """In Chromium, against the app and the real Rasa server."""
    return pytest.mark.rasa(pytest.mark.browser(test))


DANGER = "he's got a knife and he's kicking the door in"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
SHADOW = "document.getElementById('signpost-widget').shadowRoot"


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, rasa_server: tuple[str, str]
) -> Iterator[LiveServer]:
    url, token = rasa_server
    settings = make_settings(tmp_path_factory.mktemp("widget"), rasa_url=url, rasa_token=token)
    app = create_app(settings)
    add_test_pages(app)
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, reduced_motion="reduce")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def open_chat(page: Page, live: LiveServer, path: str = "/test/host") -> None:
    page.goto(live.url + path)
    # The welcome comes from /widget/copy.json: once it shows, the offline copy is held too.
    expect(page.get_by_role("button", name="Someone is hurting me")).to_be_visible()


def say(page: Page, text: str) -> None:
    """Types into the text box and presses Enter; waits for the reply to the message."""
    turns = page.locator(".sp-turn").count()
    page.get_by_label("Type your message").fill(text)
    page.get_by_label("Type your message").press("Enter")
    expect(page.locator(".sp-turn")).to_have_count(turns + 1)


def latest(page: Page) -> str:
    return page.locator(".sp-turn").last.inner_text()


# ---- Headers and the copy the widget holds (no browser needed) --------------------------------
def test_widget_pages_send_a_strict_content_security_policy(client: TestClient) -> None:
    for path in ("/", "/widget.js", "/widget.css", "/widget/copy.json", "/cover-your-tracks"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert client.get("/widget.js").headers["content-type"].startswith("text/javascript")
    html = client.get("/").text
    assert '<script src="/widget.js" defer' in html
    assert "<style" not in html and "style=" not in html and "<script>" not in html


def test_offline_copy_holds_999_and_the_24_7_helpline_from_data(client: TestClient) -> None:
    copy = client.get("/widget/copy.json").json()
    offline = copy["offline"]
    emergency = next(m for m in offline["messages"] if m["kind"] == "emergency")
    assert emergency["text"].startswith("If you're in danger now, call 999.")
    assert "press 55" in emergency["text"]
    lines = {h["id"]: h for h in offline["helplines"]}
    assert lines["national-domestic-abuse-helpline"]["phone"] == "0808 2000 247"
    assert all(h["always_open"] for h in offline["helplines"])
    assert copy["welcome"]["messages"][-1]["buttons"]
    assert "deleted" in copy["cleared"]


# ---- Chatting ---------------------------------------------------------------------------------
@e2e
def test_typed_message_gets_a_reply_in_a_labelled_log(page: Page, live: LiveServer) -> None:
    open_chat(page, live)
    log = page.get_by_role("log", name="Conversation")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("heading", name="Conversation")).to_be_attached()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    say(page, "hello")
    expect(log).to_contain_text("hello")
    assert "safe" in latest(page).lower()
    # New messages are appended, so the live region announces only them.
    expect(page.locator(".sp-msg--user")).to_have_count(1)


@e2e
def test_send_button_sends_too(page: Page, live: LiveServer) -> None:
    open_chat(page, live)
    page.get_by_label("Type your message").fill("hi")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".sp-turn")).to_have_count(2)
    expect(page.get_by_label("Type your message")).to_have_value("")


@e2e
def test_bot_buttons_are_buttons_that_send_their_choice(page: Page, live: LiveServer) -> None:
    open_chat(page, live)
    page.get_by_role("button", name="Someone is hurting me").click()
    expect(page.locator(".sp-turn")).to_have_count(2)
    # The person's bubble shows the words they chose, not the payload.
    expect(page.locator(".sp-msg--user").last).to_have_text("You: Someone is hurting me")
    expect(page.locator(".sp-msg--user").last).not_to_contain_text("/abuse_ongoing")
    # The question already answered is gone; focus went to the new choices.
    expect(page.locator(".sp-turn").first.locator(".sp-choice")).to_have_count(0)
    new_choices = page.locator(".sp-turn").last.locator(".sp-choice")
    expect(new_choices.first).to_be_focused()
    assert new_choices.first.evaluate("b => b.tagName") == "BUTTON"


@e2e
def test_danger_shows_the_999_banner_and_lines_with_phone_links(
    page: Page, live: LiveServer
) -> None:
    open_chat(page, live)
    expect(page.locator(".sp-alert")).to_be_hidden()
    say(page, DANGER)
    banner = page.locator(".sp-alert")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("link", name="Call 999")).to_have_attribute("href", "tel:999")
    emergency = page.locator(".sp-msg--emergency").last
    expect(emergency).to_contain_text("call 999")
    expect(emergency.get_by_role("link", name="Call 999")).to_have_attribute("href", "tel:999")
    # After 999, a line that answers at any hour, as a tel: link, with its open-now status.
    call = emergency.get_by_role("link", name="Call 0808 2000 247")
    expect(call).to_have_attribute("href", "tel:08082000247")
    expect(emergency.locator(".sp-line-status").first).to_have_text("Open 24 hours")


@e2e
def test_helplines_show_open_now_status_and_next_opening(page: Page, live: LiveServer) -> None:
    open_chat(page, live)
    say(page, "I'm a man and my wife hits me")
    lines = page.locator(".sp-turn").last.locator(".sp-line")
    expect(lines.first).to_be_visible()
    statuses = lines.locator(".sp-line-status").all_inner_texts()
    assert statuses and all(s.startswith(("Open", "Closed", "Check")) for s in statuses), statuses
    for link in lines.locator(".sp-contacts a").all():
        href = link.get_attribute("href") or ""
        assert href.startswith(("tel:", "sms:", "mailto:", "https://")), href


@e2e
def test_email_addresses_are_mailto_links(page: Page, live: LiveServer) -> None:
    open_chat(page, live)
    say(page, "I'm a man and my wife hits me")
    say(page, "I can't phone, can I email someone?")
    mail = page.locator(".sp-turn").last.locator("a[href^='mailto:']")
    expect(mail.first).to_be_visible()
    assert "@" in (mail.first.get_attribute("href") or "")


# ---- Quick exit ---------------------------------------------------------------------------------
@e2e
def test_exit_button_leaves_at_once_and_back_skips_the_chat(page: Page, live: LiveServer) -> None:
    page.goto(live.url + "/test/start")
    open_chat(page, live)
    say(page, "hello")
    page.get_by_role("button", name="Exit this page").click()
    page.wait_for_url(live.url + "/test/neutral")
    page.go_back()
    page.wait_for_url(live.url + "/test/start")
    expect(page.get_by_role("heading", name="Before the chat")).to_be_visible()


@e2e
def test_shift_three_times_leaves_and_back_skips_the_chat(page: Page, live: LiveServer) -> None:
    page.goto(live.url + "/test/start")
    open_chat(page, live)
    say(page, "hello")
    page.get_by_label("Type your message").focus()
    page.keyboard.press("Shift")
    expect(page.locator(".sp-shift-status")).to_have_text("Shift, press 2 more times to exit.")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    page.wait_for_url(live.url + "/test/neutral")
    page.go_back()
    page.wait_for_url(live.url + "/test/start")


@e2e
def test_typing_capitals_does_not_exit(page: Page, live: LiveServer) -> None:
    open_chat(page, live)
    page.get_by_label("Type your message").focus()
    for key in ("Shift+H", "Shift+I", "Shift+!"):
        page.keyboard.press(key)
    expect(page.get_by_label("Type your message")).to_have_value("HI!")
    assert page.url == live.url + "/test/host"


@e2e
def test_blanks_the_page_before_leaving(page: Page, live: LiveServer) -> None:
    open_chat(page, live)
    # Hold the neutral page back, to see the page as it is the moment after the press.
    page.route("**/test/neutral", lambda route: None)
    # Clicked from script, to look at the page in the same moment as the click.
    after = page.evaluate(
        f"""() => {{ {SHADOW}.querySelector('.sp-exit').click();
            return [document.body.childElementCount, document.body.innerText, document.title]; }}"""
    )
    assert after == [0, "", ""]


# ---- No trace ---------------------------------------------------------------------------------
@e2e
def test_nothing_is_left_in_browser_storage(page: Page, live: LiveServer) -> None:
    open_chat(page, live)
    say(page, DANGER)
    say(page, "I'm a woman")
    stored = page.evaluate(
        """async () => ({
            local: localStorage.length,
            session: sessionStorage.length,
            cookie: document.cookie,
            databases: (await indexedDB.databases()).length,
            caches: (await caches.keys()).length,
        })"""
    )
    assert stored == {"local": 0, "session": 0, "cookie": "", "databases": 0, "caches": 0}
    assert page.context.cookies() == []


@e2e
def test_clear_chat_empties_the_screen_and_erases_on_the_server(
    page: Page, live: LiveServer, rasa_server: tuple[str, str]
) -> None:
    open_chat(page, live)
    with page.expect_request("**/chat") as sent:
        say(page, "my partner hits me")
    session = json.loads(sent.value.post_data or "{}")["session"]
    conversation_id = keyed_hash("test-secret", "web", session)
    store = live.app.state.conversation.store
    assert store.get(conversation_id) is not None

    with page.expect_response(lambda r: r.request.method == "DELETE") as erased:
        page.get_by_role("button", name="Clear this chat").click()
    assert erased.value.url.endswith(f"/chat/{session}")
    assert erased.value.json() == {"session": session, "erased": True}
    log = page.get_by_role("log")
    expect(log).not_to_contain_text("my partner hits me")
    expect(log).to_contain_text("deleted this conversation")
    expect(page.get_by_label("Type your message")).to_be_focused()
    assert store.get(conversation_id) is None
    url, token = rasa_server
    tracker = httpx.get(
        f"{url}/conversations/{conversation_id}/tracker", params={"token": token}, timeout=10
    ).json()
    assert not [e for e in tracker.get("events", []) if e.get("event") == "user"]

    # The next message starts a new conversation under a new id.
    with page.expect_request("**/chat") as next_sent:
        say(page, "hello")
    assert json.loads(next_sent.value.post_data or "{}")["session"] != session


# ---- Escaping ----------------------------------------------------------------------------------
@e2e
def test_html_typed_in_shows_as_text(page: Page, live: LiveServer) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_chat(page, live)
    attack = "<img src=x onerror=alert(1)>"
    say(page, attack)
    expect(page.locator(".sp-msg--user").last).to_have_text("You: " + attack)
    assert page.evaluate(f"{SHADOW}.querySelectorAll('img').length") == 0
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert dialogs == []


@e2e
def test_html_from_the_server_shows_as_text(page: Page, live: LiveServer) -> None:
    """Even a reply carrying markup (a bad directory entry, a compromised proxy) stays text."""
    attack = "<img src=x onerror=alert(1)>"
    reply = {
        "session": "x",
        "safety": "support",
        "audience": "unknown",
        "degraded": False,
        "messages": [
            {"text": f"Hello {attack}\nBad line {attack}", "kind": "helplines",
             "buttons": [{"title": attack, "payload": "/greet"}], "helplines": ["bad"]},
        ],
        "helplines": [
            {"id": "bad", "name": attack, "organisation": None, "phone": attack, "text": None,
             "email": f"{attack}@x", "webchat": "javascript:alert(1)", "open_now": True,
             "always_open": False, "next_open": None, "closes_at": None, "hours": attack,
             "why": attack, "notes": attack, "check_before_calling": False},
        ],
    }  # fmt: skip
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_chat(page, live)
    page.route("**/chat", lambda route: route.fulfill(json=reply))
    say(page, "hello")
    turn = page.locator(".sp-turn").last
    expect(turn).to_contain_text(f"Hello {attack}")
    expect(turn.get_by_role("button", name=attack)).to_be_visible()
    hrefs = page.evaluate(f"[...{SHADOW}.querySelectorAll('a')].map(a => a.href)")
    assert not [h for h in hrefs if h.startswith("javascript:") or "mailto:<" in h]
    assert page.evaluate(f"{SHADOW}.querySelectorAll('img').length") == 0
    assert dialogs == []


# ---- Keyboard and accessibility -------------------------------------------------------------
@e2e
def test_keyboard_only_conversation(page: Page, live: LiveServer) -> None:
    open_chat(page, live)
    reached = []
    for _ in range(30):
        page.keyboard.press("Tab")
        name = page.evaluate(
            f"(() => {{ const a = {SHADOW}.activeElement;"
            " return a ? (a.id || a.textContent.trim()) : ''; })()"
        )
        reached.append(name)
        if name == "sp-input":
            break
    assert "sp-input" in reached, reached
    # Exit comes first in the widget, before the conversation.
    assert reached.index("Exit this page") < reached.index("sp-input")
    box = page.get_by_label("Type your message")
    outline = box.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline == "solid", "focus must be visible"

    page.keyboard.type("hello")
    page.keyboard.press("Enter")
    expect(page.locator(".sp-turn")).to_have_count(2)
    expect(box).to_be_focused()  # typing, the person stays in the text box

    page.keyboard.press("Shift+Tab")  # back to the last new choice: "Yes, for now"
    focused = page.locator(".sp-turn").last.locator(".sp-choice").last
    expect(focused).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".sp-turn")).to_have_count(3)
    last = page.locator(".sp-turn").last
    # Focus moved on: to the new choices if there are any, else back to the text box.
    if last.locator(".sp-choice").count():
        expect(last.locator(".sp-choice").first).to_be_focused()
    else:
        expect(box).to_be_focused()
    assert page.url == live.url + "/test/host"  # Shift+Tab is not a press towards exit


@e2e
def test_launcher_opens_and_hides_the_chat(page: Page, live: LiveServer) -> None:
    page.goto(live.url + "/cover-your-tracks")  # the widget there starts closed
    launcher = page.get_by_role("button", name="Chat with Signpost")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(page.get_by_label("Type your message")).to_be_focused()
    page.get_by_role("button", name="Hide chat").click()
    expect(page.get_by_label("Type your message")).to_be_hidden()
    expect(launcher).to_be_focused()


def axe_scan(page: Page) -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: {MISSING}")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a',"
        " 'wcag21aa', 'wcag22aa', 'best-practice']})"
    )
    return list(result["violations"])


@e2e
@pytest.mark.parametrize(
    "viewport", [DESKTOP, {"width": 320, "height": 640}], ids=["desktop", "320px"]
)
def test_axe_finds_no_serious_problems(browser: Browser, live: LiveServer, viewport: dict) -> None:
    # The demo page's CSP forbids injected scripts (as it should): let axe in for the scan only.
    context = browser.new_context(viewport=viewport, reduced_motion="reduce", bypass_csp=True)
    page = context.new_page()
    page.goto(live.url + "/")
    expect(page.get_by_role("button", name="Someone is hurting me")).to_be_visible()
    say(page, DANGER)
    say(page, "I'm a man and my wife hits me")
    violations = axe_scan(page)
    context.close()
    summary = [(v["id"], v["impact"], len(v["nodes"])) for v in violations]
    print(f"axe-core at {viewport['width']}px: {summary or 'no violations'}")
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, json.dumps(serious, indent=1)[:4000]


@e2e
def test_phone_width_and_200_percent_zoom_need_no_sideways_scrolling(
    browser: Browser, live: LiveServer, tmp_path: Path
) -> None:
    shots = tmp_path
    # 320 CSS px wide; and a 1280x800 screen at 200% zoom is 640x400 CSS px.
    for viewport, scale in (({"width": 320, "height": 640}, 1), ({"width": 640, "height": 400}, 2)):
        context = browser.new_context(
            viewport=viewport, device_scale_factor=scale, reduced_motion="reduce"
        )
        page = context.new_page()
        open_chat(page, live)
        say(page, DANGER)
        widths = page.evaluate(
            f"""(() => {{ const p = {SHADOW}.querySelector('.sp-panel');
                return {{page: document.documentElement.scrollWidth, panel: p.scrollWidth,
                         panelBox: p.clientWidth, view: innerWidth}}; }})()"""
        )
        assert widths["page"] <= widths["view"], widths
        assert widths["panel"] <= widths["panelBox"], widths
        # The exit stays in view; the text box may need scrolling to, on a short screen.
        expect(page.get_by_role("button", name="Exit this page")).to_be_in_viewport()
        page.get_by_role("button", name="Send").scroll_into_view_if_needed()
        expect(page.get_by_role("button", name="Send")).to_be_in_viewport()
        expect(page.get_by_role("button", name="Exit this page")).to_be_in_viewport()
        page.screenshot(path=str(shots / f"{viewport['width']}.png"))
        context.close()


@e2e
def test_reduced_motion_turns_animation_off(browser: Browser, live: LiveServer) -> None:
    names = {}
    for motion in ("reduce", "no-preference"):
        context = browser.new_context(viewport=DESKTOP, reduced_motion=motion)
        page = context.new_page()
        open_chat(page, live)
        names[motion] = page.locator(".sp-turn").first.evaluate(
            "e => getComputedStyle(e).animationName"
        )
        context.close()
    assert names == {"reduce": "none", "no-preference": "sp-appear"}


# ---- Resilience ----------------------------------------------------------------------------------
@e2e
@pytest.mark.parametrize("failure", ["network down", "server error"])
def test_server_failure_shows_999_and_the_24_7_line_held_since_load(
    page: Page, live: LiveServer, failure: str
) -> None:
    open_chat(page, live)

    def fail(route: Route) -> None:
        if failure == "network down":
            route.abort("connectionrefused")
        else:
            route.fulfill(status=502, body="Bad gateway")

    page.route("**/chat", fail)
    page.route("**/widget/**", fail)  # nothing is fetched at failure time: it was held already
    say(page, "hello")
    turn = page.locator(".sp-turn").last
    expect(page.locator(".sp-alert")).to_be_visible()
    expect(turn.get_by_role("link", name="Call 999")).to_have_attribute("href", "tel:999")
    expect(turn.get_by_role("link", name="Call 0808 2000 247")).to_be_visible()
    expect(turn).to_contain_text("National Domestic Abuse Helpline")
    expect(turn).to_contain_text("press 55")
    expect(page.locator(".sp-replying")).to_have_text("")  # no spinner left behind


@e2e
def test_screenshots_of_a_real_conversation(browser: Browser, live: LiveServer) -> None:
    """On a phone, someone choosing a button and saying who they are; on a desktop, danger now."""
    out = ROOT / "docs" if os.environ.get("SIGNPOST_SCREENSHOTS") else None
    for name, viewport in (("phone", {"width": 375, "height": 812}), ("desktop", DESKTOP)):
        context = browser.new_context(viewport=viewport, reduced_motion="reduce")
        page = context.new_page()
        page.goto(live.url + "/")
        if name == "phone":
            page.get_by_role("button", name="Someone is hurting me").click()
            expect(page.locator(".sp-turn")).to_have_count(2)
            say(page, "I'm a woman")
        else:
            expect(page.get_by_role("button", name="I'm in danger")).to_be_visible()
            say(page, "he's outside shouting that he'll kill me")
            expect(page.locator(".sp-alert")).to_be_visible()
        page.mouse.move(0, 0)  # no hover colour in the picture
        png = page.screenshot(path=str(out / f"widget-{name}.png") if out else None)
        assert len(png) > 10_000
        context.close()
