"""GET /health: the process is up. GET /ready: Rasa answers with a model, and storage works."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.rasa_client import RasaUnavailable

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict:
    return {"status": "ok"}


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    conversation = request.app.state.conversation
    problems: list[str] = []
    try:
        status = await conversation.rasa.status()
        if not status.get("model_id"):
            problems.append("rasa: no model loaded")
    except RasaUnavailable as error:
        problems.append(f"rasa: not answering ({error})")
    store = conversation.store
    if not await to_thread.run_sync(store.ping) or store.problem:
        problems.append(store.problem or "database: not answering")
    holder = request.app.state.directory
    if getattr(holder, "problem", None):
        problems.append(f"directory: {holder.problem}")
    if problems:
        return JSONResponse({"status": "not ready", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready"})
