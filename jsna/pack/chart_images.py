"""The report's SVG charts as PNG pictures, for a document that shows pictures (the Word
chapter): the same drawing as the page, never a second chart to keep in step with it.

resvg (``resvg_py``, a Rust renderer with no system library to install) draws a chart in
milliseconds. The charts name Arial; Liberation Sans has Arial's metrics, so labels take
the space the SVG gave them. The font files are passed explicitly (a scan of the system's
fonts costs more than the drawing); where none of them exists the system's fonts are used.

Drawing is still the chapter's largest cost (about 40 ms a chart, 16 charts a council), and
most charts are the same from one night to the next. So each picture is also kept on disk,
under the cache folder (``JSNA_CACHE_DIR``, default ``~/.cache/jsna``), named by a hash of
what made it: the SVG, the zoom, resvg's version and the font files. A picture found there
is the one resvg would draw, byte for byte; one that fails its own checksum (cut short,
damaged) is drawn again. A folder that cannot be written only means charts are redrawn.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import os
import re
import time
from importlib.metadata import version
from pathlib import Path

from jsna import environment
from jsna.publication.files import write_atomic

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
# A picture not used for this long is removed (the first time a process stores one).
KEEP_DAYS = 60
_pruned = False


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
    most for the cache), and once per machine while it is kept on disk."""
    path = _cached_path(svg, zoom)
    found = _read(path)
    if found is not None:
        return found
    import resvg_py  # imported when a chart is drawn: the rest of a run never needs it

    drawn = bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=zoom, background="#ffffff", **_fonts()))
    _store(path, drawn)
    return drawn


def cache_dir() -> Path:
    """Where drawn charts are kept (a folder of the cache folder the object stores use too)."""
    return environment.cache_folder() / "charts"


@functools.cache
def _renderer() -> bytes:
    """What, beside the SVG, decides the picture's bytes: resvg's version and the fonts (each
    file by size and modification time, so an updated font redraws every chart)."""
    fonts = _fonts()
    stamps = []
    for name in fonts.get("font_files", []):  # type: ignore[union-attr]
        stat = os.stat(name)
        stamps.append(f"{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return f"resvg_py {version('resvg_py')}|{sorted(fonts.items())!r}|{stamps}".encode()


def _cached_path(svg: str, zoom: float) -> Path:
    key = hashlib.sha256(_renderer() + f"|{zoom!r}|".encode() + svg.encode()).hexdigest()
    return cache_dir() / key[:2] / f"{key}.png"


def _read(path: Path) -> bytes | None:
    """The picture kept at ``path``, or None when there is none or it fails its checksum (the
    first 32 bytes are the sha256 of the rest)."""
    try:
        kept = path.read_bytes()
    except OSError:
        return None
    digest, picture = kept[:32], kept[32:]
    if len(kept) <= 32 or hashlib.sha256(picture).digest() != digest:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # used now: kept another KEEP_DAYS
    return picture


def _store(path: Path, picture: bytes) -> None:
    """Keep a drawn picture (written whole, then renamed into place: a reader never sees half
    of one; not synced, since a lost picture is only drawn again). Any failure to write
    leaves the chart drawn and the cache as it was."""
    try:
        write_atomic(path, hashlib.sha256(picture).digest() + picture, sync=False)
    except OSError:
        return
    _prune(path.parent.parent)


def _prune(folder: Path) -> None:
    """Once per process, remove pictures not used for ``KEEP_DAYS`` days, so the cache holds
    what recent charts look like rather than every chart ever drawn."""
    global _pruned
    if _pruned:
        return
    _pruned = True
    oldest = time.time() - KEEP_DAYS * 86400
    for picture in folder.glob("*/*"):
        with contextlib.suppress(OSError):
            if picture.stat().st_mtime < oldest:
                picture.unlink()


def alt_text(svg: str) -> tuple[str, str]:
    """The chart's title and its description (what it shows, in words), from the SVG's own
    ``<title>`` and ``<desc>``: the picture's alt text says what the page's chart says."""
    title, desc = _TITLE.search(svg), _DESC.search(svg)
    return (html.unescape(title.group(1)) if title else "", html.unescape(desc.group(1)) if desc else "")
