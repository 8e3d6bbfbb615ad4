"""An intent classifier that asks the NLU service (modern environment) instead of computing itself.

The sentence-embedding model needs torch, which must stay out of the Rasa environment (a CUDA
build of several GB on Python 3.10). The service trains itself from the same `data/nlu` files;
this component only forwards each message's text and copies the ranking back. When the service
cannot be reached the message gets no intent, so the FallbackClassifier after it turns it into
`nlu_fallback` and the conversation goes on.

The service also returns the entities spaCy finds where the regexes do not ("10 in the evening",
a misspelt product); they never overlap a regex match, so the RegexEntityExtractor after this
component adds its own next to them.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import requests
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import speedups

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:5056"
REQUESTS = "requests"
LANGUAGE = "language"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RemoteIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # The URL comes from NLU_SERVICE_URL at run time, so one trained model serves anywhere.
        return {"timeout": 5.0, "ranking_length": 10}

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config
        self._url = os.environ.get("NLU_SERVICE_URL", DEFAULT_URL).rstrip("/") + "/parse"
        self._http = requests.Session()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RemoteIntentClassifier:
        speedups.install()
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            parsed = self._classify(text)
            # The service's decision, which may be its own `nlu_fallback` (unsure, or far from
            # every example); the ranking still lists real intents for the clarification buttons.
            message.set(INTENT, parsed["intent"], add_to_output=True)
            message.set(
                INTENT_RANKING_KEY, parsed["ranking"][: self._config["ranking_length"]], add_to_output=True
            )
            if parsed["entities"]:
                message.set(ENTITIES, message.get(ENTITIES, []) + parsed["entities"], add_to_output=True)
            # Further requests in the same message, and the language if it is not English: the
            # dialogue answers every request, and another language politely.
            message.set(REQUESTS, parsed["requests"], add_to_output=True)
            message.set(LANGUAGE, parsed["language"], add_to_output=True)
        return messages

    def _classify(self, text: str) -> dict[str, Any]:
        try:
            response = self._http.post(self._url, json={"text": text}, timeout=self._config["timeout"])
            response.raise_for_status()
            body = response.json()
            return {
                "intent": dict(body["intent"]),
                "ranking": list(body["intent_ranking"]),
                "entities": [dict(entity) for entity in body.get("entities") or []],
                "requests": [str(name) for name in body.get(REQUESTS) or []],
                "language": body.get(LANGUAGE) if isinstance(body.get(LANGUAGE), str) else None,
            }
        except (requests.RequestException, ValueError, KeyError, TypeError) as error:
            logger.error(
                "NLU service at %s failed (%s): treating the message as not understood", self._url, error
            )
            return {
                "intent": {"name": None, "confidence": 0.0},
                "ranking": [],
                "entities": [],
                "requests": [],
                "language": None,
            }
