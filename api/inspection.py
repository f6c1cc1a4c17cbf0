"""The last turn's classification per conversation, in memory, for staff to inspect.

The flow tests and the staff console need to see what the bot made of an SMS (whose reply, TwiML,
carries no safety or audience) and why each helpline was offered. The conversation service hands
every reply here; `POST /staff/inspect` reads it back. No message text is kept, only what the
store keeps anyway (safety, audience, helplines) plus each helpline's `why`; the oldest entries
are dropped past `size`, and an erased conversation is forgotten at once.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from api.directory import HelplineMatch

if TYPE_CHECKING:  # the conversation module imports this one
    from api.conversation import Reply


@dataclass(frozen=True)
class LastTurn:
    at: datetime
    safety: str
    audience: str
    degraded: bool
    helplines: list[HelplineMatch] = field(default_factory=list)
    # The `kind` of each message (emergency, helplines, question, info), in order.
    kinds: list[str] = field(default_factory=list)
    # Rises with every turn remembered: tells which of a phone's conversations spoke last.
    sequence: int = 0


class LastTurns:
    """A bounded map from conversation id to its last turn's classification."""

    def __init__(self, size: int = 2000) -> None:
        self.size = size
        self._turns: OrderedDict[str, LastTurn] = OrderedDict()
        self._counter = itertools.count(1)
        # Channels call in from the event loop, the console from worker threads.
        self._lock = threading.Lock()

    def remember(self, conversation_id: str, reply: Reply, at: datetime) -> None:
        with self._lock:
            self._turns[conversation_id] = LastTurn(
                at=at,
                safety=reply.safety,
                audience=reply.audience,
                degraded=reply.degraded,
                helplines=list(reply.helplines),
                kinds=[m.kind for m in reply.messages],
                sequence=next(self._counter),
            )
            self._turns.move_to_end(conversation_id)
            while len(self._turns) > self.size:
                self._turns.popitem(last=False)

    def get(self, conversation_id: str) -> LastTurn | None:
        with self._lock:
            return self._turns.get(conversation_id)

    def forget(self, conversation_id: str) -> None:
        with self._lock:
            self._turns.pop(conversation_id, None)
