"""Which lines to offer, in what order, and why — the `Directory` the rest of Signpost talks to.

Order (docs/directory.md explains it with examples):
1. lines tagged with the asked-for `topic` (e.g. Samaritans for suicidal thoughts);
2. the audience's own lines open now; a line just for the person's nation first;
3. the audience's own lines that are closed, soonest to open first; unknown hours last;
4. if none of those is a 24/7 line (for the nation, when given), one 24/7 line that serves
   this audience or everyone, the most local one first.
Without a nation, England is assumed (for which lines serve, and for bank holidays).
Then, when the person can't phone, lines offering their channel move ahead of phone-only ones.
999, 101 and the GP signpost are `offer: on_request`: only by topic or by id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args

from pydantic import BaseModel

from api.directory.model import Audience, Channel, ChannelKind, DirectoryFile, Helpline, Nation
from api.directory.opening_hours import OpenState, Schedule, state_at
from api.directory.wording import CHANNEL_WORDS, line_hours_text, until_text, when

AUDIENCES = (*get_args(Audience), "unknown")
NATIONS: tuple[str, ...] = get_args(Nation)
CHANNELS: tuple[str, ...] = get_args(ChannelKind)
SHOWN_STATUSES = ("active", "unverified")
ANSWERS_KEPT = 4096  # cached match() answers; a minute's worth of questions is far fewer


class HelplineMatch(BaseModel):
    """One line evaluated at one time: exactly what the API returns."""

    id: str
    name: str
    short_name: str | None = None  # for SMS
    organisation: str | None
    phone: str | None
    text: str | None
    email: str | None
    webchat: str | None
    # When the line is closed and keeps a number for out of hours: that number and what it is.
    out_of_hours_phone: str | None = None
    out_of_hours_note: str | None = None
    # Why it is closed today when that is not its usual week: "Christmas Day", a dated closure.
    closed_reason: str | None = None
    open_now: bool | None  # None when hours are unknown (or a bank holiday of unknown opening)
    always_open: bool
    next_open: datetime | None
    closes_at: datetime | None
    hours: str
    why: str
    notes: str | None
    check_before_calling: bool


def calendar_nation(line: Helpline, nation: str | None) -> Nation:
    # A line serving one nation keeps that nation's bank holidays; a UK-wide line is taken to
    # keep the caller's (England when we don't know where they are).
    if line.nations and len(line.nations) == 1:
        return line.nations[0]
    return nation if nation in NATIONS else "england"  # type: ignore[return-value]


def evaluate(
    line: Helpline, at: datetime, nation: str | None = None, channel: str | None = None
) -> HelplineMatch:
    """The line at `at`; with a `channel` that keeps its own hours (live chat…), by those hours."""
    chosen = line.channel(channel) if channel in CHANNELS else None  # type: ignore[arg-type]
    hours = chosen.hours if chosen is not None and chosen.hours is not None else line.hours
    verified = line.hours_verified
    if chosen is not None and chosen.hours_verified is not None:
        verified = chosen.hours_verified
    state = state_at(
        Schedule(hours, line.bank_holidays, line.exceptions), at, calendar_nation(line, nation)
    )
    check = (
        state.open_now is None
        or state.next_open_uncertain
        or not verified
        or line.status != "active"
    )
    notes = " ".join(n for n in (line.status_note, line.notes) if n) or None
    phone = line.channel("phone")
    text = line.channel("text")
    email = line.channel("email")
    webchat = line.channel("webchat")
    after_hours = line.out_of_hours_phone() if state.open_now is not True else None
    return HelplineMatch(
        id=line.id,
        name=line.name,
        short_name=line.short_name,
        organisation=line.organisation,
        phone=phone.phone if phone else None,
        text=text.phone if text else None,
        email=email.email if email else None,
        webchat=webchat.webchat if webchat else None,
        out_of_hours_phone=after_hours.phone if after_hours else None,
        out_of_hours_note=after_hours.description if after_hours else None,
        closed_reason=state.reason if state.open_now is False else None,
        open_now=state.open_now,
        always_open=state.always_open,
        next_open=state.next_open,
        closes_at=state.closes_at,
        hours=line_hours_text(line),
        why=f"{line.description}; {_why_timing(line, chosen, state, at, check)}",
        notes=notes,
        check_before_calling=check,
    )


def _why_timing(
    line: Helpline, chosen: Channel | None, state: OpenState, at: datetime, check: bool
) -> str:
    unknown = (chosen.hours if chosen and chosen.hours else line.hours).kind == "unknown"
    timing = _timing(state, at, unknown, check)
    if chosen is None or chosen.hours is None:
        return timing
    # Judged by a channel that keeps its own hours: say which, and what the phone does.
    timing = f"{CHANNEL_WORDS[chosen.kind]} {timing}"
    if line.hours.kind == "always" and line.channel("phone"):
        timing += "; the phone line is open 24 hours"
    return timing


def _timing(state: OpenState, at: datetime, unknown: bool, check: bool) -> str:
    if unknown:
        return "opening hours not known, so check before calling"
    if state.open_now is None:
        return (
            f"today is a bank holiday ({state.reason}) and it may be closed: check before calling"
        )
    if state.open_now:
        if state.always_open:
            return "open 24 hours"
        text = f"open now {until_text(state.closes_at, at)}" if state.closes_at else "open now"
        return text + (" (check before calling)" if check else "")
    closed = f"closed today ({state.reason})" if state.reason else "closed now"
    if state.next_open is None:
        return closed
    maybe = " if it opens on the bank holiday" if state.next_open_uncertain else ""
    return f"{closed}, opens {when(state.next_open, at)}{maybe}"


class Directory:
    """The loaded helpline directory. Immutable: reloading builds a new one."""

    def __init__(self, data: DirectoryFile, source: str = "helplines.yaml") -> None:
        self.data = data
        self.source = source
        self.helplines: tuple[Helpline, ...] = tuple(data.helplines)
        self._by_id = {line.id: line for line in self.helplines}
        # match() results by question and minute: every hour in the directory is a whole
        # minute, so within one minute the answer cannot change. A directory is immutable
        # (a reload builds a new one), so nothing here goes stale.
        self._answers: dict[tuple[Any, ...], list[HelplineMatch]] = {}

    def get(self, id: str) -> Helpline | None:
        return self._by_id.get(id)

    def describe(self, id: str, at: datetime, *, nation: str | None = None) -> HelplineMatch | None:
        """One line evaluated at `at`, whatever its audience or status."""
        line = self.get(id)
        return evaluate(line, at, nation) if line else None

    def match(
        self,
        audience: str,
        at: datetime,
        *,
        nation: str | None = None,
        channel: str | None = None,
        area: str | None = None,
        topic: str | None = None,
    ) -> list[HelplineMatch]:
        """The lines to offer, best first (order in this module's docstring)."""
        _check_choice("audience", audience, AUDIENCES)
        _check_choice("nation", nation, NATIONS)
        _check_choice("channel", channel, CHANNELS)
        if at.tzinfo is None:
            raise ValueError("`at` must be timezone-aware")
        at = at.replace(second=0, microsecond=0)
        key = (audience, at, nation, channel, area, topic)
        found = self._answers.get(key)
        if found is None:
            if len(self._answers) > ANSWERS_KEPT:
                self._answers.clear()
            found = self._answers[key] = self._match(audience, at, nation, channel, area, topic)
        return list(found)

    def _match(
        self,
        audience: str,
        at: datetime,
        nation: str | None,
        channel: str | None,
        area: str | None,
        topic: str | None,
    ) -> list[HelplineMatch]:
        index = {line.id: i for i, line in enumerate(self.helplines)}
        # Not knowing the nation, assume England (where most people using Signpost live), the same
        # assumption as for bank holidays; the conversation asks when it matters.
        where = nation or "england"
        usable = [
            line
            for line in self.helplines
            if line.status in SHOWN_STATUSES
            and (line.nations is None or where in line.nations)
            and (line.areas is None or (area is not None and area in line.areas))
        ]
        evaluated = {line.id: evaluate(line, at, nation, channel) for line in usable}
        # The 24/7 promise is about the line's main (phone) hours, even when the person asked for
        # a channel such as live chat that keeps shorter or unknown hours.
        main = evaluated if channel is None else {x.id: evaluate(x, at, nation) for x in usable}

        def own_nation_first(line: Helpline) -> int:
            return 0 if nation and line.nations == [nation] else 1

        def by_opening(line: Helpline) -> tuple[int, float, int, int]:
            m = evaluated[line.id]
            known = m.next_open is not None
            return (0 if known else 1, m.next_open.timestamp() if m.next_open else 0.0,
                    own_nation_first(line), index[line.id])  # fmt: skip

        chosen: list[Helpline] = []
        if topic:
            tagged = [line for line in usable if topic in line.topics]
            chosen += [line for line in tagged if evaluated[line.id].open_now]
            chosen += sorted((t for t in tagged if not evaluated[t.id].open_now), key=by_opening)
        own = [line for line in usable if _serves(line, audience) and line not in chosen]
        open_now = [line for line in own if evaluated[line.id].open_now]
        chosen += sorted(open_now, key=lambda line: (own_nation_first(line), index[line.id]))
        chosen += sorted((line for line in own if line not in open_now), key=by_opening)
        if not any(_is_24_7_for(line, main[line.id], nation) for line in chosen):
            fallback = _fallback(usable, main, audience, nation)
            if fallback is not None and fallback not in chosen:
                chosen.append(fallback)
        if channel and channel != "phone":
            chosen.sort(key=lambda line: line.channel(channel) is None)  # type: ignore[arg-type]
        elif channel == "phone":
            chosen.sort(key=lambda line: line.channel("phone") is None)
        return [evaluated[line.id] for line in chosen]


def _serves(line: Helpline, audience: str) -> bool:
    """Offered to this audience unasked. `everyone` does not include `perpetrator`: lines for
    people worried about their own behaviour say so explicitly."""
    if audience == "unknown":
        everyone = "everyone" in line.audiences and line.offer == "all"
        national = line.hours.kind == "always" and "domestic_abuse" in line.topics
        return everyone or (national and line.offer == "all")
    if not line.offered_to(audience):
        return False
    return audience in line.audiences or (
        "everyone" in line.audiences and audience != "perpetrator" and line.offer == "all"
        and line.hours.kind != "always"  # 24/7 general lines are the fallback, not "own" lines
    )  # fmt: skip


def _is_24_7_for(line: Helpline, match: HelplineMatch, nation: str | None) -> bool:
    return match.always_open and (nation is None or bool(line.nations and nation in line.nations))


def _fallback(
    usable: list[Helpline], evaluated: dict[str, HelplineMatch], audience: str, nation: str | None
) -> Helpline | None:
    """The one 24/7 line open now for this audience or everyone: most local first for a known
    nation, widest-reaching first when we don't know where the person is."""

    def fits(line: Helpline) -> bool:
        explicit = audience in line.audiences and line.offered_to(audience)
        general = "everyone" in line.audiences and line.offer == "all" and audience != "perpetrator"
        return evaluated[line.id].always_open and (explicit or general)

    candidates = [line for line in usable if fits(line)]
    if nation:
        local = [line for line in candidates if line.nations and nation in line.nations]
        local.sort(key=lambda line: len(line.nations or ()))
        if local:
            return local[0]
    candidates.sort(key=lambda line: -len(line.nations or ("all",) * 4))
    return candidates[0] if candidates else None


def _check_choice(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; use one of {', '.join(allowed)}")
