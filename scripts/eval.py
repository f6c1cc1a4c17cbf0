"""`make eval`: how well the trained model reads messages it was not trained on.

Starts the Rasa server with the trained model, parses every message in each data/eval/*.yml
file (kept out of training; each file is scored on its own), and maps each parse to Signpost's
safety level and audience exactly as the dialogue does: the intent sets a safety flag through
the domain's slot mappings, and the `audience` entity (bot/components/audience.py) fills the
audience. Prints the confusion matrices, per-class precision and recall, how many emergencies
were classed lower, and audience accuracy; writes reports/eval.json. Then runs Rasa's own
cross-validation on the training data (skip it with --no-cross-validation).

A file that says `blind: true` is a measurement nobody may tune on: the texts of its misses are
never printed nor written to the report, whatever the options, so that `make eval` keeps it blind.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
LEVELS = ["emergency", "urgent", "support", "unknown"]
AUDIENCES = ["woman", "man", "lgbt", "forced_marriage", "friend_family", "perpetrator", "unknown"]


def intent_levels(domain_path: Path) -> dict[str, str]:
    """intent → safety level, read from the domain's seen_* slot mappings."""
    slots = yaml.safe_load(domain_path.read_text())["slots"]
    levels: dict[str, str] = {}
    for level in ("support", "urgent", "emergency"):
        for mapping in slots[f"seen_{level}"]["mappings"]:
            intents = mapping["intent"]
            for intent in [intents] if isinstance(intents, str) else intents:
                levels[intent] = level
    return levels


def start_rasa() -> tuple[subprocess.Popen, str, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(8)
    log = open(ROOT / "var" / "eval-rasa.log", "w")  # noqa: SIM115 - lives as long as Rasa
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "rasa.sh"), str(port)],
        env={**os.environ, "RASA_TOKEN": token},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    waited = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "wait_for.py"),
            f"{url}/status?token={token}",
            "300",
            "model_id",
            str(process.pid),
        ],
        check=False,
    )
    if waited.returncode:
        process.kill()
        sys.exit("eval: Rasa did not start; see var/eval-rasa.log")
    return process, url, token


def prf(confusion: Counter, labels: list[str]) -> dict[str, dict[str, float]]:
    out = {}
    for label in labels:
        tp = confusion[(label, label)]
        predicted = sum(v for (_, g), v in confusion.items() if g == label)
        actual = sum(v for (w, _), v in confusion.items() if w == label)
        out[label] = {
            "precision": round(tp / predicted, 3) if predicted else 0.0,
            "recall": round(tp / actual, 3) if actual else 0.0,
            "support": actual,
        }
    return out


def table(confusion: Counter, labels: list[str]) -> str:
    width = max(len(x) for x in labels) + 1
    head = "want \\ got".ljust(width) + "".join(f"{g[:9]:>10}" for g in labels)
    rows = [w.ljust(width) + "".join(f"{confusion[(w, g)]:>10}" for g in labels) for w in labels]
    return "\n".join([head, *rows])


def evaluate(url: str, token: str, messages: list[dict], blind: bool = False) -> dict:
    import httpx  # here: scripts/lofo.py imports intent_levels in the Rasa env, which has none

    levels = intent_levels(ROOT / "bot" / "domain.yml")
    safety, audience, lowered = Counter(), Counter(), []
    audience_ok = audience_n = 0
    with httpx.Client(timeout=30) as http:
        for item in messages:
            parse = http.post(
                f"{url}/model/parse", params={"token": token}, json={"text": item["text"]}
            ).json()
            got_level = levels.get(parse["intent"]["name"], "unknown")
            got_audience = next(
                (e["value"] for e in parse["entities"] if e["entity"] == "audience"), "unknown"
            )
            safety[(item["safety"], got_level)] += 1
            audience[(item["audience"], got_audience)] += 1
            if item["safety"] == "emergency" and got_level != "emergency":
                miss = {"got": got_level, "intent": parse["intent"]["name"]}
                lowered.append(miss if blind else {"text": item["text"], **miss})
            if item["audience"] != "unknown":
                audience_n += 1
                audience_ok += got_audience == item["audience"]
    per_level = prf(safety, LEVELS)
    return {
        "messages": len(messages),
        "blind": blind,
        "safety_confusion": {f"{w}->{g}": n for (w, g), n in sorted(safety.items())},
        "safety": per_level,
        "emergency_recall": per_level["emergency"]["recall"],
        "emergency_precision": per_level["emergency"]["precision"],
        "emergencies_classed_lower": lowered,
        "audience_confusion": {f"{w}->{g}": n for (w, g), n in sorted(audience.items())},
        "audience": prf(audience, AUDIENCES),
        "audience_accuracy_stated": round(audience_ok / audience_n, 3) if audience_n else 0.0,
        "audience_stated": audience_n,
        "_tables": (table(safety, LEVELS), table(audience, AUDIENCES)),
    }


def cross_validate(folds: int) -> dict:
    out = ROOT / "reports" / "cross-validation"
    command = [
        str(ROOT / ".venv-rasa" / "bin" / "rasa"),
        "test",
        "nlu",
        "--nlu",
        "../data/nlu",
        "--config",
        "config.yml",
        "--cross-validation",
        "--folds",
        str(folds),
        "--out",
        str(out),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "bot"), "RASA_TELEMETRY_ENABLED": "false"}
    result = subprocess.run(command, cwd=ROOT / "bot", env=env, capture_output=True, text=True)
    if result.returncode:
        return {"failed": {"output": (result.stdout + result.stderr)[-2000:]}}
    # Rasa writes one report per part; intents are what the cross-validation measures well.
    # Entity reports score exact spans, which long tagged phrases ("[my ex husband](woman)")
    # rarely match whole; the message-level audience is measured on the held-out files above.
    summary: dict = {}
    for report in sorted(out.glob("*_report.json")):
        data = json.loads(report.read_text())
        part = report.name.removesuffix("_report.json")
        if part == "intent":
            summary[part] = {
                "accuracy": round(data["accuracy"], 3),
                "weighted_f1": round(data["weighted avg"]["f1-score"], 3),
            }
        elif "micro avg" in data:
            micro = data["micro avg"]
            summary[part] = {
                "span_precision": round(micro["precision"], 3),
                "span_recall": round(micro["recall"], 3),
            }
    return summary


def print_report(name: str, report: dict, show_misses: bool) -> None:
    safety_table, audience_table = report.pop("_tables")
    print(f"Held-out messages: {report['messages']} ({name})\n")
    print("Safety\n" + safety_table + "\n")
    for level, m in report["safety"].items():
        print(
            f"  {level:<10} precision {m['precision']:.3f}  recall {m['recall']:.3f}"
            f"  n={m['support']}"
        )
    print(
        f"\nemergency recall {report['emergency_recall']:.3f}  precision "
        f"{report['emergency_precision']:.3f}"
        f"  classed lower: {len(report['emergencies_classed_lower'])}"
    )
    if show_misses and not report["blind"]:
        for miss in report["emergencies_classed_lower"]:
            print(f"  lower ({miss['got']}, {miss['intent']}): {miss['text'][:90]}")
    print("\nAudience\n" + audience_table)
    print(
        f"\naudience accuracy where stated: {report['audience_accuracy_stated']:.3f} "
        f"(n={report['audience_stated']})\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "files",
        nargs="*",
        default=sorted(str(p) for p in (ROOT / "data" / "eval").glob("*.yml")),
        help="held-out files (default: every data/eval/*.yml, each scored on its own)",
    )
    parser.add_argument(
        "--no-misses",
        action="store_true",
        help="do not print the texts of emergencies classed lower (keeps a file unseen)",
    )
    parser.add_argument("--no-cross-validation", action="store_true")
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "reports").mkdir(exist_ok=True)
    process, url, token = start_rasa()
    report: dict = {"files": {}}
    try:
        for file in args.files:
            held_out = yaml.safe_load(Path(file).read_text())
            report["files"][Path(file).name] = evaluate(
                url, token, held_out["messages"], bool(held_out.get("blind"))
            )
    finally:
        process.terminate()
        process.wait(timeout=30)
    for name, part in report["files"].items():
        print_report(name, part, not args.no_misses)
    print("Summary")
    for name, part in report["files"].items():
        print(
            f"  {name:<14} n={part['messages']:<4} emergency recall {part['emergency_recall']:.3f}"
            f"  precision {part['emergency_precision']:.3f}"
            f"  audience {part['audience_accuracy_stated']:.3f} (n={part['audience_stated']})"
        )
    if not args.no_cross_validation:
        print(f"\nCross-validation ({args.folds} folds):")
        report["cross_validation"] = cross_validate(args.folds)
        for part, figures in report["cross_validation"].items():
            print(f"  {part:<20} " + "  ".join(f"{k} {v}" for k, v in figures.items()))
    (ROOT / "reports" / "eval.json").write_text(json.dumps(report, indent=2))
    print("\nwrote reports/eval.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
