"""Two small chart types drawn directly as SVG: spine charts and trend lines.

Why not a plotting library: the report needs about 500 small charts per refresh (16
per borough). Rendered with matplotlib they took 36 s of a refresh; as plain SVG
(rectangles, lines, circles and text) they take well under a second, stay crisp at
any zoom, keep their labels as real text, and need nothing at view time.
"""

from __future__ import annotations

import html
import math

import pandas as pd

COLOURS = {
    "Better": "#1a9850",
    "Similar": "#fdb827",
    "Worse": "#d73027",
    "Higher": "#4575b4",
    "Lower": "#91bfdb",
    "Not compared": "#ffffff",
}
FONT = "font-family='Arial,Helvetica,sans-serif' font-size='12'"


def _t(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return f"<text x='{x:.1f}' y='{y:.1f}' text-anchor='{anchor}' {FONT} {extra}>{html.escape(text)}</text>"


def spine_chart(rows: list[dict], label_width: int = 330, bar_width: int = 420, row_height: int = 26) -> str:
    """One line per indicator, each scaled to its own range (as Fingertips does).

    Each row: ``label``, ``comparison``, ``value``, ``england``, ``min``, ``q1``, ``q3``, ``max``.
    Light grey: lowest to highest London borough; darker grey: the middle half; black
    line: England; dot: the borough, coloured and labelled by its comparison.
    """
    width = label_width + bar_width + 110
    height = row_height * len(rows) + 10
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img'>"]
    for i, row in enumerate(rows):
        y = 5 + i * row_height
        mid = y + row_height / 2
        parts.append(_t(label_width - 8, mid + 4, row["label"][:55], "end"))
        comparison = row.get("comparison") or "Not compared"
        parts.append(_t(label_width + bar_width + 12, mid + 4, comparison))
        points = [row[k] for k in ("min", "max", "england", "value") if _ok(row.get(k))]
        if not _ok(row.get("value")) or len(points) < 2:
            parts.append(_t(label_width + bar_width / 2, mid + 4, "no value", "middle", "fill='#777'"))
            continue
        lo, hi = min(points), max(points)
        span = (hi - lo) or 1.0

        def x(v: float, lo: float = lo, span: float = span) -> float:
            return label_width + 6 + (v - lo) / span * (bar_width - 12)

        if _ok(row.get("min")) and _ok(row.get("max")):
            parts.append(_rect(x(row["min"]), y + 6, x(row["max"]) - x(row["min"]), row_height - 12, "#d9d9d9"))
        if _ok(row.get("q1")) and _ok(row.get("q3")):
            parts.append(_rect(x(row["q1"]), y + 6, x(row["q3"]) - x(row["q1"]), row_height - 12, "#a6a6a6"))
        if _ok(row.get("england")):
            ex = x(row["england"])
            parts.append(
                f"<line x1='{ex:.1f}' y1='{y + 3}' x2='{ex:.1f}' y2='{y + row_height - 3}' "
                "stroke='black' stroke-width='3'/>"
            )
        colour = COLOURS.get(comparison, "#ffffff")
        parts.append(f"<circle cx='{x(row['value']):.1f}' cy='{mid:.1f}' r='6' fill='{colour}' stroke='black'/>")
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(title: str, periods: list[str], series: list[tuple[str, list[float | None], str]]) -> str:
    """Lines over time: ``series`` is (name, values per period, dash pattern)."""
    width, height, left, right, top, bottom = 440, 220, 48, 120, 22, 52
    values = [v for _, vs, _ in series for v in vs if _ok(v)]
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img'>"]
    parts.append(_t(width / 2, 14, title[:50], "middle", "font-weight='bold'"))
    if not values or not periods:
        parts.append(_t(width / 2, height / 2, "no values", "middle"))
        return "".join(parts) + "</svg>"
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(i: int) -> float:
        return left + (plot_w * i / max(1, len(periods) - 1) if len(periods) > 1 else plot_w / 2)

    def py(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    parts.append(f"<line x1='{left}' y1='{top + plot_h}' x2='{left + plot_w}' y2='{top + plot_h}' stroke='#444'/>")
    parts.append(f"<line x1='{left}' y1='{top}' x2='{left}' y2='{top + plot_h}' stroke='#444'/>")
    for tick in (lo + pad, (lo + hi) / 2, hi - pad):
        parts.append(_t(left - 4, py(tick) + 4, _tick(tick), "end", "font-size='10'"))
    for i, label in enumerate(periods):
        parts.append(
            f"<text transform='translate({px(i):.1f},{top + plot_h + 12}) rotate(30)' {FONT} font-size='10'>"
            f"{html.escape(label)}</text>"
        )
    for n, (name, vals, dash) in enumerate(series):
        points = [(px(i), py(v)) for i, v in enumerate(vals) if _ok(v)]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f"<polyline points='{path}' fill='none' stroke='black' stroke-width='2' stroke-dasharray='{dash}'/>"
            )
            for x, y in points:
                parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3' fill='black'/>")
        # The legend sits right of the plot, clear of the lines.
        lx, ly = left + plot_w + 14, top + 10 + n * 16
        parts.append(
            f"<line x1='{lx}' y1='{ly}' x2='{lx + 22}' y2='{ly}' stroke='black' stroke-width='2' "
            f"stroke-dasharray='{dash}'/>"
        )
        parts.append(_t(lx + 26, ly + 4, name[:14], extra="font-size='10'"))
    parts.append("</svg>")
    return "".join(parts)


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f"<rect x='{x:.1f}' y='{y:.1f}' width='{max(w, 1):.1f}' height='{h:.1f}' fill='{fill}'/>"


def _ok(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and not pd.isna(value)


def _tick(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
