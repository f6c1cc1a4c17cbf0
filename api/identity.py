"""Keyed hashes: the only form in which session ids and phone numbers are kept or sent to Rasa."""

from __future__ import annotations

import hashlib
import hmac


def keyed_hash(secret: str, channel: str, identifier: str) -> str:
    """A stable, non-reversible id for `identifier` on `channel` (HMAC-SHA256, 32 hex digits)."""
    message = f"{channel}:{identifier}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]
