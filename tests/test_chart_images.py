"""The charts drawn as pictures for the Word chapter, and the disk cache that keeps them:
a kept picture is the one resvg draws, a damaged one is drawn again, and a cache that
cannot be written costs only time."""

from __future__ import annotations

from pathlib import Path

import pytest

from jsna.pack import chart_images

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
    "<title>Test chart</title><desc>A bar and a label</desc>"
    '<rect x="4" y="4" width="80" height="12" fill="#0072B2"/>'
    '<text x="4" y="34" font-family="Arial" font-size="12">Southwark 6.0%</text></svg>'
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def draws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Each SVG resvg was asked to draw, with a cache folder of the test's own and the
    process's memory of drawn charts cleared."""
    import resvg_py

    monkeypatch.setenv("JSNA_CACHE_DIR", str(tmp_path / "cache"))
    chart_images.png.cache_clear()
    drawn: list[str] = []
    real = resvg_py.svg_to_bytes

    def counted(**kwargs: object) -> list[int]:
        drawn.append(str(kwargs["svg_string"]))
        return real(**kwargs)

    monkeypatch.setattr(resvg_py, "svg_to_bytes", counted)
    yield drawn
    chart_images.png.cache_clear()


def _kept(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "charts").glob("*/*.png"))


def test_a_chart_drawn_once_is_found_on_disk_by_the_next_process(draws: list[str], tmp_path: Path) -> None:
    first = chart_images.png(SVG)
    chart_images.png.cache_clear()  # as a new process: nothing in memory
    second = chart_images.png(SVG)
    assert first.startswith(PNG_SIGNATURE)
    assert second == first
    assert draws == [SVG]  # drawn once, then read back
    assert len(_kept(tmp_path)) == 1


def test_another_zoom_or_chart_is_another_picture(draws: list[str], tmp_path: Path) -> None:
    plain = chart_images.png(SVG)
    larger = chart_images.png(SVG, zoom=3)
    other = chart_images.png(SVG.replace("80", "60"))
    assert len({plain, larger, other}) == 3
    assert len(draws) == 3
    assert len(_kept(tmp_path)) == 3


@pytest.mark.parametrize("damage", ["cut short", "one byte changed", "emptied"])
def test_a_damaged_picture_is_drawn_again_and_replaced(draws: list[str], tmp_path: Path, damage: str) -> None:
    good = chart_images.png(SVG)
    (kept,) = _kept(tmp_path)
    body = kept.read_bytes()
    damaged = {"cut short": body[: len(body) // 2], "one byte changed": body[:-1] + bytes([body[-1] ^ 1]),
               "emptied": b""}[damage]  # fmt: skip
    kept.write_bytes(damaged)
    chart_images.png.cache_clear()
    assert chart_images.png(SVG) == good
    assert len(draws) == 2
    assert kept.read_bytes() == body


def test_a_cache_folder_that_cannot_be_written_still_gives_the_picture(
    draws: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("JSNA_CACHE_DIR", str(blocker))
    picture = chart_images.png(SVG)
    assert picture.startswith(PNG_SIGNATURE)
    assert blocker.read_text() == "a file where the cache folder should be"
    assert not list(tmp_path.glob("**/*.tmp"))  # no half-written picture left behind


def test_pictures_not_used_for_long_are_removed(
    draws: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import time

    chart_images.png(SVG)
    (old,) = _kept(tmp_path)
    long_ago = time.time() - (chart_images.KEEP_DAYS + 1) * 86400
    os.utime(old, (long_ago, long_ago))
    monkeypatch.setattr(chart_images, "_pruned", False)
    chart_images.png(SVG.replace("80", "60"))  # storing a new picture prunes once
    assert old not in _kept(tmp_path)
    assert len(_kept(tmp_path)) == 1
