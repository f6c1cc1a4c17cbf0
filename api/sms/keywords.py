"""Words a person can text that Signpost answers itself, before Rasa; words it never asks for.

Twilio acts on whole-message carrier keywords before we see them: STOP, END, CANCEL, QUIT,
UNSUBSCRIBE, STOPALL, REVOKE and OPTOUT opt the number out (no reply can reach it afterwards), and
HELP/INFO get Twilio's own reply too (customisable, not removable, with Advanced Opt-Out). So no
text Signpost sends may tell anyone to text an opt-out word: "stop" is what a frightened person
might write, and one word would cut them off. Our own words are RESTART and DELETE, and HELP.
"""

from __future__ import annotations

import re

from api.replies import Replies

OPT_OUT = frozenset({"STOP", "END", "CANCEL", "QUIT", "UNSUBSCRIBE", "STOPALL", "REVOKE", "OPTOUT"})
# Whole message (any case, spaces and a final full stop ignored) → what to do.
SAFE_WORDS = {
    "RESTART": "restart",
    "START AGAIN": "restart",
    "DELETE": "delete",
    "ERASE": "delete",
    "HELP": "help",
    "INFO": "help",
}

HELP = "utter_sms_help"
ERASE_FAILED = "utter_sms_erase_failed"

_WORDS = "|".join(sorted(OPT_OUT, key=len, reverse=True))
# "text STOP", "reply 'end'", "send QUIT": an opt-out word after a verb of sending...
_INSTRUCTION = re.compile(
    rf"\b(?:text|txt|reply|send|type|sms|message|write|respond)\b(?:\s+(?:us|with|back))*"
    rf"\s*[:\-]?\s*[\"'‘’“”]?({_WORDS})\b",
    re.IGNORECASE,
)
# ... or in capitals anywhere, which is how keywords are written.
_CAPITALS = re.compile(rf"\b({_WORDS})\b")


def keyword(text: str) -> str | None:
    """'restart', 'delete', 'help', 'opted_out' (a carrier opt-out word), or None for Rasa."""
    word = " ".join(text.split()).rstrip(".!").upper()
    if word in OPT_OUT:
        return "opted_out"
    return SAFE_WORDS.get(word)


def opt_out_instructions(text: str) -> list[str]:
    """Carrier opt-out words that `text` asks the reader to send (empty when there are none)."""
    found = [m.group(0) for m in _INSTRUCTION.finditer(text)]
    return found + [m.group(0) for m in _CAPITALS.finditer(text)]


def sms_text(replies: Replies, name: str) -> str:
    """The domain's SMS text for `name` (its `channel: sms` variation, else the default)."""
    return replies.get(name, "sms").text


def help_text(replies: Replies, sender_name: str = "") -> str:
    """What HELP answers: the words a person can text; starts with the neutral sender name."""
    text = sms_text(replies, HELP)
    return f"{sender_name}: {text}" if sender_name else text
