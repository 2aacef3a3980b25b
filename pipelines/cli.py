"""The ``jsna`` command: ``jsna refresh`` and ``jsna sample-api``.

``jsna refresh`` runs the Dagster graph in-process (the same assets the UI runs) and
prints where the outputs are. On failure it exits non-zero with a one-line reason, no
traceback: an analyst should be told what to do, not shown a stack.

Dagster and the assets are imported inside the commands that run them, so ``jsna
sample-api`` and ``jsna verify`` start without loading the whole graph.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

from jsna.publication import ManifestDamagedError
from jsna.remote import open_output_root
from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import SampleApiServer
from pipelines.environment import PARTS, Launch
from pipelines.messages import EXIT_FAILED, fail, interrupted
from pipelines.refresh import refresh


def verify(args: argparse.Namespace) -> int:
    """Finish any interrupted publication, then check the manifest against the files."""

    root = open_output_root(Launch.load().with_flags(output_dir=args.output).output_dir)
    if root.pending():  # only then is anything written: verify runs on a read-only copy too
        with root.lock():
            root.recover(discard=False)
    try:
        problems = root.verify()
    except ManifestDamagedError as exc:
        print(f"error: {exc}; the next jsna refresh rebuilds it from the files", file=sys.stderr)
        return EXIT_FAILED
    for problem in problems:
        print(f"mismatch: {problem}", file=sys.stderr)
    if problems:
        return EXIT_FAILED
    files = len(root.read_manifest().get("files", {}))
    print(f"OK: manifest.json matches the {files} files on disk in {root.root}")
    return 0


def sample_api(args: argparse.Namespace) -> int:

    state = SampleApiState()
    if args.config:
        state.configure(json.loads(Path(args.config).read_text()))
    server = SampleApiServer(args.host, args.port, state)
    print(f"Sample Fingertips API (SYNTHETIC DATA) at {server.base_url}", flush=True)
    print(f"  e.g. FINGERTIPS_API_URL={server.base_url} jsna refresh --output data/sample", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _ui(args: argparse.Namespace) -> int:
    from pipelines.ui import run_ui

    return run_ui(args)


def _what_to_publish(r: argparse.ArgumentParser) -> None:
    """Where from, where to and which areas: each over ``jsna.toml`` and the environment."""
    r.add_argument("--api-url", help="Fingertips API base URL (default: $FINGERTIPS_API_URL or the live API)")
    r.add_argument("--output", help="output folder (default: jsna.toml, $JSNA_OUTPUT_DIR)")
    r.add_argument(
        "--region",
        help="which areas: a region's slug, name or code (north-west, E12000002) or england "
        "(default: jsna.toml, $JSNA_REGION; else london)",
    )
    r.add_argument(
        "--area-type",
        type=int,
        help="502 upper tier (counties and unitary authorities) or 501 lower tier "
        "(default: jsna.toml, $JSNA_AREA_TYPE; else 502)",
    )
    r.add_argument(
        "--area",
        "--borough",
        nargs="+",
        metavar="SLUG",
        dest="areas",
        help="only these areas (e.g. southwark lewisham)",
    )
    r.add_argument(
        "--footprints",
        metavar="FILE",
        help="custom footprints (YAML: slug, name, members) published under footprints/ "
        "(default: jsna.toml, $JSNA_FOOTPRINTS)",
    )
    r.add_argument(
        "--drop",
        nargs="+",
        choices=PARTS,
        help="leave these parts of the last publication out of this one (footprints, icbs); refused otherwise",
    )


def _what_to_accept(r: argparse.ArgumentParser) -> None:
    """What to fetch again, and what an operator accepts after checking Fingertips."""
    r.add_argument("--full", action="store_true", help="fetch every indicator, even those unchanged upstream")
    r.add_argument(
        "--accept-shrink",
        nargs="+",
        type=int,
        metavar="ID",
        help="accept these indicators' emptied, shrunk or renamed answers (after checking Fingertips)",
    )
    r.add_argument(
        "--accept-metadata",
        nargs="+",
        type=int,
        metavar="ID",
        help="accept these indicators' changed polarity, unit or value type (after checking Fingertips)",
    )
    r.add_argument(
        "--accept-area-changes",
        action="store_true",
        help="accept an area list that lost more than a few areas (after checking Fingertips)",
    )
    r.add_argument("--log-level", default="CRITICAL", choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jsna", description="The mental wellbeing JSNA pipeline.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every API request (URL, status, bytes, s)")
    sub = parser.add_subparsers(dest="command", required=True)

    r = sub.add_parser("refresh", help="fetch, validate and publish the JSNA dataset")
    _what_to_publish(r)
    _what_to_accept(r)
    r.set_defaults(func=refresh)

    v = sub.add_parser("verify", help="finish an interrupted publication and check the manifest against the files")
    v.add_argument("--output", help="output folder (default: $JSNA_OUTPUT_DIR or data/output)")
    v.set_defaults(func=verify)

    u = sub.add_parser("ui", help="the Dagster UI (dagster dev), stopped whole by SIGTERM or Ctrl-C")
    u.add_argument("--host", default="127.0.0.1")
    u.add_argument("--port", type=int, default=3000)
    u.add_argument("--sample-api", type=int, metavar="PORT", help="also serve the offline sample API on this port")
    u.set_defaults(func=_ui)

    s = sub.add_parser("sample-api", help="serve the offline sample API (synthetic data)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--config", help="JSON file of faults/latency to inject (see README)")
    s.set_defaults(func=sample_api)
    return parser


def command() -> int:
    """``jsna`` as a command, in a process of its own (the console script and ``python -m
    pipelines.cli``): a refresh may then freeze what it imported (``pipelines.refresh``)."""
    return main(own_process=True)


def main(argv: Sequence[str] | None = None, own_process: bool = False) -> int:
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.own_process = own_process
    # Dagster flags beta parameters (backfill_policy) on every import: noise for an analyst.
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        # Dagster raises its managed loggers (jsna.fingertips) to INFO for the run log;
        # the terminal shows them only with -v.
        handler.setLevel(level)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # a service stop reads like Ctrl-C, never a traceback
    try:
        return int(args.func(args))
    except Exception as exc:  # noqa: BLE001 - a one-line reason, never a traceback
        return fail(exc)
    except BaseException as exc:  # KeyboardInterrupt, SIGTERM, Dagster's interrupted run
        if isinstance(exc, SystemExit):
            raise
        return interrupted(args)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(command())
