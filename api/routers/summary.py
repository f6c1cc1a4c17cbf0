"""The service manager's summary (staff only): who came, how serious, and when no line was open.

Counts only — no message text and no ids leave this endpoint. As JSON, and as an SVG chart that
any browser shows without scripts.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from html import escape
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from api.deps import ConversationDep, StaffDep
from api.store import SAFETY_ORDER, utcnow

router = APIRouter(prefix="/staff", tags=["staff"])
Days = Annotated[int, Query(ge=1, le=366)]


async def _counts(conversation: Any, days: int) -> dict[str, Any]:
    try:
        rows = await to_thread.run_sync(conversation.store.summary, utcnow() - timedelta(days=days))
    except Exception as error:  # noqa: BLE001 - say why, plainly, to the manager
        raise HTTPException(
            503, f"The database is not answering ({type(error).__name__})."
        ) from None
    by_day: dict[str, Counter[str]] = {}
    for row in rows:
        by_day.setdefault(row.last_at.date().isoformat(), Counter())[row.safety] += 1
    return {
        "days": days,
        "conversations": len(rows),
        "by_day": {day: dict(c) for day, c in sorted(by_day.items())},
        "by_channel": dict(Counter(r.channel for r in rows)),
        "by_safety": dict(Counter(r.safety for r in rows)),
        "by_audience": dict(Counter(r.audience for r in rows)),
        "asked_when_no_own_line_open": sum(r.no_own_line_open for r in rows),
        "asked_when_no_own_line_open_by_audience": dict(
            Counter(r.audience for r in rows if r.no_own_line_open)
        ),
        "degraded_replies": sum(r.degraded_replies for r in rows),
        "conversations_with_degraded_replies": sum(1 for r in rows if r.degraded_replies),
    }


@router.get("/summary")
async def summary(conversation: ConversationDep, _: StaffDep, days: Days = 30) -> dict[str, Any]:
    """Counts by day, channel, safety level and audience over the last `days` days."""
    return await _counts(conversation, days)


COLOURS = {"emergency": "#b00020", "urgent": "#d35400", "support": "#1a6fb0", "unknown": "#6b6b6b"}


@router.get("/summary.svg")
async def summary_chart(conversation: ConversationDep, _: StaffDep, days: Days = 30) -> Response:
    """Conversations per day, stacked by safety level."""
    counts = await _counts(conversation, days)
    day_rows = list(counts["by_day"].items())
    width, height, left, bottom = 760, 300, 40, 40
    peak = max((sum(c.values()) for _, c in day_rows), default=1) or 1
    bar = (width - left - 10) / max(len(day_rows), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 40}" '
        f'role="img" aria-label="Conversations per day by safety level" font-family="sans-serif" '
        f'font-size="11">',
        f'<text x="{left}" y="14" font-size="13">Conversations per day, last {days} days '
        f"({counts['conversations']} in all; {counts['asked_when_no_own_line_open']} asked "
        f"when no line for them was open)</text>",
    ]
    for i, (day, by_level) in enumerate(day_rows):
        y = height - bottom
        for level in reversed(SAFETY_ORDER):  # emergency at the bottom, where it is seen first
            n = by_level.get(level, 0)
            if not n:
                continue
            h = (height - bottom - 30) * n / peak
            y -= h
            parts.append(
                f'<rect x="{left + i * bar:.1f}" y="{y:.1f}" width="{max(bar - 2, 1):.1f}" '
                f'height="{h:.1f}" fill="{COLOURS[level]}"><title>{escape(day)}: {n} {level}'
                "</title></rect>"
            )
        parts.append(
            f'<text x="{left + i * bar:.1f}" y="{height - bottom + 14}">{escape(day[5:])}</text>'
        )
    for j, level in enumerate(SAFETY_ORDER[::-1]):
        x = left + j * 110
        parts.append(
            f'<rect x="{x}" y="{height + 10}" width="10" height="10" fill="{COLOURS[level]}"/>'
        )
        parts.append(f'<text x="{x + 14}" y="{height + 19}">{level}</text>')
    parts.append("</svg>")
    return Response("".join(parts), media_type="image/svg+xml")
