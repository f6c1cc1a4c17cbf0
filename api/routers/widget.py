"""The website widget: its script, styles, demo page, and the words it holds before it needs them.

A host page embeds it with one `<script src="https://signpost.example/widget.js" defer></script>`.
At load the widget fetches `/widget/copy.json`: the welcome, the words for a cleared chat, and the
offline answer (999 and the 24/7 lines) that it shows if the network or the server fails later.
Those words come from the Rasa domain and the helpline directory, like every other reply.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse

from api.conversation import ConversationService, Message, Reply
from api.directory.opening_hours import LONDON
from api.routers.chat import render

router = APIRouter(tags=["widget"])
STATIC = Path(__file__).resolve().parent.parent / "static"

# Our own pages run only our own files: no inline script or style, no third parties, no framing.
# (A host page that embeds the widget sets its own policy; the README says what it must allow.)
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY}


def _file(name: str, media_type: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type=media_type, headers=HEADERS)


@router.get("/", include_in_schema=False)
def demo_page() -> FileResponse:
    """A plain page with the widget on it, open."""
    return _file("index.html", "text/html; charset=utf-8")


@router.get("/cover-your-tracks", include_in_schema=False)
def cover_your_tracks() -> FileResponse:
    """The advice the quick-exit note links to by default: served here, so nothing is fetched
    from another site."""
    return _file("cover-your-tracks.html", "text/html; charset=utf-8")


@router.get("/widget.js", include_in_schema=False)
def widget_js() -> FileResponse:
    return _file("widget.js", "text/javascript; charset=utf-8")


@router.get("/widget.css", include_in_schema=False)
def widget_css() -> FileResponse:
    return _file("widget.css", "text/css; charset=utf-8")


@router.get("/page.css", include_in_schema=False)
def page_css() -> FileResponse:
    return _file("page.css", "text/css; charset=utf-8")


@router.get("/widget/copy.json")
def widget_copy(request: Request) -> JSONResponse:
    """What the widget holds from the start: `welcome` (a reply to show first), `cleared` (said
    after "Clear this chat") and `offline` (the reply to show when the server can't be reached:
    999, then the lines that answer at any hour)."""
    conversation: ConversationService = request.app.state.conversation
    replies = conversation.replies
    at = datetime.now(LONDON)
    greet, offer = replies.get("utter_greet"), replies.get("utter_offer_help")
    welcome = Reply(
        [Message(greet.text), Message(offer.text, list(offer.buttons), kind="question")],
        safety="unknown",
        audience="unknown",
        helplines=[],
        degraded=False,
    )
    offline = conversation.safety_net("web", at, safety="emergency")
    # Held for hours in an open tab: keep only lines whose "open now" cannot go stale.
    always = [h for h in offline.helplines if h.always_open] or offline.helplines
    for message in offline.messages:
        message.helplines = [h for h in message.helplines if h in always]
    offline.helplines = always
    copy = {
        "welcome": _reply_json(welcome, at),
        "offline": _reply_json(offline, at),
        "cleared": replies.get("utter_erased").text,
    }
    return JSONResponse(copy, headers=HEADERS)


def _reply_json(reply: Reply, at: datetime) -> dict[str, Any]:
    """A reply in the shape POST /chat returns (less the session), so the widget shows a held
    reply exactly as it shows a live one."""
    return render("", reply, at).model_dump(mode="json", exclude={"session"})
