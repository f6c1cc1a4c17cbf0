"""The week picture: which lines are open when, per audience, with the gaps shaded.

A service manager should see at a glance when, say, a man has no line of his own open (nights,
weekends) and which 24/7 line Signpost offers then. Drawn with matplotlib (Agg, no display).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from api.directory.matching import Directory, calendar_nation
from api.directory.model import Helpline
from api.directory.opening_hours import LONDON, Schedule, state_at

AUDIENCE_TITLES = {
    "woman": "Women",
    "man": "Men",
    "lgbt": "LGBT+ people",
    "forced_marriage": "Forced marriage and honour-based abuse",
    "friend_family": "Friends and family",
    "perpetrator": "People worried about their own behaviour",
    "unknown": "Not yet known who is asking",
}
SAMPLE_HOURS = 3  # how often to ask match() which lines it offers; lines change on the hour


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime
    kind: str  # "open", "maybe" (bank holiday of unknown opening) or "unknown" (hours unknown)


@dataclass(frozen=True)
class Row:
    line: Helpline
    own: bool  # for this audience itself, not a fallback line that serves everyone
    spans: list[Span]


def open_spans(line: Helpline, start: datetime, end: datetime, nation: str | None) -> list[Span]:
    """When `line` is open between start and end, by walking open/close boundaries."""
    if line.hours.kind == "unknown":
        return [Span(start, end, "unknown")]
    schedule = Schedule(line.hours, line.bank_holidays, line.exceptions)
    where = calendar_nation(line, nation)
    spans: list[Span] = []
    at = start
    while at < end:
        state = state_at(schedule, at, where)
        if state.open_now:
            until = min(state.closes_at or end, end)
            spans.append(Span(at, until, "open"))
        elif state.open_now is None:  # a bank holiday when its opening is unknown
            until = min(state.usual_close or _next_midnight(at), end)
            spans.append(Span(at, until, "maybe"))
        else:
            until = min(state.next_open or end, end)
        at = until if until > at else at + timedelta(minutes=15)
    return _merge(spans)


def _next_midnight(at: datetime) -> datetime:
    local = at.astimezone(LONDON)
    return datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=LONDON)


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in spans:
        if merged and merged[-1].end >= span.start and merged[-1].kind == span.kind:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end), span.kind)
        else:
            merged.append(span)
    return merged


def week_rows(
    directory: Directory, audience: str, monday: date, nation: str | None = None
) -> list[Row]:
    """The lines `match()` offers this audience at some time in the week, with their spans."""
    start = datetime.combine(monday, time(), tzinfo=LONDON)
    end = datetime.combine(monday + timedelta(days=7), time(), tzinfo=LONDON)
    offered: list[str] = []
    at = start
    while at < end:
        for match in directory.match(audience, at, nation=nation):
            if match.id not in offered:
                offered.append(match.id)
        at += timedelta(hours=SAMPLE_HOURS)
    rows = []
    for line_id in offered:
        line = directory.get(line_id)
        if line is not None:
            own = audience in line.audiences if audience != "unknown" else True
            rows.append(Row(line, own, open_spans(line, start, end, nation)))
    return rows


def gaps(rows: list[Row], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Times when none of the audience's own lines is surely open."""
    covered = sorted((s.start, s.end) for r in rows if r.own for s in r.spans if s.kind == "open")
    result: list[tuple[datetime, datetime]] = []
    at = start
    for a, b in covered:
        if a > at:
            result.append((at, a))
        at = max(at, b)
    if at < end:
        result.append((at, end))
    return result


def draw_week(
    directory: Directory,
    out: Path,
    audiences: list[str] | None = None,
    monday: date | None = None,
    nation: str | None = None,
) -> Path:
    """Draw the week for each audience to `out` (.png or .svg); return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    audiences = audiences or list(AUDIENCE_TITLES)
    today = datetime.now(LONDON).date()
    monday = monday or today - timedelta(days=today.weekday())
    start = datetime.combine(monday, time(), tzinfo=LONDON)
    end = start + timedelta(days=7)
    panels = [(a, week_rows(directory, a, monday, nation)) for a in audiences]
    heights = [len(rows) + 1.6 for _a, rows in panels]
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(13, 0.42 * sum(heights) + 1.4), squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )  # fmt: skip
    colours = {"open": "#2e7d32", "maybe": "#f9a825", "unknown": "#9e9e9e"}
    hours = lambda moment: (moment - start).total_seconds() / 3600  # noqa: E731
    for ax, (audience, rows) in zip(axes[:, 0], panels, strict=True):
        for gap_start, gap_end in gaps(rows, start, end):
            ax.axvspan(hours(gap_start), hours(gap_end), color="#ffcdd2", zorder=0)
        for y, row in enumerate(rows):
            for span in row.spans:
                hatch = "//" if span.kind != "open" else None
                ax.barh(y, hours(span.end) - hours(span.start), left=hours(span.start),
                        height=0.6, color=colours[span.kind], hatch=hatch, edgecolor="white",
                        linewidth=0.3, zorder=2)  # fmt: skip
        labels = [r.line.name + ("" if r.own else "  (24/7 for all)") for r in rows]
        ax.set_yticks(range(len(rows)), labels, fontsize=8)
        ax.set_ylim(len(rows) - 0.4, -0.6)
        ax.set_xlim(0, 7 * 24)
        ax.set_xticks(range(0, 7 * 24 + 1, 6), minor=True)
        days = [f"{start + timedelta(days=d):%a %d %b}" for d in range(7)]
        ax.set_xticks(range(0, 7 * 24, 24), days, fontsize=8, ha="left")
        ax.grid(axis="x", which="both", color="#dddddd", linewidth=0.5, zorder=1)
        ax.set_title(AUDIENCE_TITLES.get(audience, audience), loc="left", fontsize=10,
                     fontweight="bold")  # fmt: skip
    where = nation.replace("_", " ").title() if nation else "England (default)"
    fig.suptitle(f"Signpost helplines open, week of {monday:%d %B %Y} ({where}, UK time)",
                 fontsize=12, x=0.01, ha="left")  # fmt: skip
    fig.legend(
        handles=[
            Patch(color=colours["open"], label="open"),
            Patch(facecolor=colours["maybe"], hatch="//", label="bank holiday, opening not known"),
            Patch(facecolor=colours["unknown"], hatch="//", label="hours not known"),
            Patch(color="#ffcdd2", label="no line of their own open"),
        ],
        loc="upper right", ncol=4, fontsize=8, frameon=False,
    )  # fmt: skip
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
