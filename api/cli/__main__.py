"""`signpost <command>`: each command module adds itself through `register(subparsers)`."""

from __future__ import annotations

import argparse
import sys

from api.cli import directory, flows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="signpost", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    directory.register(subparsers)
    flows.register(subparsers)
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
