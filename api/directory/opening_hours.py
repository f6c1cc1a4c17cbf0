"""Open now? Closes when? Opens when? — for one set of hours, at any instant.

Sessions are wall-clock times in Europe/London, turned into instants day by day, so 9am stays 9am
through BST and GMT. A session belongs to the day it opens on (an overnight session carries on into
the next morning). Bank holidays come from the `holidays` package for the nation being served.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from api.directory.model import DAYS, BankHolidays, Hours, HoursException, Nation

LONDON = ZoneInfo("Europe/London")
SUBDIVISION: dict[Nation, str] = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}
# Far enough to step over a long festive closure; shut for longer, we show no next opening.
HORIZON_DAYS = 400
# A run of open time longer than this is reported as "no closing time" rather than chased further.
CLOSE_SEARCH_DAYS = 8


@lru_cache(maxsize=64)
def _bank_holidays(nation: Nation, year: int) -> dict[date, str]:
    calendar = holidays.country_holidays("GB", subdiv=SUBDIVISION[nation], years=year)
    return {day: str(name) for day, name in calendar.items()}


def bank_holiday(day: date, nation: Nation) -> str | None:
    """The bank holiday's name on `day` in `nation` (substitute days included), else None."""
    return _bank_holidays(nation, day.year).get(day)


@dataclass(frozen=True)
class Interval:
    start: datetime  # aware, UTC
    end: datetime
    uncertain: bool = False  # a bank holiday when the line's bank-holiday opening is unknown
    holiday: str | None = None


@dataclass(frozen=True)
class OpenState:
    open_now: bool | None  # None: hours unknown, or a bank holiday whose opening is unknown
    always_open: bool
    closes_at: datetime | None  # Europe/London
    next_open: datetime | None  # Europe/London
    next_open_uncertain: bool = False  # next_open falls on a bank holiday of unknown opening
    reason: str | None = None  # bank holiday or dated exception that changes today's hours
    usual_close: datetime | None = None  # open_now None: when its usual hours would end


@dataclass(frozen=True)
class Schedule:
    """Everything that decides opening: weekly hours, bank-holiday rule, dated exceptions."""

    hours: Hours
    bank_holidays: BankHolidays = "unknown"
    exceptions: Sequence[HoursException] = ()


def _instant(day: date, minutes: int) -> datetime:
    """Wall-clock time on `day` in London as a UTC instant (a gap time in spring reads as GMT)."""
    local = datetime.combine(day, time()) + timedelta(minutes=minutes)
    # Combine at midnight and then add minutes in *wall* time, so 24:00 is the next day's midnight.
    wall = datetime.combine(local.date(), local.time(), tzinfo=LONDON)
    return wall.astimezone(timezone.utc)


def _day_intervals(schedule: Schedule, day: date, nation: Nation) -> list[Interval]:
    """The sessions that open on `day` (an overnight one ends the next day)."""
    exception = next((e for e in schedule.exceptions if e.covers(day)), None)
    if exception is not None:
        if exception.closed or exception.opens is None or exception.closes is None:
            return []
        end = exception.closes + (1440 if exception.overnight else 0)
        return [Interval(_instant(day, exception.opens), _instant(day, end))]
    holiday = bank_holiday(day, nation)
    if holiday and schedule.bank_holidays == "closed":
        return []
    uncertain = bool(holiday) and schedule.bank_holidays == "unknown"
    if schedule.hours.kind == "always":
        spans = [(0, 1440)]
    else:
        weekday = DAYS[day.weekday()]
        spans = [
            (s.opens, s.closes + (1440 if s.overnight else 0))
            for s in schedule.hours.sessions
            if weekday in s.days
        ]
    return [
        Interval(_instant(day, a), _instant(day, b), uncertain, holiday if uncertain else None)
        for a, b in sorted(spans)
    ]


def _intervals_from(
    schedule: Schedule, first: date, nation: Nation, days: int, enough: datetime
) -> Iterator[Interval]:
    """Intervals in time order, touching ones of the same certainty merged into one.

    Stops after yielding an interval that reaches `enough`: nothing later can change the answer, and
    a 24/7 line would otherwise be merged for the whole horizon.
    """
    current: Interval | None = None
    for offset in range(days):
        for interval in _day_intervals(schedule, first + timedelta(days=offset), nation):
            if (
                current
                and interval.start <= current.end
                and interval.uncertain == current.uncertain
            ):
                current = Interval(
                    current.start,
                    max(current.end, interval.end),
                    current.uncertain,
                    current.holiday,
                )
            else:
                if current:
                    yield current
                current = interval
            if current.end > enough:
                yield current
                return
    if current:
        yield current


def state_at(schedule: Schedule, at: datetime, nation: Nation = "england") -> OpenState:
    """Whether the line is open at `at` (tz-aware), when it closes, and when it next opens."""
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    if schedule.hours.kind == "unknown":
        return OpenState(None, False, None, None)
    at_utc = at.astimezone(timezone.utc)
    first = at.astimezone(LONDON).date() - timedelta(days=1)  # yesterday's overnight session
    enough = at_utc + timedelta(days=CLOSE_SEARCH_DAYS)
    intervals = _intervals_from(schedule, first, nation, HORIZON_DAYS, enough)
    for interval in intervals:
        if interval.end <= at_utc:
            continue
        if interval.start <= at_utc:
            if interval.uncertain:
                following = next(intervals, None)
                return OpenState(
                    None,
                    False,
                    None,
                    _local(following.start) if following else None,
                    bool(following and following.uncertain),
                    interval.holiday,
                    _local(interval.end),
                )
            # A 24/7 line is one interval with no end in sight: report no closing time.
            closes = None if interval.end >= enough else _local(interval.end)
            always = schedule.hours.kind == "always" and closes is None
            return OpenState(True, always, closes, None)
        reason = closed_reason(schedule, at.astimezone(LONDON).date(), nation)
        return OpenState(False, False, None, _local(interval.start), interval.uncertain, reason)
    return OpenState(
        False,
        False,
        None,
        None,
        False,
        closed_reason(schedule, at.astimezone(LONDON).date(), nation),
    )


def closed_reason(schedule: Schedule, day: date, nation: Nation) -> str | None:
    """Why a line keeps other hours on `day`: a dated exception, or a bank holiday it closes on."""
    exception = next((e for e in schedule.exceptions if e.covers(day)), None)
    if exception is not None:
        return exception.reason
    holiday = bank_holiday(day, nation)
    if holiday and schedule.bank_holidays == "closed":
        return holiday
    return None


def _local(instant: datetime) -> datetime:
    return instant.astimezone(LONDON)
