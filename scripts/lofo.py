"""`make lofo`: how well danger now is found in words nobody trained for, from the repository.

Each training file in data/nlu/ was written by a different writer in a different voice. This
script leaves one file out at a time: it trains the real intent classifier
(bot/components/intent_classifier.py) on every other file, reads the file left out, and lets the
real IntentGuard, SafetyEscalation and FallbackClassifier decide, with their settings from
bot/config.yml. So the figure stands for a new voice the model never saw, which the held-out
files in data/eval/ (written against the same briefs, read many times) no longer can.

Runs in the Rasa environment (.venv-rasa). What it shares across folds, and why that is fair:
the tokens and MiniLM embeddings, which learn nothing from the data, are computed once. Entities
and audience are not measured here: they need the CRF per fold; `make eval` measures them.
Prints a line per file and the totals; writes reports/lofo.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bot"), str(ROOT / "scripts")]

from components.intent_classifier import TextIntentClassifier  # noqa: E402
from components.intent_guard import IntentGuard  # noqa: E402
from components.safety import SafetyEscalation  # noqa: E402
from components.sentence_embeddings import MiniLMFeaturizer  # noqa: E402
from eval import intent_levels  # noqa: E402
from rasa.engine.storage.local_model_storage import LocalModelStorage  # noqa: E402
from rasa.engine.storage.resource import Resource  # noqa: E402
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier  # noqa: E402
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer  # noqa: E402
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY  # noqa: E402
from rasa.shared.nlu.training_data.loading import load_data  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.nlu.training_data.training_data import TrainingData  # noqa: E402


def pipeline_config() -> dict[str, dict[str, Any]]:
    """Each component's settings in bot/config.yml, by the last part of its name."""
    pipeline = yaml.safe_load((ROOT / "bot" / "config.yml").read_text())["pipeline"]
    return {step["name"].rsplit(".", 1)[-1]: step for step in pipeline}


def examples(path: Path) -> list[Message]:
    return [m for m in load_data(str(path)).intent_examples if m.get("text")]


def run(only: list[str], without: list[str]) -> dict[str, Any]:
    config = pipeline_config()
    levels = intent_levels(ROOT / "bot" / "domain.yml")
    by_file = {p.name: examples(p) for p in sorted((ROOT / "data" / "nlu").glob("*.yml"))}
    # Lookups and places hold no intent examples; `without` leaves files out of every fold.
    by_file = {name: found for name, found in by_file.items() if found and name not in without}
    everything = [m for messages in by_file.values() for m in messages]
    gold = {id(m): m.get(INTENT) for m in everything}
    started = time.monotonic()
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(everything)
    MiniLMFeaturizer(
        {**MiniLMFeaturizer.get_default_config(), "alias": "minilm"}, "minilm"
    ).process(everything)
    print(f"lofo: {len(everything)} examples embedded in {time.monotonic() - started:.0f}s")
    after = [
        IntentGuard(config["IntentGuard"]),
        SafetyEscalation(config["SafetyEscalation"]),
        FallbackClassifier(
            {**FallbackClassifier.get_default_config(), **config["FallbackClassifier"]}
        ),
    ]
    results: dict[str, Any] = {}
    totals = {"n": 0, "emergencies": 0, "found": 0, "false_alarms": 0, "intent_right": 0}
    for name in [name for name in by_file if not only or name in only]:
        test = by_file[name]
        train = [m for other, messages in by_file.items() if other != name for m in messages]
        for message in train:
            message.set(INTENT, gold[id(message)])
        with tempfile.TemporaryDirectory() as directory:
            classifier = TextIntentClassifier(
                config["TextIntentClassifier"],
                LocalModelStorage(Path(directory)),
                Resource("lofo"),
            )
            classifier.train(TrainingData(training_examples=train))
            classifier.process(test)
        for component in after:
            component.process(test)
        row = {"n": len(test), "emergencies": 0, "found": 0, "false_alarms": 0, "intent_right": 0}
        for message in test:
            want, got = gold[id(message)], (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            wanted = levels.get(want) == "emergency"
            flagged = levels.get(got) == "emergency"
            row["emergencies"] += wanted
            row["found"] += wanted and flagged
            row["false_alarms"] += flagged and not wanted
            row["intent_right"] += want == got
        results[name] = row
        for key in totals:
            totals[key] += row[key]
        print(
            f"  {name:<24} n={row['n']:<4} emergencies {row['found']:>3}/{row['emergencies']:<3}"
            f" false alarms {row['false_alarms']:>3}  intent {row['intent_right'] / row['n']:.3f}",
            flush=True,
        )
    flagged = totals["found"] + totals["false_alarms"]
    summary = {
        **totals,
        "emergency_recall": round(totals["found"] / totals["emergencies"], 3)
        if totals["emergencies"]
        else 0.0,
        "emergency_precision": round(totals["found"] / flagged, 3) if flagged else 0.0,
        "intent_accuracy": round(totals["intent_right"] / totals["n"], 3) if totals["n"] else 0.0,
        "seconds": round(time.monotonic() - started),
    }
    print(
        f"lofo: emergency recall {summary['emergency_recall']:.3f} ({totals['found']} of "
        f"{totals['emergencies']}), precision {summary['emergency_precision']:.3f} "
        f"({totals['false_alarms']} false alarms), intent accuracy "
        f"{summary['intent_accuracy']:.3f}, {totals['n']} messages, {summary['seconds']}s"
    )
    return {"files": results, "total": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "only", nargs="*", help="leave out only these training files (default: each in turn)"
    )
    parser.add_argument(
        "--without", nargs="+", default=[], help="training files to leave out of every fold"
    )
    args = parser.parse_args()
    report = run(args.only, args.without)
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports" / "lofo.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
