"""`signpost flows PATH... [--url URL] [--junit FILE] [--html FILE]`: run flow scenarios.

Exit 0 when every scenario passed, 1 when one failed or could not run, 2 when the scenario files
have problems (listed as file:line before anything runs) or the service can't be reached.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from api.directory import DirectoryError, load_directory
from api.flows.html_report import write_html
from api.flows.loading import ScenarioError, load_scenarios
from api.flows.reports import console_lines, summary, write_junit
from api.flows.runner import ScenarioResult, run_all
from api.flows.service import Credentials, Service, ServiceError
from api.settings import get_settings

DEFAULT_URL = "http://127.0.0.1:8000"


def register(subparsers: Any) -> None:
    """Add `flows` to the `signpost` command's subparsers."""
    parser = subparsers.add_parser(
        "flows",
        help="run conversation scenarios (YAML) against a running service",
        description="Run conversation scenarios against a running Signpost. The staff token "
        "(SIGNPOST_STAFF_TOKEN), TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL are read from the "
        "environment or .env, as the service reads them.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="scenario files, or folders of .yml/.yaml files")  # fmt: skip
    parser.add_argument("--url", default=DEFAULT_URL, help=f"the service (default {DEFAULT_URL})")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML here")
    parser.add_argument("--html", type=Path, metavar="FILE", help="write a readable report here")
    parser.add_argument(
        "--helplines", type=Path, metavar="FILE", help="the directory (default HELPLINES_PATH)"
    )
    parser.set_defaults(func=flows_command)


def flows_command(args: argparse.Namespace) -> int:
    # A bot reply with a curly quote must not crash a run on a terminal that can't show it.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    settings = get_settings()
    try:
        ids = [h.id for h in load_directory(args.helplines or settings.helplines_path).helplines]
        scenarios = load_scenarios(args.paths, ids)
    except DirectoryError as error:
        print("\n".join(error.lines()), file=sys.stderr)
        return 2
    except ScenarioError as error:
        print("\n".join(error.lines()))
        count = len(error.problems)
        print(f"{count} problem{'s' * (count != 1)} in the scenarios; nothing was run.")
        return 2
    credentials = Credentials(
        staff_token=settings.signpost_staff_token,
        twilio_auth_token=settings.twilio_auth_token,
        public_base_url=settings.public_base_url,
    )
    service = Service(args.url, credentials)
    try:
        service.check_reachable()
    except ServiceError as error:
        print(error, file=sys.stderr)
        return 2
    started = time.monotonic()

    def show(result: ScenarioResult) -> None:
        print("\n".join(console_lines(result)), flush=True)

    try:
        results = run_all(service, scenarios, show)
    finally:
        service.close()
    seconds = time.monotonic() - started
    print(summary(results, seconds))
    if args.junit:
        write_junit(results, args.junit, seconds)
        print(f"wrote {args.junit}")
    if args.html:
        write_html(results, args.html, seconds, args.url)
        print(f"wrote {args.html}")
    return 0 if all(r.outcome == "pass" for r in results) else 1
