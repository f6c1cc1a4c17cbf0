"""`make lofo`: how well danger now is found in words nobody trained for, from the repository.

Each training file in data/nlu/ was written by a different writer in a different voice. This
script leaves one file out at a time: it trains the real intent classifier
(bot/components/intent_classifier.py) on every other file, reads the file left out, and lets the
real IntentGuard, SafetyEscalation and FallbackClassifier decide, with their settings from
bot/config.yml. So the figure stands for a new voice the model never saw, which the held-out
files in data/eval/ (written against the same briefs, read many times) no longer can. A message
is scored only when its intent still has MIN_EXAMPLES examples in the other files: held out,
smalltalk.yml would leave almost no greetings to learn from.

Runs in the Rasa environment (.venv-rasa). What it shares across folds, and why that is fair:
the tokens and MiniLM embeddings, which learn nothing from the data, are computed once. Entities
and audience are not measured here: they need the CRF per fold; `make eval` measures them.
Prints a line per file and the totals; writes reports/lofo.json. With `--readings FILE` the
classifier's readings are kept, so that `--set` can try other thresholds in seconds.
"""

from __future__ import annotations

import argparse
import copy
import json
import pickle
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bot"), str(ROOT / "scripts")]
MIN_EXAMPLES = 30  # a held-out message is scored when its intent has this many left to learn from

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


def read(only: list[str], without: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
    """Each held-out message as its fold's classifier read it: (file, intent wanted, the
    message's data before IntentGuard, SafetyEscalation and the fallback)."""
    config = pipeline_config()
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
    readings = []
    for name in [name for name in by_file if not only or name in only]:
        train = [m for other, messages in by_file.items() if other != name for m in messages]
        for message in train:
            message.set(INTENT, gold[id(message)])
        # A message whose intent the fold barely saw says nothing about new wording.
        known = Counter(gold[id(m)] for m in train)
        test, unscored = [], []
        for message in by_file[name]:
            (test if known[gold[id(message)]] >= MIN_EXAMPLES else unscored).append(message)
        readings += [(name, gold[id(m)], {}) for m in unscored]
        with tempfile.TemporaryDirectory() as directory:
            classifier = TextIntentClassifier(
                config["TextIntentClassifier"],
                LocalModelStorage(Path(directory)),
                Resource("lofo"),
            )
            classifier.train(TrainingData(training_examples=train))
            classifier.process(test)
        readings += [(name, gold[id(m)], copy.deepcopy(m.data)) for m in test]
        print(f"  read {name} ({time.monotonic() - started:.0f}s)", flush=True)
    return readings


def score(
    readings: list[tuple[str, str, dict[str, Any]]],
    settings: dict[str, dict[str, Any]],
    misses: bool = False,
) -> dict[str, Any]:
    """Lets IntentGuard, SafetyEscalation and the fallback decide on each reading, with the
    settings of bot/config.yml changed by `settings`, and counts emergencies found."""
    config = pipeline_config()
    for component, changes in settings.items():
        config[component] = {**config[component], **changes}
    levels = intent_levels(ROOT / "bot" / "domain.yml")
    after = [
        IntentGuard(config["IntentGuard"]),
        SafetyEscalation(config["SafetyEscalation"]),
        FallbackClassifier(
            {**FallbackClassifier.get_default_config(), **config["FallbackClassifier"]}
        ),
    ]
    keys = ["n", "unscored", "emergencies", "found", "false_alarms", "intent_right"]
    files: dict[str, dict[str, int]] = {}
    for name, want, data in readings:
        row = files.setdefault(name, dict.fromkeys(keys, 0))
        if not data:
            row["unscored"] += 1
            continue
        message = Message(data=copy.deepcopy(data))
        for component in after:
            component.process([message])
        got = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        wanted = levels.get(want) == "emergency"
        flagged = levels.get(got) == "emergency"
        row["n"] += 1
        row["emergencies"] += wanted
        row["found"] += wanted and flagged
        row["false_alarms"] += flagged and not wanted
        row["intent_right"] += want == got
        if misses and wanted != flagged:
            print(f"    {'missed' if wanted else 'alarm'} ({want} -> {got}):", message.get("text"))
    for name, row in files.items():
        print(
            f"  {name:<24} n={row['n']:<4} emergencies {row['found']:>3}/{row['emergencies']:<3}"
            f" false alarms {row['false_alarms']:>3}"
            f"  intent {row['intent_right'] / max(row['n'], 1):.3f}  unscored {row['unscored']}"
        )
    totals = {key: sum(row[key] for row in files.values()) for key in keys}
    flagged = totals["found"] + totals["false_alarms"]
    summary = {
        **totals,
        "settings": settings,
        "emergency_recall": round(totals["found"] / max(totals["emergencies"], 1), 3),
        "emergency_precision": round(totals["found"] / max(flagged, 1), 3),
        "intent_accuracy": round(totals["intent_right"] / max(totals["n"], 1), 3),
    }
    print(
        f"lofo: emergency recall {summary['emergency_recall']:.3f} ({totals['found']} of "
        f"{totals['emergencies']}), precision {summary['emergency_precision']:.3f} "
        f"({totals['false_alarms']} false alarms), intent accuracy "
        f"{summary['intent_accuracy']:.3f}, {totals['n']} messages ({totals['unscored']} not"
        f" scored: their intent had fewer than {MIN_EXAMPLES} examples left)"
    )
    return {"files": files, "total": summary}


def setting(text: str) -> tuple[str, str, Any]:
    """'SafetyEscalation.emergency_mass=0.3' → ('SafetyEscalation', 'emergency_mass', 0.3)."""
    name, _, value = text.partition("=")
    component, _, key = name.partition(".")
    return component, key, yaml.safe_load(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "only", nargs="*", help="leave out only these training files (default: each in turn)"
    )
    parser.add_argument(
        "--without", nargs="+", default=[], help="training files to leave out of every fold"
    )
    parser.add_argument(
        "--misses", action="store_true", help="print the emergencies missed and the false alarms"
    )
    parser.add_argument(
        "--set",
        type=setting,
        action="append",
        default=[],
        metavar="COMPONENT.KEY=VALUE",
        help="score with another setting than config.yml's: SafetyEscalation.emergency_mass=0.3",
    )
    parser.add_argument(
        "--readings", type=Path, help="keep the readings in this file, and reuse them if it exists"
    )
    args = parser.parse_args()
    if args.readings and args.readings.exists():
        readings = pickle.loads(args.readings.read_bytes())  # noqa: S301 - our own file
    else:
        readings = read(args.only, args.without)
        if args.readings:
            args.readings.write_bytes(pickle.dumps(readings))
    settings: dict[str, dict[str, Any]] = {}
    for component, key, value in args.set:
        settings.setdefault(component, {})[key] = value
    report = score(readings, settings, args.misses)
    (ROOT / "reports").mkdir(exist_ok=True)
    (ROOT / "reports" / "lofo.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
