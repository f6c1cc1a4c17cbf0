"""Matching against the shipped helplines.yaml: who is offered what, open when.

The expected answers in TABLE were worked out by hand from the seed's hours (seed 002) and the cited
sources, not from the code: Men's Advice Line Mon & Wed 9am-8pm, Tue/Thu/Fri 9am-5pm; ManKind
Mon-Fri 10am-4pm; Karma Nirvana and the Forced Marriage Unit Mon-Fri 9am-5pm; Galop Mon-Thu
10am-8:30pm, Fri 10am-4:30pm; Women's Aid chat Mon-Fri 8am-6pm, weekends 10am-6pm; National
Stalking Helpline Mon/Tue/Thu/Fri 9:30am-4pm, Wed 1pm-4pm, closed on bank holidays; Rape Crisis
Scotland every day 6pm-midnight; the rest 24/7 (Respect Phoneline: unknown).
Bank holidays with unknown opening give open_now None ("check before calling").
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.directory import Directory, load_directory

ROOT = Path(__file__).resolve().parent.parent
UK = ZoneInfo("Europe/London")
UTC = timezone.utc

MAL, MANKIND, GALOP = "mens-advice-line", "mankind", "galop"
NDAH, WA, VS = "national-domestic-abuse-helpline", "womens-aid-email", "victim-support"
KN, FMU, SAM = "karma-nirvana", "forced-marriage-unit", "samaritans"
SCOT, LFF = "scotland-domestic-abuse-helpline", "live-fear-free"
NI = "ni-domestic-sexual-abuse-helpline"
RCS, STALK, RESPECT = "rape-crisis-scotland", "national-stalking-helpline", "respect-phoneline"
VAL = "west-mercia-victim-advice-line"


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory(ROOT / "helplines.yaml")


def uk(text: str) -> datetime:
    """A UK wall-clock time, e.g. '2026-11-25 19:30'."""
    return datetime.fromisoformat(text).replace(tzinfo=UK)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (label, audience, at, options, the open lines exactly, other states {id: False/None}, next opens)
Case = tuple[str, str, datetime, dict[str, Any], set[str], dict[str, Any], dict[str, datetime]]
TABLE: list[Case] = [
    ("MAL Wed 19:30 open", "man", uk("2026-11-25 19:30"), {}, {MAL, VS}, {MANKIND: False},
     {MANKIND: uk("2026-11-26 10:00")}),
    ("MAL Tue 19:30 closed", "man", uk("2026-11-24 19:30"), {}, {VS}, {MAL: False, MANKIND: False},
     {MAL: uk("2026-11-25 09:00"), MANKIND: uk("2026-11-25 10:00")}),
    ("ManKind Fri 15:59 open", "man", uk("2026-11-27 15:59"), {}, {MAL, MANKIND, VS}, {}, {}),
    ("ManKind Fri 16:00 closed", "man", uk("2026-11-27 16:00"), {}, {MAL, VS}, {MANKIND: False},
     {MANKIND: uk("2026-11-30 10:00")}),
    ("man Sat 22:30", "man", uk("2026-11-28 22:30"), {}, {VS}, {MAL: False, MANKIND: False},
     {MAL: uk("2026-11-30 09:00"), MANKIND: uk("2026-11-30 10:00")}),
    ("Karma Nirvana Saturday", "forced_marriage", uk("2026-11-28 12:00"), {}, {VS},
     {KN: False, FMU: False}, {KN: uk("2026-11-30 09:00"), FMU: uk("2026-11-30 09:00")}),
    ("Karma Nirvana Sunday night", "forced_marriage", uk("2026-11-29 23:59"), {}, {VS},
     {KN: False}, {KN: uk("2026-11-30 09:00")}),
    ("forced marriage Mon 09:00 opens", "forced_marriage", uk("2026-11-23 09:00"), {},
     {KN, FMU, VS}, {}, {}),
    ("forced marriage Fri 17:00 closes", "forced_marriage", uk("2026-11-27 17:00"), {}, {VS},
     {KN: False, FMU: False}, {KN: uk("2026-11-30 09:00")}),
    ("forced marriage Scotland Sat", "forced_marriage", uk("2026-11-28 12:00"),
     {"nation": "scotland"}, {SCOT}, {KN: False, FMU: False}, {}),
    ("woman 25 December", "woman", uk("2026-12-25 12:00"), {}, {NDAH}, {WA: None}, {}),
    ("man 25 December", "man", uk("2026-12-25 12:00"), {}, {VS}, {MAL: None, MANKIND: None}, {}),
    ("man Boxing Day observed (Mon 28 Dec)", "man", uk("2026-12-28 10:00"), {}, {VS},
     {MAL: None, MANKIND: None}, {}),
    ("man Easter Monday England", "man", uk("2027-03-29 11:00"), {"nation": "england"}, {VS},
     {MAL: None, MANKIND: None}, {MAL: uk("2027-03-30 09:00")}),
    ("man Easter Monday Scotland", "man", uk("2027-03-29 11:00"), {"nation": "scotland"},
     {SCOT, MAL, MANKIND}, {}, {}),
    ("man 2 January Scotland", "man", uk("2026-01-02 11:00"), {"nation": "scotland"}, {SCOT},
     {MAL: None, MANKIND: None}, {}),
    ("man 2 January England", "man", uk("2026-01-02 11:00"), {"nation": "england"},
     {MAL, MANKIND, VS}, {}, {}),
    ("man St Andrew's Day Scotland", "man", uk("2026-11-30 11:00"), {"nation": "scotland"}, {SCOT},
     {MAL: None, MANKIND: None}, {}),
    ("man St Andrew's Day England", "man", uk("2026-11-30 11:00"), {"nation": "england"},
     {MAL, MANKIND, VS}, {}, {}),
    ("man Sat night Northern Ireland", "man", uk("2026-11-28 22:30"),
     {"nation": "northern_ireland"}, {NI}, {MAL: False, MANKIND: False}, {}),
    ("Galop Thu 20:15 open", "lgbt", uk("2026-11-26 20:15"), {}, {GALOP, VS}, {}, {}),
    ("Galop Thu 20:30 closed", "lgbt", uk("2026-11-26 20:30"), {}, {VS}, {GALOP: False},
     {GALOP: uk("2026-11-27 10:00")}),
    ("Galop Fri 16:29 open", "lgbt", uk("2026-11-27 16:29"), {}, {GALOP, VS}, {}, {}),
    ("Galop Fri 16:30 closed", "lgbt", uk("2026-11-27 16:30"), {}, {VS}, {GALOP: False},
     {GALOP: uk("2026-11-30 10:00")}),
    ("woman Wed 03:00", "woman", uk("2026-11-25 03:00"), {}, {NDAH}, {WA: False},
     {WA: uk("2026-11-25 08:00")}),
    ("Women's Aid chat Sat 09:59", "woman", uk("2026-11-28 09:59"), {}, {NDAH}, {WA: False},
     {WA: uk("2026-11-28 10:00")}),
    ("Women's Aid chat Sat 10:00", "woman", uk("2026-11-28 10:00"), {}, {NDAH, WA}, {}, {}),
    ("Women's Aid chat Sun 18:00", "woman", uk("2026-11-29 18:00"), {}, {NDAH}, {WA: False},
     {WA: uk("2026-11-30 08:00")}),
    ("woman Wales Sun 23:00", "woman", uk("2026-11-29 23:00"), {"nation": "wales"}, {LFF, NDAH},
     {WA: False}, {}),
    ("clocks go forward: 01:30 GMT", "woman", utc("2027-03-28 00:30"), {}, {NDAH}, {WA: False},
     {WA: uk("2027-03-28 10:00")}),
    ("clocks go forward: 02:30 BST", "woman", utc("2027-03-28 01:30"), {}, {NDAH}, {WA: False},
     {WA: uk("2027-03-28 10:00")}),
    ("clocks go back: 01:30 GMT, Sunday", "lgbt", utc("2026-10-25 01:30"), {}, {VS},
     {GALOP: False}, {GALOP: uk("2026-10-26 10:00")}),
    ("own behaviour Tue 10:00", "perpetrator", uk("2026-11-24 10:00"), {}, {SAM}, {RESPECT: None},
     {}),
    ("unknown Sat 03:00", "unknown", uk("2026-11-28 03:00"), {}, {NDAH, VS}, {}, {}),
    ("unknown Scotland Sat 03:00", "unknown", uk("2026-11-28 03:00"), {"nation": "scotland"},
     {SCOT, NDAH}, {}, {}),
    ("friends and family Mon 10:00", "friend_family", uk("2026-11-23 10:00"), {}, {MAL, FMU, VS},
     {}, {}),
    ("friends and family Mon 17:30", "friend_family", uk("2026-11-23 17:30"), {}, {MAL, VS},
     {FMU: False}, {FMU: uk("2026-11-24 09:00")}),
    ("suicidal thoughts, man Sat 22:30", "man", uk("2026-11-28 22:30"),
     {"topic": "suicidal_thoughts"}, {SAM}, {MAL: False, MANKIND: False}, {}),
    ("sexual violence Scotland Sat 23:30", "woman", uk("2026-11-28 23:30"),
     {"nation": "scotland", "topic": "sexual_violence"}, {RCS, SCOT, NDAH}, {WA: False}, {}),
    ("sexual violence Scotland Sun 00:30", "woman", uk("2026-11-29 00:30"),
     {"nation": "scotland", "topic": "sexual_violence"}, {SCOT, NDAH}, {RCS: False},
     {RCS: uk("2026-11-29 18:00")}),
    ("stalking Wed 12:00", "unknown", uk("2026-11-25 12:00"), {"topic": "stalking"}, {NDAH, VS},
     {STALK: False}, {STALK: uk("2026-11-25 13:00")}),
    ("stalking Wed 13:00", "unknown", uk("2026-11-25 13:00"), {"topic": "stalking"},
     {STALK, NDAH, VS}, {}, {}),
    ("stalking Christmas Day (closed on bank holidays)", "unknown", uk("2026-12-25 12:00"),
     {"topic": "stalking"}, {NDAH, VS}, {STALK: False}, {STALK: uk("2026-12-29 09:30")}),
    ("West Mercia area", "unknown", uk("2026-11-24 10:00"), {"area": "west-mercia"}, {NDAH, VS},
     {VAL: None}, {}),
    ("lgbt Wales, can only text", "lgbt", uk("2026-11-25 23:00"),
     {"nation": "wales", "channel": "text"}, {LFF}, {GALOP: False}, {}),
]  # fmt: skip


@pytest.mark.parametrize("case", TABLE, ids=[c[0] for c in TABLE])
def test_table(directory: Directory, case: Case) -> None:
    _label, audience, at, options, open_ids, states, next_opens = case
    matches = directory.match(audience, at, **options)
    by_id = {m.id: m for m in matches}
    assert {m.id for m in matches if m.open_now} == open_ids
    for line_id, state in states.items():
        assert line_id in by_id, f"{line_id} not offered"
        assert by_id[line_id].open_now is state, line_id
    for line_id, expected in next_opens.items():
        assert by_id[line_id].next_open == expected, line_id
        assert by_id[line_id].next_open.tzinfo is not None


def test_the_table_covers_at_least_thirty_cases() -> None:
    assert len(TABLE) >= 30


def test_seed_numbers_exactly_as_the_seed_gives_them(directory: Directory) -> None:
    expected = {
        NDAH: ("0808 2000 247", None),
        MAL: ("0808 8010 327", "info@mensadviceline.org.uk"),
        MANKIND: ("0182 3334 244", None),
        GALOP: ("0800 999 5428", "help@galop.org.uk"),
        KN: ("0800 5999 247", None),
        FMU: ("020 7008 0151", None),
        WA: (None, "helpline@womensaid.org.uk"),
        "emergency-999": ("999", None),
    }
    at = uk("2026-11-25 12:00")
    for line_id, (phone, email) in expected.items():
        found = directory.describe(line_id, at)
        assert found is not None and (found.phone, found.email) == (phone, email), line_id


def test_order_own_open_then_own_closed_then_24_7(directory: Directory) -> None:
    # Tuesday 4:30pm: Men's Advice Line open until 5pm, ManKind closed at 4pm.
    ids = [m.id for m in directory.match("man", uk("2026-11-24 16:30"))]
    assert ids == [MAL, MANKIND, VS]
    ids = [m.id for m in directory.match("man", uk("2026-11-28 22:30"))]
    assert ids == [MAL, MANKIND, VS]  # closed ones soonest first, then the 24/7 line


def test_nation_line_comes_first_in_its_nation(directory: Directory) -> None:
    assert directory.match("woman", uk("2026-11-25 12:00"), nation="scotland")[0].id == SCOT
    assert directory.match("unknown", uk("2026-11-25 12:00"), nation="wales")[0].id == LFF


def test_cant_phone_puts_lines_with_that_channel_first(directory: Directory) -> None:
    emails = directory.match("man", uk("2026-11-28 22:30"), channel="email")
    assert emails[0].id == MAL and emails[0].email == "info@mensadviceline.org.uk"
    assert all(m.email for m in emails[:1]) and not emails[-1].email  # phone-only ones after
    chat = directory.match("woman", uk("2026-11-25 23:00"), channel="webchat")
    ndah = next(m for m in chat if m.id == NDAH)
    assert ndah.open_now is False  # evaluated by its live chat's hours (3pm to 10pm)
    assert ndah.next_open == uk("2026-11-26 15:00")


def test_999_101_gp_only_when_asked(directory: Directory) -> None:
    hidden = {"emergency-999", "police-101", "gp-health-visitor-midwife"}
    for audience in ("woman", "man", "lgbt", "forced_marriage", "friend_family", "perpetrator",
                     "unknown"):  # fmt: skip
        assert not hidden & {m.id for m in directory.match(audience, uk("2026-11-25 12:00"))}
    police = [m.id for m in directory.match("woman", uk("2026-11-25 12:00"), topic="police")]
    assert police[:2] == ["emergency-999", "police-101"]


def test_local_lines_only_in_their_area(directory: Directory) -> None:
    at = uk("2026-11-25 12:00")
    assert VAL not in {m.id for m in directory.match("unknown", at)}
    assert VAL not in {m.id for m in directory.match("unknown", at, area="west-yorkshire")}
    val = next(m for m in directory.match("unknown", at, area="west-mercia") if m.id == VAL)
    assert val.check_before_calling and val.open_now is None and "2025" in (val.notes or "")


def test_why_explains_in_plain_words(directory: Directory) -> None:
    first = directory.match("man", uk("2026-11-25 19:30"))[0]
    assert first.why.startswith("For men") and "open now until 8pm" in first.why
    closed = directory.match("man", uk("2026-11-28 22:30"))[0]
    assert "opens on Monday at 9am" in closed.why
    assert first.hours == "Mon and Wed 9am to 8pm; Tue, Thu, Fri 9am to 5pm"


def test_womens_aid_email_says_reply_time_and_safety(directory: Directory) -> None:
    found = directory.describe(WA, uk("2026-11-25 12:00"))
    assert found is not None and found.notes is not None
    assert "5 working days" in found.notes and "safe to reply" in found.notes


def test_unknown_hours_say_check_before_calling(directory: Directory) -> None:
    found = directory.describe(RESPECT, uk("2026-11-25 12:00"))
    assert found is not None
    assert found.open_now is None and found.check_before_calling
    assert found.next_open is None and found.closes_at is None


def test_get_and_describe(directory: Directory) -> None:
    for line_id in ("samaritans", "childline", NDAH):
        assert directory.get(line_id) is not None
    assert directory.get("nope") is None and directory.describe("nope", uk("2026-11-25")) is None


def test_bad_arguments_are_refused(directory: Directory) -> None:
    with pytest.raises(ValueError):
        directory.match("martian", uk("2026-11-25 12:00"))
    with pytest.raises(ValueError):
        directory.match("man", datetime(2026, 11, 25, 12))  # naive time


audiences = st.sampled_from(
    ["woman", "man", "lgbt", "forced_marriage", "friend_family", "perpetrator", "unknown"]
)
nations = st.sampled_from([None, "england", "wales", "scotland", "northern_ireland"])
instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31),
                        timezones=st.just(UTC))  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(audience=audiences, at=instants, nation=nations,
       channel=st.sampled_from([None, "phone", "text", "email", "webchat"]))  # fmt: skip
def test_always_a_24_7_line_and_never_999_unasked(
    directory: Directory, audience: str, at: datetime, nation: str | None, channel: str | None
) -> None:
    matches = directory.match(audience, at, nation=nation, channel=channel)
    ids = [m.id for m in matches]
    assert len(ids) == len(set(ids))
    assert not {"emergency-999", "police-101", "gp-health-visitor-midwife"} & set(ids)
    # With a channel that keeps other hours (live chat), 24/7 means: some line open by phone now.
    always = [directory.describe(i, at, nation=nation) for i in ids]
    assert any(m is not None and m.always_open for m in always)
    for m in matches:
        if m.open_now:
            assert m.next_open is None
        if m.open_now is False:
            assert m.closes_at is None
            assert m.next_open is None or m.next_open > at


def test_out_of_hours_number_only_while_the_line_is_closed(directory: Directory) -> None:
    # Seed 002 and GOV.UK: the Forced Marriage Unit, 020 7008 0151 in office hours; out of hours
    # 020 7008 1500, the Global Response Centre.
    from api.rendering import line_text
    from api.sms.render import line_sms

    sunday = uk("2026-11-29 20:00")
    closed = next(m for m in directory.match("forced_marriage", sunday) if m.id == FMU)
    assert closed.phone == "020 7008 0151"
    assert closed.out_of_hours_phone == "020 7008 1500"
    assert "Global Response Centre" in (closed.out_of_hours_note or "")
    assert "out of hours call 020 7008 1500" in line_text(closed, sunday)
    assert "Out of hours 020 7008 1500" in line_sms(closed, sunday)
    tuesday = uk("2026-11-24 11:00")
    open_ = next(m for m in directory.match("forced_marriage", tuesday) if m.id == FMU)
    assert open_.out_of_hours_phone is None
    assert "1500" not in line_text(open_, tuesday)


def test_a_line_shut_for_a_bank_holiday_says_which(directory: Directory) -> None:
    from api.rendering import line_text

    christmas = uk("2026-12-25 11:00")
    stalking = next(
        m for m in directory.match("unknown", christmas, topic="stalking") if m.id == STALK
    )
    assert stalking.open_now is False and stalking.closed_reason == "Christmas Day"
    assert "closed today (Christmas Day), opens" in line_text(stalking, christmas)
    # An ordinary evening is just "closed now".
    evening = uk("2026-11-24 19:00")
    usual = next(m for m in directory.match("unknown", evening, topic="stalking") if m.id == STALK)
    assert usual.closed_reason is None and "closed now" in line_text(usual, evening)
