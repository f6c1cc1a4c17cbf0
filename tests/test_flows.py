"""Flow scenarios: problems reported with file and line before anything runs, what a support
worker sees when a scenario fails (console, JUnit XML, HTML), and the library in tests/flows/
run with `signpost flows` against the app and the real Rasa server."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.cli.__main__ import main
from api.directory import load_directory
from api.flows.html_report import write_html
from api.flows.loading import ScenarioError, load_scenarios
from api.flows.reports import console_lines, write_junit
from api.flows.runner import run_all
from api.flows.service import Credentials, Service
from api.main import create_app
from tests.browser import LiveServer
from tests.conftest import ROOT, STAFF_TOKEN, make_settings

LIBRARY = ROOT / "tests" / "flows"
# Scenarios the bot does not pass yet, when there are any: kept, so that what it should do
# stays written down; run with `signpost flows`. (Empty now: every one passes.)
KNOWN_GAPS = ROOT / "tests" / "flows-known-gaps"
IDS = [h.id for h in load_directory(ROOT / "helplines.yaml").helplines]
TWILIO = "twilio-token-for-flow-tests"
PUBLIC = "https://signpost.example.org"

# The example in the README and issue 6, comments and all.
EXAMPLE = """\
- name: A man texting late on Saturday is offered what is open
  channel: sms              # web (default) or sms
  at: 2026-11-28T22:30:00Z  # optional: the clock for opening hours
  turns:
    - user: my wife hits me and I'm scared of going home
      expect:
        safety: [urgent, support]     # one value, or a list of accepted values
        audience: man
        says: ["Men's Advice Line"]   # each must appear in the bot's replies (case-insensitive)
        not_says: ["0808 2000 247"]   # none may appear
        helplines: [mens-advice-line] # these helpline ids must be offered
        max_segments: 2               # sms only
    - user: "1"
      expect:
        says: ["9am"]
"""

FAILING = """\
- name: A woman is offered the men's line (this scenario is wrong on purpose)
  at: 2026-11-24T14:00:00Z
  turns:
    - user: he's got a knife and he's kicking the door in
      expect:
        safety: support
        says: ["Men's Advice Line"]
        not_says: ["999"]
        helplines: [mens-advice-line]
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "scenarios.yml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as error:
        load_scenarios([path], IDS)
    return error.value.lines()


def test_the_documented_example_is_a_valid_scenario(tmp_path: Path) -> None:
    path = tmp_path / "example.yml"
    path.write_text(EXAMPLE)
    [located] = load_scenarios([path], IDS)
    scenario = located.scenario
    assert scenario.channel == "sms" and scenario.at is not None
    assert scenario.at.isoformat() == "2026-11-28T22:30:00+00:00"
    assert scenario.turns[0].expect.safety == ["urgent", "support"]
    assert scenario.turns[0].expect.audience == ["man"]
    assert scenario.turns[1].user == "1"
    assert located.turn_lines == [5, 13]


def test_an_unknown_key_is_reported_with_file_and_line(tmp_path: Path) -> None:
    text = EXAMPLE.replace("        not_says:", "        not_say:")
    assert problems(tmp_path, text) == [
        f'{tmp_path / "scenarios.yml"}:10: unknown key "not_say" in expect: use safety, '
        "audience, says, not_says, helplines, max_segments"
    ]


def test_a_wrong_type_is_reported_with_file_and_line(tmp_path: Path) -> None:
    text = EXAMPLE.replace("max_segments: 2 ", "max_segments: two ").replace(
        '    - user: "1"\n      expect:\n        says: ["9am"]\n', "    - just words\n"
    )
    file = tmp_path / "scenarios.yml"
    assert problems(tmp_path, text) == [
        f'{file}:12: max_segments should be a whole number, not "two"',
        f'{file}:13: each turn starts with "- user:", not "just words"',
    ]


def test_an_unknown_helpline_id_is_reported_with_file_and_line(tmp_path: Path) -> None:
    text = EXAMPLE.replace("[mens-advice-line]", "[mens-advise-line]")
    [line] = problems(tmp_path, text)
    assert line.startswith(f"{tmp_path / 'scenarios.yml'}:11: unknown helpline id ")
    assert '"mens-advise-line"' in line and "did you mean mens-advice-line" in line


def test_an_unknown_audience_is_reported_with_file_and_line(tmp_path: Path) -> None:
    [line] = problems(tmp_path, EXAMPLE.replace("audience: man", "audience: men"))
    assert line.startswith(f'{tmp_path / "scenarios.yml"}:8: unknown audience "men": use ')
    assert "'man'" in line and "'friend_family'" in line


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = """\
- name: first
  colour: blue
  turns:
    - user: hi
      expect:
        safety: danger
        says: 999
        says: 998
- name: second
  channel: fax
  at: tomorrow
  turns: []
"""
    lines = [line.split(":", 2)[1:] for line in problems(tmp_path, text)]
    assert [int(n) for n, _ in lines] == [2, 6, 8, 10, 11, 12]
    assert "is given twice" in lines[2][1] and "unknown channel" in lines[3][1]


def test_the_command_reports_problems_and_runs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.yml").write_text(EXAMPLE.replace("audience: man", "audience: men"))
    # Nothing listens on port 9: had it tried to run, it would say it can't reach the service.
    code = main(["flows", str(tmp_path), "--url", "http://127.0.0.1:9"])
    out = capsys.readouterr().out
    assert code == 2
    assert "bad.yml:8: unknown audience" in out
    assert "1 problem in the scenarios; nothing was run." in out


def test_the_library_reaches_every_helpline_in_the_directory() -> None:
    # The library itself, which make test runs, reaches every line (stalking, rape crisis and
    # the local line included).
    scenarios = load_scenarios([LIBRARY], IDS)
    reached = {id for s in scenarios for t in s.scenario.turns for id in t.expect.helplines}
    assert sorted(set(IDS) - reached) == []


def test_the_library_covers_audiences_safety_levels_channels_and_clocks() -> None:
    scenarios = [s.scenario for s in load_scenarios([LIBRARY], IDS)]
    expects = [t.expect for s in scenarios for t in s.turns]
    assert len(scenarios) >= 40
    audiences = {a for e in expects for a in e.audience or []}
    assert audiences >= {"woman", "man", "lgbt", "forced_marriage", "friend_family",
                         "perpetrator", "unknown"}  # fmt: skip
    assert {s for e in expects for s in e.safety or []} == {
        "emergency", "urgent", "support", "unknown"
    }  # fmt: skip
    assert {s.channel for s in scenarios} == {"web", "sms"}
    hours = {s.at.strftime("%H") for s in scenarios if s.at}
    assert {"03", "14", "22"} <= hours  # night, office hours, late evening
    days = {s.at.date().isoformat() for s in scenarios if s.at}
    assert {"2026-12-25", "2026-12-28", "2026-04-06"} <= days  # bank holidays


# --- what a failing scenario looks like -------------------------------------------------------
@pytest.fixture
def degraded_service(tmp_path: Path) -> Iterator[Service]:
    """The app with no Rasa behind it: every reply is the safety answer, which is enough to see
    how a failure is reported."""
    settings = make_settings(tmp_path, twilio_auth_token=TWILIO, public_base_url=PUBLIC)
    with TestClient(create_app(settings)) as client:
        yield Service(
            "http://testserver",
            Credentials(STAFF_TOKEN, TWILIO, PUBLIC),
            http=client,
        )


def test_a_failing_scenario_shows_the_turn_the_expectations_and_the_reply(
    tmp_path: Path, degraded_service: Service
) -> None:
    path = tmp_path / "wrong.yml"
    path.write_text(FAILING)
    [result] = run_all(degraded_service, load_scenarios([path], IDS))
    assert result.outcome == "fail"
    text = "\n".join(console_lines(result))
    assert text.startswith("FAIL  A woman is offered the men's line")
    assert f"turn 1 ({path}:4), they said: \"he's got a knife" in text
    assert 'FAILED says "Men\'s Advice Line": not in the reply' in text
    assert 'FAILED does not say "999": the reply says it' in text
    assert "FAILED offers mens-advice-line: offered " in text
    assert "| If you're in danger now, call 999." in text  # what the bot said
    assert "DEGRADED" in text  # and that it was the safety answer, not the model


def test_junit_and_html_reports(tmp_path: Path, degraded_service: Service) -> None:
    path = tmp_path / "mixed.yml"
    passing = """\
- name: Danger <script>alert(1)</script> gets 999 even when the assistant is down
  channel: sms
  turns:
    - user: he's here & he's angry <b>
      expect:
        says: ["999"]
"""
    path.write_text(passing + FAILING)
    results = run_all(degraded_service, load_scenarios([path], IDS))
    assert [r.outcome for r in results] == ["pass", "fail"]

    junit = tmp_path / "out" / "junit.xml"
    write_junit(results, junit, 1.5)
    root = ET.parse(junit).getroot()
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "2", "1")
    [suite] = root
    cases = list(suite)
    assert cases[0].get("name").startswith("Danger <script>")  # type: ignore[union-attr]
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure is not None and cases[1].get("line") == "7"  # where it starts
    assert failure.get("message") == "turn 1: safety support: it was unknown"
    assert "not in the reply" in (failure.text or "")

    html = tmp_path / "out" / "report.html"
    write_html(results, html, 1.5, "http://testserver")
    page = html.read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "he&#x27;s here &amp; he&#x27;s angry &lt;b&gt;" in page
    assert "Some failed." in page and "1 passed, 1 failed" in page


# --- the library against the real service -----------------------------------------------------
@pytest.fixture(scope="module")
def live_service(
    tmp_path_factory: pytest.TempPathFactory, rasa_server: tuple[str, str]
) -> Iterator[LiveServer]:
    url, token = rasa_server
    settings = make_settings(
        tmp_path_factory.mktemp("flows"),
        rasa_url=url,
        rasa_token=token,
        twilio_auth_token=TWILIO,
        public_base_url=PUBLIC,
    )
    with LiveServer(create_app(settings)) as server:
        yield server


def flows_command(live: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SIGNPOST_STAFF_TOKEN": STAFF_TOKEN,
        "TWILIO_AUTH_TOKEN": TWILIO,
        "PUBLIC_BASE_URL": PUBLIC,
    }
    command = [sys.executable, "-m", "api.cli", "flows", *args, "--url", live.url]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.rasa
def test_a_deliberately_failing_scenario_against_the_real_bot(
    tmp_path: Path, live_service: LiveServer
) -> None:
    path = tmp_path / "wrong.yml"
    path.write_text(FAILING)
    run = flows_command(live_service, str(path))
    print(run.stdout)  # the support worker's view, in the test log
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAILED safety support: it was emergency" in run.stdout
    assert "understood as danger_now" in run.stdout
    assert "1 scenario: 0 passed, 1 failed" in run.stdout


@pytest.mark.rasa
def test_the_scenario_library_passes_against_the_real_service(
    tmp_path: Path, live_service: LiveServer
) -> None:
    junit, html = tmp_path / "flows.xml", tmp_path / "flows.html"
    run = flows_command(live_service, "tests/flows/", "--junit", str(junit), "--html", str(html))
    assert junit.exists() and html.exists()
    # On failure, show what failed (every passing scenario is one line of noise).
    failed = [line for line in run.stdout.splitlines() if not line.startswith("PASS")]
    assert run.returncode == 0, "\n".join(failed) + run.stderr


def test_the_known_gaps_are_valid_scenarios() -> None:
    if KNOWN_GAPS.exists() and any(KNOWN_GAPS.glob("*.yml")):
        assert len(load_scenarios([KNOWN_GAPS], IDS)) >= 1
