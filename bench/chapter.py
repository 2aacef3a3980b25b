"""Benchmark: the cost of one area's Word chapter beside its report and workbook.

Publishes three London councils from the offline sample API into a temporary folder,
then rebuilds each area's report, workbook and chapter from the published tables
``--runs`` times in this process and prints the median and minimum milliseconds of each
(the chapter with every chart drawn, and with its charts from the process's cache).

    .venv/bin/python -m bench.chapter --runs 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.common import machine, sample_api
from jsna import layout
from jsna.pack import chart_images
from jsna.pack.chapter import ChapterPack, area_chapter
from jsna.pack.report import area_report
from tests.pipeline_helpers import refresh
from tests.test_pack_bytes import report_pack_of, workbook_of

AREAS = ("southwark", "lambeth", "lewisham")


def _ms(work, runs: int) -> dict[str, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1)}


def _drawn(chapter: ChapterPack) -> bytes:
    """A chapter whose charts are all drawn (none from the process's memory, none from an
    empty cache folder of its own)."""
    chart_images.png.cache_clear()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["JSNA_CACHE_DIR"] = cache
        try:
            return area_chapter(chapter)
        finally:
            del os.environ["JSNA_CACHE_DIR"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp()) / "out"
    with sample_api() as server:
        assert refresh(server.base_url, out, "--borough", *AREAS) == 0
    dictionary = pd.read_csv(out / layout.dictionary("csv", True), keep_default_na=False, encoding="utf-8-sig")
    results = {}
    for slug in AREAS:
        report, chapter = report_pack_of(out, slug), ChapterPack(report_pack_of(out, slug, neighbourhoods=False),
                                                                 dictionary, "http://127.0.0.1/api")  # fmt: skip
        area_chapter(chapter)  # imports and fonts once, as a worker does
        results[slug] = {
            "report": _ms(lambda report=report: area_report(report), args.runs),
            "workbook": _ms(lambda slug=slug: workbook_of(out, slug), args.runs),
            "chapter": _ms(lambda chapter=chapter: _drawn(chapter), args.runs),
            "chapter_charts_cached": _ms(lambda chapter=chapter: area_chapter(chapter), args.runs),
            "chapter_bytes": len(area_chapter(chapter)),
        }
    print(json.dumps({"machine": machine(), "runs": args.runs, "areas": results}, indent=2))


if __name__ == "__main__":
    main()
