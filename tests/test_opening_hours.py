"""The opening-hours engine on its own: summer time, bank holidays per nation, exceptions, midnight.

Expected instants are written by hand (UK clocks go forward at 01:00 GMT on the last Sunday of
March and back at 02:00 BST on the last Sunday of October).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from api.directory.model import DAYS, Hours, HoursException
from api.directory.opening_hours import Schedule, bank_holiday, state_at

UK = ZoneInfo("Europe/London")
UTC = timezone.utc
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def hours(*sessions: dict[str, Any]) -> Hours:
    return Hours(kind="weekly", sessions=list(sessions))


def uk(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UK)


OFFICE = Schedule(hours({"days": WEEKDAYS, "opens": "09:00", "closes": "17:00"}), "unknown")
LATE = Schedule(hours({"days": ["fri", "sat"], "opens": "22:00", "closes": "02:00",
                       "overnight": True}), "open")  # fmt: skip
EVENING = Schedule(hours({"days": list(DAYS), "opens": "18:00", "closes": "24:00"}), "open")


def test_9am_stays_9am_across_summer_time() -> None:
    winter = state_at(OFFICE, uk("2026-12-01 08:00"))
    summer = state_at(OFFICE, uk("2026-07-01 08:00"))
    assert winter.next_open == uk("2026-12-01 09:00")
    assert winter.next_open.utcoffset() == timedelta(0)  # type: ignore[union-attr]
    assert summer.next_open == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # 9am BST


def test_open_at_opening_closed_at_closing() -> None:
    assert state_at(OFFICE, uk("2026-11-25 09:00")).open_now is True
    assert state_at(OFFICE, uk("2026-11-25 16:59:59")).open_now is True
    assert state_at(OFFICE, uk("2026-11-25 17:00")).open_now is False
    assert state_at(OFFICE, uk("2026-11-25 10:00")).closes_at == uk("2026-11-25 17:00")


def test_session_after_midnight_belongs_to_the_evening_it_opened() -> None:
    saturday_1am = state_at(LATE, uk("2026-11-28 01:00"))  # Friday's session, still going
    assert saturday_1am.open_now is True
    assert saturday_1am.closes_at == uk("2026-11-28 02:00")
    sunday_3am = state_at(LATE, uk("2026-11-29 03:00"))
    assert sunday_3am.open_now is False
    assert sunday_3am.next_open == uk("2026-12-04 22:00")


def test_midnight_closing_is_24_00() -> None:
    state = state_at(EVENING, uk("2026-11-25 23:30"))
    assert state.open_now is True and state.closes_at == uk("2026-11-26 00:00")
    assert state_at(EVENING, uk("2026-11-26 00:00")).open_now is False


def test_clocks_going_back_make_a_25_hour_day() -> None:
    # 18:00 to midnight on Sat 24 Oct 2026 closes at 00:00 BST on the 25th = 23:00 UTC.
    state = state_at(EVENING, uk("2026-10-24 23:30"))
    assert state.closes_at == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    always = Schedule(Hours(kind="always"), "open")
    assert state_at(always, datetime(2026, 10, 25, 0, 30, tzinfo=UTC)).open_now is True
    assert state_at(always, datetime(2026, 10, 25, 1, 30, tzinfo=UTC)).open_now is True


def test_clocks_going_forward_overnight_session_is_an_hour_shorter() -> None:
    # Sat 28 Mar 2027 22:00 GMT to Sun 02:00 BST = 01:00 UTC: three hours, not four.
    state = state_at(LATE, uk("2027-03-27 23:00"))
    assert state.closes_at == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert state_at(LATE, datetime(2027, 3, 28, 1, 0, tzinfo=UTC)).open_now is False


@pytest.mark.parametrize(
    ("day", "nation", "name"),
    [
        (date(2027, 3, 29), "england", "Easter Monday"),
        (date(2027, 3, 29), "scotland", None),
        (date(2027, 1, 2), "scotland", "New Year Holiday"),
        (date(2027, 1, 2), "england", None),
        (date(2026, 11, 30), "scotland", "Saint Andrew's Day"),
        (date(2026, 3, 17), "northern_ireland", "Saint Patrick's Day"),
        (date(2026, 7, 13), "northern_ireland", "Battle of the Boyne (observed)"),
        (date(2026, 8, 3), "scotland", "Summer Bank Holiday"),
        (date(2026, 8, 31), "wales", "Late Summer Bank Holiday"),
        (date(2026, 12, 28), "england", "Boxing Day (observed)"),
    ],
)
def test_bank_holidays_per_nation(day: date, nation: Any, name: str | None) -> None:
    assert bank_holiday(day, nation) == name


def test_bank_holiday_closed_vs_unknown_vs_open() -> None:
    easter_monday = uk("2027-03-29 11:00")
    closed = Schedule(OFFICE.hours, "closed")
    assert state_at(closed, easter_monday, "england").open_now is False
    assert state_at(closed, easter_monday, "england").next_open == uk("2027-03-30 09:00")
    assert state_at(closed, easter_monday, "england").reason == "Easter Monday"
    assert state_at(closed, easter_monday, "scotland").open_now is True
    unknown = state_at(OFFICE, easter_monday, "england")
    assert unknown.open_now is None and unknown.reason == "Easter Monday"
    assert unknown.next_open == uk("2027-03-30 09:00")
    assert state_at(Schedule(OFFICE.hours, "open"), easter_monday, "england").open_now is True


def test_closed_on_christmas_opens_after_the_substitute_days() -> None:
    closed = Schedule(OFFICE.hours, "closed")
    state = state_at(closed, uk("2027-12-24 18:00"))  # Fri; 25-26 weekend; 27-28 substitutes
    assert state.next_open == uk("2027-12-29 09:00")


def test_dated_exception_closes_and_changes_hours() -> None:
    exceptions = [
        HoursException(date=date(2026, 12, 24), opens="09:00", closes="13:00", reason="Xmas Eve"),
        HoursException(date=date(2026, 12, 29), until=date(2026, 12, 31), closed=True,
                       reason="staff training"),
    ]  # fmt: skip
    schedule = Schedule(OFFICE.hours, "closed", exceptions)
    assert state_at(schedule, uk("2026-12-24 12:00")).closes_at == uk("2026-12-24 13:00")
    state = state_at(schedule, uk("2026-12-29 10:00"))
    assert state.open_now is False and state.reason == "staff training"
    assert state.next_open == uk("2027-01-04 09:00")  # 1 Jan is a bank holiday, then a weekend
    always = Schedule(Hours(kind="always"), "open", exceptions[1:])
    assert state_at(always, uk("2026-12-28 12:00")).closes_at == uk("2026-12-29 00:00")


def test_24_7_and_unknown() -> None:
    always = state_at(Schedule(Hours(kind="always"), "open"), uk("2026-12-25 03:00"))
    assert always.open_now is True and always.always_open and always.closes_at is None
    unknown = state_at(Schedule(Hours(kind="unknown")), uk("2026-12-25 03:00"))
    assert unknown.open_now is None and unknown.next_open is None


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        state_at(OFFICE, datetime(2026, 11, 25, 12))


# ---- Properties ----------------------------------------------------------------------------

times = st.integers(0, 95).map(lambda q: f"{q // 4:02d}:{q % 4 * 15:02d}")
sessions = st.fixed_dictionaries(
    {"days": st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True),
     "opens": times, "closes": times, "overnight": st.booleans()}
)  # fmt: skip


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    kind = draw(st.sampled_from(["weekly", "weekly", "weekly", "always"]))
    try:
        parsed = Hours(kind=kind, sessions=draw(st.lists(sessions, max_size=3)) if kind == "weekly"
                       else [])  # fmt: skip
    except ValidationError:
        assume(False)
        raise
    exceptions = []
    for start in draw(st.lists(st.dates(date(2026, 12, 20), date(2027, 1, 10)), max_size=2)):
        closed = draw(st.booleans())
        spec = {"closed": True} if closed else {"opens": "10:00", "closes": "12:00"}
        exceptions.append(HoursException(date=start, reason="test", **spec))  # type: ignore[arg-type]
    return Schedule(parsed, draw(st.sampled_from(["open", "closed", "unknown"])), exceptions)


instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                        timezones=st.just(UTC))  # fmt: skip
nations = st.sampled_from(["england", "wales", "scotland", "northern_ireland"])
SECOND = timedelta(seconds=1)


@settings(max_examples=300, deadline=None)
@given(schedule=schedules(), at=instants, nation=nations)
def test_next_open_is_in_the_future_and_open_then(schedule: Schedule, at: datetime,
                                                  nation: Any) -> None:  # fmt: skip
    state = state_at(schedule, at, nation)
    if state.open_now is False and state.next_open is not None:
        assert state.next_open > at
        then = state_at(schedule, state.next_open, nation)
        assert then.open_now is (None if state.next_open_uncertain else True)
        assert state_at(schedule, state.next_open - SECOND, nation).open_now is False
        middle = at + (state.next_open - at) / 2
        assert state_at(schedule, middle, nation).open_now is False


@settings(max_examples=300, deadline=None)
@given(schedule=schedules(), at=instants, nation=nations)
def test_closes_at_is_in_the_future_and_closed_then(schedule: Schedule, at: datetime,
                                                    nation: Any) -> None:  # fmt: skip
    state = state_at(schedule, at, nation)
    if state.open_now is None and state.usual_close is not None:  # bank holiday, unknown opening
        assert state.usual_close > at and state.closes_at is None
    if state.open_now and state.closes_at is not None:
        assert state.closes_at > at and state.next_open is None
        assert state_at(schedule, state.closes_at - SECOND, nation).open_now is True
        assert state_at(schedule, state.closes_at, nation).open_now is not True


@settings(max_examples=200, deadline=None)
@given(schedule=schedules(), at=instants, nation=nations)
def test_open_and_closed_alternate(schedule: Schedule, at: datetime, nation: Any) -> None:
    moment, previous = at, None
    for _ in range(6):
        state = state_at(schedule, moment, nation)
        assert state.open_now is not previous or state.open_now is None
        if state.open_now is True and state.closes_at is not None:
            moment, previous = state.closes_at, True
        elif state.open_now is False and state.next_open is not None:
            moment, previous = state.next_open, False
        else:
            break


@settings(max_examples=200, deadline=None)
@given(at=instants, nation=nations)
def test_24_7_is_always_open(at: datetime, nation: Any) -> None:
    state = state_at(Schedule(Hours(kind="always"), "open"), at, nation)
    assert state.open_now is True and state.always_open and state.closes_at is None


@settings(max_examples=200, deadline=None)
@given(schedule=schedules(), at=instants, nation=nations)
def test_answers_are_uk_time(schedule: Schedule, at: datetime, nation: Any) -> None:
    state = state_at(schedule, at, nation)
    for moment in (state.next_open, state.closes_at):
        if moment is not None:
            assert moment.tzinfo == UK
