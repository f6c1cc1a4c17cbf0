"""For the browser tests: the app served by uvicorn on loopback, and Debian's headless Chromium.

No browser is downloaded: Playwright drives the system `chromium` (scripts/ensure_chromium.sh
installs it, and axe-core from npm, when they are missing).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.sync_api import Browser, Playwright

from api.routers.widget import CONTENT_SECURITY_POLICY
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("SIGNPOST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
MISSING = "run scripts/ensure_chromium.sh (installs Chromium and axe-core); `make test` runs it"


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless."""
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is missing: {MISSING}")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


class LiveServer:
    """The app on a free loopback port, in a background thread, for as long as the `with`."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the app did not start under uvicorn")
            time.sleep(0.05)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def _page(title: str, body: str) -> HTMLResponse:
    html = (
        f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><main><h1>{title}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})


def add_test_pages(app: FastAPI) -> None:
    """A page before the chat, a host page embedding the widget the way a charity's site would
    (exit pointed at a local page: there is no internet here), and that neutral page."""

    @app.get("/test/start")
    def start() -> HTMLResponse:
        return _page("Before the chat", "<p>A page visited before the chat.</p>")

    @app.get("/test/host")
    def host() -> HTMLResponse:
        return _page(
            "A charity's page",
            "<p>Some text on the host page.</p>"
            '<script src="/widget.js" defer data-open="true" data-title="Signpost"'
            ' data-exit-url="/test/neutral" data-advice-url="/cover-your-tracks"></script>',
        )

    @app.get("/test/neutral")
    def neutral() -> HTMLResponse:
        return _page("Weather", "<p>Sunny spells.</p>")
