"""The console lines and the JUnit XML of a run.

One line per scenario; for a failure, what a support worker needs to see why: the turn, what was
expected, what the bot said, and what it made of the message (safety, audience, intent,
helplines). JUnit XML carries the same text for CI systems.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from api.flows.model import LONDON
from api.flows.runner import ScenarioResult, TurnResult
from api.flows.service import Observed

LABELS = {"pass": "PASS ", "fail": "FAIL ", "error": "ERROR"}


def clock_text(result: ScenarioResult) -> str:
    at = result.located.scenario.at
    if at is None:
        return "the time now"
    return at.astimezone(LONDON).strftime("%a %d %b %Y %H:%M") + " London time"


def seen_text(seen: Observed) -> list[str]:
    """What the bot made of the message, in a few short lines."""
    parts = [f"safety {seen.safety or '?'}", f"audience {seen.audience or '?'}"]
    if seen.intent:
        confidence = f" ({seen.confidence:.0%})" if seen.confidence is not None else ""
        parts.append(f"understood as {seen.intent}{confidence}")
    if seen.segments is not None:
        parts.append(f"{seen.segments} SMS segment{'s' * (seen.segments != 1)}")
    if seen.degraded:
        parts.append("DEGRADED: the assistant did not answer, this is the safety answer")
    lines = ["it saw: " + ", ".join(parts)]
    if seen.helplines is not None:
        offered = ", ".join(h.id for h in seen.helplines) or "none"
        lines.append(f"helplines offered: {offered}")
    return lines


def turn_text(turn: TurnResult) -> list[str]:
    lines = [f'turn {turn.index + 1} ({turn.where}), they said: "{turn.user}"']
    for check in turn.checks:
        mark = "ok    " if check.ok else "FAILED"
        lines.append(f"  {mark} {check.expected}" + ("" if check.ok else f": {check.problem}"))
    if turn.seen is not None:
        lines.append("  the bot said:")
        said = turn.seen.shown.splitlines() or ["(nothing)"]
        lines += [f"    | {line}" for line in said]
        lines += [f"  {line}" for line in seen_text(turn.seen)]
    return lines


def failure_text(result: ScenarioResult) -> list[str]:
    """Why a scenario did not pass: every failing turn in full, passing ones in one line."""
    scenario = result.located.scenario
    lines = [f"{result.located.where}, {scenario.channel}, at {clock_text(result)}"]
    if result.error:
        lines.append(f"could not run: {result.error}")
    for turn in result.turns:
        if turn.seen is None:  # never answered: the error above says why
            continue
        if turn.passed:
            lines.append(f'turn {turn.index + 1}: passed ("{turn.user}")')
        else:
            lines += turn_text(turn)
    return lines


def console_lines(result: ScenarioResult) -> list[str]:
    head = f"{LABELS[result.outcome]} {result.name}  ({result.located.where})"
    if result.outcome == "pass":
        return [head]
    return [head, *(f"      {line}" for line in failure_text(result)), ""]


def summary(results: list[ScenarioResult], seconds: float) -> str:
    counts = Counter(r.outcome for r in results)
    total = len(results)
    text = f"{total} scenario{'s' * (total != 1)}: {counts['pass']} passed, {counts['fail']} failed"
    if counts["error"]:
        text += f", {counts['error']} could not run"
    return text + f" ({seconds:.1f}s)"


def write_junit(results: list[ScenarioResult], path: Path, seconds: float) -> None:
    """JUnit XML: a test suite per scenario file, a test case per scenario."""
    counts = Counter(r.outcome for r in results)
    root = ET.Element(
        "testsuites",
        name="signpost flows",
        tests=str(len(results)),
        failures=str(counts["fail"]),
        errors=str(counts["error"]),
        time=f"{seconds:.3f}",
    )
    by_file: dict[str, list[ScenarioResult]] = {}
    for result in results:
        by_file.setdefault(str(result.located.path), []).append(result)
    for file, group in by_file.items():
        group_counts = Counter(r.outcome for r in group)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=file,
            tests=str(len(group)),
            failures=str(group_counts["fail"]),
            errors=str(group_counts["error"]),
            time=f"{sum(r.seconds for r in group):.3f}",
        )
        for result in group:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=Path(file).stem,
                name=result.name,
                file=file,
                line=str(result.located.line),
                time=f"{result.seconds:.3f}",
            )
            if result.outcome == "pass":
                continue
            first = _first_problem(result)
            tag = "error" if result.outcome == "error" else "failure"
            ET.SubElement(case, tag, message=first).text = "\n".join(failure_text(result))
    ET.indent(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _first_problem(result: ScenarioResult) -> str:
    if result.error:
        return result.error
    for turn in result.turns:
        for check in turn.failed:
            return f"turn {turn.index + 1}: {check.expected}: {check.problem}"
    return "failed"
