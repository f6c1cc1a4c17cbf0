"""Every text the SMS channel can send: fits GSM-7, never asks for a carrier opt-out word, puts
999 whole in the first segment, and stays within two segments where it can.

Goes through every response in bot/domain.yml as the SMS channel gets it (the `channel: sms`
variation, else the default, for each condition), every helpline in helplines.yaml rendered
open and closed, and every reply the rules in bot/data/rules.yml put together, for each audience,
nation and time of week. Over-long replies that trimming can't fix are reported as warnings.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from api.conversation import ConversationService
from api.directory import load_directory
from api.directory.matching import evaluate
from api.replies import Replies
from api.settings import ROOT
from api.sms import keywords
from api.sms.gsm import PART_GSM, first_segment, length, non_gsm, segments
from api.sms.render import MAX_SEGMENTS, ContactHints, line_sms, render

LONDON = ZoneInfo("Europe/London")
DOMAIN = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
RULES = yaml.safe_load((ROOT / "bot" / "data" / "rules.yml").read_text(encoding="utf-8"))
REPLIES = Replies(DOMAIN["responses"])
DIRECTORY = load_directory(ROOT / "helplines.yaml")
EMERGENCY = ["utter_emergency", "utter_cant_talk", "utter_child_danger", "utter_medical",
             "utter_suicidal"]  # fmt: skip
# What a notification shows even collapsed: these first characters must not give anyone away.
PREVIEW = 40
GIVEAWAYS = ["signpost", "domestic", "refuge", "women's aid", "galop", "samaritans", "respect",
             "karma nirvana", "mankind", "nspcc", "childline", "victim"]  # fmt: skip
AUDIENCES = ["unknown", "woman", "man", "lgbt", "forced_marriage", "friend_family", "perpetrator"]
NATIONS = [None, "scotland", "wales", "northern_ireland"]
# Monday 23 November 2026, hourly for a week, and Christmas Day (bank holiday rules).
WEEK = [datetime(2026, 11, 23, 0, 30, tzinfo=LONDON) + timedelta(hours=h) for h in range(168)]
# Tuesday afternoon and night, Sunday morning, Christmas Day: open, closed and bank holiday.
TIMES = [WEEK[24 + 14], WEEK[24 + 22], WEEK[24 * 6 + 10], datetime(2026, 12, 25, 12, tzinfo=LONDON)]


def sms_variations() -> list[tuple[str, dict[str, Any]]]:
    """(name, variation) for everything Rasa may send on the "sms" channel: per condition, the
    `channel: sms` variation if there is one, else those with no channel."""
    out = []
    for name, variations in DOMAIN["responses"].items():
        by_condition: dict[str, list[dict[str, Any]]] = {}
        for v in variations:
            by_condition.setdefault(json.dumps(v.get("condition")), []).append(v)
        for group in by_condition.values():
            sms = [v for v in group if v.get("channel") == "sms"]
            out += [(name, v) for v in (sms or [v for v in group if not v.get("channel")])]
    return out


VARIATIONS = sms_variations()
API_TEXTS = [
    ("help", keywords.help_text(REPLIES)),
    ("help with sender name", keywords.help_text(REPLIES, "Info line")),
    ("erase failed", keywords.sms_text(REPLIES, keywords.ERASE_FAILED)),
]
ALL_TEXTS = [(name, str(v["text"])) for name, v in VARIATIONS] + API_TEXTS
ALL_TEXTS += [(name, b["title"]) for name, v in VARIATIONS for b in v.get("buttons") or []]


@pytest.mark.parametrize(("name", "text"), ALL_TEXTS, ids=[n for n, _ in ALL_TEXTS])
def test_text_never_asks_for_a_carrier_opt_out_word(name: str, text: str) -> None:
    assert keywords.opt_out_instructions(text) == [], f"{name}: {text!r}"


@pytest.mark.parametrize(("name", "text"), ALL_TEXTS, ids=[n for n, _ in ALL_TEXTS])
def test_text_is_gsm7(name: str, text: str) -> None:
    assert non_gsm(text) == [], f"{name} has characters that force UCS-2: {non_gsm(text)}"


@pytest.mark.parametrize(("name", "text"), ALL_TEXTS, ids=[n for n, _ in ALL_TEXTS])
def test_text_fits_two_segments(name: str, text: str) -> None:
    assert segments(text) <= MAX_SEGMENTS, f"{name}: {length(text)} characters"


@pytest.mark.parametrize(("name", "text"), ALL_TEXTS, ids=[n for n, _ in ALL_TEXTS])
def test_first_words_give_nothing_away(name: str, text: str) -> None:
    preview = text[:PREVIEW].lower()
    assert not [w for w in GIVEAWAYS if w in preview], f"{name} starts {text[:PREVIEW]!r}"


@pytest.mark.parametrize("name", EMERGENCY)
def test_emergency_answer_is_one_segment(name: str) -> None:
    texts = [str(v["text"]) for n, v in VARIATIONS if n == name]
    assert texts, f"{name} has no SMS text"
    for text in texts:
        assert segments(text) == 1, f"{name}: {length(text)} characters"
        # It leads a reply that may go on (helplines): whole within a concatenated first part.
        assert length(text) <= PART_GSM, f"{name}: {length(text)} > {PART_GSM} characters"
        assert "999" in text


def test_every_helpline_renders_as_a_short_gsm_line_open_and_closed() -> None:
    states: dict[str, set[str]] = {}
    for line in DIRECTORY.helplines:
        for at in WEEK + TIMES:
            for contact in (None, "text", "email"):
                match = evaluate(line, at, None, contact)
                text = line_sms(match, at, contact)
                assert non_gsm(text) == [], f"{line.id}: {non_gsm(text)} in {text!r}"
                assert keywords.opt_out_instructions(text) == [], text
                assert segments(text) == 1, text
                states.setdefault(line.id, set()).add(text.rsplit(", ", 1)[1].split(" ")[0])
    weekly = [h.id for h in DIRECTORY.helplines if h.hours.kind == "weekly" and
              not any("check" in s for s in states[h.id])]  # fmt: skip
    for line_id in weekly:
        assert {"open", "opens"} <= states[line_id], f"{line_id} seen only as {states[line_id]}"


# --- whole replies, as the rules put them together -------------------------------------------
def rule_replies() -> list[list[str]]:
    """The responses each rule sends after its last intent (one Rasa turn)."""
    turns = []
    for rule in RULES["rules"]:
        steps = rule["steps"]
        last = max(i for i, s in enumerate(steps) if "intent" in s)
        actions = [
            s["action"] for s in steps[last + 1 :] if s.get("action", "").startswith("utter_")
        ]
        if actions and actions not in turns:
            turns.append(actions)
    return turns


def variation(name: str, audience: str) -> dict[str, Any]:
    """The variation Rasa picks on SMS: a matching condition first, then channel, then plain."""
    variations = DOMAIN["responses"][name]

    def fits(v: dict[str, Any]) -> bool:
        return all(c.get("value") == audience for c in v.get("condition") or [])

    for conditional in (True, False):
        group = [v for v in variations if bool(v.get("condition")) == conditional and fits(v)]
        for v in sorted(group, key=lambda v: v.get("channel") != "sms"):
            if v.get("channel") in ("sms", None):
                return dict(v)
    raise AssertionError(name)


class ScriptedRasa:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def send(self, sender: str, text: str, channel: str = "web") -> list[dict[str, Any]]:
        return self.messages

    async def erase(self, sender: str) -> None:
        pass


class NoStore:
    engine = None

    def get(self, conversation_id: str) -> None:
        return None

    def record_turn(self, *args: object, **kwargs: object) -> None:
        pass

    def erase(self, conversation_id: str) -> bool:
        return True


class Holder:
    current = DIRECTORY


def rasa_output(names: list[str], audience: str, nation: str | None) -> list[dict[str, Any]]:
    state = {"audience": audience, "nation": str(nation), "contact": "None"}
    out: list[dict[str, Any]] = []
    for name in names:
        v = variation(name, audience)
        out.append({"text": v["text"], "buttons": v.get("buttons") or []})
        custom = dict(v.get("custom") or {})
        if "state" in custom:
            custom["state"] = state
        out.append({"custom": custom})
    return out


def test_every_reply_the_rules_make_fits_the_sms_rules() -> None:
    asyncio.run(_every_reply())


async def _every_reply() -> None:
    rasa = ScriptedRasa()
    service = ConversationService(rasa, Holder(), REPLIES, NoStore())  # type: ignore[arg-type]
    hints = ContactHints(REPLIES)
    # Every time without a nation; every nation on Tuesday night, when most lines are closed and
    # longer-named 24-hour lines stand in (matching is slow, so not every pair).
    places = [(None, t) for t in TIMES] + [(n, TIMES[1]) for n in NATIONS[1:]]
    too_long: dict[str, int] = {}
    checked = 0
    for names in rule_replies():
        for audience in AUDIENCES:
            for nation, at in places:
                rasa.messages = rasa_output(names, audience, nation)
                reply = await service.turn("c", "x", "sms", at)
                body = render(reply, at, hints).body
                where = f"{'+'.join(names)} / {audience} / {nation} / {at:%a %H:%M}"
                assert non_gsm(body) == [], where
                assert keywords.opt_out_instructions(body) == [], where
                if names[0] in EMERGENCY:
                    lead = body.split("\n")[0]
                    assert "999" in lead and lead in first_segment(body), where
                if segments(body) > MAX_SEGMENTS:
                    key = "+".join(names) + f" ({audience})"
                    too_long[key] = max(too_long.get(key, 0), segments(body))
                checked += 1
    assert checked > 500
    report = "\n".join(f"  {k}: up to {n} segments" for k, n in sorted(too_long.items()))
    assert not too_long, f"SMS replies over {MAX_SEGMENTS} segments:\n{report}"
