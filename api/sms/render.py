"""A channel-neutral Reply as one SMS: 999 first, helplines compact, buttons as numbers.

One reply is one message body (one TwiML <Message>): Twilio does not promise that several
messages arrive in the order sent, and a person in danger must read 999 first. The emergency text
leads and fits in the first segment; helplines are trimmed (never below one a message) until the
whole reply fits in MAX_SEGMENTS where it can.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from api.conversation import Message, Reply
from api.directory import HelplineMatch
from api.rendering import status
from api.replies import Replies
from api.sms.gsm import gsm_safe, segments

# Two segments carry one idea and its next step; more costs the person's credit or patience.
MAX_SEGMENTS = 2
CHOICES_LEAD = "Reply with a number:"

# Which contact to show first, by what the response asked for (`custom.helplines.contact`).
_PREFERENCE = {
    None: ("phone", "text", "email", "webchat"),
    "text": ("text", "email", "webchat", "phone"),
    "email": ("email", "text", "webchat", "phone"),
}


@dataclass(frozen=True)
class Sms:
    body: str
    # Button payloads in number order: a reply of "1" sends choices[0] to Rasa.
    choices: list[str] = field(default_factory=list)


class ContactHints:
    """The contact a response prefers (text for "can't talk", email for "can't phone"), by its
    text: the channel-neutral Message keeps the text but not the response's directive."""

    def __init__(self, replies: Replies) -> None:
        self._by_text: dict[str, str] = {}
        for name in replies.names():
            for variation in replies.variations(name):
                directive = variation.custom.get("helplines")
                if isinstance(directive, dict) and directive.get("contact") in ("text", "email"):
                    self._by_text[variation.text] = directive["contact"]

    def contact(self, message: Message) -> str | None:
        return self._by_text.get(message.text)


def short_status(line: HelplineMatch, now: datetime) -> str:
    """'open 24 hours', 'open till 5pm', 'opens 9am tomorrow': rendering.status, SMS-short."""
    return status(line, now, short=True)


def _reach(line: HelplineMatch, contact: str | None) -> str:
    # A channel with its own hours was evaluated by them only when it is the one asked for;
    # otherwise the phone (the line's main hours) keeps the status true.
    order = _PREFERENCE[contact] if contact and getattr(line, contact) else _PREFERENCE[None]
    for kind in order:
        value = getattr(line, kind)
        if not value:
            continue
        if kind == "text":
            return f"text {value}"
        if kind == "webchat":
            return "web chat " + value.removeprefix("https://").removeprefix("www.").rstrip("/")
        return str(value)
    return ""


def line_sms(line: HelplineMatch, now: datetime, contact: str | None = None) -> str:
    """'Men's Advice Line 0808 8010 327, open till 5pm': one line, one way to reach it."""
    reach = _reach(line, contact)
    # "999" and "Police non-emergency number 101" already say their number.
    called = line.short_name or line.name
    name = f"{called} {reach}" if reach and reach not in called else called
    text = f"{name}, {short_status(line, now)}"
    if line.out_of_hours_phone:
        # While it is closed, the number that answers matters more than when it opens.
        note = f", {line.out_of_hours_note}" if line.out_of_hours_note else ""
        text += f". Out of hours {line.out_of_hours_phone}{note}"
    return text


def render(
    reply: Reply,
    now: datetime,
    hints: ContactHints,
    *,
    unicode_ok: bool = False,
    max_segments: int = MAX_SEGMENTS,
) -> Sms:
    """The reply as one SMS body, emergency text first, in at most `max_segments` if it can be
    done by listing fewer helplines (at least one a message); else the shortest it can be."""
    # Stable: the emergency answer leads, the rest keep Rasa's order.
    messages = sorted(reply.messages, key=lambda m: m.kind != "emergency")
    buttons = [b for m in messages for b in m.buttons]
    clean = (lambda s: s) if unicode_ok else gsm_safe
    most = max((len(m.helplines) for m in messages), default=0)
    body = ""
    for limit in range(max(most, 1), 0, -1):
        body = clean(_compose(reply.degraded, messages, buttons, now, hints, limit))
        if segments(body) <= max_segments:
            break
    return Sms(body, [b["payload"] for b in buttons])


def _compose(
    degraded: bool,
    messages: list[Message],
    buttons: list[dict[str, str]],
    now: datetime,
    hints: ContactHints,
    limit: int,
) -> str:
    texts: list[str] = []
    lines: list[str] = []
    for message in messages:
        shown = [line_sms(h, now, hints.contact(message)) for h in message.helplines[:limit]]
        if degraded:
            # "I'm having trouble... here is how to get help:" reads before the lines, after 999.
            texts.append(message.text)
            lines += shown
        else:
            texts += [message.text, *shown]
    parts = texts + lines
    if buttons:
        parts.append(CHOICES_LEAD)
        parts += [f"{i} {b['title']}" for i, b in enumerate(buttons, 1)]
    return "\n".join(parts)
