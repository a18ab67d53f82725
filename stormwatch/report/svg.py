"""Inline SVG charts for the reports: drawn here so a report is one file that needs no network,
no script and no charting engine, and prints sharply at any size.

Pure functions from numbers to SVG text; every label that goes in is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from zoneinfo import ZoneInfo

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 28


@dataclass(frozen=True, slots=True)
class Span:
    """A marked stretch of time (a crisis): start and end as Unix seconds, and its label."""

    start: float
    end: float
    label: str


def _scale(low: float, high: float, out_low: float, out_high: float) -> Callable[[float], float]:
    width = (high - low) or 1.0
    return lambda value: out_low + (value - low) / width * (out_high - out_low)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _path(points: Sequence[tuple[float, float] | None]) -> str:
    """A polyline that breaks at a ``None`` (no data: a hole, not a zero)."""
    parts, pen_down = [], False
    for point in points:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{point[0]:.1f},{point[1]:.1f}")
        pen_down = True
    return " ".join(parts)


def _frame(y_max: float, y_label: Callable[[float], str]) -> list[str]:
    y = _scale(0, y_max, HEIGHT - BOTTOM, TOP)
    lines = []
    for fraction in (0, 0.5, 1):
        value = y_max * fraction
        lines.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" class="grid"/>'
            f'<text x="{LEFT - 4}" y="{y(value) + 3:.1f}" text-anchor="end" class="tick">'
            f"{escape(y_label(value))}</text>"
        )
    return lines


def _day_ticks(t0: float, t1: float, zone: ZoneInfo, day_label: Callable[[datetime], str]) -> list[str]:
    """Midnight ticks in the reader's zone, thinned to at most ~10 labels."""
    x = _scale(t0, t1, LEFT, WIDTH - RIGHT)
    first = datetime.fromtimestamp(t0, zone).replace(hour=0, minute=0, second=0, microsecond=0)
    days = []
    day = first + timedelta(days=1) if first.timestamp() < t0 else first
    while day.timestamp() <= t1:
        days.append(day)
        day = (day + timedelta(days=1, hours=3)).replace(hour=0)  # one day on, across DST changes
    every = max(1, -(-len(days) // 10))
    out = []
    for n, day in enumerate(days):
        position = x(day.timestamp())
        out.append(
            f'<line x1="{position:.1f}" x2="{position:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" class="day"/>'
        )
        if n % every == 0:
            out.append(
                f'<text x="{position + 2:.1f}" y="{HEIGHT - BOTTOM + 14}" class="tick">{escape(day_label(day))}</text>'
            )
    return out


def _svg(body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" role="img">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def band_chart(
    t: Sequence[float | None],
    volume: Sequence[float | None],
    band_low: Sequence[float | None],
    band_high: Sequence[float | None],
    spans: Sequence[Span],
    *,
    zone: ZoneInfo,
    title: str,
    day_label: Callable[[datetime], str],
    number: Callable[[float], str],
) -> str:
    """Posts per hour over the brand's usual band (expected ± 3 sigma), crises shaded."""
    known = [
        (a, v, lo, hi) for a, v, lo, hi in zip(t, volume, band_low, band_high, strict=True) if a is not None
    ]
    if not known:
        return _svg([], title)
    t0, t1 = known[0][0], known[-1][0] + 3600
    y_max = _nice_max(max(max(v or 0, hi or 0) for _, v, _, hi in known))
    x, y = _scale(t0, t1, LEFT, WIDTH - RIGHT), _scale(0, y_max, HEIGHT - BOTTOM, TOP)
    body = _frame(y_max, number)
    body += _crisis_shading(spans, t0, t1, x, labelled=True)
    upper = [(x(a + 1800), y(hi)) for a, v, lo, hi in known if hi is not None]
    lower = [(x(a + 1800), y(lo)) for a, v, lo, hi in known if lo is not None]
    if upper:
        band = " ".join(f"{px:.1f},{py:.1f}" for px, py in [*upper, *reversed(lower)])
        body.append(f'<polygon points="{band}" class="band"/>')
    points = [(x(a + 1800), y(v)) if v is not None else None for a, v, _, _ in known]
    body.append(f'<path d="{_path(points)}" class="volume"/>')
    body += _day_ticks(t0, t1, zone, day_label)
    return _svg(body, title)


def _crisis_shading(
    spans: Sequence[Span], t0: float, t1: float, x: Callable[[float], float], *, labelled: bool
) -> list[str]:
    """Each crisis as a shaded column (at least an hour wide) clipped to the chart, with its label
    where ``labelled`` (the volume chart names them; the charts below it only line up with it)."""
    shading = []
    for span in spans:
        start, end = max(span.start, t0), min(max(span.end, span.start + 3600), t1)
        if end > start:
            label = (
                f'<text x="{x(start) + 3:.1f}" y="{TOP + 11}" class="crisis-label">{escape(span.label)}</text>'
                if labelled
                else ""
            )
            shading.append(
                f'<rect x="{x(start):.1f}" y="{TOP}" width="{x(end) - x(start):.1f}" '
                f'height="{HEIGHT - BOTTOM - TOP}" class="crisis"/>' + label
            )
    return shading


def line_chart(
    t: Sequence[float | None],
    values: Sequence[float | None],
    *,
    zone: ZoneInfo,
    title: str,
    day_label: Callable[[datetime], str],
    number: Callable[[float], str],
    spans: Sequence[Span] = (),
    y_max: float | None = None,
    css: str = "line",
) -> str:
    """One series over time (negative share, reach); ``None`` leaves a hole."""
    known = [(a, v) for a, v in zip(t, values, strict=True) if a is not None]
    if not known:
        return _svg([], title)
    t0, t1 = known[0][0], known[-1][0] + 3600
    top = y_max if y_max is not None else _nice_max(max((v or 0) for _, v in known))
    x, y = _scale(t0, t1, LEFT, WIDTH - RIGHT), _scale(0, top, HEIGHT - BOTTOM, TOP)
    body = _frame(top, number)
    body += _crisis_shading(spans, t0, t1, x, labelled=False)
    points = [(x(a + 1800), y(v)) if v is not None else None for a, v in known]
    body.append(f'<path d="{_path(points)}" class="{css}"/>')
    body += _day_ticks(t0, t1, zone, day_label)
    return _svg(body, title)


def daily_bars(
    days: Sequence[datetime],
    totals: Sequence[int],
    negatives: Sequence[int],
    *,
    title: str,
    day_label: Callable[[datetime], str],
    number: Callable[[float], str],
    marks: Sequence[datetime] = (),
) -> str:
    """Mentions per day, the negative part darker; days with a crisis opened get a marker."""
    if not days:
        return _svg([], title)
    y_max = _nice_max(max(totals, default=0))
    slot = (WIDTH - RIGHT - LEFT) / len(days)
    y = _scale(0, y_max, HEIGHT - BOTTOM, TOP)
    body = _frame(y_max, number)
    marked = {mark.date() for mark in marks}
    every = max(1, -(-len(days) // 12))
    for n, (day, total, negative) in enumerate(zip(days, totals, negatives, strict=True)):
        left = LEFT + n * slot
        width = max(slot * 0.8, 0.5)
        body.append(
            f'<rect x="{left:.1f}" y="{y(total):.1f}" width="{width:.1f}" height="{y(0) - y(total):.1f}" class="bar"/>'
            f'<rect x="{left:.1f}" y="{y(negative):.1f}" width="{width:.1f}" '
            f'height="{y(0) - y(negative):.1f}" class="bar-negative"/>'
        )
        if day.date() in marked:
            body.append(
                f'<polygon points="{left:.1f},{TOP} {left + width:.1f},{TOP} {left + width / 2:.1f},{TOP + 8}" class="mark"/>'
            )
        if n % every == 0:
            body.append(
                f'<text x="{left:.1f}" y="{HEIGHT - BOTTOM + 14}" class="tick">{escape(day_label(day))}</text>'
            )
    return _svg(body, title)


def share_bars(rows: Sequence[tuple[str, float]], *, title: str, percent: Callable[[float], str]) -> str:
    """Horizontal bars of shares (0..100), one row per label."""
    row_height = 22
    height = max(row_height * len(rows) + 8, 30)
    label_width = 150
    scale = _scale(0, 100, 0, WIDTH - label_width - 70)
    body = []
    for n, (label, share) in enumerate(rows):
        top = 4 + n * row_height
        body.append(
            f'<text x="{label_width - 6}" y="{top + 14}" text-anchor="end" class="label">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{top + 3}" width="{max(scale(share), 1):.1f}" height="{row_height - 8}" class="bar"/>'
            f'<text x="{label_width + scale(share) + 6:.1f}" y="{top + 14}" class="tick">{escape(percent(share))}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="chart bars" role="img">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )
