"""The typed model of `helplines.yaml` (schema: top of that file and docs/directory.md).

Names follow Open Referral HSDS where they fit (phone with a `type` voice/text/textphone, `email`,
`status`, eligibility as `audiences`), but times are wall-clock times in Europe/London, because a
numeric UTC offset (HSDS) cannot say "9am all year" across summer time.
"""

from __future__ import annotations

import re
from datetime import date as Date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

Audience = Literal[
    "woman", "man", "lgbt", "forced_marriage", "friend_family", "perpetrator", "everyone"
]
Nation = Literal["england", "wales", "scotland", "northern_ireland"]
# A closed list, so a misspelt tag fails the check instead of silently dropping a route.
Topic = Literal[
    "domestic_abuse", "forced_marriage", "honour_based_abuse", "sexual_violence", "stalking",
    "suicidal_thoughts", "emotional_support", "child", "own_behaviour", "crime", "police",
    "emergency", "health",
]  # fmt: skip
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ChannelKind = Literal["phone", "text", "email", "webchat"]
Status = Literal["active", "unverified", "inactive", "defunct"]
BankHolidays = Literal["open", "closed", "unknown"]

_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


def _minutes(value: Any) -> int:
    """'HH:MM' → minutes after midnight; '24:00' (midnight at the end of the day) → 1440."""
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 09:00 as a base-60 number: the author meant a time.
        raise ValueError('write times in quotes, like "09:00"')
    match = _TIME.match(str(value))
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise ValueError(
            f'"{value}" is not a time; write it like "09:00" or "17:30" (24-hour clock)'
        )
    return int(match.group(1)) * 60 + int(match.group(2))


Minutes = Annotated[int, BeforeValidator(_minutes)]


def _partial_date(value: Any) -> str:
    text = value.isoformat() if isinstance(value, Date) else str(value)
    if not _PARTIAL_DATE.match(text):
        raise ValueError(
            f'"{value}" is not a date; write 2026-11-24, or 2026-11 when only the month is known'
        )
    return text


PartialDate = Annotated[str, BeforeValidator(_partial_date)]


def check_phone(number: str) -> str:
    """UK formats only: 999/101 short codes, 116 xxx, the 18001 relay prefix, 0 + 9/10 digits."""
    if not re.fullmatch(r"(\+44 )?[0-9]+( [0-9]+)*", number):
        raise ValueError(f'phone number "{number}" may only hold digits and single spaces')
    digits = number.replace(" ", "").removeprefix("+44")
    if number.startswith("+44"):
        digits = "0" + digits
    if digits.startswith("18001") and len(digits) > 5:
        return number  # Relay UK textphone prefix in front of any number
    ok = (
        len(digits) == 3
        or (digits.startswith("116") and len(digits) == 6)
        or (digits.startswith("0") and len(digits) in (10, 11))
        or (digits.startswith("0800") and len(digits) == 8)  # Childline's 0800 1111
    )
    if not ok:
        raise ValueError(
            f'phone number "{number}" has {len(digits)} digits; '
            "UK numbers starting with 0 have 10 or 11"
        )
    return number


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Session(Strict):
    """One opening per listed day. `overnight: true` says the closing time is on the next day."""

    days: list[Day] = Field(min_length=1)
    opens: Minutes
    closes: Minutes
    overnight: bool = False

    @model_validator(mode="after")
    def _closes_after_opens(self) -> Session:
        _check_order(self.opens, self.closes, self.overnight)
        return self


def _check_order(opens: int, closes: int, overnight: bool) -> None:
    if opens == 1440:
        raise ValueError('opens at "24:00"; write "00:00" for the start of a day')
    if overnight and closes >= opens:
        raise ValueError("overnight is set but it closes after it opens; remove overnight")
    if not overnight and closes <= opens:
        raise ValueError(
            f"closes at {_hhmm(closes)}, before it opens at {_hhmm(opens)}; "
            "if it closes after midnight, add overnight: true"
        )


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_hours(value: Any) -> Any:
    if value in ("24/7", "unknown"):
        return {"kind": "always" if value == "24/7" else "unknown"}
    if isinstance(value, list):
        return {"kind": "weekly", "sessions": value}
    if isinstance(value, dict | Hours):
        return value
    raise ValueError(
        'hours must be "24/7", "unknown" or a list of sessions with days, opens and closes'
    )


class Hours(Strict):
    kind: Literal["always", "unknown", "weekly"]
    sessions: list[Session] = []

    @model_validator(mode="after")
    def _no_overlaps(self) -> Hours:
        week = 7 * 1440
        spans: list[tuple[int, int, str]] = []
        for session in self.sessions:
            for day in session.days:
                start = DAYS.index(day) * 1440 + session.opens
                end = DAYS.index(day) * 1440 + session.closes + (1440 if session.overnight else 0)
                spans.append((start, end, day))
                if end > week:  # Sunday night into Monday morning wraps round the week
                    spans.append((start - week, end - week, day))
        spans.sort()
        for (_s1, e1, d1), (s2, _e2, d2) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                on = d1 if d1 == d2 else f"{d1} night and {d2}"
                raise ValueError(f"two sessions overlap on {on}; give each hour of a day once")
        return self


HoursField = Annotated[Hours, BeforeValidator(_parse_hours)]


class Channel(Strict):
    """Exactly one of phone / email / webchat. Phone `type` as in HSDS: voice, text or textphone."""

    phone: str | None = None
    type: Literal["voice", "text", "textphone"] | None = None
    email: str | None = None
    webchat: str | None = None
    description: str | None = None
    hours: HoursField | None = None  # when this channel keeps other hours than the line
    hours_verified: bool | None = None
    # A number that answers when the line itself is closed (the Forced Marriage Unit's Global
    # Response Centre): offered only then, with its description.
    out_of_hours: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Channel:
        given = [k for k in ("phone", "email", "webchat") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("each channel needs exactly one of phone, email or webchat")
        if self.phone is not None:
            check_phone(self.phone)
        elif self.type is not None:
            raise ValueError("type (voice, text, textphone) belongs to phone channels only")
        if self.email is not None and not _EMAIL.match(self.email):
            raise ValueError(f'"{self.email}" is not an email address')
        if self.webchat is not None and not self.webchat.startswith("https://"):
            raise ValueError(f'webchat "{self.webchat}" must be an https:// address')
        return self

    @property
    def kind(self) -> ChannelKind:
        if self.phone is not None:
            return "text" if self.type == "text" else "phone"
        return "email" if self.email is not None else "webchat"


class HoursException(Strict):
    """A dated closure or change of hours: replaces weekly hours and bank-holiday rule that day."""

    date: Date
    until: Date | None = None
    closed: bool = False
    opens: Minutes | None = None
    closes: Minutes | None = None
    overnight: bool = False
    reason: str

    @model_validator(mode="after")
    def _closed_or_times(self) -> HoursException:
        if self.until is not None and self.until < self.date:
            raise ValueError(f"until {self.until} is before date {self.date}")
        if self.closed == (self.opens is not None or self.closes is not None):
            raise ValueError("an exception is either closed: true or has opens and closes")
        if not self.closed:
            if self.opens is None or self.closes is None:
                raise ValueError("an exception with hours needs both opens and closes")
            _check_order(self.opens, self.closes, self.overnight)
        return self

    def covers(self, day: Date) -> bool:
        return self.date <= day <= (self.until or self.date)


class Helpline(Strict):
    id: str
    name: str
    # A shorter form of the name for SMS, where 999, a line and a menu must fit in two texts.
    short_name: str | None = None
    organisation: str | None = None
    description: str = Field(min_length=3)  # plain words: who it is for, used in `why`
    audiences: list[Audience] = Field(min_length=1)
    topics: list[Topic] = []
    nations: list[Nation] | None = None  # None: not stated by any source
    areas: list[str] | None = None  # local services: police force areas or local authorities
    offer: Literal["all", "on_request"] | list[Audience] = "all"
    channels: list[Channel] = []
    hours: HoursField
    hours_verified: bool = True
    bank_holidays: BankHolidays = "unknown"
    exceptions: list[HoursException] = []
    notes: str | None = None
    source: str | list[str]
    source_date: PartialDate | None = None
    verified: PartialDate
    status: Status = "active"
    status_note: str | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f'id "{value}" must be lower-case words joined by hyphens')
        return value

    @field_validator("source")
    @classmethod
    def _has_source(cls, value: str | list[str]) -> str | list[str]:
        items = [value] if isinstance(value, str) else value
        if not items or any(not s.strip() for s in items):
            raise ValueError('source is empty; give the page address, or "seed 002"')
        return value

    def sources(self) -> list[str]:
        return [self.source] if isinstance(self.source, str) else list(self.source)

    def channel(self, kind: ChannelKind) -> Channel | None:
        return next((c for c in self.channels if c.kind == kind and not c.out_of_hours), None)

    def out_of_hours_phone(self) -> Channel | None:
        return next((c for c in self.channels if c.out_of_hours and c.phone), None)

    def offered_to(self, audience: str) -> bool:
        """Whether it is offered unasked (999, 101, Samaritans… are offered on request)."""
        if self.offer == "all":
            return True
        return isinstance(self.offer, list) and audience in self.offer


class DirectoryFile(Strict):
    version: Literal[1]
    timezone: Literal["Europe/London"]
    helplines: list[Helpline]  # order matters: it is the editorial order among equals
