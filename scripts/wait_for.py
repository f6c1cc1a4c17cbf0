"""Waits until a URL answers 200 (and, optionally, its JSON has a non-empty KEY).

Usage: wait_for.py URL SECONDS [KEY] [PID]   — gives up early if process PID has exited.
"""

from __future__ import annotations

import os
import sys
import time

import httpx


def main(url: str, seconds: float, key: str = "", pid: str = "") -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pid:
            try:
                os.kill(int(pid), 0)
            except OSError:
                return 2
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200 and (not key or response.json().get(key)):
                return 0
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    return 1


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args[0], float(args[1]), *(args[2:4])))
