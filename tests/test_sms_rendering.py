"""The SMS pieces on their own: GSM-7 and segments, safe and carrier words, the SMS layout."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.conversation import Message, Reply
from api.directory import HelplineMatch
from api.replies import Replies
from api.settings import ROOT
from api.sms.gsm import first_segment, gsm_safe, is_gsm, length, segments
from api.sms.keywords import keyword, opt_out_instructions
from api.sms.render import ContactHints, line_sms, render

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 14, 0, tzinfo=LONDON)
HINTS = ContactHints(Replies.load(ROOT / "bot" / "domain.yml"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("€" * 80, 1),
     ("€" * 81, 2), ("é" * 160, 1), ("ł" * 70, 1), ("ł" * 71, 2), ("😀" * 35, 1),
     ("😀" * 35 + "a", 2)],
)  # fmt: skip
def test_segments_count_gsm7_and_ucs2_as_carriers_do(text: str, expected: int) -> None:
    assert segments(text) == expected


def test_an_escape_pair_is_never_split_across_segments() -> None:
    text = "a" * 152 + "€" + "a" * 10  # the euro would straddle the 153rd septet
    assert length(text) == 164 and segments(text) == 2
    assert first_segment(text) == "a" * 152


def test_gsm_safe_makes_typography_plain_and_drops_what_gsm_lacks() -> None:
    assert gsm_safe("It’s “fine” – really…") == 'It\'s "fine" - really...'
    assert gsm_safe("Café ñ ł 😀 ok") == "Café ñ l  ok"
    assert is_gsm(gsm_safe("Zoë’s naïve façade — ☎ 0808"))


@pytest.mark.parametrize(
    "text",
    ["Text STOP to opt out", "reply end to finish", "Send 'quit' any time", "Reply with CANCEL",
     "To unsubscribe, text UNSUBSCRIBE", "OPTOUT"],
)  # fmt: skip
def test_opt_out_instructions_are_found(text: str) -> None:
    assert opt_out_instructions(text)


@pytest.mark.parametrize(
    "text",
    ["If you want this to stop, there is help.", "At the end of the day", "Text RESTART",
     "You can quit your job", "Reply with a number:"],
)  # fmt: skip
def test_ordinary_words_are_not_opt_out_instructions(text: str) -> None:
    assert opt_out_instructions(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("DELETE", "delete"), (" delete. ", "delete"), ("Restart", "restart"),
     ("start again", "restart"), ("help", "help"), ("Stop", "opted_out"), ("END", "opted_out"),
     ("please delete this", None), ("help me", None), ("1", None)],
)  # fmt: skip
def test_keywords_are_the_whole_message_in_any_case(text: str, expected: str | None) -> None:
    assert keyword(text) == expected


def line(**overrides: object) -> HelplineMatch:
    values: dict[str, object] = {
        "id": "mens-advice-line", "name": "Men's Advice Line", "organisation": None,
        "phone": "0808 8010 327", "text": None, "email": "info@example.org", "webchat": None,
        "open_now": True, "always_open": False, "next_open": None,
        "closes_at": NOW.replace(hour=17), "hours": "Mon to Fri 9am to 5pm", "why": "",
        "notes": None, "check_before_calling": False,
    }  # fmt: skip
    values.update(overrides)
    return HelplineMatch(**values)  # type: ignore[arg-type]


def test_a_helpline_is_one_short_line() -> None:
    assert line_sms(line(), NOW) == "Men's Advice Line 0808 8010 327, open till 5pm"
    closed = line(open_now=False, closes_at=None, next_open=NOW + timedelta(hours=19))
    assert line_sms(closed, NOW) == "Men's Advice Line 0808 8010 327, opens 9am tomorrow"
    assert line_sms(line(always_open=True), NOW).endswith(", open 24 hours")
    assert line_sms(line(check_before_calling=True), NOW).endswith(", check opening times")
    # When the person can't phone, the way in writing comes first.
    assert line_sms(line(), NOW, "email") == "Men's Advice Line info@example.org, open till 5pm"
    assert line_sms(line(name="999", phone="999", always_open=True), NOW) == "999, open 24 hours"


def test_buttons_become_numbers_and_999_leads() -> None:
    reply = Reply(
        [
            Message("Anything else?", [{"title": "Who is open now?", "payload": "/ask_open_now"}]),
            Message("Call 999.", kind="emergency", helplines=[line(always_open=True)]),
        ],
        "emergency", "unknown", [], degraded=False,
    )  # fmt: skip
    sms = render(reply, NOW, HINTS)
    assert sms.body == (
        "Call 999.\nMen's Advice Line 0808 8010 327, open 24 hours\nAnything else?\n"
        "Reply with a number:\n1 Who is open now?"
    )
    assert sms.choices == ["/ask_open_now"]


def test_helplines_are_trimmed_to_fit_two_segments_but_never_to_none() -> None:
    lines = [line(id=str(i), name=f"Line number {i} with a long name indeed") for i in range(3)]
    reply = Reply([Message("x" * 150, helplines=lines)], "support", "man", lines, degraded=False)
    body = render(reply, NOW, HINTS).body
    assert segments(body) <= 2 and body.count("Line number") == 2
    reply.messages[0].text = "x" * 400
    assert render(reply, NOW, HINTS).body.count("Line number") == 1


def test_when_degraded_999_comes_before_the_apology() -> None:
    emergency = Message("Call 999.", kind="emergency", helplines=[line(always_open=True)])
    reply = Reply([Message("Sorry, trouble. Help:"), emergency], "unknown", "unknown", [], True)
    assert render(reply, NOW, HINTS).body.split("\n") == [
        "Call 999.", "Sorry, trouble. Help:", "Men's Advice Line 0808 8010 327, open 24 hours"
    ]  # fmt: skip


def test_reply_keeps_unicode_only_when_the_person_wrote_it() -> None:
    reply = Reply([Message("It’s ok")], "unknown", "unknown", [], degraded=False)
    assert render(reply, NOW, HINTS).body == "It's ok"
    assert render(reply, NOW, HINTS, unicode_ok=True).body == "It’s ok"
