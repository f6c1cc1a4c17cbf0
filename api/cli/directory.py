"""`signpost directory check [PATH]` and `signpost directory week [--audience A] [--out FILE]`."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from api.directory import AUDIENCES, NATIONS, DirectoryError, load_directory

DEFAULT_PATH = Path("helplines.yaml")


def register(subparsers: Any) -> None:
    """Add `directory` and its sub-commands to the `signpost` command's subparsers."""
    parser = subparsers.add_parser("directory", help="check the helpline directory, draw its week")
    commands = parser.add_subparsers(dest="directory_command", required=True)

    check = commands.add_parser("check", help="validate a directory file; exit 1 on any problem")
    check.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    check.set_defaults(func=check_command)

    week = commands.add_parser("week", help="draw which lines are open when (PNG or SVG)")
    week.add_argument("--audience", choices=AUDIENCES, action="append",
                      help="draw only this audience (repeat for more); default: all")  # fmt: skip
    week.add_argument("--out", type=Path, default=Path("docs/week.png"))
    week.add_argument("--path", type=Path, default=DEFAULT_PATH, help="the directory file")
    week.add_argument("--nation", choices=NATIONS, default=None)
    week.add_argument("--week-of", type=date.fromisoformat, default=None,
                      help="a date in the week to draw; default: this week")  # fmt: skip
    week.set_defaults(func=week_command)


def check_command(args: argparse.Namespace) -> int:
    """Print `PATH:LINE: message` per problem and return 1, or a one-line summary and 0."""
    try:
        directory = load_directory(args.path)
    except DirectoryError as error:
        for line in error.lines():
            print(line)
        count = len(error.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found.", file=sys.stderr)
        return 1
    print(f"{args.path}: OK, {len(directory.helplines)} helplines")
    return 0


def week_command(args: argparse.Namespace) -> int:
    from api.directory.week import draw_week  # matplotlib is only needed here

    try:
        directory = load_directory(args.path)
    except DirectoryError as error:
        print("\n".join(error.lines()))
        return 1
    monday = None
    if args.week_of is not None:
        monday = date.fromordinal(args.week_of.toordinal() - args.week_of.weekday())
    out = draw_week(directory, args.out, args.audience, monday, args.nation)
    print(f"wrote {out}")
    return 0
