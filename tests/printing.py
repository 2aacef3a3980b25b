"""LibreOffice headless and poppler for the tests that print a file as a person would:
convert it to PDF, then read each page's words and where they stand."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice or poppler is not installed (apt-get install libreoffice-calc poppler-utils)",
)
needs_libreoffice_writer = pytest.mark.skipif(
    shutil.which("lowriter") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice Writer or poppler is not installed (apt-get install libreoffice-writer poppler-utils)",
)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


@dataclass(frozen=True)
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


def to_pdf(document: Path, folder: Path, timeout: float = 180) -> Path:
    """The document printed to PDF by LibreOffice, with a throw-away profile (two tests
    converting at once would otherwise share one and fail)."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder),
                str(document),
            ],  # fmt: skip
            capture_output=True,
            check=True,
            timeout=timeout,
        )
    return folder / f"{document.stem}.pdf"


def pages(pdf: Path) -> list[list[Word]]:
    """Each page's words with their boxes, in reading order (``pdftotext -bbox``)."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [
        [Word(float(a), float(b), float(c), float(d), html.unescape(t)) for a, b, c, d, t in _WORD.findall(page)]
        for page in boxes.split("<page ")[1:]
    ]


def text(page: list[Word]) -> str:
    return " ".join(w.text for w in page)


def overlapping(page: list[Word]) -> list[tuple[str, str]]:
    """Pairs of words printed over each other: a cell's text running into the next cell,
    or a wrapped sentence taller than its row printing over the rows below."""
    found, active = [], []
    for word in sorted(page, key=lambda w: w.x0):
        active = [a for a in active if a.x1 > word.x0 + 0.5]
        for a in active:
            shared = min(a.y1, word.y1) - max(a.y0, word.y0)
            if shared > 0.3 * min(a.y1 - a.y0, word.y1 - word.y0):
                found.append((a.text, word.text))
        active.append(word)
    return found
