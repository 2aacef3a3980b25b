"""``jsna ui``: the Dagster UI (``dagster dev``) as a process that stops when told.

``dagster dev`` started from a shell, ``make`` or a service manager inherits that
parent's signal dispositions; with SIGTERM ignored it kept running for an hour after its
parent ended. Here it runs in a process group of its own with SIGTERM and SIGINT at
their defaults; a SIGTERM or Ctrl-C to ``jsna ui`` is passed to the whole group, and
whatever still runs after the grace period is killed, so nothing outlives the command.
With ``--sample-api PORT`` the offline sample API runs inside this process too (a thread),
so ``make ui-sample`` is one tree that stops as one.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

GRACE_SECONDS = 20.0  # SIGTERM to SIGKILL: well inside the 30 s a service manager allows
ROOT = Path(__file__).resolve().parent.parent


def default_signals() -> None:
    """In the child, before ``dagster dev`` starts: the default dispositions, whatever
    this process inherited."""
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)


def run_ui(args: argparse.Namespace) -> int:
    """Start ``dagster dev`` (and the sample API), wait, and stop the whole tree on a signal."""
    sample = None
    if args.sample_api:
        from jsna.sample_api.faults import SampleApiState
        from jsna.sample_api.server import SampleApiServer

        sample = SampleApiServer("127.0.0.1", args.sample_api, SampleApiState())
        threading.Thread(target=sample.serve_forever, daemon=True).start()
        print(f"Sample Fingertips API (SYNTHETIC DATA) at {sample.base_url}", flush=True)
    dagster = Path(sys.executable).with_name("dagster")
    command = [str(dagster), "dev", "-w", str(ROOT / "workspace.yaml"), "-h", args.host, "-p", str(args.port)]
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, preexec_fn=default_signals)  # noqa: PLW1509
    stopping = threading.Event()

    def stop(signum: int, frame: object) -> None:
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop)
    try:
        while process.poll() is None and not stopping.wait(0.5):
            pass
    finally:
        _stop_group(process)
        if sample is not None:
            sample.shutdown()
            sample.server_close()
    if stopping.is_set():
        print("jsna ui: stopped", file=sys.stderr)
        return 0
    return process.returncode or 0


def _stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the group; after the grace period SIGKILL to whatever of it is left, the
    leader gone or not (its children may outlive it)."""
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        pass
    _signal_group(process.pid, signal.SIGKILL)
    process.wait()


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass
