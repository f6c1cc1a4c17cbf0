"""Runs scenarios against a running service, each in a fresh conversation, and keeps what
happened in every turn for the reports.

Every turn is sent and checked even after one fails: a support worker wants to see everything
that went wrong in a conversation, not only the first thing. A scenario whose service could not
be asked (refused, down, no staff token for a clock) is an error, not a failure: the bot was
never judged.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from api.flows.checks import Check, check_turn
from api.flows.model import Located
from api.flows.service import Observed, Service, ServiceError, new_phone, new_session


@dataclass
class TurnResult:
    index: int
    user: str
    where: str
    seen: Observed | None
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


@dataclass
class ScenarioResult:
    located: Located
    turns: list[TurnResult] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.located.scenario.name

    @property
    def outcome(self) -> str:
        """pass, fail or error."""
        if self.error is not None:
            return "error"
        return "pass" if all(t.passed for t in self.turns) else "fail"


def run_scenario(service: Service, located: Located) -> ScenarioResult:
    scenario = located.scenario
    result = ScenarioResult(located)
    started = time.monotonic()
    sender = new_phone() if scenario.channel == "sms" else new_session()
    for index, turn in enumerate(scenario.turns):
        where = located.turn_where(index)
        try:
            if scenario.channel == "sms":
                seen = service.sms(sender, turn.user, scenario.at)
            else:
                seen = service.web(sender, turn.user, scenario.at)
        except ServiceError as error:
            result.turns.append(TurnResult(index, turn.user, where, None))
            result.error = f"turn {index + 1} ({where}): {error}"
            break
        checks = check_turn(turn.expect, seen, scenario.channel)
        result.turns.append(TurnResult(index, turn.user, where, seen, checks))
    result.seconds = time.monotonic() - started
    return result


def run_all(
    service: Service,
    scenarios: Iterable[Located],
    on_result: Callable[[ScenarioResult], None] | None = None,
) -> list[ScenarioResult]:
    """Runs them one after another (a busy Rasa past its timeout would make the bot answer
    with the safety net, and the run would judge that instead of the model)."""
    results = []
    for located in scenarios:
        result = run_scenario(service, located)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results
