"""`make eval` keeps a blind held-out file blind: the texts of its misses are never printed or
stored, so that nobody tunes on them by running the command the README gives."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("signpost_eval", ROOT / "scripts" / "eval.py")
assert spec and spec.loader
evaluation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(evaluation)

# Labelled an emergency so that the real model classes it lower: a miss whose text could leak.
MISS = {
    "text": "what time does the garden centre shut on sundays",
    "safety": "emergency",
    "audience": "unknown",
}


@pytest.mark.parametrize("blind", [True, False])
def test_a_blind_file_never_shows_its_misses(
    rasa_server: tuple[str, str], capsys: pytest.CaptureFixture[str], blind: bool
) -> None:
    url, token = rasa_server
    report = evaluation.evaluate(url, token, [MISS], blind)
    assert len(report["emergencies_classed_lower"]) == 1
    evaluation.print_report("file.yml", report, show_misses=True)
    shown = capsys.readouterr().out + str(report)
    assert (MISS["text"] in shown) is not blind
