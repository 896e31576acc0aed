"""Bar charts drawn on the server as inline SVG (no script): the geometry here, the markup in
templates/dashboard/_chart.html. One bar per month, the value above each bar, the month's
short French (or English) name below, a few horizontal guide lines; the SVG scales to its
container (viewBox), so the same chart fits a 390 px phone and a desktop column. For screen
readers the SVG has a title and a description, and the figures are in a table next to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date

__all__ = ["Bar", "Chart", "bar_chart", "nice_top", "WIDTH", "HEIGHT"]

WIDTH, HEIGHT = 360, 190  # the viewBox; the drawing scales with the page
_LEFT, _RIGHT, _TOP, _BOTTOM = 30, 6, 16, 34  # margins: guide labels, value labels, month names


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str  # short month name, under the bar
    year: str  # the year, under January and under the first bar
    long_label: str  # month and year, for the table and the bar's own title
    centre: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    guides: list[tuple[float, int]]  # (y, value)
    top: int
    total: int
    baseline: float
    width: int = WIDTH
    height: int = HEIGHT


def nice_top(value: int) -> int:
    """The chart's top: four guide steps of 1, 2 or 5 x 10^n, the smallest reaching ``value``
    (so every guide line is a whole number)."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if 4 * step * scale >= value:
                return 4 * step * scale
        scale *= 10


def bar_chart(points: list[tuple[date, int]]) -> Chart:
    """The geometry of a bar chart of ``points`` (month, value), oldest first."""
    top = nice_top(max((v for _, v in points), default=0))
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    baseline = _TOP + plot_h
    slot = plot_w / max(len(points), 1)
    bars = []
    for i, (month, value) in enumerate(points):
        height = plot_h * value / top
        x = _LEFT + i * slot + slot * 0.15
        bars.append(
            Bar(
                x=round(x, 2),
                y=round(baseline - height, 2),
                width=round(slot * 0.7, 2),
                height=round(height, 2),
                value=value,
                label=format_date(month, "LLL").rstrip("."),
                year=str(month.year) if i == 0 or month.month == 1 else "",
                long_label=format_date(month, "LLLL yyyy"),
                centre=round(_LEFT + (i + 0.5) * slot, 2),
            )
        )
    guides = [(round(baseline - plot_h * k / 4, 2), top * k // 4) for k in range(5)]
    return Chart(bars=bars, guides=guides, top=top, total=sum(v for _, v in points), baseline=baseline)
