"""A report a support worker can open in a browser: every scenario, every turn, what the person
said, what the bot said, and each check passed or failed. One self-contained file; everything
that came from a scenario or the bot is escaped."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from api.flows.reports import clock_text, summary
from api.flows.runner import ScenarioResult, TurnResult

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1b1b1b}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin:0}
.summary{font-size:1.1rem;padding:.5rem 1rem;border-radius:.4rem;background:#eef}
details{border:1px solid #ccc;border-radius:.4rem;margin:.6rem 0;padding:.4rem .8rem}
details.fail,details.error{border:2px solid #b00020;background:#fff6f6}
summary{cursor:pointer}.badge{font-weight:700;margin-right:.5rem}
.pass .badge{color:#1a7f37}.fail .badge,.error .badge{color:#b00020}
.where{color:#555;font-size:.9rem}
.turn{border-top:1px solid #ddd;margin-top:.6rem;padding-top:.4rem}
.said{background:#f3f3f3;border-radius:.3rem;padding:.4rem .6rem;
 white-space:pre-wrap;margin:.2rem 0}
.user{background:#e8f0fe}ul.checks{list-style:none;padding-left:0}
.ok::before{content:"\\2713  ";color:#1a7f37}.no::before{content:"\\2717  ";color:#b00020}
.no{color:#b00020;font-weight:600}.seen{font-size:.9rem;color:#333}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ddd;padding:.2rem .4rem}
"""


def _turn(turn: TurnResult) -> str:
    parts = [
        '<div class="turn">',
        f'<p class="where">Turn {turn.index + 1} ({escape(turn.where)})</p>',
        f'<div class="said user"><strong>They said:</strong> {escape(turn.user)}</div>',
    ]
    seen = turn.seen
    if seen is not None:
        said = escape(seen.shown) or "(nothing)"
        parts.append(f'<div class="said"><strong>The bot said:</strong>\n{said}</div>')
    if turn.checks:
        parts.append('<ul class="checks">')
        for check in turn.checks:
            problem = "" if check.ok else f": {escape(check.problem)}"
            css = "ok" if check.ok else "no"
            parts.append(f'<li class="{css}">{escape(check.expected)}{problem}</li>')
        parts.append("</ul>")
    if seen is not None:
        understood = ""
        if seen.intent:
            confidence = f" ({seen.confidence:.0%})" if seen.confidence is not None else ""
            understood = f", understood as <code>{escape(seen.intent)}</code>{confidence}"
        segments = f", {seen.segments} SMS segment(s)" if seen.segments is not None else ""
        degraded = ", <strong>degraded: the safety answer</strong>" if seen.degraded else ""
        parts.append(
            f'<p class="seen">Safety <strong>{escape(seen.safety or "?")}</strong>, audience '
            f"<strong>{escape(seen.audience or '?')}</strong>{understood}{segments}{degraded}</p>"
        )
        if seen.helplines:
            rows = "".join(
                f"<tr><td><code>{escape(h.id)}</code></td><td>{escape(h.why)}</td></tr>"
                for h in seen.helplines
            )
            parts.append(f"<table><tr><th>Helpline offered</th><th>Why</th></tr>{rows}</table>")
    parts.append("</div>")
    return "\n".join(parts)


def _scenario(result: ScenarioResult) -> str:
    scenario = result.located.scenario
    outcome = result.outcome
    label = {"pass": "Passed", "fail": "Failed", "error": "Could not run"}[outcome]
    opened = "" if outcome == "pass" else " open"
    error = f'<p class="no">{escape(result.error)}</p>' if result.error else ""
    turns = "\n".join(_turn(t) for t in result.turns if t.seen is not None)
    return (
        f'<details class="{outcome}"{opened}><summary><span class="badge">{label}</span>'
        f'<h2 style="display:inline">{escape(result.name)}</h2></summary>'
        f'<p class="where">{escape(result.located.where)} · {escape(scenario.channel)} · '
        f"at {escape(clock_text(result))}</p>{error}{turns}</details>"
    )


def write_html(results: list[ScenarioResult], path: Path, seconds: float, url: str) -> None:
    counts = Counter(r.outcome for r in results)
    # Failures first: they are what the reader came for.
    ordered = sorted(results, key=lambda r: r.outcome == "pass")
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join(_scenario(r) for r in ordered)
    verdict = "All scenarios passed." if not counts["fail"] + counts["error"] else "Some failed."
    page = f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signpost flow tests</title><style>{STYLE}</style></head>
<body><h1>Signpost flow tests</h1>
<p class="summary"><strong>{escape(verdict)}</strong> {escape(summary(results, seconds))}</p>
<p class="where">Run against {escape(url)} on {escape(when)}.</p>
{body}
</body></html>
"""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
