"""Leans towards danger: a message that may mean danger now is treated as danger now.

Missing "he's outside with a knife" cannot be undone; answering 999 to someone who was not in
danger costs them a moment. So when the emergency intents together hold at least `emergency_mass`
of the classifier's confidence, the most likely emergency intent is chosen even if another intent
ranks first on its own. A long post is also judged passage by passage (TextIntentClassifier's
passage rankings): one passage whose emergency intents hold at least `passage_mass` is enough. The
classifier's second reading, danger now or not, counts as well: at least `danger_probability` for
the whole message, or `passage_danger_probability` for one passage. A shorter message is judged
clause by clause the same way (`clause_mass`, `clause_danger_probability`): "he punched me on
friday and hes doing it again now" reads as the recent abuse most of its words tell (the classifier
reads clauses only where the second reading of the whole message leaves danger open: its
`clause_needs`). A situation in `soon_intents` (a forced marriage) is danger now when the message
says it happens within hours (`soon_pattern`: at the airport, tonight, in 2 hours). The second
reading alone does not overrule a sure reading of a message that asks nothing about danger
(`calm_intents`: "hey is this thing on" read as a greeting, "wipe all this please" as a request to
erase): it was trained against danger, not against a hello.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from components.intent_classifier import (
    CLAUSE_DANGER,
    CLAUSES,
    DANGER,
    PASSAGE_DANGER,
    PASSAGES,
)

NEVER = 2.0  # a probability threshold that nothing reaches

# Message property: the intent as classified, before danger won. It still says who is writing
# ("my sister's fella is outside her flat now" stays a worried friend for AudienceResolver).
BEFORE_ESCALATION = "intent_before_escalation"
# Message property, when danger is the answer: what else the message says, the best of the other
# intents with its confidence among them ("they're driving me to the airport now to marry him"
# is danger now, and forced marriage too), and `share`, how much of the whole those others held.
BESIDES_DANGER = "intent_besides_danger"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyEscalation(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "emergency_intents": [],
            "emergency_mass": 0.3,
            "passage_mass": 0.8,
            "danger_probability": NEVER,
            "passage_danger_probability": NEVER,
            "clause_mass": NEVER,
            "clause_danger_probability": NEVER,
            "calm_intents": {},
            "soon_intents": [],
            "soon_pattern": None,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        config = {**self.get_default_config(), **config}
        # The first is chosen when the second reading finds danger and no emergency intent is
        # in the ranking at all.
        self.first = config["emergency_intents"][0] if config["emergency_intents"] else None
        self.emergency = set(config["emergency_intents"])
        self.mass = float(config["emergency_mass"])
        self.passage_mass = float(config["passage_mass"])
        self.probability = float(config["danger_probability"])
        self.passage_probability = float(config["passage_danger_probability"])
        self.clause_mass = float(config["clause_mass"])
        self.clause_probability = float(config["clause_danger_probability"])
        # intent → the confidence from which the second reading alone does not overrule it.
        self.calm = {name: float(at) for name, at in (config["calm_intents"] or {}).items()}
        # Situations that are danger now when the message says they happen within hours.
        self.soon_intents = set(config["soon_intents"] or [])
        self.soon = (
            re.compile(config["soon_pattern"], re.IGNORECASE) if config["soon_pattern"] else None
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyEscalation:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._escalate(message)
            self._besides_danger(message)
        return messages

    def _escalate(self, message: Message) -> None:
        top = message.get(INTENT) or {}
        is_danger = top.get(INTENT_NAME_KEY) in self.emergency
        if is_danger and (top.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= self.mass:
            return
        if (
            self.soon
            and top.get(INTENT_NAME_KEY) in self.soon_intents
            and self.soon.search(message.get(TEXT) or "")
        ):
            # At least emergency_mass, so that the fallback never takes the danger back.
            sure = max(top.get(PREDICTED_CONFIDENCE_KEY) or 0.0, self.mass)
            self._danger(message, self.first, top, is_danger, sure)
            return
        # An emergency intent can also be on top with little confidence (IntentGuard passed
        # "own behaviour" on to it): the readings below decide it, so that the fallback
        # does not take it for a message it did not follow.
        calm = (top.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= self.calm.get(
            top.get(INTENT_NAME_KEY), NEVER
        )
        readings = [
            (
                message.get(INTENT_RANKING_KEY) or [],
                self.mass,
                message.get(DANGER) or 0.0,
                NEVER if calm else self.probability,
            )
        ]
        for parts, dangers, mass, probability in (
            (PASSAGES, PASSAGE_DANGER, self.passage_mass, self.passage_probability),
            (CLAUSES, CLAUSE_DANGER, self.clause_mass, self.clause_probability),
        ):
            rankings = message.get(parts) or []
            readings += [
                (ranking, mass, danger, probability)
                for ranking, danger in zip(
                    rankings, message.get(dangers) or [0.0] * len(rankings), strict=True
                )
            ]
        for ranking, needed, probability, probability_needed in readings:
            danger = [r for r in ranking if r.get(INTENT_NAME_KEY) in self.emergency]
            mass = sum(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0 for r in danger)
            if not ((danger and mass >= needed) or probability >= probability_needed):
                continue
            if danger:
                chosen = max(danger, key=lambda r: r.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
                name = chosen[INTENT_NAME_KEY]
            else:
                name = self.first
            self._danger(message, name, top, is_danger, max(mass, probability))
            return

    @staticmethod
    def _danger(
        message: Message, name: str | None, top: dict[str, Any], is_danger: bool, sure: float
    ) -> None:
        if not is_danger:
            message.set(BEFORE_ESCALATION, top)
        # The confidence becomes how sure the readings are of danger, so the fallback does not
        # undo it.
        message.set(
            INTENT,
            {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: sure},
            add_to_output=True,
        )

    def _besides_danger(self, message: Message) -> None:
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) not in self.emergency:
            return
        others = [
            r
            for r in message.get(INTENT_RANKING_KEY) or []
            if r.get(INTENT_NAME_KEY) not in self.emergency
        ]
        share = sum(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0 for r in others)
        if others and share > 0:
            best = max(others, key=lambda r: r.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
            confidence = (best.get(PREDICTED_CONFIDENCE_KEY) or 0.0) / share
            message.set(
                BESIDES_DANGER,
                {
                    INTENT_NAME_KEY: best[INTENT_NAME_KEY],
                    PREDICTED_CONFIDENCE_KEY: confidence,
                    "share": share,
                },
            )
