"""The responsibility timeline as a picture: an SVG drawn here, on the server.

Drawn server-side so the page needs no charting script (the pages' Content-Security-
Policy allows none but our own) and shows the same picture with JavaScript off. One lane
per authority, a bar for each period it held the case, a line for today and, ahead of
it, a scheduled hand-over drawn hatched with a dashed edge: pattern and words, not
colour alone, tell the two apart. The SVG names itself (``<title>``) and says in words
what it shows (``<desc>``); the page repeats the periods as a table for anyone who
cannot see the picture.

Only presentation attributes are used, never ``style``: the CSP refuses inline styles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from service.domain.calendar import LONDON
from service.domain.case.responsibility import Period

from .timeline_scale import WIDTH, Scale, extent, ticks

TOP = 44
LANE_HEIGHT = 48
BAR_HEIGHT = 30
AXIS_HEIGHT = 44
# GOV.UK colours with white text at 4.5:1 or better.
COLOURS = ("#1d70b8", "#00703c", "#4c2c92", "#942514", "#005a30", "#3d2375")
INK = "#0b0c0c"
SECONDARY_INK = "#484949"


@dataclass(frozen=True)
class Timeline:
    """The SVG markup and its text alternative, which the page also shows."""

    svg: str
    summary: str


def _q(value: object) -> str:
    return escape(str(value), quote=True)


def draw_timeline(
    periods: Sequence[Period],
    now: datetime,
    label: Callable[[str], str],
    when: Callable[[datetime], str],
    *,
    id_prefix: str = "timeline",
) -> Timeline:
    """The picture of ``periods`` as seen at ``now``.

    ``label`` names an authority ("Somerset (933)") and ``when`` writes an instant in
    words, so the picture's text alternative reads as the rest of the page does.
    """
    if not periods:
        summary = "The case has no periods of responsibility yet."
        svg = (
            f'<svg class="app-timeline" role="img" aria-label="{_q(summary)}" '
            f'viewBox="0 0 {WIDTH} 40" xmlns="http://www.w3.org/2000/svg"></svg>'
        )
        return Timeline(svg, summary)
    start, end = extent(periods, now)
    scale = Scale(start, end)
    lanes: list[str] = []
    for period in periods:
        if period.authority not in lanes:
            lanes.append(period.authority)
    height = TOP + LANE_HEIGHT * len(lanes) + AXIS_HEIGHT
    plot_bottom = TOP + LANE_HEIGHT * len(lanes)
    sentences = [_sentence(p, now, label, when) for p in periods]
    sentences.append(f"Today is {when(now)}.")
    summary = " ".join(sentences)
    parts = [
        f'<svg class="app-timeline" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
        f'aria-labelledby="{id_prefix}-title {id_prefix}-desc" focusable="false" '
        f'font-size="15" fill="{INK}">',
        f'<title id="{id_prefix}-title">Which authority has been responsible for the case, '
        "over time</title>",
        f'<desc id="{id_prefix}-desc">{_q(summary)}</desc>',
        "<defs>",
        *(
            f'<pattern id="{id_prefix}-hatch-{i}" width="8" height="8" '
            'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="8" height="8" fill="#ffffff"/>'
            f'<rect width="4" height="8" fill="{COLOURS[i % len(COLOURS)]}" fill-opacity="0.35"/>'
            "</pattern>"
            for i in range(len(lanes))
        ),
        "</defs>",
    ]
    for index, authority in enumerate(lanes):
        y = TOP + index * LANE_HEIGHT
        name = label(authority)
        short = name if len(name) <= 27 else name[:26] + "…"
        parts.append(
            f'<g class="app-timeline__lane" data-authority="{_q(authority)}">'
            f"<title>{_q(name)}</title>"
            f'<line x1="0" y1="{y + LANE_HEIGHT}" x2="{WIDTH}" y2="{y + LANE_HEIGHT}" '
            'stroke="#cecece" stroke-width="1"/>'
            f'<text x="0" y="{y + LANE_HEIGHT / 2 + 5}" font-weight="700">{_q(short)}</text></g>'
        )
    for period in periods:
        lane = lanes.index(period.authority)
        parts.append(_bar(period, lane, now, scale, id_prefix))
    parts.extend(_axis(start, end, scale, plot_bottom))
    parts.append(_today(now, scale, plot_bottom))
    parts.append("</svg>")
    return Timeline("".join(parts), summary)


def _sentence(
    period: Period, now: datetime, label: Callable[[str], str], when: Callable[[datetime], str]
) -> str:
    name = label(period.authority)
    if period.since > now:
        until = f" until {when(period.until)}" if period.until else ""
        return f"Scheduled: {name} responsible from {when(period.since)}{until}."
    if period.until is None:
        return f"{name} responsible from {when(period.since)}, still responsible now."
    return f"{name} responsible from {when(period.since)} until {when(period.until)}."


def _bar(period: Period, lane: int, now: datetime, scale: Scale, id_prefix: str) -> str:
    colour = COLOURS[lane % len(COLOURS)]
    y = TOP + lane * LANE_HEIGHT + (LANE_HEIGHT - BAR_HEIGHT) / 2
    x1 = scale.x(period.since)
    x2 = scale.x(period.until) if period.until is not None else scale.right
    width = max(x2 - x1, 2.0)
    scheduled = period.since > now
    kind = "scheduled" if scheduled else ("current" if period.covers(now) else "past")
    until = period.until.isoformat() if period.until is not None else ""
    opening = (
        f'<g class="app-timeline__period app-timeline__period--{kind}" '
        f'data-authority="{_q(period.authority)}" data-since="{_q(period.since.isoformat())}" '
        f'data-until="{_q(until)}">'
    )
    if scheduled:
        shape = (
            f'<rect x="{x1}" y="{y}" width="{width}" height="{BAR_HEIGHT}" '
            f'fill="url(#{id_prefix}-hatch-{lane})" stroke="{colour}" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
        )
        local = period.since.astimezone(LONDON)
        words = f"Scheduled from {local.day} {local:%b %Y}"
        # Outside the bar, the words end before today's line rather than across it.
        text = _bar_text(words, x1, x2, y, inside_fill=None, end_before=scale.x(now))
    else:
        shape = f'<rect x="{x1}" y="{y}" width="{width}" height="{BAR_HEIGHT}" fill="{colour}"/>'
        words = "Responsible now" if kind == "current" else ""
        text = _bar_text(words, x1, x2, y, inside_fill="#ffffff") if words else ""
    ongoing = ""
    if period.until is None:
        # An open end: a chevron at the right edge says "and on".
        tip = scale.right
        mid = y + BAR_HEIGHT / 2
        ongoing = (
            f'<path d="M{tip - 10} {y} L{tip} {mid} L{tip - 10} {y + BAR_HEIGHT}" '
            f'fill="none" stroke="{INK}" stroke-width="2"/>'
        )
    return opening + shape + text + ongoing + "</g>"


def _bar_text(
    words: str,
    x1: float,
    x2: float,
    y: float,
    *,
    inside_fill: str | None,
    end_before: float | None = None,
) -> str:
    """Words in the bar when they fit, else just before it; dark ink unless inside."""
    width = len(words) * 8.5  # about, at 15px
    baseline = y + BAR_HEIGHT / 2 + 5
    if (x2 - x1) > width + 16:
        fill = inside_fill or INK
        return f'<text x="{x1 + 8}" y="{baseline}" fill="{fill}">{_q(words)}</text>'
    end = x1 - 6
    if end_before is not None and end - width <= end_before <= x1:
        end = end_before - 6
    return f'<text x="{end}" y="{baseline}" text-anchor="end" fill="{INK}">{_q(words)}</text>'


def _axis(start: datetime, end: datetime, scale: Scale, bottom: float) -> list[str]:
    parts = [
        f'<line x1="{scale.left}" y1="{bottom}" x2="{scale.right}" y2="{bottom}" '
        f'stroke="{INK}" stroke-width="2"/>'
    ]
    for instant, text in ticks(start, end):
        x = scale.x(instant)
        parts.append(
            f'<g class="app-timeline__tick"><line x1="{x}" y1="{bottom}" x2="{x}" '
            f'y2="{bottom + 6}" stroke="{INK}"/><text x="{x}" y="{bottom + 24}" '
            f'text-anchor="middle" fill="{SECONDARY_INK}" font-size="14">{_q(text)}</text></g>'
        )
    return parts


def _today(now: datetime, scale: Scale, bottom: float) -> str:
    x = scale.x(now)
    anchor = "end" if x > scale.right - 80 else "middle"
    return (
        f'<g class="app-timeline__today" data-at="{_q(now.isoformat())}">'
        f'<line x1="{x}" y1="{TOP - 10}" x2="{x}" y2="{bottom}" stroke="{INK}" '
        'stroke-width="3" stroke-dasharray="2 3"/>'
        f'<text x="{x}" y="{TOP - 16}" text-anchor="{anchor}" font-weight="700">Today</text>'
        "</g>"
    )


def authority_labels(names: Mapping[str, str]) -> Callable[[str], str]:
    """``label`` for ``draw_timeline`` from a code-to-name mapping: "Somerset (933)"."""
    return lambda code: f"{names.get(code, 'Unknown authority')} ({code})"
