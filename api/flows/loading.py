"""Read scenario files, reporting every problem as `file:line: message` before anything runs.

A support worker who wrote `sayz:` or `audience: men` must hear so at once, with the line, not
find out after a run that a check never happened. YAML is read as nodes, so every key and list
item keeps its line; scalars stay the text that was written (`user: yes` is "yes", `user: 1` is
"1"), and pydantic turns `max_segments: "2"` or an `at` time into their types.
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from api.flows.model import Located, Scenario

Loc = tuple[Hashable, ...]
Problem = tuple[str, int, str]  # (file, line, message)
SUFFIXES = (".yml", ".yaml")
KEYS = {
    "scenario": "name, channel, at, turns",
    "turn": "user, expect",
    "expect": "safety, audience, says, not_says, helplines, max_segments",
}
SHAPES = {
    "scenario": 'a scenario starts with "- name:" and has "turns:"',
    "turn": 'each turn starts with "- user:"',
    "expect": "expect: holds keys such as says:, not_says:, safety:, audience:, helplines:",
    "turns": 'turns: is a list, each turn starting with "- user:"',
}


class ScenarioError(Exception):
    """Scenario files that can't be run; `problems` are (file, line, message), in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{file}:{line}: {message}" for file, line, message in self.problems]


def scenario_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """The .yml/.yaml files named, or found (recursively, sorted) in the folders named."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            if not found:
                problems.append((str(path), 0, "no .yml or .yaml scenario files in this folder"))
            files += found
        elif path.is_file():
            files.append(path)
        else:
            problems.append((str(path), 0, "no such file or folder"))
    return files, problems


def load_scenarios(paths: Iterable[Path], helpline_ids: Iterable[str]) -> list[Located]:
    """Every scenario in `paths`, checked; raises ScenarioError listing every problem."""
    files, problems = scenario_files(paths)
    known = set(helpline_ids)
    scenarios: list[Located] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append((str(file), 0, f"can't read the file: {error}"))
            continue
        found, file_problems = parse_scenarios(text, file, known)
        scenarios += found
        problems += file_problems
    if problems:
        raise ScenarioError(problems)
    return scenarios


def parse_scenarios(
    text: str, path: Path, helpline_ids: set[str]
) -> tuple[list[Located], list[Problem]]:
    """The scenarios in one file's text, and the problems found (each scenario on its own)."""
    name = str(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(error, "problem", None) or error
        return [], [(name, line, f"not valid YAML: {problem}")]
    if root is None:
        return [], [(name, 1, 'the file has no scenarios (start one with "- name:")')]
    items = root.value if isinstance(root, yaml.SequenceNode) else [root]
    found: list[Located] = []
    problems: list[Problem] = []
    for item in items:
        lines: dict[Loc, int] = {}
        duplicates: list[tuple[int, str]] = []
        data = _plain(item, (), lines, duplicates)
        problems += [(name, line, message) for line, message in duplicates]
        if not isinstance(data, dict):
            problems.append((name, lines[()], SHAPES["scenario"]))
            continue
        meaning = _meaning_problems(data, lines, helpline_ids)
        problems += [(name, line, message) for line, message in meaning]
        try:
            scenario = Scenario.model_validate(data)
        except ValidationError as error:
            for e in error.errors():
                problems.append((name, _line_for(e["loc"], lines), _message(e)))
            continue
        if not meaning and not duplicates:
            turn_lines = [lines.get(("turns", i), lines[()]) for i in range(len(scenario.turns))]
            found.append(Located(scenario, path, lines[()], turn_lines))
    return found, problems


def _plain(node: yaml.Node, path: Loc, lines: dict[Loc, int], dups: list[tuple[int, str]]) -> Any:
    """The node as dicts, lists and the scalars' own text; records each path's line."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in out:
                # YAML would keep the last silently; the first check would never run.
                dups.append((line, f'"{key}" is given twice here: give it once, as a list'))
            sub = (*path, key)
            lines[sub] = line
            out[key] = _plain(value_node, sub, lines, dups)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*path, i), lines, dups) for i, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return str(node.value)


def _line_for(loc: Loc, lines: dict[Loc, int]) -> int:
    path = tuple(loc)
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, lines.get((), 1))


def _level(loc: Loc) -> str:
    """Which part of a scenario a location is in: scenario, turn or expect."""
    if "expect" in loc:
        return "expect"
    return "turn" if len(loc) >= 2 and loc[0] == "turns" else "scenario"


def _message(error: Any) -> str:
    """pydantic's error in a support worker's words."""
    loc = tuple(error["loc"])
    field = next((str(p) for p in reversed(loc) if isinstance(p, str)), "scenario")
    kind = error["type"]
    level = _level(loc)
    value = error.get("input")
    if kind == "extra_forbidden":
        return f'unknown key "{loc[-1]}" in {level}: use {KEYS[level]}'
    if kind == "missing":
        return f'"{field}" is missing in this {level}'
    if kind == "literal_error":
        allowed = error.get("ctx", {}).get("expected", "")
        return f'unknown {field} "{value}": use {allowed}'
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        where = "turn" if isinstance(loc[-1], int) else field
        return SHAPES.get(where, SHAPES["scenario"]) + f", not {_shown(value)}"
    if kind == "list_type":
        return SHAPES.get(field, f"{field}: give one value or a list") + f", not {_shown(value)}"
    if kind == "string_type":
        return f"{field} should be text, not {_shown(value)}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{field} should be a whole number, not {_shown(value)}"
    if kind.startswith("datetime") or kind.startswith("date"):
        return f'at should be a date and time like 2026-11-28T22:30:00Z, not "{value}"'
    if kind == "too_short" and field == "turns":
        return 'turns needs at least one turn ("- user: ...")'
    if kind in ("too_short", "string_too_short"):
        return f"{field} is empty"
    if kind == "string_too_long":
        return f"{field} is too long ({error.get('ctx', {}).get('max_length')} characters at most)"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}"


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "keys (" + ", ".join(f"{k}:" for k in value) + ")"
    if isinstance(value, list):
        return "a list"
    return f'"{value}"' if value is not None else "nothing"


def _meaning_problems(
    data: dict[str, Any], lines: dict[Loc, int], helpline_ids: set[str]
) -> list[tuple[int, str]]:
    """What the types can't say: helpline ids that don't exist, SMS-only checks on the web.
    Read from the raw data, so they are reported even when the scenario has other problems."""
    problems: list[tuple[int, str]] = []
    turns = data.get("turns")
    for t, turn in enumerate(turns if isinstance(turns, list) else []):
        expect = turn.get("expect") if isinstance(turn, dict) else None
        if not isinstance(expect, dict):
            continue
        where: Loc = ("turns", t, "expect")
        ids = expect.get("helplines")
        ids = [ids] if isinstance(ids, str) else ids if isinstance(ids, list) else []
        for h, id in enumerate(ids):
            if isinstance(id, str) and id.strip() and id not in helpline_ids:
                line = _line_for((*where, "helplines", h), lines)
                close = difflib.get_close_matches(id, sorted(helpline_ids), n=2)
                hint = f" (did you mean {', '.join(close)}?)" if close else ""
                problems.append(
                    (line, f'unknown helpline id "{id}"{hint}: the ids are in helplines.yaml')
                )
        if "max_segments" in expect and data.get("channel", "web") != "sms":
            problems.append(
                (
                    _line_for((*where, "max_segments"), lines),
                    'max_segments is for SMS only: add "channel: sms" to the scenario',
                )
            )
    return problems
