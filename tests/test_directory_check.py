"""`signpost directory check`: every problem with its line number; reload keeps the last good file.

Expected line numbers are found by searching the edited text, not taken from the checker.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli.directory import register
from api.directory import DirectoryError, DirectoryHolder, load_directory, parse_directory

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = (ROOT / "helplines.yaml").read_text(encoding="utf-8")


def line_of(text: str, fragment: str) -> int:
    """1-based number of the only line containing `fragment`."""
    found = [i + 1 for i, line in enumerate(text.splitlines()) if fragment in line]
    assert len(found) == 1, (fragment, found)
    return found[0]


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def broken_copy() -> str:
    text = SHIPPED
    # 1. Galop loses its source (the key and its list).
    galop_source = r"(  - id: galop\n(?:.*\n)*?)    source:\n(?:      - .*\n)+"
    text = re.sub(galop_source, r"\1", text, count=1)
    # 2. ManKind closes before it opens.
    text = edit(text, 'opens: "10:00", closes: "16:00"}', 'opens: "16:00", closes: "10:00"}')
    # 3. Karma Nirvana gets an audience that does not exist.
    text = edit(text, "audiences: [forced_marriage]\n", "audiences: [forced_marriage, teenager]\n")
    # 4. A digit goes missing from a phone number.
    text = edit(text, '      - phone: "0808 2000 247"\n', '      - phone: "0808 20000 247"\n')
    # 5. Men's Advice Line gets a Monday session overlapping its 9-to-8.
    text = edit(text, '      - {days: [mon, wed], opens: "09:00", closes: "20:00"}\n',
                '      - {days: [mon, wed], opens: "09:00", closes: "20:00"}\n'
                '      - {days: [mon], opens: "19:00", closes: "21:00"}\n')  # fmt: skip
    return text


def run_check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    import argparse

    parser = argparse.ArgumentParser(prog="signpost")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["directory", "check", str(path)])
    code = args.func(args)
    return code, capsys.readouterr().out.splitlines()


def test_shipped_directory_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_check(ROOT / "helplines.yaml", capsys)
    assert code == 0, out
    assert out[0].endswith("OK, 22 helplines")


def test_broken_copy_reports_each_problem_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = broken_copy()
    path = tmp_path / "helplines.yaml"
    path.write_text(text)
    code, out = run_check(path, capsys)
    assert code == 1
    p = str(path)
    expected = {
        line_of(text, "  - id: galop"): "galop: has no source",
        line_of(text, 'opens: "16:00", closes: "10:00"'): "closes at 10:00, before it opens",
        line_of(text, "[forced_marriage, teenager]"): 'unknown audience "teenager"',
        line_of(text, '"0808 20000 247"'): 'phone number "0808 20000 247" has 12 digits',
    }
    for line, words in expected.items():
        assert any(o.startswith(f"{p}:{line}: ") and words in o for o in out), (line, words, out)
    overlap = [o for o in out if "two sessions overlap on mon" in o]
    assert overlap, out
    mal_start = line_of(text, "id: mens-advice-line")
    mal_end = line_of(text, "id: mankind")
    line = int(overlap[0].split(":")[1])
    assert mal_start < line < mal_end
    assert len(out) == 5, out


def test_command_line_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(broken_copy())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-c", "import sys; from api.cli.__main__ import main; sys.exit(main())"]
    broken = subprocess.run([*run, "directory", "check", str(bad)], capture_output=True, text=True,
                            env=env, cwd=ROOT, check=False)  # fmt: skip
    assert broken.returncode == 1 and f"{bad}:" in broken.stdout
    good = subprocess.run([*run, "directory", "check"], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=False)  # fmt: skip
    assert good.returncode == 0, good.stdout + good.stderr


@pytest.mark.parametrize(
    ("old", "new", "fragment", "words"),
    [
        ('opens: "09:00", closes: "17:00"}\n    hours_verified: false  # two',
         'opens: "09:00", closes: 17:00}\n    hours_verified: false  # two',
         "closes: 17:00}", 'write times in quotes, like "09:00"'),
        ("  - id: mankind\n", "  - id: galop\n", "  - id: galop\n", 'id "galop" is already used'),
        ("    bank_holidays: open  # \"every day\"\n", "    bank_holydays: open\n",
         "bank_holydays", 'unknown field "bank_holydays"'),
        ("    verified: 2026-11\n\n  - id: childline",
         "    verified: 2099-01-01\n\n  - id: childline",
         "2099-01-01", "is in the future"),
        ("hours: \"24/7\"\n    bank_holidays: open  # \"free, 24-hour service\"",
         "hours: \"24/7\"\n    bank_holidays: closed  # edited", "closed  # edited",
         "a 24/7 line can't close on bank holidays"),
        ("  - id: samaritans\n", "  - id: Samaritans\n", "id: Samaritans", "lower-case"),
    ],
)  # fmt: skip
def test_more_problems_found_by_line(old: str, new: str, fragment: str, words: str) -> None:
    text = edit(SHIPPED, old, new)
    with pytest.raises(DirectoryError) as error:
        parse_directory(text)
    if fragment == "  - id: galop\n":
        line = [i + 1 for i, x in enumerate(text.splitlines()) if x == "  - id: galop"][1]
    else:
        line = line_of(text, fragment)
    assert any(n == line and words in m for n, m in error.value.problems), error.value.problems


def test_yaml_syntax_error_has_a_line() -> None:
    text = edit(SHIPPED, "    name: ManKind Initiative helpline\n", "    name: [unclosed\n")
    with pytest.raises(DirectoryError) as error:
        parse_directory(text)
    (line, message), *_ = error.value.problems
    assert "not valid YAML" in message and line >= line_of(text, "[unclosed")


def test_reload_keeps_the_last_good_directory(tmp_path: Path) -> None:
    path = tmp_path / "helplines.yaml"
    path.write_text(SHIPPED)
    holder = DirectoryHolder(path)
    first = holder.current
    path.write_text(broken_copy())
    assert holder.reload() is False
    assert holder.current is first and holder.problem and "5 problem(s)" in holder.problem
    good = edit(SHIPPED, "name: Samaritans\n", "name: Samaritans (reloaded)\n")
    path.write_text(good)
    assert holder.reload() is True and holder.problem is None
    found = holder.current.get("samaritans")
    assert found is not None and found.name == "Samaritans (reloaded)"


def test_reload_if_changed_and_sighup(tmp_path: Path) -> None:
    path = tmp_path / "helplines.yaml"
    path.write_text(SHIPPED)
    holder = DirectoryHolder(path)
    assert holder.reload_if_changed() is False
    path.write_text(edit(SHIPPED, "name: Childline\n", "name: Childline 2\n"))
    assert holder.reload_if_changed() is True
    if not hasattr(signal, "SIGHUP"):
        pytest.skip("no SIGHUP on this platform")
    previous = signal.getsignal(signal.SIGHUP)
    try:
        holder.install_sighup()
        path.write_text(edit(SHIPPED, "name: Childline\n", "name: Childline 3\n"))
        os.kill(os.getpid(), signal.SIGHUP)
        found = holder.current.get("childline")
        assert found is not None and found.name == "Childline 3"
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_start_up_refuses_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "helplines.yaml"
    path.write_text(broken_copy())
    with pytest.raises(DirectoryError):
        DirectoryHolder(path)
    with pytest.raises(DirectoryError) as error:
        load_directory(tmp_path / "missing.yaml")
    assert "can't read" in str(error.value)


def test_week_picture_is_drawn_with_the_gaps(tmp_path: Path) -> None:
    from datetime import date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from api.cli.__main__ import main
    from api.directory.week import gaps, week_rows

    out = tmp_path / "week.png"
    assert main(["directory", "week", "--audience", "man", "--week-of", "2026-11-25",
                 "--out", str(out)]) == 0  # fmt: skip
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    monday = datetime(2026, 11, 23, tzinfo=ZoneInfo("Europe/London"))
    rows = week_rows(load_directory(ROOT / "helplines.yaml"), "man", date(2026, 11, 23))
    assert [r.line.id for r in rows] == ["mens-advice-line", "mankind", "victim-support"]
    holes = gaps(rows, monday, monday + timedelta(days=7))
    # No line for men from Friday 5pm to Monday 9am (Men's Advice Line's hours, seed 002).
    assert (monday + timedelta(days=4, hours=17), monday + timedelta(days=7)) in holes
    assert holes[0] == (monday, monday + timedelta(hours=9))
