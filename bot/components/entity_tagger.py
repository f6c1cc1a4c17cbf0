"""Rasa's CRFEntityExtractor, saved as trained instead of trained again at every start.

Rasa 3.6's CRFEntityExtractor stores its training set (every word's features, MiniLM's 384
numbers included) and fits the CRF again each time a server loads the model. With our data that
made a start take minutes and kept the whole training set in the server's memory. This one
pickles the fitted taggers (sklearn-crfsuite pickles a CRF with its model file) and loads them as
they are: the tagger that answers is the one that was fitted.

It also leaves out of training the long examples that carry no entity annotation: the long forum
posts in data/nlu/ are written for the intent classifier and are not annotated, so they would only
teach the tagger that "my husband" in a long post is no audience cue, at a third of all the words.
"""

from __future__ import annotations

import json
import pickle
from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class SavedCRFEntityExtractor(CRFEntityExtractor):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**CRFEntityExtractor.get_default_config(), "max_unannotated_words": 40}

    def train(self, training_data: TrainingData) -> Resource:
        limit = self.component_config["max_unannotated_words"]
        kept = [
            m
            for m in training_data.training_examples
            if m.get(ENTITIES) or len((m.get(TEXT) or "").split()) <= limit
        ]
        return super().train(
            TrainingData(
                training_examples=kept,
                entity_synonyms=training_data.entity_synonyms,
                regex_features=training_data.regex_features,
                lookup_tables=training_data.lookup_tables,
            )
        )

    def persist(self, dataset: list[list[CRFToken]]) -> None:
        # The fitted taggers, not the dataset they were fitted on.
        with self._model_storage.write_to(self._resource) as directory:
            with open(directory / "taggers.pkl", "wb") as f:
                pickle.dump(self.entity_taggers, f)
            (directory / "crf_order.json").write_text(json.dumps(self.crf_order))

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SavedCRFEntityExtractor:
        try:
            with model_storage.read_from(resource) as directory:
                # Our own file, written by persist() above into the model archive we built.
                with open(directory / "taggers.pkl", "rb") as f:
                    taggers = pickle.load(f)  # noqa: S301
                crf_order = json.loads((directory / "crf_order.json").read_text())
        except ValueError:
            # Nothing was trained (no entity annotations at all): tag nothing, as Rasa's does.
            return cls(config, model_storage, resource)
        extractor = cls(config, model_storage, resource, taggers)
        extractor.crf_order = crf_order
        return extractor
