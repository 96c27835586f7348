"""Small charts for the supervisor's page, drawn on the server as inline SVG: nothing to download, nothing that
runs, and readable without scripts. Labels are escaped like any other text; each chart carries a text
alternative (a title) for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_HEIGHT = 18
BAR_GAP = 6
LABEL_WIDTH = 90
VALUE_WIDTH = 48
TIER_COLOURS = {"platinum": "#5b6b8c", "gold": "#d1a133", "silver": "#9aa5b1", "bronze": "#b07045"}


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart(items: Sequence[tuple[str, int]], *, title: str, width: int = 360, colour: str = "#1f6f8b") -> Markup:
    """Horizontal bars, one per (label, value), scaled to the largest value."""
    height = max(1, len(items)) * (BAR_HEIGHT + BAR_GAP)
    largest = max((value for _, value in items), default=0) or 1
    room = width - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        f'<svg class="chart bars" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for row, (label, value) in enumerate(items):
        y = row * (BAR_HEIGHT + BAR_GAP)
        length = round(room * value / largest)
        parts.append(
            f'<text x="0" y="{y + BAR_HEIGHT - 5}" font-size="12">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" fill="{colour}" rx="2"/>'
            f'<text x="{LABEL_WIDTH + length + 4}" y="{y + BAR_HEIGHT - 5}" font-size="12">{value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(values: Sequence[int], *, title: str, width: int = 240, height: int = 40) -> Markup:
    """A line over evenly spaced values, the last point marked: a shape to glance at, not to read off."""
    if not values:
        return Markup("")
    largest = max(values) or 1
    step = width / max(1, len(values) - 1)
    points = [(round(i * step, 1), round(height - 2 - (height - 4) * v / largest, 1)) for i, v in enumerate(values)]
    path = " ".join(f"{x},{y}" for x, y in points)
    last_x, last_y = points[-1]
    return Markup(
        f'<svg class="chart spark" role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<polyline points="{path}" fill="none" stroke="#1f6f8b" stroke-width="1.5"/>'
        f'<circle cx="{last_x}" cy="{last_y}" r="2.5" fill="#1f6f8b"/></svg>'
    )


def stacked_tiers(by_tier: dict[str, int], *, title: str, width: int = 200) -> Markup:
    """One bar split by customer tier, best tier first: how much of a queue is valuable customers."""
    total = sum(by_tier.values())
    parts = [
        f'<svg class="chart tiers" role="img" width="{width}" height="{BAR_HEIGHT}"'
        f' viewBox="0 0 {width} {BAR_HEIGHT}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    if total == 0:
        parts.append(f'<rect x="0" y="0" width="{width}" height="{BAR_HEIGHT}" fill="#e5e8ec" rx="2"/>')
    x = 0.0
    for tier, count in by_tier.items():
        if count:
            share = width * count / total
            colour = TIER_COLOURS.get(tier, "#8aa")
            parts.append(
                f'<rect x="{_number(x)}" y="0" width="{_number(share)}" height="{BAR_HEIGHT}" fill="{colour}">'
                f"<title>{escape(tier)}: {count}</title></rect>"
            )
            x += share
    parts.append("</svg>")
    return Markup("".join(parts))


def meter(share: float, *, title: str, width: int = 120) -> Markup:
    """How full something is (an agent's capacity), from 0 to 1; red from nine tenths."""
    share = min(1.0, max(0.0, share))
    colour = "#c0392b" if share >= 0.9 else "#1f6f4a"
    return Markup(
        f'<svg class="chart meter" role="img" width="{width}" height="10" viewBox="0 0 {width} 10"'
        f' xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<rect x="0" y="0" width="{width}" height="10" fill="#e5e8ec" rx="2"/>'
        f'<rect x="0" y="0" width="{_number(width * share)}" height="10" fill="{colour}" rx="2"/></svg>'
    )
