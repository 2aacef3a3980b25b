"""6. The process SIGKILLed while writing outputs: every file is whole (old or new), and
the manifest matches the files on disk once the interrupted publication is finished
(by the next refresh or ``jsna verify``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from jsna.publication import OutputRoot
from tests.pipeline_helpers import copied_publication, good_fixture, refresh, snapshot
from tests.reliability.conftest import BOROUGHS, run_cli

pytestmark = pytest.mark.long  # handed to a worker first (tests/conftest.py)

REBUILT_EVERY_RUN = ("areas/", "london/", "data_dictionary_SYNTHETIC.csv", "index.html", "quarantine/")


good = good_fixture("--borough", *BOROUGHS)


out = copied_publication


def assert_one_publication(root: Path) -> None:
    """Every file a run rebuilds was committed from one data fingerprint, and every
    Parquet table says it was built from the raw data the manifest names."""
    manifest = json.loads((root / "manifest.json").read_text())
    files = {k: v for k, v in manifest["files"].items() if k.startswith(REBUILT_EVERY_RUN)}
    assert files and {v["data"] for v in files.values()} == {manifest["data_fingerprint"]}
    for relpath in files:
        if relpath.endswith(".parquet") and not relpath.startswith("quarantine/"):
            meta = pq.read_schema(root / relpath).metadata
            assert meta[b"jsna:raw_digest"].decode() == manifest["raw_digest"], relpath


def assert_every_file_whole(root: Path) -> None:
    for path in root.rglob("*.parquet"):
        if ".staging" not in path.parts:
            pq.read_table(path)  # raises on a partial file
    for path in root.rglob("*.csv"):
        if ".staging" not in path.parts:
            # Arrow's reader, not pandas': a row cut short has too few fields and is refused,
            # where pandas pads it silently (and guesses each column's type, with a warning).
            pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True))
    json.loads((root / "manifest.json").read_text())


@pytest.mark.parametrize("point", ["publish:staging", "publish:before-journal", "publish:after-journal",
                                   "publish:mid-rename"])  # fmt: skip
def test_sigkill_at_each_point_of_a_publication(point, server, out):
    before = snapshot(out)
    server.state.revisions = {848: 1, 41001: 1}  # the next publication changes files
    killed = run_cli("refresh", "--api-url", server.base_url, "--output", str(out), "--borough", *BOROUGHS,
                     env={"JSNA_FAILPOINT": point})  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    assert_every_file_whole(out)
    if point in ("publish:staging", "publish:before-journal"):
        assert snapshot(out) == before  # killed before the commit point: nothing published
    done = run_cli("verify", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert OutputRoot(out).verify() == []
    assert_every_file_whole(out)
    assert_one_publication(out)
    # The next refresh finishes the job: the new data is published, whole.
    assert refresh(server.base_url, out, "--borough", *BOROUGHS) == 0
    assert snapshot(out) != before
    assert_one_publication(out)
    assert not any((out / ".staging").iterdir())  # a killed run's staging is gone at once


def test_sigkill_at_a_random_moment_of_writing(server, out):
    """Without a failpoint: kill as soon as staging starts, whatever is being written then."""
    server.state.revisions = {848: 1}
    env = {**os.environ, "CI": "true"}
    env.pop("DAGSTER_HOME", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "refresh", "--api-url", server.base_url, "--output", str(out),
         "--borough", *BOROUGHS],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    staging = out / ".staging"
    for _ in range(3000):  # polling, not a timing assertion
        if proc.poll() is not None or (staging.exists() and any(p.is_dir() for p in staging.iterdir())):
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the refresh ended before it was killed: the test would prove nothing"
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL  # killed mid-refresh, not ended on its own
    assert_every_file_whole(out)
    assert run_cli("verify", "--output", str(out)).returncode == 0
    assert OutputRoot(out).verify() == []


def test_sigkill_after_the_journal_still_removes_what_the_publication_retires(server, out):
    """Files a publication removes (here the old ``boroughs/`` layout) are listed in its
    journal: killed after the commit point, the roll-forward removes them, and the
    manifest never names a file that is gone."""
    manifest = json.loads((out / "manifest.json").read_text())
    old = out / "boroughs" / BOROUGHS[0]
    old.mkdir(parents=True)
    (old / "indicator_values.parquet").write_bytes(
        (out / "areas" / BOROUGHS[0] / "indicator_values.parquet").read_bytes()
    )
    manifest["files"][f"boroughs/{BOROUGHS[0]}/indicator_values.parquet"] = manifest["files"][
        f"areas/{BOROUGHS[0]}/indicator_values.parquet"
    ]
    (out / "manifest.json").write_text(json.dumps(manifest))
    server.state.revisions = {848: 1}
    killed = run_cli("refresh", "--api-url", server.base_url, "--output", str(out), "--borough", *BOROUGHS,
                     env={"JSNA_FAILPOINT": "publish:after-journal"})  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    assert (old / "indicator_values.parquet").exists()  # the renames and removals had not run
    done = run_cli("verify", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert not (out / "boroughs").exists()
    assert not [f for f in json.loads((out / "manifest.json").read_text())["files"] if f.startswith("boroughs/")]
    assert OutputRoot(out).verify() == []
