"""Reply texts the API says itself (the safety net), read from the Rasa domain.

Rasa says almost everything; the API speaks only when Rasa cannot (down, slow, broken) or when a
person is rate-limited. Those texts live in `bot/domain.yml` with the rest, so there is one place to
change what Signpost says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Response:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)


class Replies:
    """The domain's responses, by name and channel ("web" uses the variation with no channel)."""

    def __init__(self, responses: dict[str, list[dict[str, Any]]]) -> None:
        self._responses = responses

    @classmethod
    def load(cls, domain_path: Path) -> Replies:
        with domain_path.open(encoding="utf-8") as f:
            domain = yaml.safe_load(f)
        return cls(domain.get("responses") or {})

    def names(self) -> list[str]:
        return list(self._responses)

    def variations(self, name: str) -> list[Response]:
        return [_response(v) for v in self._responses.get(name, [])]

    def get(self, name: str, channel: str = "web") -> Response:
        """The unconditional variation for `channel`, else the default one."""
        plain = [v for v in self._responses[name] if not v.get("condition")]
        for variation in plain:
            if variation.get("channel") == channel:
                return _response(variation)
        return _response(next(v for v in plain if not v.get("channel")))


def _response(variation: dict[str, Any]) -> Response:
    buttons = [
        # Rasa unescapes doubled braces when it fills a response; do the same here.
        {"title": b["title"], "payload": b["payload"].replace("{{", "{").replace("}}", "}")}
        for b in variation.get("buttons") or []
    ]
    return Response(variation["text"], buttons, dict(variation.get("custom") or {}))
