"""Server-drawn SVG bar charts for the console (no JavaScript, no chart library).

`bar_chart` turns categories and series into plain geometry that `admin/_charts.html` draws;
series sit side by side, or stacked when asked.
"""
import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 40
BIN_WIDTH = 10
PALETTE = ("c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9")


@dataclass
class Series:
    name: str
    values: list  # one number per category


@dataclass
class Chart:
    width: int
    height: int
    bars: list = field(default_factory=list)  # {"x", "y", "w", "h", "css", "title"}
    ticks: list = field(default_factory=list)  # {"y", "label"} of the value axis
    labels: list = field(default_factory=list)  # {"x", "label"} under the categories
    legend: list = field(default_factory=list)  # (css, name)
    baseline: float = 0
    empty: bool = True


def nice_ceiling(value: float) -> int:
    """A round top for the value axis at or above `value`: 1, 2, 4, 6 or 8 × 10ⁿ (at least 4),
    so that its four grid steps are whole numbers."""
    if value <= 4:
        return 4
    power = 10 ** math.floor(math.log10(value))
    return next(int(step * power) for step in (1, 2, 4, 6, 8, 10) if step * power >= value)


def bar_chart(categories, series, stacked=False, label_every=1, width=WIDTH,
              height=HEIGHT) -> Chart:
    """Geometry of a bar chart of `series` (each a `Series`) over `categories` (labels)."""
    chart = Chart(width, height, legend=[(PALETTE[i % len(PALETTE)], s.name)
                                         for i, s in enumerate(series)])
    count = max(len(categories), 1)
    totals = ([sum(s.values[i] for s in series) for i in range(len(categories))] if stacked
              else [v for s in series for v in s.values])
    top = nice_ceiling(max(totals, default=0))
    chart.empty = not any(totals)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    chart.baseline = TOP + plot_h
    slot = plot_w / count
    group = slot * 0.8
    bar_w = group if stacked else group / max(len(series), 1)
    for i, category in enumerate(categories):
        x0, stack = LEFT + i * slot + slot * 0.1, 0
        for k, s in enumerate(series):
            value = s.values[i]
            h = plot_h * value / top
            x = x0 if stacked else x0 + k * bar_w
            y = chart.baseline - (stack + h if stacked else h)
            if stacked:
                stack += h
            if value:
                chart.bars.append({"x": round(x, 1), "y": round(y, 1),
                                   "w": round(max(bar_w - 1, 1), 1), "h": round(h, 1),
                                   "css": PALETTE[k % len(PALETTE)],
                                   "title": f"{category} · {s.name}: {value}"})
        if i % label_every == 0:
            chart.labels.append({"x": round(LEFT + i * slot + slot / 2, 1), "label": category})
    for n in range(5):
        value = top * n / 4
        chart.ticks.append({"y": round(chart.baseline - plot_h * n / 4, 1),
                            "label": f"{value:g}"})
    return chart


def score_histogram(bin_counts, low: int, high: int) -> list[tuple[int, int, int]]:
    """(lowest, highest score, count) per bin of BIN_WIDTH points from `low` to `high`, from
    (bin index, count) pairs; the top score shares the last bin."""
    count = max((high - low) // BIN_WIDTH, 1)
    bins = [0] * count
    for index, n in bin_counts:
        bins[min(max(int(index), 0), count - 1)] += n
    return [(low + i * BIN_WIDTH, high if i == count - 1 else low + (i + 1) * BIN_WIDTH - 1, n)
            for i, n in enumerate(bins)]
