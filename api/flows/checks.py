"""A turn's expectations against what the bot did: one Check per thing a support worker asked.

Text is compared the way a person reads it: case, runs of spaces and line breaks, and curly
versus straight quotes don't matter, and the spaces inside a phone number don't either
("0808 2000 247" is found in "0808 2000 247" and in "08082000247"). A `not_says` on a number
therefore catches the number however it is spaced.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from api.flows.model import Expect
from api.flows.service import Observed

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})
_SPACES = re.compile(r"\s+")
_NUMBER_GAPS = re.compile(r"(?<=\d)[ \-]+(?=\d)")


@dataclass(frozen=True)
class Check:
    ok: bool
    # What was asked, in words: 'says "999"'.
    expected: str
    # What was seen, when it did not pass: 'not in the reply'.
    problem: str = ""


def normalise(text: str) -> str:
    text = _SPACES.sub(" ", text.translate(_QUOTES)).strip().casefold()
    return _NUMBER_GAPS.sub("", text)


def contains(haystack: str, needle: str) -> bool:
    return normalise(needle) in normalise(haystack)


def _either(values: Sequence[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def check_turn(expect: Expect, seen: Observed, channel: str) -> list[Check]:
    """Every expectation of one turn, in the order they are written in the format."""
    checks: list[Check] = []
    if expect.safety is not None:
        checks.append(_level("safety", expect.safety, seen.safety))
    if expect.audience is not None:
        checks.append(_level("audience", expect.audience, seen.audience))
    shown = seen.shown
    for phrase in expect.says:
        ok = contains(shown, phrase)
        checks.append(Check(ok, f'says "{phrase}"', "" if ok else "not in the reply"))
    for phrase in expect.not_says:
        ok = not contains(shown, phrase)
        checks.append(Check(ok, f'does not say "{phrase}"', "" if ok else "the reply says it"))
    if expect.helplines:
        checks += _helplines(expect.helplines, seen)
    if expect.max_segments is not None and channel == "sms":
        count = seen.segments
        ok = count is not None and count <= expect.max_segments
        asked = f"fits in {expect.max_segments} SMS segment{'s' * (expect.max_segments > 1)}"
        checks.append(Check(ok, asked, "" if ok else f"it took {count}"))
    return checks


def _level(what: str, accepted: Sequence[str], seen: str | None) -> Check:
    expected = f"{what} {_either(accepted)}"
    if seen is None:
        return Check(False, expected, f"can't see the {what}: needs SIGNPOST_STAFF_TOKEN")
    ok = seen in accepted
    return Check(ok, expected, "" if ok else f"it was {seen}")


def _helplines(ids: list[str], seen: Observed) -> list[Check]:
    if seen.helplines is None:
        missing = "can't see the helplines: needs SIGNPOST_STAFF_TOKEN"
        return [Check(False, f"offers {id}", missing) for id in ids]
    offered = [h.id for h in seen.helplines]
    others = ", ".join(offered) if offered else "no helplines"
    return [
        Check(id in offered, f"offers {id}", "" if id in offered else f"offered {others}")
        for id in ids
    ]
