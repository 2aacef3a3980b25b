"""How assets take part in the run's one publication.

Every publishing asset stages its files in the run's publication (``stage``); only
``out_jsna__publication``, downstream of all of them, commits, so a run publishes
everything or nothing. A UI backfill that Dagster splits into several runs shares one
publication (keyed by the backfill id). The refresh lease (``jsna.publication.lease``) is taken by
the first step and renewed by every later one, so a CLI refresh, a UI launch and the
schedule never publish over one another.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from dagster import AssetExecutionContext, AssetKey, DagsterInstance, DagsterRunStatus, Failure, MaterializeResult
from dagster._core.execution.backfill import BulkActionStatus

from jsna.publication import Publication, RefreshLockedError
from jsna.publication.lease import RefreshLease, process_alive
from jsna.table_files import conformed, files_of, table_files
from resources import RunContext
from resources.storage import BACKFILL_TAG, LAUNCH, PUBLICATION_TAG, launch_id
from schemas.spec import TableSpec

PUBLICATION_KEY = "out_jsna__publication"
NO_CHANGE = "no upstream change"
# A publishing step's input: a table computed in this launch, or None on a quiet night
# (nothing passed, and the step does no work; ``skip_when_quiet`` checks before the body).
Upstream = pd.DataFrame | None
_ACTIVE_BACKFILL = {BulkActionStatus.REQUESTED, BulkActionStatus.CANCELING, BulkActionStatus.FAILING}
_ACTIVE_RUN = {
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
}


def publication_id(context: AssetExecutionContext) -> str:
    """One publication per run, or per backfill when a backfill spans several runs."""
    return launch_id(context.run.tags, context.run.run_id)


def _alive(context: AssetExecutionContext):  # noqa: ANN202 - a closure over the instance
    def alive(holder: dict[str, Any]) -> bool:
        instance = context.instance
        publication = str(holder.get("publication") or "")
        backfill = instance.get_backfill(publication) if publication else None
        if backfill is not None:
            return backfill.status in _ACTIVE_BACKFILL
        run = instance.get_run_by_id(str(holder.get("run_id") or ""))
        if run is not None:
            return run.status in _ACTIVE_RUN
        other = _run_status_elsewhere(holder, instance)
        if other is not None:
            return other in _ACTIVE_RUN
        return process_alive(holder)  # a run of another Dagster instance (e.g. the CLI's own)

    return alive


def _run_status_elsewhere(holder: dict[str, Any], instance: DagsterInstance) -> DagsterRunStatus | None:
    """The status of the holder's run in the Dagster instance it named, when that is not
    ours (a multiprocess run between steps has no live process to find by pid)."""
    home = holder.get("dagster_home")
    if not home or (not instance.is_ephemeral and str(instance.root_directory) == str(home)):
        return None
    try:
        with DagsterInstance.from_config(str(home)) as other:
            run = other.get_run_by_id(str(holder.get("run_id") or ""))
    except Exception:  # noqa: BLE001 - an instance that cannot be read says nothing either way
        return None
    return run.status if run is not None else None


def _home(context: AssetExecutionContext) -> str | None:
    instance = context.instance
    return None if instance.is_ephemeral else str(instance.root_directory)


def hold_lease(context: AssetExecutionContext, run: RunContext) -> None:
    """Take or renew this run's lease on the output root; refused while another refresh runs."""
    root = run.output_root()
    try:
        RefreshLease(root.state_dir, root.root).acquire(
            publication_id(context), context.run.run_id, _alive(context), _home(context)
        )
    except RefreshLockedError as exc:
        raise Failure(description=str(exc)) from exc


def publication_in_launch(context: AssetExecutionContext) -> bool:
    """Whether this launch (run, backfill, or the CLI's runs) ends with the commit."""
    tags = context.run.tags
    if PUBLICATION_TAG in tags:
        return True
    key = AssetKey(PUBLICATION_KEY)
    if BACKFILL_TAG in tags:
        backfill = context.instance.get_backfill(tags[BACKFILL_TAG])
        selection = getattr(backfill, "asset_selection", None) if backfill else None
        return not selection or key in selection
    # No selection on the run: the job's own selection (the whole of refresh_all).
    selection = context.run.asset_selection or context.job_def.asset_layer.selected_asset_keys
    return key in selection


def require_publication(context: AssetExecutionContext) -> None:
    """Refuse at once a launch that would stage files nobody commits."""
    if not publication_in_launch(context):
        raise Failure(
            description=(
                f"nothing was published: {context.asset_key.to_user_string()} publishes only together with "
                f"{PUBLICATION_KEY}; select it too (e.g. 'Materialize' with its downstream assets) or use "
                "'Materialize all'"
            )
        )


def require_current_inputs(context: AssetExecutionContext, inputs: dict[str, Any]) -> None:
    """Every table a publishing step is given was computed in this launch: a table kept
    from an earlier launch (an upstream asset left out of the selection) could be stale."""
    launch = publication_id(context)
    stale = sorted(
        name
        for name, value in inputs.items()
        if value is None or (isinstance(value, pd.DataFrame) and value.attrs.get(LAUNCH) != launch)
    )
    if stale:
        raise Failure(
            description=(
                f"nothing was published: {context.asset_key.to_user_string()} needs {', '.join(stale)} computed in "
                "the same launch, not kept from an earlier one; select the upstream assets too or use "
                "'Materialize all'"
            )
        )


def stage(context: AssetExecutionContext, run: RunContext) -> Publication:
    """The run's publication, to stage files in (nothing is published until the commit).

    A launch that does not end with ``out_jsna__publication`` (one asset picked in the
    UI) would stage files nobody commits: it is refused at once, saying what to select."""
    require_publication(context)
    hold_lease(context, run)
    return run.output_root().stage(publication_id(context))


def _quiet_marker(context: AssetExecutionContext, run: RunContext) -> Path:
    return run.output_root().state_dir / "quiet" / publication_id(context).replace("/", "_")


def mark_quiet(context: AssetExecutionContext, run: RunContext) -> None:
    """Record that this publication has nothing to do (set by the raw data step)."""
    marker = _quiet_marker(context, run)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(NO_CHANGE)


def quiet(context: AssetExecutionContext, run: RunContext) -> bool:
    """Nothing changed upstream and every published file is current: skip the work."""
    return _quiet_marker(context, run).exists()


def clear_quiet(context: AssetExecutionContext, run: RunContext) -> None:
    _quiet_marker(context, run).unlink(missing_ok=True)


def unchanged(**metadata: Any) -> MaterializeResult:
    """What a step reports on a quiet night: a success that changed nothing.

    Dagster counts it as materialised (so "Materialize all" and backfills end green),
    and its metadata says why nothing was rewritten."""
    return MaterializeResult(metadata={"upstream_change": NO_CHANGE, "rewritten": "nothing", **metadata})


def release(context: AssetExecutionContext, run: RunContext) -> None:
    root = run.output_root()
    RefreshLease(root.state_dir, root.root).release(publication_id(context))


def skip_when_quiet(fn: Callable[..., MaterializeResult]) -> Callable[..., MaterializeResult]:
    """A publishing asset's body runs only when there is something to publish; on a
    quiet night the step succeeds at once with ``unchanged()``."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> MaterializeResult:
        bound = signature.bind(*args, **kwargs).arguments
        context = bound["context"]
        if quiet(context, bound["run"]):
            return unchanged()
        require_publication(context)
        inputs = {d.name for d in context.op_def.input_defs}
        require_current_inputs(context, {k: v for k, v in bound.items() if k in inputs})
        return fn(*args, **kwargs)

    return wrapper


def write_table(
    pub: Publication,
    spec: TableSpec,
    frame: pd.DataFrame,
    path: Callable[[str], str],
    metadata: dict[str, str] | None = None,
    *,
    suffixes: tuple[str, ...] = ("parquet", "csv"),
    validated: bool = False,
) -> pd.DataFrame:
    """Stage one published table the one way every table is staged: its files as
    ``jsna.table_files`` makes them, at ``path(suffix)`` from ``jsna.layout`` (which marks
    the names of synthetic CSVs). Returns the rows as published (the spec's types)."""
    rows = conformed(spec, frame, validated=validated)
    stage_files(pub, files_of(spec, rows, table_paths(path, suffixes), metadata))
    return rows


def table_job(
    spec: TableSpec, rows: pd.DataFrame, path: Callable[[str], str], metadata: dict[str, str]
) -> Callable[[], list[tuple[str, bytes, int]]]:
    """A job (for ``jsna.workers.render_each``) making the files of rows already
    validated as a whole, at ``path(suffix)`` from ``jsna.layout``."""
    return functools.partial(table_files, spec, rows, table_paths(path), metadata, validated=True)


def table_paths(path: Callable[[str], str], suffixes: tuple[str, ...] = ("parquet", "csv")) -> dict[str, str]:
    """Where each file of a table goes, by suffix (``path`` from ``jsna.layout``)."""
    return {s: path(s) for s in suffixes}


def stage_files(pub: Publication, files: list[tuple[str, bytes, int]]) -> None:
    """Stage (path, bytes, rows) files, e.g. what a worker made of an area's table."""
    for relpath, data, rows in files:
        pub.write_bytes(relpath, data, rows=rows)


def run_areas(context: AssetExecutionContext, run: RunContext) -> list[str]:
    """The areas whose packs this run rebuilds (``RunContext.slugs``). An area asked for
    that is no longer an area of the scope upstream (the raw step refreshed the list) is
    said once and published by no one."""
    slugs = run.slugs()
    gone = sorted(set(run.areas) - set(slugs))
    if gone:
        context.log.warning(f"not areas of {run.scope().name} upstream, not published: {', '.join(gone)}")
    return slugs
