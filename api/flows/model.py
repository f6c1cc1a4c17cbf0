"""What a flow scenario says: the conversation to have, and what the bot must (not) do in it.

The format is the one in the README (issue 6) and nothing more: people who have not seen this
code write scenarios in it, so a key is only added here together with the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

LONDON = ZoneInfo("Europe/London")
Safety = Literal["emergency", "urgent", "support", "unknown"]
Audience = Literal[
    "woman", "man", "lgbt", "forced_marriage", "friend_family", "perpetrator", "unknown"
]
Channel = Literal["web", "sms"]


class Strict(BaseModel):
    # A misspelt key must be an error, or the check it meant silently never runs.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expect(Strict):
    # None: not checked. A list: any of these passes.
    safety: list[Safety] | None = Field(default=None, min_length=1)
    audience: list[Audience] | None = Field(default=None, min_length=1)
    says: list[str] = []
    not_says: list[str] = []
    helplines: list[str] = []
    max_segments: int | None = Field(default=None, ge=1)

    @field_validator("safety", "audience", "says", "not_says", "helplines", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        # "one value, or a list": `says: 999` means the same as `says: ["999"]`.
        return [value] if isinstance(value, str) else value

    @field_validator("says", "not_says", "helplines")
    @classmethod
    def _no_empty(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise ValueError("an empty text can't be looked for")
        return values


class Turn(Strict):
    user: str = Field(min_length=1, max_length=2000)
    expect: Expect = Expect()

    @field_validator("expect", mode="before")
    @classmethod
    def _blank_expect(cls, value: Any) -> Any:
        return {} if value is None else value  # `expect:` with nothing under it


class Scenario(Strict):
    name: str = Field(min_length=1)
    channel: Channel = "web"
    at: datetime | None = None
    turns: list[Turn] = Field(min_length=1)

    @field_validator("at")
    @classmethod
    def _london_by_default(cls, value: datetime | None) -> datetime | None:
        # Support workers think in UK time: a time without a zone is a London time.
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=LONDON)
        return value


@dataclass(frozen=True)
class Located:
    """A scenario with where it was written: errors and reports point there."""

    scenario: Scenario
    path: Path
    line: int
    # The line of each turn's `user:`, in order.
    turn_lines: list[int] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def turn_where(self, index: int) -> str:
        lines = self.turn_lines
        return f"{self.path}:{lines[index] if index < len(lines) else self.line}"
