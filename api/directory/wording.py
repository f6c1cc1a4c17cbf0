"""Plain-English hours and times ("Mon to Fri 9am to 5pm", "opens Monday at 9am").

Short words, UK style (VOICE.md): "9am", "8:30pm", "midday", "midnight".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from api.directory.model import DAYS, Helpline, Hours, Session
from api.directory.opening_hours import LONDON

SHORT_DAY = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat",
             "sun": "Sun"}  # fmt: skip
CHANNEL_WORDS = {"webchat": "live chat", "text": "text", "email": "email", "phone": "phone"}


def clock(minutes: int) -> str:
    """540 → '9am', 1230 → '8:30pm', 720 → 'midday', 0 or 1440 → 'midnight'."""
    minutes %= 1440
    if minutes == 0:
        return "midnight"
    if minutes == 720:
        return "midday"
    hour, minute = divmod(minutes, 60)
    suffix = "am" if hour < 12 else "pm"
    hour = hour % 12 or 12
    return f"{hour}{suffix}" if minute == 0 else f"{hour}:{minute:02d}{suffix}"


def _days_text(days: list[str]) -> str:
    ordered = sorted(set(days), key=DAYS.index)
    if len(ordered) == 7:
        return "Every day"
    runs: list[list[str]] = []
    for day in ordered:
        if runs and DAYS.index(day) == DAYS.index(runs[-1][-1]) + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{SHORT_DAY[run[0]]} to {SHORT_DAY[run[-1]]}")
        else:
            parts.extend(SHORT_DAY[d] for d in run)
    if len(parts) == 2:
        return f"{parts[0]} and {parts[1]}"
    return ", ".join(parts)


def hours_text(hours: Hours) -> str:
    """'Mon and Wed 9am to 8pm; Tue, Thu, Fri 9am to 5pm', '24 hours, every day', or unknown."""
    if hours.kind == "always":
        return "24 hours, every day"
    if hours.kind == "unknown":
        return "Hours not known: check before calling"
    # Group days that keep the same times, in the order their first day comes in the week.
    groups: dict[tuple[int, int, bool], list[str]] = {}
    for session in hours.sessions:
        groups.setdefault((session.opens, session.closes, session.overnight), []).extend(
            session.days
        )
    ordered = sorted(groups.items(), key=lambda item: (min(DAYS.index(d) for d in item[1]),
                                                       item[0][0]))  # fmt: skip
    return "; ".join(f"{_days_text(days)} {_span(key)}" for key, days in ordered)


def _span(key: tuple[int, int, bool]) -> str:
    opens, closes, _overnight = key
    return f"{clock(opens)} to {clock(closes)}"


def line_hours_text(line: Helpline) -> str:
    """The line's hours, then other channels' own hours, then the bank-holiday rule."""
    text = hours_text(line.hours)
    if line.channel("phone") is None and line.channel("webchat") and line.hours.kind == "weekly":
        text = f"Live chat {text}"  # no phone: the hours are the chat's, not the email's
    for channel in line.channels:
        if channel.hours is not None:
            text += f"; {CHANNEL_WORDS[channel.kind]} {_lower_first(hours_text(channel.hours))}"
    if line.hours.kind == "weekly" and line.bank_holidays == "closed":
        text += "; closed on bank holidays"
    return text


def _lower_first(text: str) -> str:
    # Day names keep their capital ("Mon to Fri"); "Every day" and "Hours not known" lose it.
    return text if text[:3].lower() in DAYS else text[:1].lower() + text[1:]


def when(moment: datetime, at: datetime) -> str:
    """'at 5pm' today, 'tomorrow at 9am', 'on Monday at 9am', 'on Friday 2 January at 9am'."""
    local, now = moment.astimezone(LONDON), at.astimezone(LONDON)
    time_text = clock(local.hour * 60 + local.minute)
    days_ahead = (local.date() - now.date()).days
    if days_ahead == 0:
        return f"at {time_text}" if time_text != "midnight" else "at midnight"
    if days_ahead == 1:
        return "at midnight tonight" if time_text == "midnight" else f"tomorrow at {time_text}"
    if days_ahead < 7:
        return f"on {local:%A} at {time_text}"
    return f"on {local:%A} {local.day} {local:%B} at {time_text}"


def until_text(closes: datetime, at: datetime) -> str:
    """'until 5pm', 'until midnight', 'until 9am tomorrow', 'until Monday 9am'."""
    local, now = closes.astimezone(LONDON), at.astimezone(LONDON)
    time_text = clock(local.hour * 60 + local.minute)
    days_ahead = (local.date() - now.date()).days
    if days_ahead == 0 or (days_ahead == 1 and time_text == "midnight"):
        return f"until {time_text}"
    if days_ahead == 1:
        return f"until {time_text} tomorrow"
    if local - now < timedelta(days=7):
        return f"until {local:%A} {time_text}"
    return f"until {local:%A} {local.day} {local:%B} {time_text}"


def session_text(session: Session) -> str:
    return f"{_days_text(list(session.days))} {clock(session.opens)} to {clock(session.closes)}"
