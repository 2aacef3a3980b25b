"""Two small chart types drawn directly as SVG: spine charts and trend lines.

Why not a plotting library: the report needs about 500 small charts per refresh (16
per borough). Rendered with matplotlib they took 36 s of a refresh; as plain SVG
(rectangles, lines, circles and text) they take well under a second, stay crisp at
any zoom, keep their labels as real text, and need nothing at view time.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

from jsna.pack import display

COLOURS = {
    "Better": "#1a9850",
    "Similar": "#fdb827",
    "Worse": "#d73027",
    "Higher": "#4575b4",
    "Lower": "#91bfdb",
    "Not compared": "#ffffff",
}
FONT = "font-family='Arial,Helvetica,sans-serif' font-size='12'"
FONT_SMALL = "font-family='Arial,Helvetica,sans-serif' font-size='10'"
GREY = "fill='#777'"


def _t(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    font = FONT if "font-size" not in extra else "font-family='Arial,Helvetica,sans-serif'"  # one size only
    return f"<text x='{x:.1f}' y='{y:.1f}' text-anchor='{anchor}' {font} {extra}>{html.escape(text)}</text>"


def _open(width: float, height: float, title: str, desc: str) -> str:
    """An accessible SVG: screen readers announce its title and description."""
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img'>"
        f"<title>{html.escape(title)}</title><desc>{html.escape(desc)}</desc>"
    )


HIGH_IS_GOOD, LOW_IS_GOOD = "RAG - High is good", "RAG - Low is good"
NUMBER_COLUMNS = ("Value", "England", "Worst", "Best")
NUMBER_WIDTH = 84  # one number column of a spine chart: "Worst/lowest" in bold fits
UNIT_WIDTH = 74  # the spine chart's unit column, left of the numbers
LEGEND_CHARS = 16  # a trend legend line: what fits right of the plot at font size 10


def _wrap(text: str, width: int = 46, lines: int = 2) -> list[str]:
    """A label over at most ``lines`` lines of about ``width`` characters (never cut mid-word
    unless one word is longer than a line; the last line ends with ... if text is left)."""
    words, out, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    out.append(line)
    if len(out) > lines:
        out = out[: lines - 1] + [" ".join(out[lines - 1 :])[: width - 3] + "..."]
    return out


@dataclass(frozen=True)
class _Spine:
    """A spine chart's geometry: label column, bar, row height and where the bar starts."""

    label_width: int
    bar_width: int
    row_height: int
    left: int
    columns: int = len(NUMBER_COLUMNS)
    no_range: str = "no range"


def _spine_row(row: dict, y: float, shape: _Spine) -> list[str]:
    """One indicator's row: its label, its unit and numbers, its comparison and its marks."""
    parts = []
    mid = y + shape.row_height / 2
    label = _wrap(str(row["label"]))
    for k, line in enumerate(label):
        parts.append(_t(shape.label_width - 8, mid + 4 + (k - (len(label) - 1) / 2) * 13, line, "end"))
    parts.append(_t(shape.label_width, mid + 4, str(row.get("unit") or "")[:14], extra="font-size='10' fill='#555'"))
    decimals = int(row.get("decimals", 1))
    low_is_good = row.get("polarity", "") == LOW_IS_GOOD
    lo, hi = row.get("min"), row.get("max")
    worst, best = (hi, lo) if low_is_good else (lo, hi)
    numbers = shape.label_width + UNIT_WIDTH
    for n, v in enumerate([row.get("value"), row.get("england"), worst, best][: shape.columns]):
        text = display.number(v, decimals) or ("-" if n else "no value")
        parts.append(_t(numbers + NUMBER_WIDTH * n + NUMBER_WIDTH - 6, mid + 4, text, "end", "" if _ok(v) else GREY))
    comparison = row.get("comparison") or "Not compared"
    parts.append(_t(shape.left + shape.bar_width + 12, mid + 4, comparison))
    if not (_ok(lo) and _ok(hi)):
        # No range of areas to scale by: a dot would land at an end and read as worst or best.
        note = shape.no_range if _ok(row.get("value")) else ""
        return parts + _england_only(row, shape, y, note)
    centre = row.get("england")
    points = [v for v in (lo, hi, row.get("value"), row.get("region")) if _ok(v)]
    if not _ok(centre):
        centre = (min(points) + max(points)) / 2  # no England value: centred on the range
    half = max([abs(v - centre) for v in points] + [0.0]) or abs(centre) * 0.1 or 1.0
    direction = -1 if low_is_good else 1  # worst on the left

    def x(v: float) -> float:
        return shape.left + shape.bar_width / 2 + direction * (v - centre) / half * (shape.bar_width / 2 - 8)

    return parts + _spine_marks(row, x, y, mid, shape.row_height, COLOURS.get(comparison, "#ffffff"))


def _england_only(row: dict, shape: _Spine, y: float, note: str) -> list[str]:
    """A row with no range: England's line at the centre and the reason there is no dot."""
    parts = []
    mid, ex = y + shape.row_height / 2, shape.left + shape.bar_width / 2
    if _ok(row.get("england")):
        parts.append(_england_line(ex, y, shape.row_height))
    if note:
        parts.append(_t(ex + 8, mid + 4, note, extra=f"font-size='10' {GREY}"))
    return parts


def _england_line(ex: float, y: float, row_height: int) -> str:
    """England's black line across a spine row."""
    return f"<line x1='{ex:.1f}' y1='{y + 4}' x2='{ex:.1f}' y2='{y + row_height - 4}' stroke='black' stroke-width='3'/>"


def _spine_marks(row: dict, x: Any, y: float, mid: float, row_height: int, colour: str) -> list[str]:
    """The range bars, England's line, the region's diamond and the area's circle."""
    parts = []
    lo, hi = row.get("min"), row.get("max")
    if _ok(lo) and _ok(hi):
        a, b = sorted((x(lo), x(hi)))
        parts.append(_rect(a, y + 9, b - a, row_height - 18, "#d9d9d9"))
    if _ok(row.get("q1")) and _ok(row.get("q3")):
        a, b = sorted((x(row["q1"]), x(row["q3"])))
        parts.append(_rect(a, y + 9, b - a, row_height - 18, "#a6a6a6"))
    if _ok(row.get("england")):
        parts.append(_england_line(x(row["england"]), y, row_height))
    if _ok(row.get("region")):
        rx = x(row["region"])
        parts.append(
            f"<path d='M{rx:.1f},{mid - 6:.1f} l6,6 l-6,6 l-6,-6 z' fill='white' stroke='#333' stroke-width='1.5'/>"
        )
    if _ok(row.get("value")):
        parts.append(f"<circle cx='{x(row['value']):.1f}' cy='{mid:.1f}' r='6' fill='{colour}' stroke='black'/>")
    return parts


def spine_chart(
    rows: list[dict],
    title: str = "Spine chart",
    label_width: int = 300,
    bar_width: int = 300,
    row_height: int = 34,
    no_range: str = "no range",
) -> str:
    """One row per indicator, drawn as Fingertips draws spine charts.

    England sits at the centre of every row; each row is scaled so that the area furthest
    from England reaches the end of the bar, with the worst end on the left and the best on
    the right by polarity (low-is-good rows are flipped; without polarity, lowest left).
    Light grey: worst to best area; darker: the 25th-75th percentiles; black line: England;
    diamond: the region; circle: the area, coloured and worded by its comparison. The
    unit and the numbers (area, England, worst, best) stand beside the bar, at display
    precision. A row with no range (a footprint's) has no circle, which would land at an end
    and read as worst or best: ``no_range`` says why; with no range on any row the worst and
    best columns are left out.

    Each row: ``label``, ``comparison``, ``value``, ``england``, ``region``, ``min``, ``q1``,
    ``q3``, ``max``, ``polarity``, ``decimals``, ``unit``.
    """
    # Worst and best (or lowest and highest) only where some row has a range of areas.
    ranged = any(_ok(r.get("min")) and _ok(r.get("max")) for r in rows)
    columns = NUMBER_COLUMNS if ranged else NUMBER_COLUMNS[:2]
    left = label_width + UNIT_WIDTH + NUMBER_WIDTH * len(columns)
    width = left + bar_width + 110
    height = row_height * len(rows) + 28
    desc = "; ".join(f"{r['label']}: {r.get('comparison') or 'Not compared'} compared with England" for r in rows)
    parts = [_open(width, height, title, desc)]
    low_end, high_end = _ends(rows)
    parts.append(_t(label_width, 14, "Unit", extra="font-weight='bold'"))
    for n, name in enumerate(columns):
        name = {"Worst": low_end, "Best": high_end}.get(name, name)
        x = label_width + UNIT_WIDTH + NUMBER_WIDTH * n + NUMBER_WIDTH - 6
        parts.append(_t(x, 14, name, "end", "font-weight='bold'"))
    if ranged:
        parts.append(_t(left + 4, 14, low_end, extra="font-weight='bold'"))
        parts.append(_t(left + bar_width - 4, 14, high_end, "end", "font-weight='bold'"))
    shape = _Spine(label_width, bar_width, row_height, left, len(columns), no_range)
    for i, row in enumerate(rows):
        parts += _spine_row(row, 22 + i * row_height, shape)
    parts.append("</svg>")
    return "".join(parts)


def _ends(rows: list[dict]) -> tuple[str, str]:
    """What the two ends of the bars are: worst and best where every row has a polarity,
    lowest and highest where none has, both words where the chart mixes them."""
    polar = [r.get("polarity") in (HIGH_IS_GOOD, LOW_IS_GOOD) for r in rows]
    if all(polar):
        return "Worst", "Best"
    if not any(polar):
        return "Lowest", "Highest"
    return "Worst/lowest", "Best/highest"


def trend_chart(
    title: str,
    periods: list[str],
    series: list[tuple[str, list[float | None], str] | tuple[str, list[float | None], str, str]],
    *,
    unit: str = "",
    whiskers: list[tuple[float | None, float | None]] | None = None,
) -> str:
    """Lines over time: ``series`` is (name, values per period, dash pattern[, colour]); ``whiskers``
    the first series' 95% confidence interval per period. Round ticks (as many decimals as
    their step needs), gridlines, the unit on the axis."""
    # Room below the plot for the longest period label, drawn at 30 degrees (never clipped).
    longest = max((len(p) for p in periods), default=0)
    width, left, right, top, bottom = 440, 56, 120, 22, max(52, 20 + math.ceil(longest * 3.1))
    height = 168 + bottom
    values = [v for _, vs, *_ in series for v in vs if _ok(v)]
    desc = f"{title} ({unit}) from {periods[0]} to {periods[-1]}: " if periods else f"{title}: "
    desc += "; ".join(name for name, *_ in series)
    parts = [_open(width, height, f"Trend: {title}", desc)]
    parts.append(_t(width / 2, 14, title[:50], "middle", "font-weight='bold'"))
    if not values or not periods:
        parts.append(_t(width / 2, height / 2, "no values", "middle"))
        return "".join(parts) + "</svg>"
    bounds = [v for pair in whiskers or [] for v in pair if _ok(v)]
    ticks = _round_ticks(min(values + bounds), max(values + bounds))
    lo, hi = ticks[0], ticks[-1]
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(i: int) -> float:
        return left + (plot_w * i / max(1, len(periods) - 1) if len(periods) > 1 else plot_w / 2)

    def py(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    parts.append(f"<line x1='{left}' y1='{top + plot_h}' x2='{left + plot_w}' y2='{top + plot_h}' stroke='#444'/>")
    parts.append(f"<line x1='{left}' y1='{top}' x2='{left}' y2='{top + plot_h}' stroke='#444'/>")
    step_decimals = max(0, -math.floor(math.log10(ticks[1] - ticks[0]))) if len(ticks) > 1 else 0
    for tick in ticks:
        y = py(tick)
        parts.append(f"<line x1='{left}' y1='{y:.1f}' x2='{left + plot_w}' y2='{y:.1f}' stroke='#e0e0e0'/>")
        text = f"{tick:,.{step_decimals}f}"
        parts.append(_t(left - 4, y + 4, text, "end", "font-size='10'"))
    if unit:
        parts.append(_t(4, top - 8, unit[:24], extra="font-size='10' fill='#555'"))
    for i, label in enumerate(periods):
        parts.append(
            f"<text transform='translate({px(i):.1f},{top + plot_h + 12}) rotate(30)' {FONT_SMALL}>"
            f"{html.escape(label)}</text>"
        )
    for i, (low, high) in enumerate(whiskers or []):
        if _ok(low) and _ok(high):
            x, y1, y2 = px(i), py(low), py(high)
            parts.append(
                f"<path d='M{x:.1f},{y1:.1f} V{y2:.1f} M{x - 4:.1f},{y1:.1f} h8 M{x - 4:.1f},{y2:.1f} h8' "
                "stroke='#777' stroke-width='1.2' fill='none'/>"
            )
    parts += _trend_series(series, px, py, left + plot_w + 14, top)
    parts.append("</svg>")
    return "".join(parts)


def _legend_lines(name: str, width: int = LEGEND_CHARS) -> list[str]:
    """A legend name over as many lines as it needs, broken between words: never cut."""
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


def _trend_series(series: list, px: Any, py: Any, legend_x: float, top: float) -> list[str]:
    """Each series' line and points, in its colour and dash (the two together tell the
    area, its region and England apart, in colour or not), and its legend right of the
    plot, the whole name wrapped."""
    parts = []
    ly = top + 10
    for name, vals, dash, *given in series:
        colour = given[0] if given else "black"
        points = [(px(i), py(v)) for i, v in enumerate(vals) if _ok(v)]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f"<polyline points='{path}' fill='none' stroke='{colour}' stroke-width='2' stroke-dasharray='{dash}'/>"
            )
            for x, y in points:
                parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3' fill='{colour}'/>")
        lx = legend_x
        parts.append(
            f"<line x1='{lx}' y1='{ly}' x2='{lx + 22}' y2='{ly}' stroke='{colour}' stroke-width='2' "
            f"stroke-dasharray='{dash}'/>"
        )
        for k, line in enumerate(_legend_lines(name)):
            parts.append(_t(lx + 26, ly + 4 + 11 * k, line, extra="font-size='10'"))
        ly += 11 * len(_legend_lines(name)) + 6
    return parts


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f"<rect x='{x:.1f}' y='{y:.1f}' width='{max(w, 1):.1f}' height='{h:.1f}' fill='{fill}'/>"


def _ok(value: object) -> bool:
    return not display.missing(value)


def _round_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round axis ticks (1, 2 or 5 times a power of ten) covering ``lo`` to ``hi``."""
    span = (hi - lo) or abs(hi) or 1.0
    raw = span / (count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(lo / step) * step
    last = math.ceil(hi / step) * step
    if first == last:
        first, last = first - step, last + step
    n = round((last - first) / step)
    return [first + i * step for i in range(n + 1)]


def ranked_bars(
    title: str,
    bars: list[tuple[str, float | None, str]],
    *,
    council: tuple[str, float | None],
    england: float | None,
    unit: str = "",
    decimals: int = 1,
) -> str:
    """A council's neighbourhoods ranked by value, highest first: one bar per MSOA, its value
    and the comparison word beside it, with the council's (dashed) and England's (solid)
    value as vertical lines. ``bars`` is (name, value, comparison); a suppressed value has
    no bar and says so."""
    row_h, left, right, top = 18, 190, 170, 34
    width, height = 720, top + row_h * len(bars) + 30
    ordered = sorted(bars, key=lambda b: (not _ok(b[1]), -(b[1] if _ok(b[1]) else 0), b[0]))
    values = [v for _, v, _ in ordered if _ok(v)] + [v for v in (council[1], england) if _ok(v)]
    desc = f"{title} ({unit}) in {len(bars)} neighbourhoods, highest first, with {council[0]} and England"
    parts = [_open(width, height, f"Neighbourhoods: {title}", desc)]
    parts.append(_t(width / 2, 14, title[:80], "middle", "font-weight='bold'"))
    if not values:
        parts.append(_t(width / 2, height / 2, "no values", "middle"))
        return "".join(parts) + "</svg>"
    hi = _round_ticks(0, max(values))[-1] if max(values) > 0 else 1.0
    plot_w = width - left - right

    def px(v: float) -> float:
        return left + plot_w * max(v, 0) / hi

    for n, (name, value, word) in enumerate(ordered):
        y = top + n * row_h
        parts.append(_t(left - 6, y + 12, name[:30], "end", "font-size='10'"))
        if not _ok(value):
            parts.append(_t(left + 4, y + 12, "suppressed or not available", extra="font-size='10' fill='#555'"))
            continue
        fill = COLOURS.get(word, "#bdbdbd") if word != "Not compared" else "#bdbdbd"
        parts.append(_rect(left, y + 2, px(value) - left, row_h - 5, fill))  # type: ignore[arg-type]
        label = f"{display.with_unit(display.number(value, decimals), unit)}  {word or 'Not compared'}"
        parts.append(_t(left + plot_w + 6, y + 12, label, extra="font-size='10'"))
    bottom = top + row_h * len(ordered)
    for value, dash in ((council[1], "5,3"), (england, "")):
        if _ok(value):
            x = px(value)  # type: ignore[arg-type]
            parts.append(
                f"<line x1='{x:.1f}' y1='{top - 4}' x2='{x:.1f}' y2='{bottom:.1f}' stroke='black' "
                f"stroke-width='1.5' stroke-dasharray='{dash}'/>"
            )
    legend = f"dashed: {council[0]} {display.number(council[1], decimals)}; solid: England "
    legend += display.number(england, decimals)
    parts.append(_t(left, top - 8, legend[:110], extra="font-size='10' fill='#333'"))
    parts.append(_t(left, bottom + 16, f"0 to {hi:,g} {unit}".strip(), extra="font-size='10' fill='#555'"))
    parts.append("</svg>")
    return "".join(parts)
