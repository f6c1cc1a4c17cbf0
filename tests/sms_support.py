"""Helpers for the SMS tests: Twilio-signed requests, a phone's TwiML replies, and a scripted Rasa.

The scripted Rasa answers with the domain's own SMS responses (so texts are the real ones) and
records what it was sent and what it was asked to erase: the tests need to prove Rasa was *not*
called, which a real server cannot show. The full conversation against the real Rasa is in
tests/test_sms_rasa.py.
"""

from __future__ import annotations

import http.server
import json
import secrets
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from api.replies import Replies
from api.settings import ROOT
from api.sms.gsm import length, segments
from tests.conftest import free_port

TOKEN = "twilio-auth-token-for-tests"
PUBLIC = "https://signpost.example.org"
URL = PUBLIC + "/sms/twilio"
PHONE = "+447700900123"
TO = "+447700900999"
LONDON = ZoneInfo("Europe/London")
# Tuesday 24 November 2026, 2pm in London.
TUESDAY_2PM = datetime(2026, 11, 24, 14, 0, tzinfo=LONDON)


def twilio_fields(body: str, sender: str = PHONE, sid: str | None = None) -> dict[str, str]:
    """Every field Twilio sends with an incoming SMS (values made up)."""
    sid = sid or "SM" + secrets.token_hex(16)
    return {
        "ToCountry": "GB", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "",
        "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received", "FromCity": "",
        "Body": body, "FromCountry": "GB", "To": TO, "MessagingServiceSid": "MG" + "0" * 32,
        "ToZip": "", "NumSegments": "1", "MessageSid": sid, "AccountSid": "AC" + "0" * 32,
        "From": sender, "ApiVersion": "2010-04-01",
    }  # fmt: skip


def sign(fields: dict[str, str], token: str = TOKEN, url: str = URL) -> str:
    return str(RequestValidator(token).compute_signature(url, fields))


@dataclass
class Text:
    """One TwiML reply as the phone gets it."""

    status: int
    content_type: str
    twiml: str
    bodies: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        assert len(self.bodies) == 1, f"expected one message, got {self.bodies}"
        return self.bodies[0]

    def describe(self) -> str:
        return f"{length(self.body)} characters, {segments(self.body)} segment(s)"


def text(client: TestClient, body: str, *, sender: str = PHONE, sid: str | None = None) -> Text:
    """Sends `body` from `sender` as Twilio would (signed for the public URL)."""
    fields = twilio_fields(body, sender, sid)
    response = client.post("/sms/twilio", data=fields, headers={"X-Twilio-Signature": sign(fields)})
    reply = Text(response.status_code, response.headers.get("content-type", ""), response.text)
    if response.status_code == 200:
        root = ET.fromstring(response.text)
        assert root.tag == "Response"
        reply.bodies = [m.text or "" for m in root.iter("Message")]
    return reply


# --- a scripted Rasa -----------------------------------------------------------------------
STATE = {"audience": "unknown", "nation": "None", "contact": "None", "emergency": "False",
         "urgent": "False", "support": "False"}  # fmt: skip
SCRIPT = {
    "hello": ["utter_greet", "utter_ask_safe"],
    "/danger_now": ["utter_emergency", "utter_next_steps"],
    "/safe_now": ["utter_glad_safe"],
    "delete my messages please": ["utter_erased"],
}


def rasa_messages(names: list[str], replies: Replies) -> list[dict[str, Any]]:
    """What Rasa's REST channel sends for these responses on the "sms" channel."""
    out: list[dict[str, Any]] = []
    for name in names:
        response = replies.get(name, "sms")
        out.append({"text": response.text, "buttons": response.buttons})
        if response.custom:
            custom = dict(response.custom)
            if "state" in custom:
                custom["state"] = STATE
            out.append({"custom": custom})
    return out


@dataclass
class ScriptedRasa:
    url: str
    sent: list[tuple[str, str]]  # (sender, message) in order
    erased: list[str]


@contextmanager
def scripted_rasa() -> Iterator[ScriptedRasa]:
    replies = Replies.load(ROOT / "bot" / "domain.yml")
    port = free_port()
    rasa = ScriptedRasa(f"http://127.0.0.1:{port}", [], [])

    class Handler(http.server.BaseHTTPRequestHandler):
        def _json(self, payload: object) -> None:
            body = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _read(self) -> Any:
            return json.loads(self.rfile.read(int(self.headers["content-length"])) or b"null")

        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            assert self.path == "/webhooks/sms/webhook", self.path
            request = self._read()
            rasa.sent.append((request["sender"], request["message"]))
            names = SCRIPT.get(request["message"], ["utter_default"])
            self._json(rasa_messages(names, replies))

        def do_PUT(self) -> None:  # noqa: N802
            # /conversations/<id>/tracker/events: erase
            self._read()
            rasa.erased.append(self.path.split("/")[2])
            self._json({})

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield rasa
    finally:
        server.shutdown()
