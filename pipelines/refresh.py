"""``jsna refresh``: the settings of the launch checked, the areas resolved, and the whole
graph run in-process as one run (the same assets the UI runs), then where the outputs are."""

from __future__ import annotations

import argparse
import functools
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from jsna import environment, layout, progress
from jsna.areas import Scope, cached_area_list, check_area_type, resolve_scope
from jsna.fingertips import DEFAULT_BASE_URL, FingertipsError
from jsna.fingertips.transport import redact
from jsna.footprints.config import check_members, load_footprints, msoa_codes
from jsna.publication import OutputRoot
from jsna.remote import is_uri, open_output_root
from pipelines.environment import Launch, SettingsError
from pipelines.messages import EXIT_FAILED, fail

if TYPE_CHECKING:
    from dagster import JobDefinition


def _instance():  # noqa: ANN202 - DagsterInstance import is deferred to keep start-up fast
    from dagster import DagsterInstance

    if environment.read("DAGSTER_HOME"):
        Path(environment.read("DAGSTER_HOME")).mkdir(parents=True, exist_ok=True)
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()


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


class _Stop(Exception):  # noqa: N818 - not an error: the command's exit code, said already
    def __init__(self, code: int) -> None:
        self.code = code


def _error(message: str) -> _Stop:
    print(f"error: {message}", file=sys.stderr)
    return _Stop(EXIT_FAILED)


def refresh(args: argparse.Namespace) -> int:
    """Run the whole graph (or the named areas) in-process, in one run, and say where the
    outputs are."""
    try:
        launch, scope = _start(args)
    except _Stop as stop:
        return stop.code
    from dagster import build_reconstructable_job, execute_job

    if getattr(args, "own_process", False):
        _freeze_imports()
    api = redact(str(launch.resources()["fingertips"].base_url))  # type: ignore[attr-defined]
    print(f"Refreshing {len(launch.areas or scope.slugs)} area(s) of {scope.name} from {api}")
    handler = progress.attach_terminal()
    # ``execute_job``, not ``execute_in_process``: the latter keeps every step's output in
    # memory until the run ends (to return them), so a run would hold every table it made
    # at once. The job's executor is in-process: one process, as before. Dagster caches the
    # job it rebuilds by these arguments, and the resources read the environment as they are
    # built: a launch of its own (``uuid4``) makes every refresh build its own.
    job = build_reconstructable_job("pipelines.refresh", "refresh_job", (launch.to_json(), uuid.uuid4().hex))
    try:
        with execute_job(
            job, _instance(), run_config=run_config(args), tags={"jsna/trigger": "cli"}, raise_on_error=True
        ) as result:
            return _finished(result, launch, scope)
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line for the user
        return fail(exc)
    finally:
        if handler:
            progress.log.removeHandler(handler)
            handler.close()


def _freeze_imports() -> None:
    """In the command's own process, the graph's modules (Dagster, pandas, the pipeline) are
    imported before the run and frozen out of the cycle collector's way: they live as long as
    the process, and each full collection walked them all again (a refresh of three areas
    from a new process took 3.7 to 4.0 CPU-seconds instead of 4.3 to 4.9). Not when Python
    code calls ``main`` (a test, a notebook): that process's objects are its caller's."""
    import gc

    import pipelines.definitions  # noqa: F401 - imported now, before the freeze, not by the run

    gc.freeze()


@functools.lru_cache(maxsize=2)
def refresh_job(settings: str, launch_id: str) -> JobDefinition:  # noqa: ARG001 - the key of Dagster's cache
    """The ``refresh_all`` job of a launch's settings (``Launch.to_json``), as ``execute_job``
    rebuilds it; ``launch_id`` only tells one refresh from another. ``execute_job`` asks for
    it four times in one run (counted in a profile): built once, not four times."""
    from pipelines.definitions import build_definitions

    return build_definitions(Launch.from_json(settings)).resolve_job_def("refresh_all")


def _finished(result: object, launch: Launch, scope: Scope) -> int:
    """What the run found upstream, then where the outputs are (or why it refused)."""
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
    if not result.success:  # type: ignore[attr-defined] - a failure that raised nothing still fails
        print("error: the refresh did not finish; nothing new was published", file=sys.stderr)
        return EXIT_FAILED
    return _done(open_output_root(launch.output), launch, len(launch.areas or scope.slugs), scope)


def _start(args: argparse.Namespace) -> tuple[Launch, Scope]:
    """The launch's settings and its areas, each problem said in one line (``_Stop``)."""
    from assets.errors import one_line

    try:
        launch = launch_of(args)
    except SettingsError as exc:
        raise _error(str(exc)) from exc
    problem = _check_arguments(launch)
    if problem:
        raise _error(problem)
    try:
        scope = _scope(launch)
    except FingertipsError as exc:
        raise _Stop(fail(exc)) from exc
    except ValueError as exc:
        raise _error(one_line(str(exc))) from exc
    unknown = [s for s in args.areas or [] if s not in scope.slugs]
    if unknown:
        raise _error(f"unknown area slug(s): {', '.join(unknown)}; expected one of: {', '.join(scope.slugs)}")
    return launch.with_flags(areas=tuple(args.areas or ())), scope


def run_config(args: argparse.Namespace) -> dict:
    """The run's configuration from the command line: the log level, and the raw steps'
    ``full``, and what an operator accepts after checking Fingertips."""
    from assets.raw import DATA_KEY, META_KEY

    data_config = {
        "full": bool(args.full),
        "accept_shrink": [int(i) for i in args.accept_shrink or []],
        "accept_area_changes": bool(args.accept_area_changes),
    }
    return {
        "loggers": {"console": {"config": {"log_level": args.log_level}}},
        "ops": {
            DATA_KEY: {"config": data_config},
            META_KEY: {"config": {"accept_metadata": [int(i) for i in args.accept_metadata or []]}},
        },
    }


def _done(root: OutputRoot, launch: Launch, areas: int, scope: Scope) -> int:
    """Where the outputs are, what they hold and whether they are synthetic."""
    manifest = root.read_manifest()
    label = "SYNTHETIC SAMPLE DATA" if manifest.get("synthetic") else "Fingertips data"
    print(f"Done ({label}). Outputs in {launch.output}")
    print(
        f"  {layout.AREAS_DIR}/<slug>/: indicator values, neighbourhoods, inequalities, summary, workbook, report, "
        f"chapter  ({areas} area(s))"
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
