"""FastAPI dependencies: a route's signature says what it needs; tests override them."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from api.conversation import ConversationService
from api.directory import Directory
from api.settings import Settings, get_settings

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_directory(request: Request) -> Directory:
    return request.app.state.directory.current


def get_conversation(request: Request) -> ConversationService:
    return request.app.state.conversation


DirectoryDep = Annotated[Directory, Depends(get_directory)]
ConversationDep = Annotated[ConversationService, Depends(get_conversation)]


def is_staff(settings: Settings, authorization: str | None) -> bool:
    """True for `Authorization: Bearer <SIGNPOST_STAFF_TOKEN>`; never when no token is set."""
    token = settings.signpost_staff_token
    if not token or not authorization or not authorization.startswith("Bearer "):
        return False
    return hmac.compare_digest(authorization.removeprefix("Bearer ").encode(), token.encode())


def require_staff(
    settings: SettingsDep, authorization: Annotated[str | None, Header()] = None
) -> None:
    if not is_staff(settings, authorization):
        raise HTTPException(403, "A staff token is needed for this.")


StaffDep = Annotated[None, Depends(require_staff)]
AuthorizationDep = Annotated[str | None, Header()]
