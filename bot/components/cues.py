"""Places, specialist topics and outright "I'm a woman": matched by word lists and patterns.

The word lists and patterns live in the training data (data/nlu/places.yml, data/nlu/topics.yml)
as lookup tables and regexes, named e.g. `place_wales` or `topic_stalking`. This component keeps
the ones named in its `cues` (config.yml) and, for a message that matches, adds the entities the
cue sets: a place says which nation's lines to offer (and, for a local area such as West Mercia,
which local line); a topic adds a specialist line (stalking, sexual violence, a midwife or doctor,
someone else's child); "I'm a woman" is an audience cue for components/audience.py. Exact and
predictable: a town's name or the word "raped" needs no guessing. (Rasa's RegexEntityExtractor
only uses tables named after annotated entities, so it cannot do this.)
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.utils.pattern_utils import extract_patterns
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

PATTERNS_FILE = "cues.json"
# How many words before a match `not_after` looks at: "she says i hit her", "she'll tell
# everyone i hit her", "told the police i hit her".
NOT_AFTER_WORDS = 2
# Reported speech ends with its clause: in "whatever people say, I pushed her" "say" does not
# reach "pushed her".
CLAUSE_END = re.compile(r"[.!?,;\n]")
WORD = re.compile(r"[\w'’]+")
# The writer as subject; audience.py's FIRST_PERSON is a different list (partner words).
WRITER = {"i", "i've", "i’ve", "i'd", "i’d"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True)
class CueResolver(GraphComponent):
    """`cues`: table or regex name → the entities a match sets, in priority order (the first
    match sets an entity), e.g. {topic_sexual_violence: {topic: sexual_violence}}.
    `not_after`: table or regex name → words that, among the `NOT_AFTER_WORDS` words before a
    match in its clause, make it not count ("she'll tell everyone I hit her" is not the
    writer saying what they did)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"cues": {}, "not_after": {}}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        patterns: dict[str, list[str]] | None = None,
    ) -> None:
        self.cues: dict[str, dict[str, str]] = dict(config.get("cues") or {})
        self.not_after = {
            name: {w.lower() for w in words}
            for name, words in (config.get("not_after") or {}).items()
        }
        self._storage = model_storage
        self._resource = resource
        self.patterns = patterns or {}
        self._compiled = {
            name: re.compile("|".join(f"(?:{p})" for p in found), re.IGNORECASE)
            for name, found in self.patterns.items()
        }

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CueResolver:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        patterns: dict[str, list[str]] = {}
        for found in extract_patterns(training_data, use_word_boundaries=True):
            if found["name"] in self.cues:
                # Lookup tables come with word boundaries; regexes get them here.
                pattern = found["pattern"]
                if not pattern.startswith(r"(?i)\b") and not pattern.startswith(r"\b"):
                    pattern = rf"\b(?:{pattern})\b"
                patterns.setdefault(found["name"], []).append(pattern)
        missing = set(self.cues) - set(patterns)
        if missing:
            raise ValueError(f"no lookup table or regex in the training data for {sorted(missing)}")
        with self._storage.write_to(self._resource) as directory:
            (directory / PATTERNS_FILE).write_text(json.dumps(patterns))
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> CueResolver:
        with model_storage.read_from(resource) as directory:
            patterns = json.loads((directory / PATTERNS_FILE).read_text())
        return cls(config, model_storage, resource, patterns)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            chosen: dict[str, tuple[str, int, int]] = {}
            for name, sets in self.cues.items():  # config order is priority order
                found = self._first(name, text)
                if found is not None:
                    for entity, value in sets.items():
                        chosen.setdefault(entity, (value, found.start(), found.end()))
            if not chosen:
                continue
            # A named place is surer than the tagger's guess at a nation.
            kept = [e for e in message.get(ENTITIES, []) if e.get("entity") not in chosen]
            kept += [
                {
                    "entity": entity,
                    "value": value,
                    "start": start,
                    "end": end,
                    "extractor": type(self).__name__,
                }
                for entity, (value, start, end) in chosen.items()
            ]
            message.set(ENTITIES, kept, add_to_output=True)
        return messages

    def _first(self, name: str, text: str) -> re.Match[str] | None:
        """The first match of a cue that does not come just after one of its `not_after` words."""
        matcher = self._compiled.get(name)
        for found in matcher.finditer(text) if matcher is not None else ():
            sentence = CLAUSE_END.split(text[: found.start()])[-1]
            words = WORD.findall(sentence.lower())
            # A not_after word after "I" is the writer's own: "I think I'm going to hurt her",
            # "I told them I hit her".
            before = {
                words[i]
                for i in range(max(0, len(words) - NOT_AFTER_WORDS), len(words))
                if not (i and words[i - 1] in WRITER)
            }
            if not self.not_after.get(name, set()) & before:
                return found
        return None
