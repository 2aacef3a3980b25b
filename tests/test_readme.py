"""The README's examples, run as a reader runs them: every Python block, as written, in a
folder whose ``data/output`` (and ``data/sample``) is a sample publication."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_the_readme_has_examples():
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("block", range(len(BLOCKS)))
def test_every_python_block_of_the_readme_runs_on_a_sample_publication(block, published, tmp_path):
    out, _ = published
    (tmp_path / "data").mkdir()
    for name in ("output", "sample"):
        (tmp_path / "data" / name).symlink_to(out, target_is_directory=True)
    printed = io.StringIO()
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(BLOCKS[block], f"README.md block {block + 1}", "exec"), {"__name__": "readme"})  # noqa: S102
    finally:
        os.chdir(before)
    text = printed.getvalue()
    assert text.strip(), "each example prints what it found"
    assert "Empty DataFrame" not in text and "0 rows" not in text, text
