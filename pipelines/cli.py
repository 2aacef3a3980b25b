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
import os
import re
import signal
import sys
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from jsna import layout, progress
from jsna.areas import Scope, cached_area_list, check_area_type, resolve_scope
from jsna.fingertips import DEFAULT_BASE_URL, FingertipsError, FingertipsUnavailable
from jsna.fingertips.client import redact
from jsna.footprints.config import check_members, load_footprints, msoa_codes
from jsna.publication import ManifestDamagedError, OutputRoot
from jsna.remote import is_uri, open_output_root
from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import SampleApiServer
from pipelines.environment import PARTS, Launch, SettingsError

EXIT_FAILED = 1


def _instance():  # noqa: ANN202 - DagsterInstance import is deferred to keep start-up fast
    from dagster import DagsterInstance

    if os.environ.get("DAGSTER_HOME"):
        Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()


def _reason(exc: BaseException) -> BaseException:
    """The user's exception inside Dagster's step-failure wrappers (ours are kept whole)."""
    from dagster import Failure

    seen = exc
    while type(seen).__module__.startswith("dagster") and not isinstance(seen, Failure):
        inner = getattr(seen, "user_exception", None) or seen.__cause__
        if inner is None or inner is seen:
            break
        seen = inner
    return seen


def _upstream_change(result: object) -> str | None:
    """The raw data asset's "upstream_change" metadata from a run result."""
    from assets.raw import DATA_KEY

    events = [*result.asset_materializations_for_node(DATA_KEY), *result.asset_observations_for_node(DATA_KEY)]  # type: ignore[attr-defined]
    for event in events:
        if "upstream_change" in event.metadata:
            return getattr(event.metadata["upstream_change"], "value", None)
    return None


def _areas_moved(result: object) -> str:
    """Which areas the raw data step saw appear or disappear upstream ("" if none)."""
    from assets.raw import DATA_KEY

    for event in result.asset_materializations_for_node(DATA_KEY):  # type: ignore[attr-defined]
        parts = []
        for what in ("added", "removed"):
            listed = getattr(event.metadata.get(f"areas_{what}"), "value", None) or []
            if listed:
                parts.append(f"{what}: {', '.join(str(a.get('name')) for a in listed)}")
        return "; ".join(parts)
    return ""


def check_api_url(url: str) -> str | None:
    """What is wrong with an API base URL, before any request is made (None if nothing)."""

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        return f"the API URL {redact(url)!r} is malformed ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"the API URL {redact(url)!r} must start with https:// (or http://) and name a host"
    if not parts.path.rstrip("/").endswith("/api"):
        return f"the API URL {redact(url)!r} must end with /api (e.g. https://fingertips.phe.org.uk/api)"
    return None


def _check_arguments(launch: Launch) -> str | None:
    """One line on what is wrong with the command line or environment, or None."""

    problem = check_api_url(launch.api_url or DEFAULT_BASE_URL)
    if problem:
        return problem
    output = launch.output_dir
    if not output.strip():
        return "the output folder is empty (--output or JSNA_OUTPUT_DIR); name a folder"
    if not is_uri(output) and Path(output).exists() and not Path(output).is_dir():
        return f"the output folder {output} is a file, not a folder"
    if not is_uri(output):
        return _writable(output)
    return None


def _writable(output: str) -> str | None:
    """The output folder and its state folder can be made: said of the folder the user gave,
    never of an internal path they did not name."""
    root = open_output_root(output)
    for folder, what in ((root.root, "the output folder"), (root.state_dir, "the state folder beside it")):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            detail = exc.strerror or type(exc).__name__
            where = "" if what == "the output folder" else f" ({folder})"
            return f"cannot write to the output folder {output}: {what}{where} cannot be created ({detail})"
    return None


def _scope(launch: Launch) -> Scope:
    """The areas to publish, from the cached area list of the output root (fetched from the
    API first when there is none), and the footprints checked against them: before the run
    starts, so a wrong name stops it at once. Raises ValueError (unknown region, area type
    or footprint member) or FingertipsError."""
    from resources import FingertipsResource

    check_area_type(launch.area_type_id)
    fingertips = FingertipsResource.resolved(launch.api_url)
    state_dir = open_output_root(launch.output).state_dir
    found = cached_area_list(state_dir, launch.area_type_id, redact(fingertips.base_url), fingertips.client)
    scope = resolve_scope(launch.region, found)
    footprints = load_footprints(launch.footprints_path or None)  # validated at start-up, like the catalogue
    check_members(footprints, found.codes(), lambda: msoa_codes(fingertips.client()), launch.area_type_id)
    return scope


def launch_of(args: argparse.Namespace) -> Launch:
    """The environment's settings with the command line's flags over them."""
    return Launch.load().with_flags(
        api_url=args.api_url,
        output_dir=args.output,
        region=args.region,
        area_type_id=args.area_type,
        footprints_path=args.footprints,
        drop=tuple(args.drop) if args.drop else None,
    )


def refresh(args: argparse.Namespace) -> int:
    """Run the whole graph (or the named areas) in-process, in one run, and say where the
    outputs are."""
    try:
        launch = launch_of(args)
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    problem = _check_arguments(launch)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_FAILED
    from assets.errors import one_line

    try:
        scope = _scope(launch)
    except FingertipsError as exc:
        return _fail(exc)
    except ValueError as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    slugs = scope.slugs
    selected = args.areas or slugs
    unknown = [s for s in selected if s not in slugs]
    if unknown:
        print(
            f"error: unknown area slug(s): {', '.join(unknown)}; expected one of: {', '.join(slugs)}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    from assets.raw import DATA_KEY, META_KEY
    from pipelines.definitions import build_definitions

    launch = launch.with_flags(areas=tuple(args.areas or ()))
    defs = build_definitions(launch)
    root = open_output_root(launch.output)
    job = defs.resolve_job_def("refresh_all")
    data_config = {
        "full": bool(args.full),
        "accept_shrink": [int(i) for i in args.accept_shrink or []],
        "accept_area_changes": bool(args.accept_area_changes),
    }
    run_config: dict = {
        "loggers": {"console": {"config": {"log_level": args.log_level}}},
        "ops": {
            DATA_KEY: {"config": data_config},
            META_KEY: {"config": {"accept_metadata": [int(i) for i in args.accept_metadata or []]}},
        },
    }
    api = redact(str(defs.resources["fingertips"].value_of("base_url")))  # type: ignore[attr-defined]
    print(f"Refreshing {len(selected)} area(s) of {scope.name} from {api}")
    handler = progress.attach_terminal()
    try:
        result = job.execute_in_process(run_config=run_config, instance=_instance(), tags={"jsna/trigger": "cli"})
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line for the user
        return _fail(exc)
    finally:
        if handler:
            progress.log.removeHandler(handler)
            handler.close()
    change = _upstream_change(result)
    if change:
        print(f"Upstream: {change}")
    moved = _areas_moved(result)
    if moved:
        # The raw step cached the new list before any area was published: this run
        # published the areas as they are now.
        print(f"Areas changed upstream ({moved}): published the new list of areas")
    refused = _refusals(result)
    if refused:
        print(f"error: {refused}", file=sys.stderr)
        return EXIT_FAILED
    return _done(root, launch, len(selected), scope)


def _done(root: OutputRoot, launch: Launch, areas: int, scope: Scope) -> int:
    """Where the outputs are, what they hold and whether they are synthetic."""
    manifest = root.read_manifest()
    label = "SYNTHETIC SAMPLE DATA" if manifest.get("synthetic") else "Fingertips data"
    print(f"Done ({label}). Outputs in {launch.output}")
    print(
        f"  {layout.AREAS_DIR}/<slug>/: indicator values, neighbourhoods, summary, workbook, report  ({areas} area(s))"
    )
    files = manifest.get("files", {})
    for folder, what in ((layout.ICBS_DIR, "ICB"), (layout.FOOTPRINTS_DIR, "footprint")):
        count = len({f.split("/")[1] for f in files if f.startswith(f"{folder}/")})
        if count:
            print(f"  {folder}/<slug>/: the same pack for each {what}  ({count})")
    print(f"  {', '.join([*layout.region_files(bool(manifest.get('synthetic')), scope.slug), layout.MANIFEST])}")
    return 0


def _refusals(result: object) -> str | None:
    """The one-line reason of a failed plausibility check, if the run refused an answer."""
    from assets.raw import METADATA_CHECK, PLAUSIBLE_CHECK

    lines = [
        evaluation.description or "an implausible answer was refused"
        for evaluation in result.get_asset_check_evaluations()  # type: ignore[attr-defined]
        if evaluation.check_name in (PLAUSIBLE_CHECK, METADATA_CHECK) and not evaluation.passed
    ]
    return "; and ".join(lines) or None


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jsna", description="The mental wellbeing JSNA pipeline.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every API request (URL, status, bytes, s)")
    sub = parser.add_subparsers(dest="command", required=True)

    r = sub.add_parser("refresh", help="fetch, validate and publish the JSNA dataset")
    r.add_argument("--api-url", help="Fingertips API base URL (default: $FINGERTIPS_API_URL or the live API)")
    r.add_argument("--output", help="output folder (default: $JSNA_OUTPUT_DIR or data/output)")
    r.add_argument(
        "--region",
        help="which areas: a region's slug, name or code (north-west, E12000002) or england "
        "(default: $JSNA_REGION or london)",
    )
    r.add_argument(
        "--area-type",
        type=int,
        help="502 upper tier (counties and unitary authorities) or 501 lower tier (default: $JSNA_AREA_TYPE or 502)",
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
        help="custom footprints (YAML: slug, name, members) published under footprints/ (default: $JSNA_FOOTPRINTS)",
    )
    r.add_argument(
        "--drop",
        nargs="+",
        choices=PARTS,
        help="leave these parts of the last publication out of this one (footprints, icbs); refused otherwise",
    )
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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
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
        return _fail(exc)
    except BaseException as exc:  # KeyboardInterrupt, SIGTERM, Dagster's interrupted run
        if isinstance(exc, SystemExit):
            raise
        return _interrupted(args)


def _die_with_parent() -> None:
    """In a refresh this process starts for itself: SIGTERM when this process dies (Linux's
    PR_SET_PDEATHSIG), so a killed refresh leaves no refresh of its own running."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):  # not Linux: the child is on its own, as before
        pass


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _interrupted(args: argparse.Namespace) -> int:
    """The words for an interrupted command: whether the outputs are as they were."""
    output = Launch.load().with_flags(output_dir=getattr(args, "output", None)).output_dir
    try:
        pending = open_output_root(output).pending()
    except Exception:  # noqa: BLE001 - the message must come whatever the folder's state
        pending = False
    if pending:
        print(
            f"interrupted during the commit; jsna verify --output {output} (or the next refresh) finishes it",
            file=sys.stderr,
        )
    else:
        print("interrupted; previous outputs are unchanged", file=sys.stderr)
    return EXIT_FAILED


def _fail(exc: BaseException) -> int:
    """Print the reason for a failure in one line, with a hint where there is one."""
    from assets.errors import one_line

    reason = _reason(exc)
    message = getattr(reason, "description", None) or one_line(reason)
    # The ids are listed once, compactly, after the URL: keep the line short.
    message = re.sub(r"indicator_ids=[0-9,]{40,}", "indicator_ids=...", one_line(message))
    print(f"error: refresh failed: {message}", file=sys.stderr)
    # A Failure made from our error carries it as its cause; our own errors come as they are.
    cause = reason if isinstance(reason, FingertipsError) or reason.__cause__ is None else reason.__cause__
    if isinstance(cause, FingertipsUnavailable):
        print(
            "hint: check your internet connection or proxy settings (HTTPS_PROXY); "
            "to try the pipeline offline, run: make sample",
            file=sys.stderr,
        )
    elif isinstance(cause, FingertipsError):
        print(
            "hint: the API answered with something other than the data asked for; previous outputs are unchanged.",
            file=sys.stderr,
        )
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
