"""Server-drawn SVG geometry for the score gauge and the trend line (no JavaScript needed)."""
import math


def gauge_arc(score: int, low: int, high: int, radius=80, cx=100, cy=100) -> dict:
    """Path data for a half-circle gauge: the track and the filled part up to `score`."""
    share = 0 if high <= low else min(max((score - low) / (high - low), 0), 1)

    def point(fraction):
        angle = math.pi * (1 - fraction)
        return cx + radius * math.cos(angle), cy - radius * math.sin(angle)

    sx, sy = point(0)
    ex, ey = point(1)
    fx, fy = point(share)
    return {
        "track": f"M {sx:.1f} {sy:.1f} A {radius} {radius} 0 0 1 {ex:.1f} {ey:.1f}",
        "fill": f"M {sx:.1f} {sy:.1f} A {radius} {radius} 0 0 1 {fx:.1f} {fy:.1f}" if share else "",
    }


def trend_scale(trend, low=0, high=200) -> tuple[int, int]:
    """The score range the trend chart spans: the known scores with a margin, within bounds."""
    known = [s for _d, s in trend if s is not None] or [low]
    lo, hi = max(low, min(known) - 10), min(high, max(known) + 10)
    return lo, max(hi, lo + 1)


def trend_points(trend, low=0, high=200, width=320, height=120, pad=16) -> list[dict]:
    """Screen positions for (month, score) pairs; months without a score are left out."""
    if not any(s is not None for _d, s in trend):
        return []
    lo, hi = trend_scale(trend, low, high)
    step = (width - 2 * pad) / max(len(trend) - 1, 1)
    out = []
    for i, (month, score) in enumerate(trend):
        if score is None:
            continue
        y = pad + (height - 2 * pad) * (1 - (score - lo) / (hi - lo))
        out.append({"x": round(pad + i * step, 1), "y": round(y, 1), "month": month,
                    "score": score})
    return out


def polyline(points) -> str:
    return " ".join(f"{p['x']},{p['y']}" for p in points)


def dimension_bar(value: int, floor: int, cap: int) -> dict:
    """A bar from the zero line: right for points gained, left for points lost (in % of the
    dimension's whole range, so −60 and +60 differ in side as well as colour)."""
    span = (cap - floor) or 1
    zero = -min(floor, 0) / span * 100
    width = min(abs(value) / span * 100, 100)
    start = zero if value >= 0 else max(zero - width, 0)
    return {"zero": round(zero, 1), "x": round(start, 1), "width": round(width, 1)}
