"""GET /helplines: the lines to offer an audience at a time, best first, and why.

The directory is public, so anyone may ask about another time with `at` (unlike /chat, where
only staff may).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query

from api.deps import DirectoryDep
from api.directory import HelplineMatch
from api.directory.opening_hours import LONDON

router = APIRouter(prefix="/helplines", tags=["helplines"])

AudienceParam = Literal[
    "woman", "man", "lgbt", "forced_marriage", "friend_family", "perpetrator", "unknown"
]
NationParam = Literal["england", "wales", "scotland", "northern_ireland"]
ChannelParam = Literal["phone", "text", "email", "webchat"]
AtParam = Annotated[
    datetime | None,
    Query(
        description="ISO 8601 time to evaluate opening hours at; no offset = UK time; default now"
    ),
]


def _when(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(LONDON)
    return at if at.tzinfo is not None else at.replace(tzinfo=LONDON)


@router.get("", response_model=list[HelplineMatch])
def list_helplines(
    directory: DirectoryDep,
    audience: AudienceParam = "unknown",
    nation: NationParam | None = None,
    channel: Annotated[
        ChannelParam | None, Query(description="the way the person can get in touch")
    ] = None,
    at: AtParam = None,
    area: Annotated[str | None, Query(max_length=64, description="e.g. west-mercia")] = None,
    topic: Annotated[str | None, Query(max_length=64, description="e.g. suicidal_thoughts")] = None,
) -> list[HelplineMatch]:
    """The lines for this audience: open now, then when the others open; always a 24/7 line."""
    return directory.match(
        audience, _when(at), nation=nation, channel=channel, area=area, topic=topic
    )


@router.get("/{helpline_id}", response_model=HelplineMatch)
def get_helpline(
    directory: DirectoryDep,
    helpline_id: str,
    at: AtParam = None,
    nation: NationParam | None = None,
) -> HelplineMatch:
    """One line evaluated at `at` (e.g. /helplines/samaritans)."""
    match = directory.describe(helpline_id, _when(at), nation=nation)
    if match is None:
        raise HTTPException(404, f"No helpline with id {helpline_id!r}.")
    return match
