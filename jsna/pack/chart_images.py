"""The report's SVG charts as PNG pictures, for a document that shows pictures (the Word
chapter): the same drawing as the page, never a second chart to keep in step with it.

resvg (``resvg_py``, a Rust renderer with no system library to install) draws a chart in
milliseconds. The charts name Arial; Liberation Sans has Arial's metrics, so labels take
the space the SVG gave them. The font files are passed explicitly (a scan of the system's
fonts costs more than the drawing); where none of them exists the system's fonts are used.
"""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path

# (family, regular, bold): the first found is used. Debian/Ubuntu, Fedora, macOS, Windows.
FONTS = (
    ("Liberation Sans", "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ("Liberation Sans", "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf"),
    ("Liberation Sans", "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
     "/usr/share/fonts/liberation-sans/LiberationSans-Bold.ttf"),
    ("DejaVu Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("Arial", "/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf"),
    ("Arial", "C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
)  # fmt: skip
# A spine chart 1120 px wide on a 17 cm column at zoom 1.5 prints at about 250 dpi, a
# trend chart on 11 cm at about 200; zoom 2 cost half as much again a chart.
ZOOM = 1.5
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_DESC = re.compile(r"<desc>(.*?)</desc>", re.S)


@functools.cache
def _fonts() -> dict[str, object]:
    """resvg's font options: the first family of ``FONTS`` on this machine, else the system's."""
    for family, *files in FONTS:
        found = [f for f in files if Path(f).is_file()]
        if found:
            return {"font_files": found, "skip_system_fonts": True, "sans_serif_family": family}
    return {}


@functools.lru_cache(maxsize=256)
def png(svg: str, zoom: float = ZOOM) -> bytes:
    """The chart drawn on white at ``zoom`` times its SVG size. The same chart is drawn once
    per process (a long-lived worker or daemon redraws only what changed; about 13 MB at
    most for the cache)."""
    import resvg_py  # imported when a chapter is drawn: the rest of a run never needs it

    return resvg_py.svg_to_bytes(svg_string=svg, zoom=zoom, background="#ffffff", **_fonts())


def alt_text(svg: str) -> tuple[str, str]:
    """The chart's title and its description (what it shows, in words), from the SVG's own
    ``<title>`` and ``<desc>``: the picture's alt text says what the page's chart says."""
    title, desc = _TITLE.search(svg), _DESC.search(svg)
    return (html.unescape(title.group(1)) if title else "", html.unescape(desc.group(1)) if desc else "")
