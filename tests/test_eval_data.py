"""The held-out files behind `make eval` stay out of training: no long run of a held-out
message's words may appear in data/nlu/. Otherwise the figures would measure memory. Short
messages ("hi", "hes got a gun") are what anyone would write, in both files, and do not count."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
RUN = 9  # words in a row shared with a training example that count as a copy
LEVELS = {"emergency", "urgent", "support", "unknown"}
AUDIENCES = {"woman", "man", "lgbt", "forced_marriage", "friend_family", "perpetrator", "unknown"}


def words(text: str) -> list[str]:
    text = re.sub(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})", r"\1", text)  # drop entity markup
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))


def runs(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + RUN]) for i in range(len(tokens) - RUN + 1)}


def training_examples() -> list[str]:
    examples = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text()).get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    examples.append(line.strip()[2:])
    return examples


HELD_OUT = sorted((ROOT / "data" / "eval").glob("*.yml"))


@pytest.mark.parametrize("path", HELD_OUT, ids=lambda p: p.name)
def test_held_out_messages_are_not_in_training(path: Path) -> None:
    data = yaml.safe_load(path.read_text())
    if data.get("blind"):
        # A blind file's texts are never shown: name the training lines to remove instead.
        held = set().union(*(runs(words(m["text"])) for m in data["messages"]))
        copied = [e for e in training_examples() if runs(words(e)) & held]
    else:
        trained = set().union(*(runs(words(e)) for e in training_examples()))
        copied = [m["text"] for m in data["messages"] if runs(words(m["text"])) & trained]
    assert copied == []


@pytest.mark.parametrize("path", HELD_OUT, ids=lambda p: p.name)
def test_held_out_files_are_labelled(path: Path) -> None:
    messages = yaml.safe_load(path.read_text())["messages"]
    assert len(messages) >= 150
    assert {m["safety"] for m in messages} <= LEVELS
    assert {m["audience"] for m in messages} <= AUDIENCES
    assert len({m["text"].lower() for m in messages}) == len(messages)
