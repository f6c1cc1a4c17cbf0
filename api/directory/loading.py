"""Read and check `helplines.yaml`, reporting every problem with its line number.

An operator fixing the file at night needs "helplines.yaml:42: closes at 09:00, before it opens at
17:00" rather than a stack trace, so pydantic's error locations are mapped back to YAML lines.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from collections.abc import Hashable
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from api.directory.matching import Directory
from api.directory.model import DirectoryFile

log = logging.getLogger(__name__)
Problem = tuple[int, str]
Loc = tuple[Hashable, ...]


class DirectoryError(Exception):
    """The directory file can't be used. `problems`: (line, message) pairs, line 0 = whole file."""

    def __init__(self, problems: list[Problem], path: str = "helplines.yaml") -> None:
        self.problems = sorted(problems)
        self.path = path
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.path}:{line}: {message}" for line, message in self.problems]


def _line_map(node: yaml.Node, path: Loc = (), out: dict[Loc, int] | None = None) -> dict[Loc, int]:
    """Every key and list item's path → its 1-based line (the key's line, for mappings)."""
    out = {} if out is None else out
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, key.value)
            out[sub] = key.start_mark.line + 1
            _line_map(value, sub, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _line_map(item, (*path, i), out)
    return out


def _line_for(loc: Loc, lines: dict[Loc, int]) -> int:
    # `Hours` wraps a list of sessions as {kind, sessions}: the file has no `sessions` key.
    path = tuple(part for part in loc if part != "sessions")
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _message(error: Any, data: Any) -> str:
    loc = [p for p in error["loc"] if p != "sessions"]
    field = str(loc[-1]) if loc else "file"
    kind = error["type"]
    where = _entry_name(loc, data)
    if kind == "missing":
        if field == "source":
            return f'{where}has no source: add the page address, or "seed 002"'
        return f"{where}{field} is missing"
    if kind == "extra_forbidden":
        return f'{where}unknown field "{field}" (spelling? see the schema at the top of the file)'
    if kind == "literal_error":
        allowed = error.get("ctx", {}).get("expected", "")
        if isinstance(field, str) and field.isdigit() and len(loc) >= 2:
            field = str(loc[-2])
        return f'{where}unknown {field.rstrip("s")} "{error["input"]}"; use one of {allowed}'
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}{field}: {message}" if field not in message else f"{where}{message}"


def _entry_name(loc: list[Any], data: Any) -> str:
    if len(loc) >= 2 and loc[0] == "helplines" and isinstance(loc[1], int):
        try:
            return f"{data['helplines'][loc[1]]['id']}: "
        except (KeyError, IndexError, TypeError):
            return f"entry {loc[1] + 1}: "
    return ""


def _semantic_problems(model: DirectoryFile, lines: dict[Loc, int]) -> list[Problem]:
    """What the types can't say: ids used twice, verification dates in the future."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    today = date.today().isoformat()
    for i, line in enumerate(model.helplines):
        at = lines.get(("helplines", i, "id"), 1)
        if line.id in seen:
            problems.append((at, f'id "{line.id}" is already used on line {seen[line.id]}'))
        seen.setdefault(line.id, at)
        if line.verified > today:
            where = lines.get(("helplines", i, "verified"), at)
            problems.append((where, f"{line.id}: verified {line.verified} is in the future"))
        if line.hours.kind == "always" and line.bank_holidays == "closed":
            where = lines.get(("helplines", i, "bank_holidays"), at)
            problems.append((where, f"{line.id}: a 24/7 line can't close on bank holidays"))
    return problems


def parse_directory(text: str, path: str = "helplines.yaml") -> Directory:
    """Check the text of a directory file; raise DirectoryError listing every problem."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or exc
        raise DirectoryError([(line, f"not valid YAML: {problem}")], path) from None
    if node is None or not isinstance(data, dict):
        raise DirectoryError([(1, "the file is empty or not a mapping with helplines:")], path)
    lines = _line_map(node)
    try:
        model = DirectoryFile.model_validate(data)
    except ValidationError as exc:
        problems = [(_line_for(e["loc"], lines), _message(e, data)) for e in exc.errors()]
        raise DirectoryError(sorted(set(problems)), path) from None
    problems = _semantic_problems(model, lines)
    if problems:
        raise DirectoryError(problems, path)
    return Directory(model, path)


def load_directory(path: Path | str = Path("helplines.yaml")) -> Directory:
    """Load and check a directory file; raise DirectoryError with (line, message) problems."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DirectoryError([(0, f"can't read the file: {exc.strerror}")], str(path)) from None
    return parse_directory(text, str(path))


class DirectoryHolder:
    """Holds the directory being served; `reload()` swaps in a new one only if it is valid.

    A bad edit must never take helplines away from a person mid-conversation, so the last good
    directory stays in `current` and the problems are logged.
    """

    def __init__(self, path: Path | str = Path("helplines.yaml")) -> None:
        self.path = Path(path)
        self.current: Directory = load_directory(self.path)  # start-up refuses a bad file
        self.last_error: DirectoryError | None = None
        self._mtime = self._stat()
        self._lock = threading.Lock()

    @property
    def problem(self) -> str | None:
        """Why the last reload was refused (the last good directory is still served), else None."""
        if self.last_error is None:
            return None
        count = len(self.last_error.problems)
        first = self.last_error.lines()[0] if count else str(self.last_error)
        return f"{self.path} has {count} problem(s), serving the last good version; {first}"

    def _stat(self) -> tuple[float, int] | None:
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return (info.st_mtime, info.st_size)

    def reload(self) -> bool:
        """Re-read the file. True if the new directory is now served; False keeps the old one."""
        with self._lock:
            self._mtime = self._stat()
            try:
                self.current = load_directory(self.path)
            except DirectoryError as exc:
                self.last_error = exc
                log.error("helplines not reloaded, still serving the last good file:\n%s", exc)
                return False
            self.last_error = None
            log.info(
                "helplines reloaded from %s (%d lines)", self.path, len(self.current.helplines)
            )
            return True

    def reload_if_changed(self) -> bool:
        """Reload when the file's modification time or size changed; for a polling task."""
        if self._stat() == self._mtime:
            return False
        return self.reload()

    def install_sighup(self) -> None:
        """Reload on SIGHUP: through the running event loop if there is one (call it from the
        lifespan), else a plain signal handler. No-op where SIGHUP does not exist (Windows)."""
        if not hasattr(signal, "SIGHUP"):
            return
        try:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                signal.signal(signal.SIGHUP, lambda _signum, _frame: self.reload())
            else:
                loop.add_signal_handler(signal.SIGHUP, self.reload)
        except (ValueError, RuntimeError):
            # Signals reach only the main thread (an app under a test client runs elsewhere);
            # the file watcher still reloads it.
            log.info("SIGHUP reload not installed: not in the main thread")

    async def watch(self, interval: float = 2.0) -> None:
        """Poll the file for changes forever; run as an asyncio task from the app's lifespan."""
        while True:
            await asyncio.sleep(interval)
            await asyncio.to_thread(self.reload_if_changed)
