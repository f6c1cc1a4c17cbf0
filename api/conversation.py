"""One turn of a conversation, the same for every channel, with the safety net in one place.

A channel hands in who is writing (already a keyed hash), what they wrote and the time; it gets
back a channel-neutral Reply. Rasa decides what to say; this module adds the helplines that fit
and are open, works out the safety level and audience, records the turn, and — when Rasa is
down, slow, broken or says nothing — answers with 999 and the lines open now, honestly marked
`degraded`.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import anyio
from anyio import to_thread

from api.directory import NATIONS, Directory, HelplineMatch
from api.inspection import LastTurns
from api.rasa_client import RasaClient, RasaUnavailable
from api.replies import Replies
from api.store import SAFETY_ORDER, Store, higher
from api.tracker_store import RasaTrackerStore

log = logging.getLogger(__name__)

AUDIENCES = {"woman", "man", "lgbt", "forced_marriage", "friend_family", "perpetrator"}
KINDS = {"emergency", "helplines", "question", "info"}


class DirectorySource(Protocol):
    """Anything holding the directory in force (it may be reloaded while we serve)."""

    @property
    def current(self) -> Directory: ...


@dataclass
class Message:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    kind: str = "info"
    helplines: list[HelplineMatch] = field(default_factory=list)


@dataclass
class Reply:
    messages: list[Message]
    safety: str
    audience: str
    helplines: list[HelplineMatch]
    degraded: bool
    # "erase" or "restart" when the conversation was cleared in this turn.
    action: str | None = None


@dataclass
class _Parsed:
    messages: list[Message] = field(default_factory=list)
    directives: list[dict[str, Any] | None] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    floor: str = "unknown"
    action: str | None = None


class ConversationService:
    def __init__(
        self,
        rasa: RasaClient,
        directory: DirectorySource,
        replies: Replies,
        store: Store,
        max_helplines: int = 3,
        rate_limit_per_minute: int = 30,
        store_transcripts: bool = False,
        tracker_store: RasaTrackerStore | None = None,
    ) -> None:
        self.rasa = rasa
        self.directory = directory
        self.replies = replies
        self.store = store
        self.max_helplines = max_helplines
        self.store_transcripts = store_transcripts
        self.limiter = RateLimiter(rate_limit_per_minute)
        self.tracker_store = tracker_store
        # What staff can inspect (POST /staff/inspect): classifications, never message text.
        self.last_turns = LastTurns()

    async def turn(self, conversation_id: str, text: str, channel: str, at: datetime) -> Reply:
        """Rasa's answer with the helplines that fit, or the safety answer if Rasa fails."""
        if not self.limiter.allow(conversation_id):
            known_safety, known_audience = _known(
                await to_thread.run_sync(self.store.get, conversation_id)
            )
            # A flood from one sender costs Rasa nothing and still gives the person help.
            log.warning("rate limited a conversation")
            reply = self.safety_net(
                channel, at, known_safety, known_audience, reason="utter_rate_limited"
            )
            await self._record(conversation_id, channel, at, reply, text)
            return reply
        # What this conversation reached before is read while Rasa works, not before.
        async with anyio.create_task_group() as group:
            earlier: list[Any] = [None]

            async def read_earlier() -> None:
                earlier[0] = await to_thread.run_sync(self.store.get, conversation_id)

            group.start_soon(read_earlier)
            try:
                parsed = _parse(await self.rasa.send(conversation_id, text, channel))
            except RasaUnavailable as error:
                log.warning("rasa unavailable: %s", error)
                parsed = None
        known_safety, known_audience = _known(earlier[0])
        if parsed is None or not parsed.messages:
            reply = self.safety_net(channel, at, known_safety, known_audience)
        else:
            reply = self._from_rasa(parsed, channel, at, known_safety, known_audience)
        await self._record(conversation_id, channel, at, reply, text)
        return reply

    def safety_net(
        self,
        channel: str,
        at: datetime,
        safety: str = "unknown",
        audience: str = "unknown",
        reason: str = "utter_degraded",
    ) -> Reply:
        """999 first, then the lines open now: the answer when the assistant can't give one."""
        emergency = self.replies.get("utter_emergency", channel)
        lines = self._lines({}, audience, None, None, at, emergency=True)
        messages = [
            Message(self.replies.get(reason, channel).text),
            Message(emergency.text, kind="emergency", helplines=lines),
        ]
        return Reply(messages, safety, audience, lines, degraded=True)

    def _from_rasa(
        self, parsed: _Parsed, channel: str, at: datetime, known_safety: str, known_audience: str
    ) -> Reply:
        state = parsed.state
        if parsed.action in ("erase", "restart"):
            known_safety, known_audience = "unknown", "unknown"
        safety = higher(higher(known_safety, _level(state)), parsed.floor)
        audience = str(state["audience"]) if state.get("audience") in AUDIENCES else known_audience
        nation = state.get("nation") if state.get("nation") in NATIONS else None
        contact = state.get("contact") if state.get("contact") in ("text", "email") else None
        area = _named(state.get("area"))
        topic = _named(state.get("topic"))
        shown: list[HelplineMatch] = []
        for message, directive in zip(parsed.messages, parsed.directives, strict=True):
            if directive is None:
                continue
            emergency = message.kind == "emergency"
            if topic and not directive.get("topic") and (not emergency or topic == "child"):
                # Stalking, sexual violence, pregnancy: their specialist line comes first. In an
                # emergency 999 and the 24/7 line lead, unchanged, except for a child (a child in
                # danger, or a writer under 18): the children's line answers at any hour too.
                directive = {**directive, "topic": topic}
            lines = self._lines(directive, audience, nation, contact, at, emergency, area)
            message.helplines = [h for h in lines if h.id not in {s.id for s in shown}]
            shown += message.helplines
        return Reply(parsed.messages, safety, audience, shown, degraded=False, action=parsed.action)

    def _lines(
        self,
        directive: dict[str, Any],
        audience: str,
        nation: str | None,
        contact: str | None,
        at: datetime,
        emergency: bool,
        area: str | None = None,
    ) -> list[HelplineMatch]:
        matches = self.directory.current.match(
            audience,
            at,
            nation=nation,
            channel=directive.get("contact") or contact,
            area=area,
            topic=directive.get("topic"),
        )
        if directive.get("topic"):
            # A topic (suicidal thoughts, a child) names the lines that fit: keep their order.
            return matches[: self.max_helplines]
        if emergency:
            # In danger, the line that answers at any hour comes straight after 999.
            matches = sorted(matches, key=lambda m: not m.always_open)
        else:
            # Lead with who answers now (and the local line for where the person lives, whose
            # hours are often unknown); the person's own lines that are closed follow, with
            # when they open, so trimming the list never drops the line that is open.
            directory = self.directory.current

            def local(m: HelplineMatch) -> bool:
                line = directory.get(m.id)
                return bool(area and line and line.areas and area in line.areas)

            matches = sorted(matches, key=lambda m: not (m.open_now or m.always_open or local(m)))
        return matches[: self.max_helplines]

    def _no_own_line_open(self, reply: Reply) -> bool:
        """Whether the person's audience is known and none of its own lines was open."""
        if reply.audience == "unknown" or not reply.helplines:
            return False
        directory = self.directory.current
        for match in reply.helplines:
            line = directory.get(match.id)
            if line and reply.audience in line.audiences and (match.open_now or match.always_open):
                return False
        return True

    async def _record(
        self, conversation_id: str, channel: str, at: datetime, reply: Reply, text: str
    ) -> None:
        self.last_turns.remember(conversation_id, reply, at)
        if reply.action == "erase":
            await self.erase(conversation_id)
            return
        transcript = None
        if self.store_transcripts:
            transcript = [("person", text)] + [("bot", m.text) for m in reply.messages]
        no_own_line_open = self._no_own_line_open(reply)
        await to_thread.run_sync(
            lambda: self.store.record_turn(
                conversation_id,
                channel=channel,
                at=at,
                safety=reply.safety,
                audience=reply.audience,
                helplines=[h.id for h in reply.helplines],
                degraded=reply.degraded,
                reset=reply.action == "restart",
                no_own_line_open=no_own_line_open,
                transcript=transcript,
            )
        )

    async def erase(self, conversation_id: str) -> bool:
        """Deletes the conversation here and in Rasa; True when both are gone."""
        self.last_turns.forget(conversation_id)
        erased_here = await to_thread.run_sync(self.store.erase, conversation_id)
        if self.tracker_store is not None:
            erased_here = erased_here and await to_thread.run_sync(
                self.tracker_store.erase, conversation_id
            )
        try:
            await self.rasa.erase(conversation_id)
        except RasaUnavailable as error:
            log.warning("could not erase rasa tracker: %s", error)
            return False
        return erased_here


class RateLimiter:
    """At most `per_minute` messages a minute per conversation, in this process's memory."""

    def __init__(self, per_minute: int, max_senders: int = 100_000) -> None:
        self.per_minute = per_minute
        self.max_senders = max_senders
        self._seen: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        if len(self._seen) >= self.max_senders:
            # Forget senders quiet for a minute; memory stays bounded under any flood.
            self._seen = {k: v for k, v in self._seen.items() if v and now - v[-1] < 60}
        stamps = self._seen.setdefault(key, deque())
        while stamps and now - stamps[0] >= 60:
            stamps.popleft()
        if len(stamps) >= self.per_minute:
            return False
        stamps.append(now)
        return True


def _parse(raw: list[dict[str, Any]]) -> _Parsed | None:
    """Rasa's REST messages as Messages; None if they are not what the domain sends."""
    parsed = _Parsed()
    try:
        for item in raw:
            if "text" in item:
                buttons = [
                    {"title": str(b["title"]), "payload": str(b["payload"])}
                    for b in item.get("buttons") or []
                ]
                parsed.messages.append(Message(str(item["text"]), buttons))
                parsed.directives.append(None)
            custom = item.get("custom")
            if isinstance(custom, dict) and parsed.messages:
                # Rasa sends a response's custom payload right after its text.
                message = parsed.messages[-1]
                message.kind = str(custom["kind"]) if custom.get("kind") in KINDS else "info"
                if isinstance(custom.get("helplines"), dict):
                    parsed.directives[-1] = custom["helplines"]
                if isinstance(custom.get("state"), dict):
                    parsed.state = custom["state"]
                if custom.get("safety") in SAFETY_ORDER:
                    parsed.floor = higher(parsed.floor, custom["safety"])
                if custom.get("action") in ("erase", "restart"):
                    parsed.action = custom["action"]
    except (KeyError, TypeError, AttributeError):
        return None
    return parsed


def _level(state: dict[str, Any]) -> str:
    """The highest level flagged in Rasa's slots (slot values arrive as text)."""
    for level in ("emergency", "urgent", "support"):
        if str(state.get(level)).lower() == "true":
            return level
    return "unknown"


def _named(value: object) -> str | None:
    """A text slot's value, or None when unset (Rasa fills an unset slot in as "None")."""
    return value if isinstance(value, str) and value not in ("", "None") else None


def _known(stored: Any) -> tuple[str, str]:
    """The safety level and audience a conversation reached before this turn."""
    return (stored.safety, stored.audience) if stored else ("unknown", "unknown")
