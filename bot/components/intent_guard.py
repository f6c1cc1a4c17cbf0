"""Some intents need to be sure before they are believed.

Answering a person who is being hurt as if they were the one hurting ("Thank you for being honest.
Wanting to change matters...") is the judgement Signpost must never make. So an intent listed in
`min_confidence` stands only at or above its threshold; below it, the next most likely intent that
is not so guarded is taken instead, with its own confidence, and the fallback still applies.

`with_cue` lowers that bar for a message that has the entity `not_when_harmed` names for the
intent, as written ("I pushed her": `perpetrator`): the writer said what they did in their own
words, so a less sure reading of the whole message is enough.

`not_when_harmed` goes further for a message that tells both sides: one in which the
writer says what is done to them ("she throws things at me", "he hits me", an entity `harmed`
from components/cues.py) is not answered by an intent listed there unless the message also has
the entity that intent names, said in the first person ("I pushed her": `perpetrator`). A
writer hurt by a partner who asks "is it me?" is a person being hurt.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

from components.cues import CueResolver


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntentGuard(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_confidence": {}, "with_cue": {}, "not_when_harmed": {}}

    def __init__(self, config: dict[str, Any]) -> None:
        self.minimum = {k: float(v) for k, v in (config.get("min_confidence") or {}).items()}
        self.with_cue = {k: float(v) for k, v in (config.get("with_cue") or {}).items()}
        # intent → the entity that keeps it standing when the writer is also harmed.
        self.unless: dict[str, str] = dict(config.get("not_when_harmed") or {})

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentGuard:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            top = message.get(INTENT) or {}
            name = top.get(INTENT_NAME_KEY)
            if name not in self.minimum and name not in self.unless:
                continue
            found = self._cues(message)
            needed = self.minimum.get(name, 0.0)
            if self.unless.get(name) in found:
                needed = min(needed, self.with_cue.get(name, needed))
            sure = (top.get(PREDICTED_CONFIDENCE_KEY) or 0.0) >= needed
            if sure and not self._harmed(found, str(name)):
                continue
            guarded = self.minimum.keys() | self.unless.keys()
            ranking = message.get(INTENT_RANKING_KEY) or []
            instead = next((r for r in ranking if r.get(INTENT_NAME_KEY) not in guarded), None)
            if instead is not None:
                message.set(
                    INTENT,
                    {
                        INTENT_NAME_KEY: instead[INTENT_NAME_KEY],
                        PREDICTED_CONFIDENCE_KEY: instead.get(PREDICTED_CONFIDENCE_KEY),
                    },
                    add_to_output=True,
                )
        return messages

    @staticmethod
    def _cues(message: Message) -> set[str]:
        """Only the cues matched as written (components/cues.py): the tagger also tags "I'd hit
        her" in "she'd tell everyone I'd hit her"."""
        return {
            str(e.get("entity"))
            for e in message.get(ENTITIES, [])
            if e.get("extractor") == CueResolver.__name__
        }

    def _harmed(self, found: set[str], intent: str) -> bool:
        """Whether the writer says what is done to them (`found`: the cues as written), and not
        what they did themselves."""
        if intent not in self.unless:
            return False
        return HARMED in found and self.unless[intent] not in found


# The entity components/cues.py sets for "she hits me", "he threw a plate at me".
HARMED = "harmed"
