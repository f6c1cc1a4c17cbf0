"""How a helpline looks in words, for the web and for SMS."""

from __future__ import annotations

from datetime import datetime

from api.directory import HelplineMatch


def when(moment: datetime, now: datetime) -> str:
    """'5pm', '9:30am Monday', '10am Tue 2 Dec': as short as is still clear."""
    hour = moment.strftime("%I").lstrip("0")
    minutes = "" if moment.minute == 0 else moment.strftime(":%M")
    clock = f"{hour}{minutes}{moment.strftime('%p').lower()}"
    days = (moment.date() - now.date()).days
    if days == 0:
        return clock
    if days == 1:
        return f"{clock} tomorrow"
    if days < 7:
        return f"{clock} {moment.strftime('%A')}"
    return f"{clock} {moment.strftime('%a')} {moment.day} {moment.strftime('%b')}"


def status(line: HelplineMatch, now: datetime, short: bool = False) -> str:
    """'open now until 5pm', 'closed now, opens 9am tomorrow'; `short` for SMS: 'open till
    5pm', 'opens 9am tomorrow'."""
    if line.always_open:
        return "open 24 hours"
    if line.open_now is None or line.check_before_calling:
        return "check opening times" + ("" if short else " before calling")
    if line.open_now:
        if not line.closes_at:
            return "open now"
        return f"{'open till' if short else 'open now until'} {when(line.closes_at, now)}"
    # "closed today (Christmas Day)": a line that is usually open today says why it is not.
    closed = f"closed today ({line.closed_reason})" if line.closed_reason else "closed now"
    if line.next_open:
        lead = f"{closed}, " if line.closed_reason or not short else ""
        return f"{lead}opens {when(line.next_open, now)}"
    return closed


def contacts(line: HelplineMatch) -> str:
    parts = []
    if line.phone:
        parts.append(f"call {line.phone}")
    if line.text:
        parts.append(f"text {line.text}")
    if line.email:
        parts.append(f"email {line.email}")
    if line.webchat:
        parts.append(f"web chat {line.webchat}")
    return ", ".join(parts) if parts else ""


def after_hours(line: HelplineMatch) -> str:
    """'out of hours call 020 7008 1500, ask for the Global Response Centre', or ''."""
    if not line.out_of_hours_phone:
        return ""
    note = f", {line.out_of_hours_note}" if line.out_of_hours_note else ""
    return f"out of hours call {line.out_of_hours_phone}{note}"


def line_text(line: HelplineMatch, now: datetime) -> str:
    """One helpline on one line: name, how to reach it, whether it is open."""
    reach = contacts(line)
    if not reach:
        return f"{line.name} ({line.hours})"
    extra = after_hours(line)
    # The status stays last, in brackets: the widget reads it from there.
    return f"{line.name}: {reach}{'; ' + extra if extra else ''} ({status(line, now)})"
