"""Builds the app: settings, lifespan, routers, middleware. Nothing else."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from anyio import to_thread
from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware

from api.conversation import ConversationService
from api.directory import DirectoryHolder
from api.limits import BodyLimit
from api.rasa_client import RasaClient
from api.replies import Replies
from api.routers import chat, health, helplines, sms, staff, summary, widget
from api.settings import Settings, get_settings
from api.store import Store, make_engine, utcnow
from api.tracker_store import RasaTrackerStore

# Every response: nothing cached, nothing leaked to other sites (a shared computer may be watched).
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


async def purge_forever(conversation: ConversationService, retention_days: int) -> None:
    """Deletes what is older than the retention period: now (at start-up), then hourly."""
    while True:
        cutoff = utcnow() - timedelta(days=retention_days)
        purged = await to_thread.run_sync(conversation.store.purge, cutoff)
        if conversation.tracker_store is not None:
            purged += await to_thread.run_sync(conversation.tracker_store.purge, cutoff)
        if purged:
            logging.getLogger(__name__).info("retention: purged %d conversations", purged)
        await asyncio.sleep(3600)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(make_engine(settings.database_url))
        try:
            await to_thread.run_sync(store.migrate)
        except Exception as error:  # noqa: BLE001 - still answer people; /ready says why
            store.problem = f"database: {type(error).__name__}"
        # An invalid directory stops the start-up with its problems; later, a bad edit is
        # refused and the last good directory keeps serving (see DirectoryHolder).
        holder = DirectoryHolder(settings.helplines_path)
        app.state.directory = holder
        holder.install_sighup()
        watcher = asyncio.create_task(holder.watch(interval=2))
        # No httpx timeout of its own (its default is 5 s): RasaClient holds every call to
        # RASA_TIMEOUT as a whole, queueing included, whatever that is set to.
        async with httpx.AsyncClient(
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=100), timeout=None
        ) as http:
            rasa = RasaClient(http, settings.rasa_url, settings.rasa_token, settings.rasa_timeout)
            app.state.conversation = ConversationService(
                rasa,
                app.state.directory,
                Replies.load(settings.domain_path),
                store,
                settings.max_helplines,
                settings.rate_limit_per_minute,
                settings.store_transcripts,
                RasaTrackerStore(settings.rasa_tracker_database_url)
                if settings.rasa_tracker_database_url
                else None,
            )
            purger = asyncio.create_task(
                purge_forever(app.state.conversation, settings.retention_days)
            )
            yield
        purger.cancel()
        watcher.cancel()
        store.engine.dispose()

    app = FastAPI(title="Signpost", lifespan=lifespan)
    app.dependency_overrides[get_settings] = lambda: settings

    @app.middleware("http")
    async def security_headers(request: Request, call_next) -> Response:  # type: ignore[no-untyped-def]
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    app.add_middleware(BodyLimit)
    origins = [o.strip() for o in settings.allowed_origins.split(",") if o.strip()]
    if origins:
        # No cookies are used, so no credentials are allowed across sites.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type"],
        )
    app.include_router(health.router)
    app.include_router(chat.router)
    app.include_router(helplines.router)
    app.include_router(sms.router)
    app.include_router(widget.router)
    app.include_router(summary.router)
    app.include_router(staff.router)
    app.include_router(staff.pages)
    return app


logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
# One line per request to Rasa is noise, and costs time under load.
logging.getLogger("httpx").setLevel(logging.WARNING)
app = create_app()
