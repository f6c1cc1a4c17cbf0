"""The staff console in headless Chromium, against the app and the real trained Rasa server:
the token, a web conversation at a chosen clock with what the bot made of each message, an SMS
conversation answered by number, and "save as scenario" giving YAML the flow runner accepts.
Writes the README's screenshot to docs/console.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from api.directory import load_directory
from api.flows.loading import load_scenarios
from api.main import create_app
from tests.browser import ROOT, LiveServer
from tests.conftest import STAFF_TOKEN, make_settings

pytestmark = [pytest.mark.rasa, pytest.mark.browser]
SCREENSHOT = ROOT / "docs" / "console.png"


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, rasa_server: tuple[str, str]
) -> Iterator[LiveServer]:
    url, token = rasa_server
    settings = make_settings(tmp_path_factory.mktemp("console"), rasa_url=url, rasa_token=token)
    with LiveServer(create_app(settings)) as server:
        yield server


@pytest.fixture
def page(browser: Browser, live: LiveServer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, locale="en-GB")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    # A Content-Security-Policy violation is reported as a console error ("Refused to ...").
    # (A refused token's 403 and the browser's own /favicon.ico 404 are errors there too.)
    page.on("console", lambda m: problems.append(m.text) if "Refused" in m.text else None)
    page.goto(live.url + "/console")
    yield page
    context.close()
    assert not problems, problems


def sign_in(page: Page) -> None:
    page.get_by_label("Staff token").fill(STAFF_TOKEN)
    page.get_by_role("button", name="Use this token").click()
    expect(page.get_by_label("They say")).to_be_visible()


def say(page: Page, text: str) -> None:
    turns = page.locator(".turn").count()
    page.get_by_label("They say").fill(text)
    page.get_by_label("They say").press("Enter")
    expect(page.locator(".turn")).to_have_count(turns + 1, timeout=15_000)


def test_a_wrong_token_opens_nothing(page: Page) -> None:
    page.get_by_label("Staff token").fill("not-the-token")
    page.get_by_role("button", name="Use this token").click()
    expect(page.locator("#token-status")).to_contain_text("not accepted")
    expect(page.get_by_label("They say")).to_be_hidden()


def test_a_web_conversation_shows_the_classification_and_saves_as_a_scenario(
    page: Page, tmp_path: Path
) -> None:
    sign_in(page)
    page.get_by_label("Channel").select_option("web")
    page.get_by_label("Clock (UK time)").fill("2026-11-24T14:00")  # a Tuesday, 2pm
    page.get_by_role("button", name="New conversation").click()
    say(page, "he's got a knife and he's kicking the door in")
    first = page.locator(".turn").nth(0)
    expect(first.locator(".safety-emergency")).to_have_text("emergency")
    expect(first.locator(".message").first).to_contain_text("999")
    expect(first.locator(".seen")).to_contain_text("danger_now (")  # intent and confidence
    # Pressing a button sends its payload, as the widget does.
    first.get_by_role("button", name="I'm a man").click()
    expect(page.locator(".turn")).to_have_count(2, timeout=15_000)
    second = page.locator(".turn").nth(1)
    expect(second.locator(".user")).to_contain_text("I'm a man (button: /inform_audience")
    expect(second.locator(".seen")).to_contain_text("man")
    row = second.locator("tr", has_text="mens-advice-line")
    expect(row).to_contain_text("For men experiencing domestic abuse")  # why it matched
    expect(second).not_to_contain_text("0808 2000 247")  # the women's line is not for him

    page.get_by_label("Scenario name").fill("A man in danger gets 999 and the men's lines")
    page.get_by_role("button", name="Save as scenario").click()
    yaml = page.get_by_label("Scenario (YAML, for tests/flows/)").input_value()
    assert yaml.startswith('- name: "A man in danger gets 999 and the men\'s lines"\n')
    assert '  at: "2026-11-24T14:00:00+00:00"\n' in yaml
    assert '  # the button "I\'m a man"\n' in yaml
    expect(page.get_by_role("link", name="Download scenario.yml")).to_be_visible()
    path = tmp_path / "saved.yml"
    path.write_text(yaml)
    ids = [h.id for h in load_directory(ROOT / "helplines.yaml").helplines]
    [saved] = load_scenarios([path], ids)
    first_turn, second_turn = saved.scenario.turns
    assert first_turn.user == "he's got a knife and he's kicking the door in"
    assert first_turn.expect.safety == ["emergency"] and first_turn.expect.says == ["999"]
    assert second_turn.user == '/inform_audience{"audience":"man"}'
    assert second_turn.expect.audience == ["man"]
    assert "mens-advice-line" in second_turn.expect.helplines

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_an_sms_conversation_answers_by_number_and_counts_segments(page: Page) -> None:
    sign_in(page)
    page.get_by_label("Channel").select_option("sms")
    page.get_by_role("button", name="New conversation").click()
    say(page, "hello")
    expect(page.locator(".turn").nth(0)).to_contain_text("1 No, I'm not safe")
    expect(page.locator(".turn").nth(0)).to_contain_text("SMS segment(s), GSM-7")
    say(page, "1")
    second = page.locator(".turn").nth(1)
    expect(second.locator(".safety-emergency")).to_have_text("emergency")
    page.get_by_role("button", name="Save as scenario").click()
    yaml = page.get_by_label("Scenario (YAML, for tests/flows/)").input_value()
    assert "  channel: sms\n" in yaml and '    - user: "1"\n' in yaml
    assert "max_segments:" in yaml
